//! The derive's IR: the struct and its fields with their parsed attributes.

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use super::attr::{ColumnAttrs, TableAttrs};
use super::case::to_snake_case;
use super::ctxt::Ctxt;

/// The struct under `#[derive(Table)]`.
pub struct Container<'a> {
    pub original: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: TableAttrs,
    /// The table's name: `#[table(name = "..")]` or the struct's name in snake_case.
    pub table_name: String,
    /// The named fields (empty for an unsupported shape).
    pub fields: Vec<Field<'a>>,
    /// Whether the input is a struct with named fields and no generics.
    pub supported_shape: bool,
}

/// One named field.
pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: ColumnAttrs,
    /// The column's name: `#[column(rename = "..")]` or the field's name without `r#`.
    pub column_name: String,
}

impl<'a> Field<'a> {
    /// The field's name as written in messages and in `ColumnDef::field` (no `r#`).
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    pub fn is_column(&self) -> bool {
        !self.attrs.skip.is_set()
    }
}

impl<'a> Container<'a> {
    /// Builds the IR, recording every problem in `cx`. Always returns a value (with what
    /// could be parsed), so a fallback impl can still be emitted.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Container<'a> {
        let attrs = TableAttrs::from_ast(cx, &input.attrs);
        let table_name = match attrs.name.get() {
            Some(name) => name.value(),
            None => to_snake_case(&input.ident.unraw().to_string()),
        };
        let mut supported_shape = true;
        let mut fields = Vec::new();
        let subject = "#[derive(Table)] needs a struct with named fields";
        match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => {
                    for field in &named.named {
                        let Some(ident) = field.ident.as_ref() else {
                            continue;
                        };
                        let column_attrs = ColumnAttrs::from_ast(cx, &field.attrs);
                        let column_name = match column_attrs.rename.get() {
                            Some(rename) => rename.clone(),
                            None => ident.unraw().to_string(),
                        };
                        fields.push(Field {
                            ident,
                            ty: &field.ty,
                            attrs: column_attrs,
                            column_name,
                        });
                    }
                }
                Fields::Unnamed(unnamed) => {
                    supported_shape = false;
                    cx.error_spanned_by(
                        unnamed,
                        format_args!(
                            "{subject}, not a tuple struct: each column needs a name, \
                             as in `struct {} {{ id: i64 }}`",
                            input.ident
                        ),
                    );
                }
                Fields::Unit => {
                    supported_shape = false;
                    cx.error_spanned_by(
                        &input.ident,
                        format_args!("{subject}, not a unit struct: a table needs columns"),
                    );
                }
            },
            Data::Enum(data) => {
                supported_shape = false;
                cx.error_spanned_by(
                    data.enum_token,
                    format_args!("{subject}, not an enum: a table is one row shape"),
                );
            }
            Data::Union(data) => {
                supported_shape = false;
                cx.error_spanned_by(data.union_token, format_args!("{subject}, not a union"));
            }
        }
        if !input.generics.params.is_empty() {
            supported_shape = false;
            cx.error_spanned_by(
                &input.generics,
                "#[derive(Table)] does not support generic parameters or lifetimes: \
                 a table's columns must have fixed types",
            );
        }
        Container {
            original: input,
            ident: &input.ident,
            attrs,
            table_name,
            fields,
            supported_shape,
        }
    }

    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|field| field.is_column())
    }
}
