//! strata: database schemas and migrations for Rust, checked at compile time.

#[cfg(feature = "cli")]
pub mod cli;
mod column_type;
mod schema_macro;

pub use column_type::ColumnType;
pub use strata_core::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, SqlType, Table, TableDef,
};
pub use strata_core::{Dialect, Schema};
pub use strata_core::{
    LockMode, Migration, Migrations, MigrationsConfig, RepositoryError, Script, TransactionMode,
    VersionScheme,
};
#[doc = include_str!("docs/derive_table.md")]
pub use strata_macros::Table;
#[doc = include_str!("test_attr.md")]
pub use strata_macros::test;
/// Switching from another tool: see [`Migrator::adopt`] and `strata import`.
pub use strata_runtime::{AdoptError, AdoptedVersion, Adoption, History};
pub use strata_runtime::{Backend, Error};
pub use strata_runtime::{Direction, MigrationRun, Migrator, Report, VersionState, VersionStatus};

/// Embeds a migration repository in the binary, checked at compile time.
///
/// ```
/// pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("tests/migrations/basic");
///
/// let first = MIGRATIONS.get(1).unwrap();
/// assert_eq!(first.name, "create_users");
/// let up = first.up(strata::Dialect::Sqlite).unwrap();
/// assert_eq!(up.file, "0001_create_users.sql");
/// assert!(up.sql.starts_with("-- Users and their names."));
/// assert_eq!(up.checksum.len(), 64); // SHA-256, lowercase hex
/// assert_eq!(MIGRATIONS.config.table, "schema_history"); // from strata.toml
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
/// - File names are `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql`: the version is an
///   integer in `1..=i64::MAX` (leading zeros allowed, ordered numerically, gaps and timestamps
///   allowed); the name holds ASCII letters, digits, `_` and `-`, and `.up.sql` is the same as
///   `.sql`, so a sqlx migrations folder embeds unchanged. Files that are not `.sql` and
///   dotfiles are ignored.
/// - Every version needs an up script for each enabled backend feature (`sqlite`, `postgres`,
///   `mysql`): the generic file or that dialect's variant. A down script is optional; a variant
///   down script (`0002_add_posts.down.postgres.sql`) beats the generic one the same way.
/// - Directives, in the comment lines at the top of a script: `-- strata:no-transaction` runs
///   the migration statement by statement outside a transaction (`CREATE INDEX CONCURRENTLY`,
///   `VACUUM`; sqlx's first line `-- no-transaction` does the same); `-- strata:foreign-keys-off`
///   turns SQLite's foreign keys off around it (table rebuilds).
/// - A leading UTF-8 byte order mark is removed. The checksum is the SHA-256 of the script with
///   CRLF line endings read as LF, so checkouts on any platform agree.
/// - `strata.toml` keys, all optional: `table` (`"strata_migrations"`), `lock_timeout_secs`
///   (`600`), `transaction` (`"per-migration"` or `"all"`), `out_of_order` (`false`), `versions`
///   (`"sequential"` or `"timestamp"`, for `strata new`), `database_url_env` (`"DATABASE_URL"`),
///   `require_down` (`false`; `true` makes [`testing::assert_reversible`] fail on a version
///   without a down script), `lock` (`"auto"`, `"advisory"` or `"table"`; see [`LockMode`]), and
///   the `[imported]` section `strata import` writes (`from = "<tool>"` and
///   `[imported.versions]`, each migration's version under that tool), which
///   [`Migrator::adopt`] reads to map the tool's history.
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
/// ```rust,ignore
/// // build.rs
/// fn main() {
///     println!("cargo:rerun-if-changed=migrations");
/// }
/// ```
///
/// Scripts run statement by statement, split by a tokenizer that knows each dialect's quoting,
/// comments, SQLite trigger bodies, PostgreSQL `BEGIN ATOMIC` bodies and the mysql client's
/// `DELIMITER` lines. On MySQL, sqlx sets `PIPES_AS_CONCAT`, so `||` concatenates strings there.
pub use strata_macros::embed_migrations;

/// sqlx 0.9, re-exported so `strata::sqlx::SqlitePool` works without a direct dependency (a
/// direct `sqlx` dependency of your own must be the same 0.9 line).
pub use sqlx;

pub use strata_core::{
    ColumnDefault, ColumnSnapshot, ForeignKeySnapshot, IndexSnapshot, Snapshot, SnapshotDiff,
    TableSnapshot,
};
pub use strata_core::{ObjectKind, UnmanagedObject};

