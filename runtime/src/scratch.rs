//! Scratch databases and `replay`: the schema a migration history builds, read from a database
//! that exists only for that. The source of the "old schema" for `diff`, `make-migration` and
//! the migration test kit when no live database is given.
//!
//! A scratch database is an in-memory SQLite database, or a database created on a PostgreSQL or
//! MySQL/MariaDB server with the naming, sweeping and clean-up of `#[strata::test]`
//! (`strata_test_<unix_secs>_<pid>_<n>`, stale ones swept at first use, dropped afterwards, also
//! when the caller panics).

use strata_core::{Dialect, Migrations, Snapshot};

use crate::error::Error;
use crate::migrator::Migrator;
use crate::testing::{FreshDatabaseError, TestDatabase};

/// A database that exists for one check and is removed when this value is dropped (or
/// [`ScratchDatabase::close`]d).
pub enum ScratchDatabase {
    /// An in-memory SQLite database.
    #[cfg(feature = "sqlite")]
    Sqlite(TestDatabase<sqlx::Sqlite>),
    /// A database created on a PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(TestDatabase<sqlx::Postgres>),
    /// A database created on a MySQL/MariaDB server.
    #[cfg(feature = "mysql")]
    Mysql(TestDatabase<sqlx::MySql>),
}

/// Runs `$body` with `$database` bound to the scratch database's `TestDatabase`, whatever its
/// backend.
macro_rules! with_database {
    ($scratch:expr, |$database:ident| $body:expr) => {
        match $scratch {
            #[cfg(feature = "sqlite")]
            $crate::scratch::ScratchDatabase::Sqlite($database) => $body,
            #[cfg(feature = "postgres")]
            $crate::scratch::ScratchDatabase::Postgres($database) => $body,
            #[cfg(feature = "mysql")]
            $crate::scratch::ScratchDatabase::Mysql($database) => $body,
        }
    };
}
pub(crate) use with_database;

impl ScratchDatabase {
    /// A fresh in-memory SQLite database.
    #[cfg(feature = "sqlite")]
    pub async fn sqlite() -> Result<ScratchDatabase, Error> {
        crate::testing::sqlite_in_memory()
            .await
            .map(ScratchDatabase::Sqlite)
            .map_err(scratch_error)
    }

    /// A fresh database on the server at `url` (`postgres:`/`postgresql:`, `mysql:`/`mariadb:`;
    /// the URL's database part is replaced by a new `strata_test_*` name, so `url` may name any
    /// database the user can connect to, and needs the right to create databases). A `sqlite:`
    /// URL gives an in-memory database: a scratch database never touches a file.
    pub async fn create(url: &str) -> Result<ScratchDatabase, Error> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            #[cfg(feature = "sqlite")]
            Some("sqlite") => Self::sqlite().await,
            #[cfg(feature = "postgres")]
            Some("postgres" | "postgresql") => crate::testing::postgres_on(url)
                .await
                .map(ScratchDatabase::Postgres)
                .map_err(scratch_error),
            #[cfg(feature = "mysql")]
            Some(scheme @ ("mysql" | "mariadb")) => {
                // sqlx knows MariaDB by the mysql: scheme.
                let url = format!("mysql{}", &url[scheme.len()..]);
                crate::testing::mysql_on(&url)
                    .await
                    .map(ScratchDatabase::Mysql)
                    .map_err(scratch_error)
            }
            // The URL itself may hold a password: name only the scheme.
            Some(scheme) if !scheme.is_empty() => Err(Error::Scratch {
                step: format!(
                    "the URL scheme `{scheme}:` is not one this build supports ({})",
                    supported_schemes()
                ),
                source: None,
            }),
            _ => Err(Error::Scratch {
                step: format!(
                    "the URL has no scheme; it must start with one of {}",
                    supported_schemes()
                ),
                source: None,
            }),
        }
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        with_database!(self, |database| database_dialect(&database.pool))
    }

    /// Applies `migrations` up to and including `up_to` (every one when `None`; none for
    /// `Some(0)`) and reflects the result, leaving out the repository's bookkeeping table.
    pub async fn replay(
        &self,
        migrations: &Migrations,
        up_to: Option<i64>,
    ) -> Result<Snapshot, Error> {
        with_database!(self, |database| replay_on(
            &database.pool,
            migrations,
            up_to
        )
        .await)
    }

    /// Closes the connections and removes the database now.
    pub async fn close(self) {
        with_database!(self, |database| database.close().await)
    }
}

fn database_dialect<DB: crate::Backend>(_pool: &sqlx::Pool<DB>) -> Dialect {
    DB::DIALECT
}

fn supported_schemes() -> String {
    let mut schemes: Vec<&str> = Vec::new();
    if cfg!(feature = "sqlite") {
        schemes.push("sqlite:");
    }
    if cfg!(feature = "postgres") {
        schemes.extend(["postgres:", "postgresql:"]);
    }
    if cfg!(feature = "mysql") {
        schemes.extend(["mysql:", "mariadb:"]);
    }
    schemes.join(", ")
}

fn scratch_error(error: FreshDatabaseError) -> Error {
    Error::Scratch {
        step: error.step,
        source: Some(error.source),
    }
}

/// [`ScratchDatabase::replay`] on any pool: applies `migrations` up to `up_to` and reflects.
pub async fn replay_on<DB: crate::Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    up_to: Option<i64>,
) -> Result<Snapshot, Error> {
    let migrator = Migrator::new(migrations);
    match up_to {
        None => {
            migrator.upgrade(pool).await?;
        }
        Some(0) => {}
        Some(version) => {
            migrator.upgrade_to(pool, version).await?;
        }
    }
    migrator.reflect(pool).await
}

/// The schema `migrations` build: applies them (up to and including `up_to`; every one when
/// `None`; none for `Some(0)`) to a fresh in-memory SQLite database, reflects it and drops it.
/// The repository's bookkeeping table is left out.
///
/// ```text
/// pub async fn replay(migrations: &Migrations, up_to: Option<i64>) -> Result<Snapshot, Error>
/// ```
///
/// Errors: a migration that fails (its `Error::MigrationFailed` names the version, file and
/// statement), `up_to` not embedded (`Error::UnknownTarget`).
#[cfg(feature = "sqlite")]
pub async fn replay(migrations: &Migrations, up_to: Option<i64>) -> Result<Snapshot, Error> {
    let scratch = ScratchDatabase::sqlite().await?;
    let snapshot = scratch.replay(migrations, up_to).await;
    scratch.close().await;
    snapshot
}

/// [`replay`] into a scratch database made by [`ScratchDatabase::create`] from `url`: a new
/// `strata_test_*` database on the PostgreSQL or MySQL/MariaDB server `url` names, dropped
/// afterwards (a `sqlite:` URL replays into memory). The snapshot is in that server's dialect.
pub async fn replay_with(
    url: &str,
    migrations: &Migrations,
    up_to: Option<i64>,
) -> Result<Snapshot, Error> {
    let scratch = ScratchDatabase::create(url).await?;
    let snapshot = scratch.replay(migrations, up_to).await;
    scratch.close().await;
    snapshot
}
