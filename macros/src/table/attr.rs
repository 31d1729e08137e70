//! Parsing of `#[table(..)]` and `#[column(..)]`.
//!
//! Parsers record every problem in the [`Ctxt`] and skip the bad key, so one item's bad
//! attributes are all reported at once. Only a token stream that is not `key`, `key = value`
//! or `key(..)` stops the parse of that one attribute.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use super::ctxt::Ctxt;
use super::symbol::{self, *};

/// One attribute key that may appear at most once.
pub struct Attr<T> {
    namespace: Symbol,
    name: Symbol,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    fn none(namespace: Symbol, name: Symbol) -> Self {
        Attr {
            namespace,
            name,
            value: None,
        }
    }

    /// Sets the value; a second occurrence is an error at its key.
    fn set(&mut self, cx: &Ctxt, key: Span, value: T) {
        if self.value.is_some() {
            cx.error_at(
                key,
                format_args!("duplicate {} attribute `{}`", self.namespace, self.name),
            );
        } else {
            self.value = Some((key, value));
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, value)| value)
    }

    /// The span of the key, when the attribute is present.
    pub fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(span, _)| *span)
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub fn name(&self) -> Symbol {
        self.name
    }
}

/// `index(a, b)`, `unique(a)` or `primary_key(a, b)` on the struct.
pub struct ColumnList {
    /// The key (`index`), for errors about the whole list.
    pub key: Ident,
    pub columns: Vec<Ident>,
}

/// `#[table(..)]`.
pub struct TableAttrs {
    pub name: Attr<LitStr>,
    pub indexes: Vec<ColumnList>,
    pub uniques: Vec<ColumnList>,
    pub primary_key: Attr<ColumnList>,
}

/// A `default = ..` literal.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultLit {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// `default = <literal>`, with the literal's tokens for spans.
pub struct Default {
    pub value: DefaultLit,
    pub tokens: TokenStream,
}

/// `references = ..`.
pub enum Reference {
    /// `references = User`: the type's table and primary key.
    Type(syn::Path),
    /// `references = "table(column)"`.
    Named { table: String, column: String },
}

/// `on_delete = ".."` / `on_update = ".."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    Cascade,
    Restrict,
    SetNull,
    NoAction,
}

/// `#[column(..)]`.
pub struct ColumnAttrs {
    pub primary_key: Attr<()>,
    pub auto_increment: Attr<()>,
    pub unique: Attr<()>,
    pub index: Attr<()>,
    pub skip: Attr<()>,
    pub length: Attr<u32>,
    pub default: Attr<Default>,
    pub default_sql: Attr<String>,
    pub references: Attr<Reference>,
    pub on_delete: Attr<ReferentialAction>,
    pub on_update: Attr<ReferentialAction>,
    pub rename: Attr<String>,
    pub renamed_from: Attr<String>,
    pub sql_type: Attr<String>,
}