/// `make_update_script_for_model`: the migration from the schema a database has to the one the
/// model describes.
///
/// ```
/// #[derive(strata::Table)]
/// pub struct Posts {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     #[column(rename = "body_text", renamed_from = "body")]
///     pub body: String,
/// }
/// pub static SCHEMA: strata::Schema = strata::schema![Posts];
///
/// # async fn example(pool: &strata::sqlx::SqlitePool) -> Result<(), strata::Error> {
/// let old = strata::runtime::reflect(pool).await?;
/// let plan = strata::diff(&old, &SCHEMA.snapshot(), strata::Dialect::Sqlite);
/// if plan.warnings().iter().any(|w| w.blocks() || w.loses_data()) {
///     for warning in plan.warnings() {
///         eprintln!("the migration {warning}");
///     }
/// } else if !plan.is_empty() {
///     std::fs::write("migrations/0002_rename_body.sql", plan.up_sql()).ok();
///     std::fs::write("migrations/0002_rename_body.down.sql", plan.down_sql()).ok();
/// }
/// # Ok(())
/// # }
/// ```
pub use strata_core::diff;
pub use strata_core::{DiffOptions, Plan, Warning, diff_with};

/// The runtime: create tables, apply migrations, read a database's version.
///
/// Every function takes your own `sqlx::Pool` (`&SqlitePool`, `&PgPool`, `&MySqlPool`) and
/// works on one connection of it.
///
/// # Upgrading at startup
///
/// ```
/// pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), strata::Error> {
/// # let dir = std::env::temp_dir().join(format!("strata-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let url = format!("sqlite://{}/app.db", dir.display());
/// // Creates a missing SQLite file, connects, applies what is pending, returns the pool.
/// let pool = strata::runtime::connect::<strata::sqlx::Sqlite>(&url, &MIGRATIONS).await?;
/// assert_eq!(strata::runtime::db_version(&pool, &MIGRATIONS).await?, Some(2));
///
/// // Or with a pool you made: nothing pending here, so this is one statement.
/// let report = strata::runtime::upgrade(&pool, &MIGRATIONS).await?;
/// assert!(report.is_empty());
/// println!("{report}"); // "up to date (0.1 ms)"
///
/// // Back to version 1 with the down scripts, then forward again, step by step.
/// strata::runtime::downgrade(&pool, &MIGRATIONS, 1).await?;
/// let report = strata::runtime::upgrade_to(&pool, &MIGRATIONS, 2).await?;
/// assert_eq!(report.versions(), vec![2]);
///
/// for line in strata::runtime::status(&pool, &MIGRATIONS).await? {
///     assert_eq!(line.state, strata::VersionState::Applied);
/// }
/// # pool.close().await;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok(())
/// # }
/// ```
///
/// Options go through [`Migrator`], which has the same operations as methods:
///
/// ```no_run
/// # pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");
/// # async fn run(pool: strata::sqlx::SqlitePool) -> Result<(), strata::Error> {
/// use std::time::Duration;
///
/// strata::Migrator::new(&MIGRATIONS)
///     .table("schema_history")                      // default: strata_migrations
///     .lock_timeout(Duration::from_secs(60))        // default: 10 minutes
///     .lock_mode(strata::LockMode::Table)           // default: Auto
///     .transaction(strata::TransactionMode::All)    // SQLite and PostgreSQL
///     .upgrade(&pool)
///     .await?;
/// # Ok(()) }
/// ```
///
/// When nothing is pending, `upgrade` costs one statement and one round trip: it reads the
/// newest bookkeeping row, which carries a digest of every applied (version, checksum), and
/// compares it with the digest `embed_migrations!` computed at compile time. Only when they
/// differ does it take the migration lock (waiting at most [`Migrator::lock_timeout`]), verify
/// every applied checksum, and apply each pending migration with its bookkeeping row in one
/// transaction that first reads the table again. Any number of instances may start at once:
/// each migration runs exactly once, and the others find it applied and return `Ok`.
///
/// The lock ([`LockMode`], strata.toml `lock`, [`Migrator::lock_mode`]) is by default the
/// database's own: PostgreSQL's transaction-level advisory lock (it cannot leak, and works
/// behind PgBouncer's transaction pooling), MySQL's `GET_LOCK`, SQLite's `BEGIN IMMEDIATE`. On a
/// Galera node, where `GET_LOCK` is node-local, it is a leased row in the table
/// `<bookkeeping table>_lock`, renewed while migrating and taken over once its lease
/// ([`Migrator::lock_lease`], 30 s) expires after its holder died; choose it with
/// `lock = "table"` for `-- strata:no-transaction` migrations behind a transaction pooler too.
/// A future dropped mid-upgrade closes its connection rather than return it to the pool holding
/// a lock or an open transaction (a lock row it held is free once its lease expires).
///
/// # Versions
///
/// [`db_version`](runtime::db_version) is `None` when the database is not under version
/// control, `Some(0)` when nothing is applied, else the highest applied version.
/// [`version_control`](runtime::version_control) adopts an existing database: it records a
/// version and every one below it as applied without running them (`None`: the empty
/// table). [`upgrade_to`](runtime::upgrade_to) stops at a version;
/// [`downgrade`](runtime::downgrade) runs down scripts back to a version (0: everything), and
/// checks that every one it needs exists before running any, and that the applied history is
/// the binary's (the same checks, and errors, as `upgrade`; [`Migrator::force`] skips them).
///
/// # What fails, and how
///
/// Every [`Error`] names the version, the file, the failing statement and the database's
/// message, and says what to do. A changed script of an applied migration, a database ahead of
/// the binary, a pending version below an applied one (unless [`Migrator::out_of_order`]) stop
/// `upgrade` before anything runs. On SQLite and PostgreSQL a failing migration is rolled back.
/// MySQL cannot roll back DDL, so each of its migrations (and every `-- strata:no-transaction`
/// one) is recorded as started first: a failure leaves it *incomplete*, the error says how many
/// statements took effect, and the next `upgrade` stops on it until repaired with `strata
/// version-control --force` ([`version_control`](runtime::version_control) with
/// [`Migrator::force`]).
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
/// [`Schema::snapshot`](crate::Schema::snapshot):
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
///
/// # Writing a database as Rust (create_model)
///
/// [`Snapshot::to_rust_source`] writes a reflected schema as Rust: one `#[derive(Table)]` struct
/// per table with every attribute `create_all` needs to reproduce it, and a `SCHEMA` static.
/// Paste it into your crate to start model-first from an existing database:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = strata::sqlx::sqlite::SqlitePoolOptions::new()
///     .max_connections(1)
///     .connect("sqlite::memory:")
///     .await?;
/// strata::sqlx::raw_sql(
///     r#"CREATE TABLE "order" (
///            id INTEGER PRIMARY KEY, customer VARCHAR(64) NOT NULL,
///            placed_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
///            parent_id BIGINT REFERENCES "order" (id) ON DELETE SET NULL,
///            price DECIMAL(10,2));
///        CREATE INDEX order_customer ON "order" (customer);
///        CREATE VIEW big_orders AS SELECT * FROM "order" WHERE price > 100;"#,
/// )
/// .execute(&pool)
/// .await?;
///
/// let source = strata::runtime::reflect(&pool).await?.to_rust_source();
/// assert_eq!(
///     source,
///     r#"// Written by strata from a SQLite database: one struct per table.
/// // The field types need the crates `chrono`, `rust_decimal` and strata's features of the same names.
///
/// #[derive(strata::Table)]
/// pub struct Order {
///     #[column(primary_key, auto_increment)]
///     pub id: i64,
///     #[column(length = 64, index)]
///     pub customer: String,
///     #[column(default_sql = "CURRENT_TIMESTAMP")]
///     pub placed_at: chrono::NaiveDateTime,
///     #[column(references = Self, on_delete = "set_null")]
///     pub parent_id: Option<i64>,
///     // `DECIMAL(10,2)` is outside strata's type mapping: read as `rust_decimal::Decimal`
///     #[column(sql_type = "DECIMAL(10,2)")]
///     pub price: Option<rust_decimal::Decimal>,
/// }
///
/// pub static SCHEMA: strata::Schema = strata::schema![Order];
/// "#
/// );
///
/// // The view is not a table: it is named here instead of being dropped silently.
/// let skipped = strata::runtime::unmanaged_objects(&pool).await?;
/// assert_eq!(skipped[0].to_string(), "view `big_orders`");
/// # Ok(())
/// # }
/// ```
///
/// - Names: table `order_line` becomes `OrderLine`, column `userId` becomes `user_id`; a name
///   that is a Rust keyword or no identifier at all (`type`, `2fa`, `Unit Price`) keeps its
///   database name through `#[table(name = ..)]` / `#[column(rename = ..)]`.
/// - Types: each column gets the Rust type of its [`SqlType`]
///   ([`ColumnType`] lists them; chrono for dates and times). [`reflect`](runtime::reflect)
///   never fails on a type outside that mapping: the column has
///   [`type_known`](ColumnSnapshot::type_known) false, its exact type in
///   [`db_type`](ColumnSnapshot::db_type) and the closest logical type (text for PostgreSQL
///   arrays, enums, ranges, `citext`, MySQL `ENUM`/`SET`; bytes for spatial types; a domain's
///   base type; `Decimal` for `numeric(10,2)`; `i64` for MySQL's `BIGINT UNSIGNED`). The source
///   keeps the exact type with `sql_type = ".."` and says so in a comment. PostgreSQL enums and
///   domains must exist before `create_all` (it creates tables only).
/// - Keys: `serial`, identity, `AUTO_INCREMENT` and SQLite's `INTEGER PRIMARY KEY` columns are
///   `auto_increment`; composite primary keys, uniques and indexes go on the struct; foreign
///   keys become `references` with their actions.
/// - What has no attribute is left out and said in a comment above the struct: a foreign key
///   over several columns, one to a table outside the schema, one closing a cycle between
///   tables (which `schema!` rejects; add it in a migration). CHECK constraints and
///   generated columns (both listed below), SQLite's `AUTOINCREMENT` keyword and collations are
///   not reflected.
/// - [`unmanaged_objects`](runtime::unmanaged_objects) names what `reflect` leaves out: views,
///   materialized views, triggers, sequences not owned by a column, partial, expression and
///   descending indexes, PostgreSQL's GIN, GiST and other non-B-tree indexes, MySQL's prefix, full-text
///   and spatial indexes, CHECK constraints (PostgreSQL, MySQL/MariaDB), PostgreSQL exclusion
///   constraints and generated columns.
pub mod runtime {
    pub use strata_runtime::{
        connect, db_version, downgrade, status, upgrade, upgrade_or_create, upgrade_to,
        version_control,
    };
    pub use strata_runtime::{create_all, drop_all, reflect, unmanaged_objects};
}

