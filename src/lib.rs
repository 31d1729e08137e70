//! strata: database schemas and migrations for Rust, checked at compile time.

pub use strata_core::{Dialect, Schema};
pub use strata_macros::Table;
pub use strata_core::{Migration, Migrations, Script, TransactionMode};
pub use strata_runtime::{Backend, Error};
pub use strata_runtime::{MigrationRun, Migrator, Report, VersionState, VersionStatus};

/// The runtime: create tables, apply migrations, read a database's version.
///
/// Every function takes the application's own `sqlx::Pool` (`&SqlitePool`, `&PgPool`,
/// `&MySqlPool`) and the embedded repository, and uses one connection of it.
///
/// # Upgrading at startup
///
/// ```
/// # async fn run(migrations: &strata::Migrations) -> Result<(), strata::Error> {
/// let pool = strata::sqlx::SqlitePool::connect("sqlite::memory:").await.map_err(strata::Error::Connect)?;
/// let report = strata::runtime::upgrade(&pool, migrations).await?;
/// println!("{report}");
/// assert_eq!(strata::runtime::db_version(&pool, migrations).await?, migrations.latest().or(Some(0)));
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run(&strata::Migrations {
/// #     migrations: std::borrow::Cow::Borrowed(&[]),
/// #     config: strata::__private::core::MigrationsConfig::DEFAULT,
/// #     heads: [strata::__private::core::head_digest([]).into(), strata::__private::core::head_digest([]).into(), strata::__private::core::head_digest([]).into()],
/// # })).unwrap();
/// ```
///
/// When nothing is pending, `upgrade` costs one statement and one round trip: it reads the
/// newest bookkeeping row and compares its digest of every applied (version, checksum) with
/// the digest `embed_migrations!` computed at compile time. Only when they differ does it take
/// the migration lock (bounded by [`Migrator::lock_timeout`], default 10 minutes), verify every
/// applied checksum, and apply each pending migration with its bookkeeping row in one
/// transaction. Any number of instances may start at once: each migration runs exactly once,
/// and the others see it applied and return `Ok`.
///
/// # What fails, and how
///
/// Every error ([`Error`]) names the version, the file, the failing statement and the
/// database's message, and says what to do. A changed script of an applied migration, a
/// database ahead of the binary, a pending version below an applied one (unless
/// [`Migrator::out_of_order`]) stop `upgrade` before anything runs. On SQLite and PostgreSQL a
/// failing migration is rolled back. MySQL cannot roll back DDL: its failed migration is left
/// *incomplete* and the next `upgrade` stops on it until repaired with
/// `strata version-control --force` ([`version_control`] with [`Migrator::force`]).
pub mod runtime {
    pub use strata_runtime::{
        connect, db_version, downgrade, status, upgrade, upgrade_to, version_control,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use sqlx;
    pub use strata_core as core;
}