impl TableAttrs {
    /// Parses every `#[table(..)]` of the struct; a `#[column(..)]` there is an error.
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = TableAttrs {
            name: Attr::none(TABLE, NAME),
            indexes: Vec::new(),
            uniques: Vec::new(),
            primary_key: Attr::none(TABLE, PRIMARY_KEY),
        };
        for attr in attrs {
            if attr.path() == COLUMN {
                cx.error_spanned_by(
                    attr,
                    "#[column(..)] belongs on a field; on the struct, use #[table(..)]",
                );
                continue;
            }
            if attr.path() != TABLE {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = meta.path.clone();
                if key == NAME {
                    if let Some(expr) = value_expr(cx, &meta, NAME, "name = \"users\"")?
                        && let Some(lit) = non_empty_string(cx, &expr, "name = \"users\"")
                    {
                        out.name.set(cx, key.span(), lit);
                    }
                } else if key == INDEX || key == UNIQUE || key == PRIMARY_KEY {
                    let ident = key
                        .get_ident()
                        .cloned()
                        .unwrap_or_else(|| Ident::new("index", key.span()));
                    if let Some(list) = column_list(cx, &meta, &ident)? {
                        if key == INDEX {
                            out.indexes.push(list);
                        } else if key == UNIQUE {
                            out.uniques.push(list);
                        } else {
                            out.primary_key.set(cx, key.span(), list);
                        }
                    }
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        format_args!(
                            "unknown table attribute `{}`; expected one of: {}",
                            path_text(&meta.path),
                            symbol::list(TABLE_KEYS)
                        ),
                    );
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        out
    }
}

impl ColumnAttrs {
    /// Parses every `#[column(..)]` of a field; a `#[table(..)]` there is an error.
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = ColumnAttrs {
            primary_key: Attr::none(COLUMN, PRIMARY_KEY),
            auto_increment: Attr::none(COLUMN, AUTO_INCREMENT),
            unique: Attr::none(COLUMN, UNIQUE),
            index: Attr::none(COLUMN, INDEX),
            skip: Attr::none(COLUMN, SKIP),
            length: Attr::none(COLUMN, LENGTH),
            default: Attr::none(COLUMN, DEFAULT),
            default_sql: Attr::none(COLUMN, DEFAULT_SQL),
            references: Attr::none(COLUMN, REFERENCES),
            on_delete: Attr::none(COLUMN, ON_DELETE),
            on_update: Attr::none(COLUMN, ON_UPDATE),
            rename: Attr::none(COLUMN, RENAME),
            renamed_from: Attr::none(COLUMN, RENAMED_FROM),
            sql_type: Attr::none(COLUMN, SQL_TYPE),
        };
        for attr in attrs {
            if attr.path() == TABLE {
                cx.error_spanned_by(
                    attr,
                    "#[table(..)] belongs on the struct; on a field, use #[column(..)]",
                );
                continue;
            }
            if attr.path() != COLUMN {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                out.parse_key(cx, &meta)?;
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        out
    }

    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let path = &meta.path;
        let span = path.span();
        if path == PRIMARY_KEY && meta.input.peek(syn::token::Paren) {
            cx.error_spanned_by(
                path,
                "on a field, `primary_key` takes no column list; \
                 a composite key goes on the struct: #[table(primary_key(a, b))]",
            );
            return skip_value(meta);
        }
        for marker in [
            &mut self.primary_key,
            &mut self.auto_increment,
            &mut self.unique,
            &mut self.index,
            &mut self.skip,
        ] {
            if *path == marker.name() {
                if no_value(cx, meta, marker.name())? {
                    marker.set(cx, span, ());
                }
                return Ok(());
            }
        }
        if path == LENGTH {
            if let Some(expr) = value_expr(cx, meta, LENGTH, "length = 64")?
                && let Some(length) = parse_length(cx, &expr)
            {
                self.length.set(cx, span, length);
            }
        } else if path == DEFAULT {
            if let Some(expr) = value_expr(cx, meta, DEFAULT, "default = 0")?
                && let Some(value) = parse_default(cx, &expr)
            {
                let tokens = expr.to_token_stream();
                self.default.set(cx, span, Default { value, tokens });
            }
        } else if path == REFERENCES {
            if let Some(expr) = value_expr(cx, meta, REFERENCES, "references = User")?
                && let Some(reference) = parse_reference(cx, &expr)
            {
                self.references.set(cx, span, reference);
            }
        } else if path == ON_DELETE || path == ON_UPDATE {
            let (attr, name) = if path == ON_DELETE {
                (&mut self.on_delete, ON_DELETE)
            } else {
                (&mut self.on_update, ON_UPDATE)
            };
            let example = format!("{name} = \"cascade\"");
            if let Some(expr) = value_expr(cx, meta, name, &example)?
                && let Some(action) = parse_action(cx, &expr, name)
            {
                attr.set(cx, span, action);
            }
        } else {
            let (attr, example) = if path == DEFAULT_SQL {
                (&mut self.default_sql, "default_sql = \"CURRENT_TIMESTAMP\"")
            } else if path == RENAME {
                (&mut self.rename, "rename = \"column_name\"")
            } else if path == RENAMED_FROM {
                (&mut self.renamed_from, "renamed_from = \"old_name\"")
            } else if path == SQL_TYPE {
                (&mut self.sql_type, "sql_type = \"NUMERIC(10, 2)\"")
            } else {
                cx.error_spanned_by(
                    path,
                    format_args!(
                        "unknown column attribute `{}`; expected one of: {}",
                        path_text(path),
                        symbol::list(COLUMN_KEYS)
                    ),
                );
                return skip_value(meta);
            };
            if let Some(expr) = value_expr(cx, meta, attr.name(), example)?
                && let Some(lit) = non_empty_string(cx, &expr, example)
            {
                attr.set(cx, span, lit.value());
            }
        }
        Ok(())
    }

