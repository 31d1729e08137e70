//! Checks that span several attributes or fields, run after parsing.

use std::collections::HashMap;

use syn::ext::IdentExt;

use super::ast::{Container, Field};
use super::attr::ColumnList;
use super::ctxt::Ctxt;
use super::symbol::*;

pub fn check(cx: &Ctxt, container: &Container) {
    if !container.supported_shape {
        return;
    }
    for field in &container.fields {
        check_field(cx, field);
    }
    check_no_columns(cx, container);
    check_column_names(cx, container);
    check_primary_key(cx, container);
    check_lists(cx, container);
}

/// Conflicting pairs on one field.
fn check_field(cx: &Ctxt, field: &Field) {
    let attrs = &field.attrs;
    if attrs.skip.is_set() {
        for (symbol, span) in attrs.present() {
            cx.error_at(
                span,
                format_args!(
                    "`skip` cannot be combined with `{symbol}`: a skipped field is not a column"
                ),
            );
        }
        return;
    }
    if let (Some(_), Some(span)) = (attrs.default.span(), attrs.default_sql.span()) {
        cx.error_at(
            span,
            "`default` and `default_sql` cannot be combined: a column has one default",
        );
    }
    if let Some(span) = attrs.auto_increment.span() {
        if !attrs.primary_key.is_set() {
            cx.error_at(
                span,
                "`auto_increment` needs `primary_key` on the same field, as in \
                 `#[column(primary_key, auto_increment)]`",
            );
        }
        for other in [attrs.default.span(), attrs.default_sql.span()]
            .into_iter()
            .flatten()
        {
            cx.error_at(
                other,
                "`auto_increment` cannot be combined with a default: the database numbers the rows",
            );
        }
    }
    for (action, name) in [(&attrs.on_delete, ON_DELETE), (&attrs.on_update, ON_UPDATE)] {
        if let (Some(span), false) = (action.span(), attrs.references.is_set()) {
            cx.error_at(
                span,
                format_args!("`{name}` needs `references`, as in `#[column(references = User, {name} = \"cascade\")]`"),
            );
        }
    }
    if let (Some(span), Some(_)) = (attrs.length.span(), attrs.sql_type.span()) {
        cx.error_at(
            span,
            "`length` cannot be combined with `sql_type`: write the length in the type, \
             as in `sql_type = \"VARCHAR(64)\"`",
        );
    }
    if let (Some(span), Some(old)) = (attrs.renamed_from.span(), attrs.renamed_from.get())
        && *old == field.column_name
    {
        cx.error_at(
            span,
            format_args!("`renamed_from` names the column's current name `{old}`"),
        );
    }
}

fn check_no_columns(cx: &Ctxt, container: &Container) {
    if container.columns().next().is_none() {
        cx.error_spanned_by(
            container.ident,
            format_args!(
                "`{}` has no columns: a table needs at least one field that is not skipped",
                container.ident
            ),
        );
    }
}

/// Two fields may not end up with one column name (after `rename`).
fn check_column_names(cx: &Ctxt, container: &Container) {
    let mut seen: HashMap<&str, &Field> = HashMap::new();
    for field in container.columns() {
        match seen.get(field.column_name.as_str()) {
            Some(first) => {
                let span = field
                    .attrs
                    .rename
                    .span()
                    .unwrap_or_else(|| field.ident.span());
                cx.error_at(
                    span,
                    format_args!(
                        "duplicate column name `{}`: field `{}` already uses it",
                        field.column_name,
                        first.name()
                    ),
                );
            }
            None => {
                seen.insert(&field.column_name, field);
            }
        }
    }
}

fn check_primary_key(cx: &Ctxt, container: &Container) {
    let marked: Vec<&Field> = container
        .columns()
        .filter(|field| field.attrs.primary_key.is_set())
        .collect();
    if let Some(first) = marked.first() {
        for extra in &marked[1..] {
            if let Some(span) = extra.attrs.primary_key.span() {
                cx.error_at(
                    span,
                    format_args!(
                        "`primary_key` is already on field `{}`; declare a composite key on the \
                         struct instead: #[table(primary_key({}, {}))]",
                        first.name(),
                        first.name(),
                        extra.name()
                    ),
                );
            }
        }
        if let Some(span) = container.attrs.primary_key.span() {
            cx.error_at(
                span,
                format_args!(
                    "the primary key is declared twice: here and by `#[column(primary_key)]` on \
                     field `{}`; keep one",
                    first.name()
                ),
            );
        }
    }
}

/// Table-level `index(..)`, `unique(..)` and `primary_key(..)`: every name is a column field,
/// no name twice in a list, and no index or unique constraint declared twice.
fn check_lists(cx: &Ctxt, container: &Container) {
    let lists = container
        .attrs
        .indexes
        .iter()
        .chain(&container.attrs.uniques)
        .chain(container.attrs.primary_key.get());
    for list in lists {
        check_list(cx, container, list);
    }
    // Column-level and table-level declarations of the same index or unique constraint.
    for (kind, lists, per_field) in [
        (
            "index",
            &container.attrs.indexes,
            container
                .columns()
                .filter(|f| f.attrs.index.is_set())
                .map(|f| f.name())
                .collect::<Vec<_>>(),
        ),
        (
            "unique",
            &container.attrs.uniques,
            container
                .columns()
                .filter(|f| f.attrs.unique.is_set())
                .map(|f| f.name())
                .collect::<Vec<_>>(),
        ),
    ] {
        let mut seen: Vec<Vec<String>> = per_field.into_iter().map(|name| vec![name]).collect();
        for list in lists {
            let names: Vec<String> = list.columns.iter().map(|c| c.unraw().to_string()).collect();
            if seen.contains(&names) {
                cx.error_spanned_by(
                    &list.key,
                    format_args!(
                        "duplicate {kind}: ({}) is already declared",
                        names.join(", ")
                    ),
                );
            } else {
                seen.push(names);
            }
        }
    }
}

fn check_list(cx: &Ctxt, container: &Container, list: &ColumnList) {
    let mut seen: Vec<String> = Vec::new();
    for column in &list.columns {
        let name = column.unraw().to_string();
        match container.fields.iter().find(|field| field.name() == name) {
            None => cx.error_spanned_by(
                column,
                format_args!("`{}` has no field `{name}`", container.ident),
            ),
            Some(field) if !field.is_column() => cx.error_spanned_by(
                column,
                format_args!(
                    "field `{name}` is skipped (`#[column(skip)]`), so it is not a column"
                ),
            ),
            Some(_) if seen.contains(&name) => cx.error_spanned_by(
                column,
                format_args!("`{name}` appears twice in `{}(..)`", list.key),
            ),
            Some(_) => seen.push(name),
        }
    }
}
