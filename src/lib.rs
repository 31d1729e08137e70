//! strata: database schemas and migrations for Rust, checked at compile time.

/// sqlx, the driver strata runs on (0.9): `strata::sqlx::SqlitePool` needs no sqlx dependency.
pub use sqlx;
pub use strata_core::{Dialect, Schema};
pub use strata_macros::Table;
#[doc = include_str!("test_attr.md")]
pub use strata_macros::test;
pub use strata_runtime::{Backend, Error};

/// The runtime: create tables, apply migrations, read a database's version.
pub mod runtime {}

#[doc(hidden)]
pub mod __private {
    pub use sqlx;
    pub use strata_core as core;
    pub use strata_runtime as runtime;
    pub use strata_runtime::testing;
}