    /// Every attribute that is present, with its key's span, in a fixed order (for conflicts).
    pub fn present(&self) -> Vec<(Symbol, Span)> {
        let keys = [
            (PRIMARY_KEY, self.primary_key.span()),
            (AUTO_INCREMENT, self.auto_increment.span()),
            (UNIQUE, self.unique.span()),
            (INDEX, self.index.span()),
            (LENGTH, self.length.span()),
            (DEFAULT, self.default.span()),
            (DEFAULT_SQL, self.default_sql.span()),
            (REFERENCES, self.references.span()),
            (ON_DELETE, self.on_delete.span()),
            (ON_UPDATE, self.on_update.span()),
            (RENAME, self.rename.span()),
            (RENAMED_FROM, self.renamed_from.span()),
            (SQL_TYPE, self.sql_type.span()),
        ];
        keys.into_iter()
            .filter_map(|(symbol, span)| span.map(|span| (symbol, span)))
            .collect()
    }
}

/// A path as written, for messages (`foo`, `a::b`).
fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Consumes whatever follows an unknown or misused key (`= value` or `(..)`), so the rest of
/// the attribute is still parsed.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// A marker key (`primary_key`): a value after it is an error. Returns whether it was bare.
fn no_value(cx: &Ctxt, meta: &ParseNestedMeta, name: Symbol) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) {
        let expr = meta.value()?.parse::<Expr>()?;
        cx.error_spanned_by(
            &expr,
            format_args!("`{name}` takes no value: write `#[column({name})]`"),
        );
        return Ok(false);
    }
    if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        let rest: TokenStream = content.parse()?;
        cx.error_spanned_by(
            if rest.is_empty() {
                meta.path.to_token_stream()
            } else {
                rest
            },
            format_args!("`{name}` takes no arguments: write `#[column({name})]`"),
        );
        return Ok(false);
    }
    Ok(true)
}

/// The expression after `key =`; a key without one is an error naming an example.
fn value_expr(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    name: Symbol,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse::<Expr>()?));
    }
    let message = format!("`{name}` needs a value, as in `{example}`");
    if meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(&meta.path, message);
        skip_value(meta)?;
    } else {
        cx.error_spanned_by(&meta.path, message);
    }
    Ok(None)
}

fn non_empty_string(cx: &Ctxt, expr: &Expr, example: &str) -> Option<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            if lit.value().trim().is_empty() {
                cx.error_spanned_by(
                    lit,
                    format_args!("expected a non-empty string, as in `{example}`"),
                );
                None
            } else {
                Some(lit.clone())
            }
        }
        _ => {
            cx.error_spanned_by(
                expr,
                format_args!("expected a string literal, as in `{example}`"),
            );
            None
        }
    }
}

/// `index(a, b)`: the field names. A value instead of a list, or an empty list, is an error.
fn column_list(cx: &Ctxt, meta: &ParseNestedMeta, key: &Ident) -> syn::Result<Option<ColumnList>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format_args!(
                "`{key}` on the struct takes a list of fields, as in `{key}(name, email)`"
            ),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let columns =
        Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
    if columns.is_empty() {
        cx.error_spanned_by(
            &meta.path,
            format_args!("`{key}()` names no field, as in `{key}(name, email)`"),
        );
        return Ok(None);
    }
    Ok(Some(ColumnList {
        key: key.clone(),
        columns: columns.into_iter().collect(),
    }))
}

