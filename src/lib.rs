//! strata: database schemas and migrations for Rust, checked at compile time.

mod column_type;
mod schema_macro;

pub use column_type::ColumnType;
pub use strata_core::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, SqlType, Table, TableDef,
};
pub use strata_core::{Dialect, Schema};
pub use strata_macros::Table;
pub use strata_runtime::{Backend, Error};

/// sqlx 0.9, re-exported so `strata::sqlx::SqlitePool` works without a direct dependency (a
/// direct `sqlx` dependency of your own must be the same 0.9 line).
pub use sqlx;

pub use strata_core::{
    ColumnDefault, ColumnSnapshot, ForeignKeySnapshot, IndexSnapshot, Snapshot, SnapshotDiff,
    TableSnapshot,
};

/// The runtime: create tables, apply migrations, read a database's version.
///
/// Every function takes your own `sqlx::Pool` (`&SqlitePool`, `&PgPool`, `&MySqlPool`).
///
/// # Creating and reflecting a schema
///
/// [`create_all`](runtime::create_all) creates the tables of a [`Schema`] that do not exist yet
/// (`CREATE TABLE IF NOT EXISTS`, with primary keys, unique constraints, foreign keys and
/// indexes; a second call changes nothing), ordered so that foreign keys point at tables created
/// before, whatever order `schema!` lists them in. [`drop_all`](runtime::drop_all) drops them in
/// the reverse order. On SQLite and PostgreSQL each runs in one transaction; MySQL commits DDL
/// statement by statement. [`reflect`](runtime::reflect) reads a live schema back as a
/// [`Snapshot`], which [`Snapshot::matches`] compares with the model's
/// [`Schema::snapshot`]:
///
/// ```
/// use strata::Table;
///
/// #[derive(Table)]
/// #[table(name = "user")] // a keyword: every identifier is quoted
/// pub struct User {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     #[column(length = 64, unique)]
///     pub name: String,
///     #[column(default = "it's")]
///     pub motto: String,
/// }
///
/// #[derive(Table)]
/// pub struct Post {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     #[column(references = User, on_delete = "cascade", index)]
///     pub user_id: i64,
///     pub body: Option<String>,
/// }
///
/// pub static SCHEMA: strata::Schema = strata::schema![Post, User];
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = strata::sqlx::sqlite::SqlitePoolOptions::new()
///     .max_connections(1) // every connection to `sqlite::memory:` is a database of its own
///     .connect("sqlite::memory:")
///     .await?;
/// strata::runtime::create_all(&pool, &SCHEMA).await?; // creates `user`, then `post`
/// strata::runtime::create_all(&pool, &SCHEMA).await?; // changes nothing
///
/// let live = strata::runtime::reflect(&pool).await?;
/// live.matches(&SCHEMA.snapshot())?;
/// assert_eq!(live.table("user").unwrap().column("motto").unwrap().db_type.as_deref(), Some("TEXT"));
///
/// strata::runtime::drop_all(&pool, &SCHEMA).await?;   // drops `post`, then `user`
/// assert!(strata::runtime::reflect(&pool).await?.tables.is_empty());
/// # Ok(())
/// # }
/// ```
///
/// Types are declared per dialect as [`ColumnType`] lists them. On PostgreSQL a column of `i8`,
/// `u8`, `u16` or `u32` is refused with an [`Error::Schema`] naming the table and column, before
/// anything is created. Constraint and index names are `<table>_pkey`, `<table>_<cols>_key`
/// (unique), `<table>_<cols>_idx` and `<table>_<cols>_fkey`, shortened with a hash suffix past
/// PostgreSQL's 63 bytes or MySQL's 64 characters.
pub mod runtime {
    pub use strata_runtime::{create_all, drop_all, reflect};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::ColumnType;
    pub use sqlx;
    pub use strata_core as core;
}
