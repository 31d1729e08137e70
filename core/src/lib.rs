//! Implementation detail of `strata`: the plain, sqlx-free core shared by the macros, the
//! runtime and the command line. Exempt from semver; use the `strata` crate.
//!
//! One implementation of every rule the compiler side and the run-time side share lives here:
//! the schema IR, SQL type mapping, per-dialect DDL and identifier quoting, migration file
//! naming, discovery and checksums, the SQL script tokenizer, and the diff planner.

pub mod ddl;
pub mod dialect;
pub mod diff;
pub mod import;
pub mod migration;
pub mod reflect_types;
pub mod rendered;
mod rust_source;
pub mod schema;
mod schema_check;
pub mod snapshot;
pub mod sql_split;
pub mod table;
pub mod unmanaged;

pub use dialect::Dialect;
pub use diff::{DiffOptions, Plan, Warning, diff, diff_with};
pub use import::History;
pub use migration::{
    HeadHasher, LockMode, Migration, Migrations, MigrationsConfig, Script, TransactionMode,
    checksum, head_digest,
};
pub use migration::{RepositoryError, VersionScheme};
pub use rendered::RenderedSql;
pub use schema::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, Schema, SqlType, TableDef,
};
pub use snapshot::{
    ColumnDefault, ColumnSnapshot, ForeignKeySnapshot, IndexSnapshot, Snapshot, SnapshotDiff,
    TableSnapshot,
};
pub use sql_split::{SplitError, Statement, first_line_shortened, split_statements};
pub use table::Table;
pub use unmanaged::{ObjectKind, UnmanagedObject};
