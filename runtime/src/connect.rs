//! The free functions of `strata::runtime`: each is a [`Migrator`] with the repository's own
//! settings, plus `connect`.

use strata_core::{Dialect, Migrations};

use crate::backend::Backend;
use crate::error::Error;
use crate::migrator::Migrator;
use crate::report::{Report, VersionStatus};

/// Applies every pending migration; see [`Migrator::upgrade`].
pub async fn upgrade<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
) -> Result<Report, Error> {
    Migrator::new(migrations).upgrade(pool).await
}

/// Applies the pending migrations up to `version`; see [`Migrator::upgrade_to`].
pub async fn upgrade_to<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    version: i64,
) -> Result<Report, Error> {
    Migrator::new(migrations).upgrade_to(pool, version).await
}

/// Reverts to `version` with the down scripts; see [`Migrator::downgrade`].
pub async fn downgrade<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    version: i64,
) -> Result<Report, Error> {
    Migrator::new(migrations).downgrade(pool, version).await
}

/// Puts the database under version control at `version`; see [`Migrator::version_control`].
pub async fn version_control<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    version: Option<i64>,
) -> Result<(), Error> {
    Migrator::new(migrations)
        .version_control(pool, version)
        .await
}

/// The database's version; see [`Migrator::db_version`].
pub async fn db_version<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
) -> Result<Option<i64>, Error> {
    Migrator::new(migrations).db_version(pool).await
}

/// Every version's state; see [`Migrator::status`].
pub async fn status<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
) -> Result<Vec<VersionStatus>, Error> {
    Migrator::new(migrations).status(pool).await
}

/// On an empty database, creates `schema` and records every embedded version as applied;
/// otherwise upgrades. See [`Migrator::upgrade_or_create`].
pub async fn upgrade_or_create<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    schema: &strata_core::Schema,
) -> Result<Report, Error> {
    Migrator::new(migrations)
        .upgrade_or_create(pool, schema)
        .await
}

/// Connects to `url` (creating a missing SQLite file), applies the pending migrations and
/// returns the pool.
pub async fn connect<DB: Backend>(
    url: &str,
    migrations: &Migrations,
) -> Result<sqlx::Pool<DB>, Error> {
    let url = if DB::DIALECT == Dialect::Sqlite {
        sqlite_create_mode(url)
    } else {
        url.to_string()
    };
    let pool = sqlx::Pool::<DB>::connect(&url)
        .await
        .map_err(Error::Connect)?;
    upgrade(&pool, migrations).await?;
    Ok(pool)
}

/// Adds `mode=rwc` to a SQLite URL that names no mode, so a missing file is created.
fn sqlite_create_mode(url: &str) -> String {
    if url.contains(":memory:") || url.contains("mode=") {
        return url.to_string();
    }
    if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_create_mode;

    #[test]
    fn sqlite_urls_get_create_mode_once() {
        assert_eq!(
            sqlite_create_mode("sqlite://app.db"),
            "sqlite://app.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_mode("sqlite://app.db?cache=shared"),
            "sqlite://app.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_create_mode("sqlite://app.db?mode=ro"),
            "sqlite://app.db?mode=ro"
        );
        assert_eq!(sqlite_create_mode("sqlite::memory:"), "sqlite::memory:");
    }
}
