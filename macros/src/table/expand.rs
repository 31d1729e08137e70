//! Code generation: the `Table` impl, the column-name constants and compile-time type checks.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::ast::{Container, Field};
use super::attr::{DefaultLit, Reference, ReferentialAction};

/// The full expansion of a valid struct.
pub fn expand(container: &Container) -> TokenStream {
    let ident = container.ident;
    let core = quote!(::strata::__private::core);
    let table_name = &container.table_name;
    let rust_name = ident.unraw().to_string();
    let primary_key = primary_key_columns(container);

    let columns = container.columns().map(|field| column_def(field));
    let uniques = index_defs(container, true);
    let indexes = index_defs(container, false);
    let foreign_keys = container
        .columns()
        .filter_map(|field| foreign_key_def(container, field));
    let assertions = container
        .columns()
        .flat_map(|field| type_assertions(container, field));
    let constants = column_constants(container);

    quote! {
        #[allow(unused_qualifications)]
        const _: () = {
            #[automatically_derived]
            impl #core::Table for #ident {
                const NAME: &'static str = #table_name;
                const PRIMARY_KEY: &'static [&'static str] = &[#(#primary_key),*];
                const DEF: #core::TableDef = #core::TableDef {
                    name: #table_name,
                    rust_name: #rust_name,
                    columns: &[#(#columns),*],
                    primary_key: &[#(#primary_key),*],
                    uniques: &[#(#uniques),*],
                    indexes: &[#(#indexes),*],
                    foreign_keys: &[#(#foreign_keys),*],
                };
            }

            #constants

            #(#assertions)*
        };
    }
}

/// The impl emitted next to the errors of an invalid item, so that uses of the type elsewhere
/// (`User::NAME`, `schema![User]`, `User::COLUMNS`) add no errors of their own.
pub fn fallback(container: &Container) -> TokenStream {
    let ident = container.ident;
    let core = quote!(::strata::__private::core);
    let table_name = &container.table_name;
    let rust_name = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = container.original.generics.split_for_impl();
    let constants = if container.supported_shape {
        column_constants(container)
    } else {
        TokenStream::new()
    };
    quote! {
        #[allow(unused_qualifications)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #core::Table for #ident #ty_generics #where_clause {
                const NAME: &'static str = #table_name;
                const PRIMARY_KEY: &'static [&'static str] = &[];
                const DEF: #core::TableDef = #core::TableDef {
                    name: #table_name,
                    rust_name: #rust_name,
                    columns: &[],
                    primary_key: &[],
                    uniques: &[],
                    indexes: &[],
                    foreign_keys: &[],
                };
            }

            #constants
        };
    }
}

/// The column names of the primary key, from `#[column(primary_key)]` or `#[table(primary_key(..))]`.
fn primary_key_columns(container: &Container) -> Vec<String> {
    if let Some(list) = container.attrs.primary_key.get() {
        return list
            .columns
            .iter()
            .map(|ident| column_name_of(container, ident))
            .collect();
    }
    container
        .columns()
        .filter(|field| field.attrs.primary_key.is_set())
        .map(|field| field.column_name.clone())
        .collect()
}

/// The column name of the field a table-level list names (checked to exist beforehand).
fn column_name_of(container: &Container, ident: &syn::Ident) -> String {
    let name = ident.unraw().to_string();
    container
        .fields
        .iter()
        .find(|field| field.name() == name)
        .map_or(name, |field| field.column_name.clone())
}