pub mod testing {
    //! The migration test kit: one-line tests that check a migration repository from the project's
    //! own `cargo test`, each on a fresh scratch database (an in-memory SQLite database; the
    //! `…_with(url)` variants create a database on the PostgreSQL or MySQL/MariaDB server at `url`
    //! and drop it afterwards, like [`#[strata::test]`](crate::test)).
    //!
    //! ```no_run
    //! # #[derive(strata::Table)] pub struct User { #[column(primary_key)] pub id: i64 }
    //! static SCHEMA: strata::Schema = strata::schema![User];
    //! static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");
    //!
    //! #[tokio::test]
    //! async fn models_match_migrations() {
    //!     strata::testing::assert_in_sync(&SCHEMA, &MIGRATIONS).await;
    //! }
    //!
    //! #[tokio::test]
    //! async fn migrations_are_reversible() {
    //!     strata::testing::assert_reversible(&MIGRATIONS).await;
    //! }
    //!
    //! #[tokio::test]
    //! async fn upgrades_over_existing_rows() {
    //!     strata::testing::assert_upgrades_from(&MIGRATIONS, 1, "INSERT INTO users (id, name) VALUES (1, 'ada');").await;
    //! }
    //! ```
    //!
    //! - [`assert_in_sync`]: applies every migration, reflects the database and compares it with
    //!   the models' [`Schema::snapshot`](crate::Schema::snapshot). On drift it panics with each difference ("column
    //!   `users.email` exists only in the models") and the command that writes the missing
    //!   migration, `cargo run --bin manage -- make-migration <name>`.
    //! - [`assert_reversible`]: for each version in order, reads the schema, upgrades to the version,
    //!   and when it has a down script downgrades again, requires the schema read before, and
    //!   upgrades once more. A down script that leaves a trace (an index, a column, a table) or an
    //!   up script that cannot run after its own down script fails, naming the version, the file
    //!   and the difference. A version without a down script is skipped, unless `strata.toml` says
    //!   `require_down = true`: then it is listed in the failure.
    //! - [`assert_upgrades_from`]: applies the migrations up to `version`, runs `seed_sql` (rows as
    //!   production has them), then upgrades to the latest version: catches a migration that works
    //!   on an empty database but not on data (a NOT NULL column without a default, a unique index
    //!   over duplicates).
    //!
    //! The checks panic, so they are used in a test; their messages read like the runtime's errors.
    //! A check runs on the backend whose dialect variants the repository has: SQLite for the
    //! in-memory checks, the server's for `…_with(url)`. `…_with("")` (an unset variable read with
    //! `unwrap_or_default()`) skips the check with a printed reason, and fails when the `CI`
    //! environment variable is set (to anything but empty, `0` or `false`), as `#[strata::test]`
    //! does:
    //!
    //! ```no_run
    //! # static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");
    //! # async fn f() {
    //! let url = std::env::var("STRATA_TEST_POSTGRES_URL").unwrap_or_default();
    //! strata::testing::assert_reversible_with(&url, &MIGRATIONS).await;
    //! # }
    //! ```
    //!
    //! The server databases are named `strata_test_<unix_secs>_<pid>_<n>` (the URL's database part
    //! is replaced, so its user needs the right to create databases); ones over an hour old, left by
    //! a killed run, are dropped at first use.

    #[cfg(feature = "sqlite")]
    pub use strata_runtime::kit::{assert_in_sync, assert_reversible, assert_upgrades_from};
    pub use strata_runtime::kit::{
        assert_in_sync_with, assert_reversible_with, assert_upgrades_from_with,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::ColumnType;
    pub use sqlx;
    pub use strata_core as core;
    pub use strata_runtime as runtime;
    pub use strata_runtime::testing;
}

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
