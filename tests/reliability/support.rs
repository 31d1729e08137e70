//! Helpers shared by the reliability suites: raw SQL on a fresh database of each backend.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use strata::Backend;
use strata::Dialect;
pub use strata_runtime::testing::{execute, ints, table_names, texts};

/// Polls `check` every 50 ms until it returns true or `limit` passes; returns how long it took,
/// or `None` when it never became true.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return Some(started.elapsed());
        }
        if started.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The MySQL lock name strata uses for the default bookkeeping table, as SQL.
pub const MYSQL_LOCK_NAME: &str =
    "CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', 'strata_migrations'), 256), 57))";

/// Whether any session holds strata's migration lock (PostgreSQL: any advisory lock in this
/// database; MySQL: `IS_USED_LOCK`; SQLite: whether `BEGIN IMMEDIATE` fails at once).
pub async fn lock_is_held<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) -> bool {
    match DB::DIALECT {
        Dialect::Postgres => {
            ints(
                pool,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            .await[0]
                > 0
        }
        Dialect::Mysql => {
            // The holder's connection id; 0 when the lock is free.
            ints(
                pool,
                sqlx::AssertSqlSafe(format!(
                    "SELECT COALESCE(IS_USED_LOCK({MYSQL_LOCK_NAME}), 0)"
                )),
            )
            .await[0]
                != 0
        }
        Dialect::Sqlite => sqlite_write_lock_is_held::<DB>(url).await,
    }
}

/// Tries `BEGIN IMMEDIATE` with no busy wait on a new connection.
async fn sqlite_write_lock_is_held<DB: Backend>(url: &str) -> bool {
    use sqlx::Connection as _;
    let mut conn = <DB::Connection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    DB::execute_audited(
        &mut conn,
        sqlx::SqlStr::from_static("PRAGMA busy_timeout = 0"),
    )
    .await
    .unwrap();
    let held =
        match DB::execute_audited(&mut conn, sqlx::SqlStr::from_static("BEGIN IMMEDIATE")).await {
            Ok(_) => {
                DB::execute_audited(&mut conn, sqlx::SqlStr::from_static("ROLLBACK"))
                    .await
                    .unwrap();
                false
            }
            Err(e) if e.to_string().contains("locked") => true,
            Err(e) => panic!("BEGIN IMMEDIATE: {e}"),
        };
    conn.close().await.unwrap();
    held
}