fn column_def(field: &Field) -> TokenStream {
    let core = quote!(::strata::__private::core);
    let ty = field.ty;
    let attrs = &field.attrs;
    let name = &field.column_name;
    let field_name = field.name();
    let sql = quote_spanned!(ty.span()=> <#ty as ::strata::__private::ColumnType>::SQL);
    let nullable = quote_spanned!(ty.span()=> <#ty as ::strata::__private::ColumnType>::NULLABLE);
    let sql_type = match attrs.length.get() {
        Some(length) => {
            let length = Literal::u32_unsuffixed(*length);
            quote!(#sql.with_length(#length))
        }
        None => sql,
    };
    let sql_type_override = option(attrs.sql_type.get().map(|sql| quote!(#sql)));
    let auto_increment = attrs.auto_increment.is_set();
    let default = if let Some(default) = attrs.default.get() {
        let literal = literal_tokens(&default.value);
        quote!(::core::option::Option::Some(#core::DefaultValue::Literal(#literal)))
    } else if let Some(sql) = attrs.default_sql.get() {
        quote!(::core::option::Option::Some(#core::DefaultValue::Sql(#sql)))
    } else {
        quote!(::core::option::Option::None)
    };
    let renamed_from = option(attrs.renamed_from.get().map(|old| quote!(#old)));
    quote! {
        #core::ColumnDef {
            name: #name,
            field: #field_name,
            sql_type: #sql_type,
            sql_type_override: #sql_type_override,
            nullable: #nullable,
            auto_increment: #auto_increment,
            default: #default,
            renamed_from: #renamed_from,
        }
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn literal_tokens(value: &DefaultLit) -> TokenStream {
    let core = quote!(::strata::__private::core);
    match value {
        DefaultLit::Bool(b) => quote!(#core::Literal::Bool(#b)),
        DefaultLit::Int(i) => {
            let lit = Literal::i64_unsuffixed(*i);
            quote!(#core::Literal::Int(#lit))
        }
        DefaultLit::Float(f) => {
            let lit = Literal::f64_unsuffixed(*f);
            quote!(#core::Literal::Float(#lit))
        }
        DefaultLit::Str(s) => quote!(#core::Literal::Str(#s)),
    }
}

/// Column-level `unique`/`index` in field order, then the struct's `unique(..)`/`index(..)`.
fn index_defs(container: &Container, unique: bool) -> Vec<TokenStream> {
    let core = quote!(::strata::__private::core);
    let per_field = container.columns().filter(|field| {
        if unique {
            field.attrs.unique.is_set()
        } else {
            field.attrs.index.is_set()
        }
    });
    let mut out: Vec<TokenStream> = per_field
        .map(|field| {
            let name = &field.column_name;
            quote!(#core::IndexDef { columns: &[#name] })
        })
        .collect();
    let lists = if unique {
        &container.attrs.uniques
    } else {
        &container.attrs.indexes
    };
    for list in lists {
        let names = list
            .columns
            .iter()
            .map(|ident| column_name_of(container, ident));
        out.push(quote!(#core::IndexDef { columns: &[#(#names),*] }));
    }
    out
}

fn action_tokens(action: Option<&ReferentialAction>) -> TokenStream {
    let core = quote!(::strata::__private::core);
    option(action.map(|action| match action {
        ReferentialAction::Cascade => quote!(#core::FkAction::Cascade),
        ReferentialAction::Restrict => quote!(#core::FkAction::Restrict),
        ReferentialAction::SetNull => quote!(#core::FkAction::SetNull),
        ReferentialAction::NoAction => quote!(#core::FkAction::NoAction),
    }))
}

/// `references = User` reads `User`'s `NAME` and `PRIMARY_KEY`, never its `DEF`: those are
/// literals, so a table may reference itself without a const-evaluation cycle.
fn referenced_type(container: &Container, path: &syn::Path) -> TokenStream {
    if path.is_ident("Self") {
        let ident = container.ident;
        quote_spanned!(path.span()=> #ident)
    } else {
        path.to_token_stream()
    }
}

fn foreign_key_def(container: &Container, field: &Field) -> Option<TokenStream> {
    let core = quote!(::strata::__private::core);
    let reference = field.attrs.references.get()?;
    let column = &field.column_name;
    let (ref_table, ref_columns) = match reference {
        Reference::Type(path) => {
            let ty = referenced_type(container, path);
            (
                quote_spanned!(path.span()=> <#ty as ::strata::__private::core::Table>::NAME),
                quote_spanned!(path.span()=> <#ty as ::strata::__private::core::Table>::PRIMARY_KEY),
            )
        }
        Reference::Named { table, column } => (quote!(#table), quote!(&[#column])),
    };
    let on_delete = action_tokens(field.attrs.on_delete.get());
    let on_update = action_tokens(field.attrs.on_update.get());
    Some(quote! {
        #core::ForeignKeyDef {
            columns: &[#column],
            ref_table: #ref_table,
            ref_columns: #ref_columns,
            on_delete: #on_delete,
            on_update: #on_update,
        }
    })
}

/// Checks that need the field's type, so run at compile time as const assertions spanned on
/// the offending tokens: `auto_increment` on an integer, `length` on text, a `default` that
/// suits the type, a referenced table with a one-column primary key.
fn type_assertions(container: &Container, field: &Field) -> Vec<TokenStream> {
    let ty = field.ty;
    let attrs = &field.attrs;
    let sql = quote_spanned!(ty.span()=> <#ty as ::strata::__private::ColumnType>::SQL);
    let mut out = Vec::new();
    if attrs.auto_increment.is_set() {
        out.push(quote_spanned! {ty.span()=>
            const _: () = ::core::assert!(
                #sql.is_integer(),
                "`auto_increment` needs an integer column type (i16, i32, i64, ...), and this type is not one",
            );
        });
    }
    if attrs.length.is_set() {
        out.push(quote_spanned! {ty.span()=>
            const _: () = ::core::assert!(
                #sql.is_text(),
                "`length` applies to text columns (String) only, and this type is not text",
            );
        });
    }
    if let Some(default) = attrs.default.get() {
        let literal = literal_tokens(&default.value);
        let span = default
            .tokens
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span());
        let message = "this `default` does not suit the field's type: use `true`/`false` for bool, \
                       a number for numeric types, a string for text, date, time, UUID and JSON";
        out.push(quote_spanned! {span=>
            const _: () = ::core::assert!(#literal.suits(#sql), #message);
        });
    }
    if let Some(Reference::Type(path)) = attrs.references.get() {
        let target = referenced_type(container, path);
        let message = format!(
            "`references = {}` needs that table to have a primary key of exactly one column",
            path.to_token_stream().to_string().replace(' ', "")
        );
        out.push(quote_spanned! {path.span()=>
            const _: () = ::core::assert!(
                <#target as ::strata::__private::core::Table>::PRIMARY_KEY.len() == 1,
                #message,
            );
        });
    }
    out
}

/// `User::COLUMNS.email == "email"`: a value of a struct type private to the expansion, with one
/// `&'static str` field per column, named after the Rust field.
fn column_constants(container: &Container) -> TokenStream {
    let ident = container.ident;
    let struct_doc = format!(
        "The column names of table `{}`, one field per column of [`{ident}`].",
        container.table_name
    );
    let const_doc = format!(
        "The database name of each column of table `{}`, by field: `{ident}::COLUMNS.<field>`.",
        container.table_name
    );
    let fields: Vec<_> = container.columns().collect();
    let names = fields.iter().map(|field| field.ident);
    let docs = fields
        .iter()
        .map(|field| format!("Column `{}`.", field.column_name));
    let idents = fields.iter().map(|field| field.ident);
    let values = fields.iter().map(|field| &field.column_name);
    let columns_type = format_ident!("__StrataColumns");
    quote! {
        #[doc = #struct_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #[allow(dead_code)]
        pub struct #columns_type {
            #(
                #[doc = #docs]
                pub #names: &'static str,
            )*
        }

        #[automatically_derived]
        impl #ident {
            #[doc = #const_doc]
            #[allow(dead_code)]
            pub const COLUMNS: #columns_type = #columns_type {
                #(#idents: #values,)*
            };
        }
    }
}
