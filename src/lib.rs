//! strata: database schemas and migrations for Rust, checked at compile time.

mod column_type;
mod schema_macro;

pub use column_type::ColumnType;
pub use strata_core::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, SqlType, Table, TableDef,
};
pub use strata_core::{Dialect, Schema};
pub use strata_core::{
    Migration, Migrations, MigrationsConfig, RepositoryError, Script, TransactionMode,
    VersionScheme,
};
#[doc = include_str!("docs/derive_table.md")]
pub use strata_macros::Table;
pub use strata_runtime::{Backend, Error};

/// Embeds a migration repository in the binary, checked at compile time.
///
/// ```
/// pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("tests/migrations/basic");
///
/// let first = MIGRATIONS.get(1).unwrap();
/// assert_eq!(first.name, "create_users");
/// let up = first.up(strata::Dialect::Sqlite).unwrap();
/// assert_eq!(up.file, "0001_create_users.sql");
/// assert_eq!(up.checksum, strata::__private::core::checksum(&up.sql));
/// ```
///
/// The argument is the repository's directory relative to the crate root (the directory of
/// `Cargo.toml`), usually `"migrations"`:
///
/// ```text
/// migrations/
///   strata.toml                      # optional configuration, see below
///   0001_create_users.sql            # up script of version 1
///   0001_create_users.down.sql       # optional down script
///   0002_add_posts.sql               # generic script of version 2 ...
///   0002_add_posts.postgres.sql      # ... and a PostgreSQL variant, which beats it there
///   0003_backfill.sql                # starts with `-- strata:no-transaction`
/// ```
///
/// - File names are `<version>_<name>[.down][.sqlite|.postgres|.mysql].sql`: the version is an
///   integer in `1..=i64::MAX` (leading zeros allowed, ordered numerically, gaps and timestamps
///   allowed), the name is snake_case. Files that are not `.sql` and dotfiles are ignored.
/// - Every version needs an up script for each enabled backend feature (`sqlite`, `postgres`,
///   `mysql`): the generic file or that dialect's variant. A down script is optional; a variant
///   down script (`0002_add_posts.down.postgres.sql`) beats the generic one the same way.
/// - Directives, in the comment lines at the top of a script: `-- strata:no-transaction` runs
///   the migration statement by statement outside a transaction (`CREATE INDEX CONCURRENTLY`,
///   `VACUUM`); `-- strata:foreign-keys-off` turns SQLite's foreign keys off around it (table
///   rebuilds).
/// - A leading UTF-8 byte order mark is removed. The checksum is the SHA-256 of the script with
///   CRLF line endings read as LF, so checkouts on any platform agree.
/// - `strata.toml` keys, all optional: `table` (`"strata_migrations"`), `lock_timeout_secs`
///   (`600`), `transaction` (`"per-migration"` or `"all"`), `out_of_order` (`false`), `versions`
///   (`"sequential"` or `"timestamp"`, for `strata new`), `database_url_env` (`"DATABASE_URL"`).
///
/// Everything that breaks these rules is a compile error on the path literal naming the file or
/// files: a duplicate version, a `.sql` file whose name does not match, a down script without
/// an up script, a version without an up script for an enabled backend, an unknown or mistyped
/// key in `strata.toml`, a script with an unterminated literal or comment, an absolute path or
/// one outside the crate. [`Migrations::load`] applies the same rules at run time.
///
/// Every file is included with `include_str!`, so editing a script rebuilds the crate. For a
/// *new* file to rebuild it too, add a build script (`build.rs` beside `Cargo.toml`):
///
/// ```no_run
/// fn main() {
///     println!("cargo:rerun-if-changed=migrations");
/// }
/// ```
///
/// Scripts run statement by statement, split by a tokenizer that knows each dialect's quoting,
/// comments, SQLite trigger bodies, PostgreSQL `BEGIN ATOMIC` bodies and the mysql client's
/// `DELIMITER` lines. On MySQL, sqlx sets `PIPES_AS_CONCAT`, so `||` concatenates strings there.
pub use strata_macros::embed_migrations;

/// The runtime: create tables, apply migrations, read a database's version.
pub mod runtime {}

#[doc(hidden)]
pub mod __private {
    pub use crate::ColumnType;
    pub use sqlx;
    pub use strata_core as core;
}