fn parse_length(cx: &Ctxt, expr: &Expr) -> Option<u32> {
    let message = "expected a length from 1 to 4294967295, as in `length = 64`";
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => match lit.base10_parse::<u32>() {
            Ok(0) | Err(_) => {
                cx.error_spanned_by(lit, message);
                None
            }
            Ok(length) => Some(length),
        },
        _ => {
            cx.error_spanned_by(expr, message);
            None
        }
    }
}

fn parse_default(cx: &Ctxt, expr: &Expr) -> Option<DefaultLit> {
    let message = "expected a literal (`true`, `-1`, `1.5`, `\"text\"`); \
                   for an SQL expression use `default_sql = \"..\"`";
    let out_of_range = "integer default out of range for a 64-bit column";
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Bool(b) => Some(DefaultLit::Bool(b.value)),
            Lit::Str(s) => Some(DefaultLit::Str(s.value())),
            Lit::Int(i) => match i.base10_parse::<i64>() {
                Ok(value) => Some(DefaultLit::Int(value)),
                Err(_) => {
                    cx.error_spanned_by(i, out_of_range);
                    None
                }
            },
            Lit::Float(f) => match f.base10_parse::<f64>() {
                Ok(value) if value.is_finite() => Some(DefaultLit::Float(value)),
                _ => {
                    cx.error_spanned_by(f, "expected a finite floating-point default");
                    None
                }
            },
            _ => {
                cx.error_spanned_by(expr, message);
                None
            }
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: Lit::Int(i), ..
            }) => match format!("-{}", i.base10_digits()).parse::<i64>() {
                Ok(value) => Some(DefaultLit::Int(value)),
                Err(_) => {
                    cx.error_spanned_by(expr, out_of_range);
                    None
                }
            },
            Expr::Lit(ExprLit {
                lit: Lit::Float(f), ..
            }) => match f.base10_parse::<f64>() {
                Ok(value) if value.is_finite() => Some(DefaultLit::Float(-value)),
                _ => {
                    cx.error_spanned_by(expr, "expected a finite floating-point default");
                    None
                }
            },
            _ => {
                cx.error_spanned_by(expr, message);
                None
            }
        },
        _ => {
            cx.error_spanned_by(expr, message);
            None
        }
    }
}

fn parse_reference(cx: &Ctxt, expr: &Expr) -> Option<Reference> {
    match expr {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
            Some(Reference::Type(path.path.clone()))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => match parse_table_column(&lit.value()) {
            Some((table, column)) => Some(Reference::Named { table, column }),
            None => {
                cx.error_spanned_by(
                    lit,
                    "expected `\"table(column)\"`, as in `references = \"users(id)\"`",
                );
                None
            }
        },
        _ => {
            cx.error_spanned_by(
                expr,
                "expected a table type or a string, as in `references = User` or \
                 `references = \"users(id)\"`",
            );
            None
        }
    }
}

/// `users(id)` → (`users`, `id`); surrounding whitespace is ignored.
pub fn parse_table_column(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let (table, rest) = text.split_once('(')?;
    let column = rest.strip_suffix(')')?;
    let (table, column) = (table.trim(), column.trim());
    let valid = |name: &str| {
        !name.is_empty()
            && !name.contains(['(', ')', ','])
            && !name.chars().any(char::is_whitespace)
    };
    (valid(table) && valid(column)).then(|| (table.to_owned(), column.to_owned()))
}

