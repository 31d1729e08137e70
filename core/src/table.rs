//! The `Table` trait: what `#[derive(Table)]` implements.

use crate::schema::TableDef;

/// A Rust type that describes one database table.
///
/// Implemented by `#[derive(Table)]` (documented on the `strata` crate). Everything is an
/// associated const, so a whole schema is built at compile time:
/// `pub static SCHEMA: strata::Schema = strata::schema![User, Post];`.
///
/// [`NAME`](Table::NAME) and [`PRIMARY_KEY`](Table::PRIMARY_KEY) are plain literals that never
/// read another table, so `#[column(references = Other)]` can use them even when `Other` is the
/// table itself (reading `Other::DEF` there would be a const-evaluation cycle).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table: it does not implement `strata::Table`",
    label = "not a table",
    note = "add `#[derive(strata::Table)]` to the struct `{Self}`"
)]
pub trait Table {
    /// The table's name in the database.
    const NAME: &'static str;
    /// The primary key's column names, in order (empty: the table has no primary key).
    const PRIMARY_KEY: &'static [&'static str];
    /// The full table definition.
    const DEF: TableDef;
}
