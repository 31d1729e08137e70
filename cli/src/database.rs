//! The database URL, the backend its scheme picks, and one pool of that backend.

use std::str::FromStr;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};
use strata_core::Dialect;

use crate::Failure;

#[derive(Debug, Clone, Copy)]
pub(crate) enum BackendKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl BackendKind {
    pub(crate) fn from_url(url: &str) -> Result<BackendKind, Failure> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme);
        match scheme.map(str::to_ascii_lowercase).as_deref() {
            Some("sqlite") => Ok(BackendKind::Sqlite),
            Some("postgres" | "postgresql") => Ok(BackendKind::Postgres),
            Some("mysql" | "mariadb") => Ok(BackendKind::Mysql),
            // The URL itself may hold a password: name only the scheme.
            Some(other) if !other.is_empty() => Err(Failure(format!(
                "unsupported database URL scheme `{other}:`; use sqlite:, postgres:, postgresql:, mysql: or mariadb:"
            ))),
            _ => Err(Failure(
                "the database URL has no scheme; it must start with sqlite:, postgres:, postgresql:, mysql: or mariadb:".to_owned(),
            )),
        }
    }

    pub(crate) fn dialect(self) -> Dialect {
        match self {
            BackendKind::Sqlite => Dialect::Sqlite,
            BackendKind::Postgres => Dialect::Postgres,
            BackendKind::Mysql => Dialect::Mysql,
        }
    }
}

/// One connection of the backend the URL names: the CLI runs one command at a time.
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Mysql(MySqlPool),
}

/// Runs `$body` with `$pool` bound to the concrete `sqlx::Pool` inside `$db`: the runtime's
/// functions are generic over the backend, so each arm is its own instantiation.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::database::Pool::Sqlite($pool) => $body,
            $crate::database::Pool::Postgres($pool) => $body,
            $crate::database::Pool::Mysql($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Whether a missing SQLite file may be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    /// Only by the commands that build a schema.
    IfMissing,
    /// A read or a revert of a missing file is a mistake in the URL.
    No,
}

impl Pool {
    pub(crate) async fn connect(url: &str, create: Create, bin: &str) -> Result<Pool, Failure> {
        let connect_error =
            |e: sqlx::Error| Failure(format!("cannot connect to the database: {e}"));
        match BackendKind::from_url(url)? {
            BackendKind::Sqlite => {
                let mut options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| Failure(format!("invalid SQLite URL: {e}")))?;
                if create == Create::IfMissing {
                    options = options.create_if_missing(true);
                } else if !is_in_memory(url) && !options.get_filename().exists() {
                    return Err(Failure(format!(
                        "the SQLite database `{}` does not exist; `{bin} upgrade` creates it",
                        options.get_filename().display()
                    )));
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Pool::Sqlite(pool))
            }
            BackendKind::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(invalid_url)?;
                reachable(&options).await?;
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Pool::Postgres(pool))
            }
            BackendKind::Mysql => {
                let options =
                    MySqlConnectOptions::from_str(&mysql_url(url)).map_err(invalid_url)?;
                reachable(&options).await?;
                let pool = MySqlPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Pool::Mysql(pool))
            }
        }
    }

    pub(crate) async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

/// One connection attempt with the server's own answer: a pool retries a refused connection
/// until its acquire timeout and then reports only that it timed out.
async fn reachable<O>(options: &O) -> Result<(), Failure>
where
    O: ConnectOptions,
    O::Connection: Sized,
{
    let connection = options
        .connect()
        .await
        .map_err(|e| Failure(format!("cannot connect to the database: {e}")))?;
    let _ = connection.close().await;
    Ok(())
}

fn invalid_url(error: sqlx::Error) -> Failure {
    Failure(format!("invalid database URL: {error}"))
}

/// sqlx knows MariaDB by the mysql: scheme.
pub(crate) fn mysql_url(url: &str) -> String {
    match url.split_once(':') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => format!("mysql:{rest}"),
        _ => url.to_owned(),
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}