fn parse_action(cx: &Ctxt, expr: &Expr, name: Symbol) -> Option<ReferentialAction> {
    let message = format!(
        "expected one of \"cascade\", \"restrict\", \"set_null\", \"no_action\", as in `{name} = \"cascade\"`"
    );
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => match lit.value().as_str() {
            "cascade" => Some(ReferentialAction::Cascade),
            "restrict" => Some(ReferentialAction::Restrict),
            "set_null" => Some(ReferentialAction::SetNull),
            "no_action" => Some(ReferentialAction::NoAction),
            _ => {
                cx.error_spanned_by(lit, message);
                None
            }
        },
        _ => {
            cx.error_spanned_by(expr, message);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column_errors(attr: syn::Attribute) -> (ColumnAttrs, Vec<String>) {
        let cx = Ctxt::new();
        let attrs = ColumnAttrs::from_ast(&cx, &[attr]);
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (attrs, errors)
    }

    #[test]
    fn parses_every_column_key() {
        let (attrs, errors) = column_errors(syn::parse_quote!(#[column(
            primary_key, auto_increment, unique, index, length = 64, default = -5,
            references = "users(id)", on_delete = "set_null", on_update = "no_action",
            rename = "a", renamed_from = "b", sql_type = "TEXT"
        )]));
        assert_eq!(errors, Vec::<String>::new());
        assert!(attrs.primary_key.is_set() && attrs.auto_increment.is_set());
        assert!(attrs.unique.is_set() && attrs.index.is_set() && !attrs.skip.is_set());
        assert_eq!(attrs.length.get(), Some(&64));
        assert_eq!(
            attrs.default.get().map(|d| d.value.clone()),
            Some(DefaultLit::Int(-5))
        );
        assert!(matches!(
            attrs.references.get(),
            Some(Reference::Named { table, column }) if table == "users" && column == "id"
        ));
        assert_eq!(attrs.on_delete.get(), Some(&ReferentialAction::SetNull));
        assert_eq!(attrs.on_update.get(), Some(&ReferentialAction::NoAction));
        assert_eq!(attrs.rename.get().map(String::as_str), Some("a"));
        assert_eq!(attrs.renamed_from.get().map(String::as_str), Some("b"));
        assert_eq!(attrs.sql_type.get().map(String::as_str), Some("TEXT"));
    }

    #[test]
    fn parses_default_literals() {
        let cases: [(syn::Attribute, DefaultLit); 6] = [
            (
                syn::parse_quote!(#[column(default = true)]),
                DefaultLit::Bool(true),
            ),
            (
                syn::parse_quote!(#[column(default = 7)]),
                DefaultLit::Int(7),
            ),
            (
                syn::parse_quote!(#[column(default = -9223372036854775808)]),
                DefaultLit::Int(i64::MIN),
            ),
            (
                syn::parse_quote!(#[column(default = 1.5)]),
                DefaultLit::Float(1.5),
            ),
            (
                syn::parse_quote!(#[column(default = -0.25)]),
                DefaultLit::Float(-0.25),
            ),
            (
                syn::parse_quote!(#[column(default = "it's")]),
                DefaultLit::Str("it's".into()),
            ),
        ];
        for (attr, expected) in cases {
            let (attrs, errors) = column_errors(attr);
            assert_eq!(errors, Vec::<String>::new());
            assert_eq!(attrs.default.get().map(|d| d.value.clone()), Some(expected));
        }
    }

    #[test]
    fn keeps_parsing_after_a_bad_key() {
        let (attrs, errors) = column_errors(syn::parse_quote!(#[column(
            colour = "red", unique, length = "64", unique, index(a), index
        )]));
        assert_eq!(
            errors,
            [
                format!(
                    "unknown column attribute `colour`; expected one of: {}",
                    symbol::list(COLUMN_KEYS)
                ),
                "expected a length from 1 to 4294967295, as in `length = 64`".to_owned(),
                "duplicate column attribute `unique`".to_owned(),
                "`index` takes no arguments: write `#[column(index)]`".to_owned(),
            ]
        );
        assert!(attrs.unique.is_set() && attrs.index.is_set());
    }

    #[test]
    fn table_column_strings() {
        assert_eq!(
            parse_table_column(" users( id ) "),
            Some(("users".into(), "id".into()))
        );
        assert_eq!(parse_table_column("users"), None);
        assert_eq!(parse_table_column("users()"), None);
        assert_eq!(parse_table_column("(id)"), None);
        assert_eq!(parse_table_column("users(a, b)"), None);
        assert_eq!(parse_table_column("users(id)x"), None);
    }
}
