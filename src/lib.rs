//! strata: database schemas and migrations for Rust, checked at compile time.

mod column_type;
mod schema_macro;

pub use column_type::ColumnType;
pub use strata_core::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, SqlType, Table, TableDef,
};
pub use strata_core::{Dialect, Schema};
#[doc = include_str!("docs/derive_table.md")]
pub use strata_macros::Table;
pub use strata_runtime::{Backend, Error};

/// The runtime: create tables, apply migrations, read a database's version.
pub mod runtime {}

#[doc(hidden)]
pub mod __private {
    pub use crate::ColumnType;
    pub use sqlx;
    pub use strata_core as core;
}
