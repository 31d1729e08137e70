//! A [`Snapshot`]'s tables as the borrowed [`TableDefOf`] the DDL renderers take, so a planned
//! table is declared exactly as `create_all` would declare it.

use crate::schema::{
    ColumnDefOf, DefaultValueOf, FkAction, ForeignKeyDefOf, IndexDefOf, LiteralOf, TableDefOf,
};
use crate::snapshot::{ColumnDefault, Snapshot, TableSnapshot};

/// The column lists of one table, borrowed from its snapshot.
pub(crate) struct Shape<'s> {
    name: &'s str,
    columns: Vec<ColumnDefOf<'s>>,
    primary_key: Vec<&'s str>,
    uniques: Vec<Vec<&'s str>>,
    indexes: Vec<Vec<&'s str>>,
    foreign_keys: Vec<ForeignKeyShape<'s>>,
}

struct ForeignKeyShape<'s> {
    columns: Vec<&'s str>,
    ref_table: &'s str,
    ref_columns: Vec<&'s str>,
    on_delete: Option<FkAction>,
    on_update: Option<FkAction>,
}

/// The index and key definitions of one table, borrowing the column lists of its [`Shape`].
pub(crate) struct Parts<'d> {
    uniques: Vec<IndexDefOf<'d>>,
    indexes: Vec<IndexDefOf<'d>>,
    foreign_keys: Vec<ForeignKeyDefOf<'d>>,
}

fn strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

/// The shape of `table`. A reflected column is declared by its logical type when strata knows
/// it, else by the exact type the database reported; a model column by its `sql_type` override
/// when it has one.
pub(crate) fn shape<'s>(snapshot: &Snapshot, table: &'s TableSnapshot) -> Shape<'s> {
    let reflected = snapshot.dialect.is_some();
    Shape {
        name: &table.name,
        columns: table
            .columns
            .iter()
            .map(|c| ColumnDefOf {
                name: &c.name,
                field: &c.name,
                sql_type: c.sql_type,
                sql_type_override: if !c.type_known || !reflected {
                    c.db_type.as_deref()
                } else {
                    None
                },
                nullable: c.nullable,
                auto_increment: c.auto_increment,
                // A legacy `serial` reports `nextval(..)`; the identity clause replaces it.
                default: if c.auto_increment {
                    None
                } else {
                    c.default.as_ref().map(|d| match d {
                        ColumnDefault::Bool(b) => DefaultValueOf::Literal(LiteralOf::Bool(*b)),
                        ColumnDefault::Int(i) => DefaultValueOf::Literal(LiteralOf::Int(*i)),
                        ColumnDefault::Float(x) => DefaultValueOf::Literal(LiteralOf::Float(*x)),
                        ColumnDefault::Str(s) => DefaultValueOf::Literal(LiteralOf::Str(s)),
                        ColumnDefault::Sql(s) => DefaultValueOf::Sql(s),
                    })
                },
                renamed_from: c.renamed_from.as_deref(),
            })
            .collect(),
        primary_key: strs(&table.primary_key),
        uniques: table.uniques.iter().map(|u| strs(&u.columns)).collect(),
        indexes: table.indexes.iter().map(|i| strs(&i.columns)).collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyShape {
                columns: strs(&fk.columns),
                ref_table: &fk.ref_table,
                ref_columns: strs(&fk.ref_columns),
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            })
            .collect(),
    }
}

/// The key and index definitions over `shape`'s column lists.
pub(crate) fn parts<'d>(shape: &'d Shape<'_>) -> Parts<'d> {
    let index = |columns: &'d Vec<&str>| IndexDefOf { columns };
    Parts {
        uniques: shape.uniques.iter().map(index).collect(),
        indexes: shape.indexes.iter().map(index).collect(),
        foreign_keys: shape
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeyDefOf {
                columns: &fk.columns,
                ref_table: fk.ref_table,
                ref_columns: &fk.ref_columns,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            })
            .collect(),
    }
}

/// The table definition of `shape` with `parts`.
pub(crate) fn def<'d>(shape: &'d Shape<'_>, parts: &'d Parts<'d>) -> TableDefOf<'d> {
    TableDefOf {
        name: shape.name,
        rust_name: shape.name,
        columns: &shape.columns,
        primary_key: &shape.primary_key,
        uniques: &parts.uniques,
        indexes: &parts.indexes,
        foreign_keys: &parts.foreign_keys,
    }
}
