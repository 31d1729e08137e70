//! The runtime leaves the database and the user's connection as it should: racing upgraders
//! under any isolation level, connection settings restored, downgrade refusing a foreign
//! history, bookkeeping values never guessed, times past 2038.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::str::FromStr;
use std::time::{Duration, UNIX_EPOCH};

use strata_core::Dialect;
use strata_runtime::on_each_backend;
use strata_runtime::{Backend, Error, Migrator, VersionState};
use support::{database_name, execute, ints, query, repo, table_names};

on_each_backend!(
    downgrade_refuses_a_changed_history,
    downgrade_refuses_unknown_versions,
    null_bookkeeping_value_is_an_error,
    applied_at_past_2038,
);

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the lock transaction is READ COMMITTED whatever the database's default
// ---------------------------------------------------------------------------------------------

fn racing_repo() -> &'static strata_core::Migrations {
    Box::leak(Box::new(repo(&[
        (
            1,
            "log",
            "CREATE TABLE log (v INTEGER NOT NULL);\nINSERT INTO log (v) VALUES (1);",
            None,
        ),
        (
            2,
            "t2",
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\nINSERT INTO log (v) VALUES (2);",
            None,
        ),
        (3, "three", "INSERT INTO log (v) VALUES (3);", None),
        (
            4,
            "t4",
            "CREATE TABLE t4 (id INTEGER PRIMARY KEY);\nINSERT INTO log (v) VALUES (4);",
            None,
        ),
    ])))
}

/// 16 upgraders, each with its own one-connection pool, on a database whose
/// `default_transaction_isolation` is `level`: every one succeeds, each migration runs once.
#[cfg(feature = "postgres")]
async fn race_under_isolation(level: &'static str) {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    let name = database_name(&db.url);
    execute(
        &db.pool,
        sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_isolation = '{level}'"
        )),
    )
    .await;
    let m = racing_repo();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let pool = sqlx::pool::PoolOptions::<sqlx::Postgres>::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            // The database's default reaches every new connection.
            let isolation = query(&pool, "SHOW default_transaction_isolation").await;
            let report = strata_runtime::upgrade(&pool, m).await;
            pool.close().await;
            (isolation, report)
        }));
    }
    let mut ran = Vec::new();
    for task in tasks {
        let (isolation, report) = task.await.unwrap();
        assert_eq!(isolation, vec![level]);
        ran.extend(report.unwrap_or_else(|e| panic!("{e}")).versions());
    }
    ran.sort_unstable();
    assert_eq!(ran, vec![1, 2, 3, 4], "each migration ran exactly once");
    assert_eq!(
        ints(&db.pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3, 4]
    );
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_race_under_repeatable_read() {
    race_under_isolation("repeatable read").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_race_under_serializable() {
    race_under_isolation("serializable").await;
}

// ---------------------------------------------------------------------------------------------
// The user's connection settings are left as they were
// ---------------------------------------------------------------------------------------------

fn sqlite_pool(
    url: &str,
    options: impl FnOnce(sqlx::sqlite::SqliteConnectOptions) -> sqlx::sqlite::SqliteConnectOptions,
) -> sqlx::SqlitePool {
    let options = options(sqlx::sqlite::SqliteConnectOptions::from_str(url).unwrap());
    sqlx::pool::PoolOptions::<sqlx::Sqlite>::new()
        .max_connections(1)
        .connect_lazy_with(options)
}

#[tokio::test]
async fn sqlite_busy_timeout_is_restored_to_the_users_value() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = sqlite_pool(&db.url, |o| o.busy_timeout(Duration::from_secs(30)));
    assert_eq!(ints(&pool, "PRAGMA busy_timeout").await, vec![30000]);
    // A lock timeout below the busy timeout: strata caps it while it works, then restores it.
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    Migrator::new(&m)
        .lock_timeout(Duration::from_millis(1500))
        .upgrade(&pool)
        .await
        .unwrap();
    assert_eq!(ints(&pool, "PRAGMA busy_timeout").await, vec![30000]);
    // The default lock timeout (10 minutes) is above it: nothing to cap.
    let m = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
    ]);
    strata_runtime::upgrade(&pool, &m).await.unwrap();
    assert_eq!(ints(&pool, "PRAGMA busy_timeout").await, vec![30000]);
    assert_eq!(pool.size(), 1, "the connection went back to the pool");
    pool.close().await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_foreign_keys_off_stay_off() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = sqlite_pool(&db.url, |o| o.foreign_keys(false));
    assert_eq!(ints(&pool, "PRAGMA foreign_keys").await, vec![0]);
    let m = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (
            2,
            "rebuild",
            "-- strata:foreign-keys-off\nCREATE TABLE a2 (id INTEGER PRIMARY KEY);\nDROP TABLE a;\nALTER TABLE a2 RENAME TO a;",
            None,
        ),
    ]);
    strata_runtime::upgrade(&pool, &m).await.unwrap();
    assert_eq!(ints(&pool, "PRAGMA foreign_keys").await, vec![0]);
    assert_eq!(pool.size(), 1, "the connection went back to the pool");
    // And a failing rebuild leaves them as they were too.
    let bad = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (
            2,
            "rebuild",
            "-- strata:foreign-keys-off\nCREATE TABLE a2 (id INTEGER PRIMARY KEY);\nDROP TABLE a;\nALTER TABLE a2 RENAME TO a;",
            None,
        ),
        (
            3,
            "broken",
            "-- strata:foreign-keys-off\nINSERT INTO nosuch VALUES (1);",
            None,
        ),
    ]);
    strata_runtime::upgrade(&pool, &bad).await.unwrap_err();
    assert_eq!(ints(&pool, "PRAGMA foreign_keys").await, vec![0]);
    pool.close().await;
    db.close().await;
}

/// `client_connection_check_interval` is set only with `SET LOCAL` inside the locked
/// transaction: the migration sees 1s, the session keeps the user's value.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_session_settings_are_untouched() {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    let pool = sqlx::pool::PoolOptions::<sqlx::Postgres>::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .unwrap();
    let show = "SELECT current_setting('client_connection_check_interval')";
    execute(&pool, "SET client_connection_check_interval = '7s'").await;
    assert_eq!(query(&pool, show).await, vec!["7s"]);
    let m = repo(&[(
        1,
        "seen",
        "CREATE TABLE seen AS SELECT current_setting('client_connection_check_interval') AS v;",
        None,
    )]);
    strata_runtime::upgrade(&pool, &m).await.unwrap();
    assert_eq!(query(&pool, "SELECT v FROM seen").await, vec!["1s"]);
    assert_eq!(query(&pool, show).await, vec!["7s"]);
    assert_eq!(pool.size(), 1, "the connection went back to the pool");
    pool.close().await;
    db.close().await;
}

// ---------------------------------------------------------------------------------------------
// downgrade verifies the history first, as upgrade does
// ---------------------------------------------------------------------------------------------

async fn downgrade_refuses_a_changed_history<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let applied = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (
            2,
            "b",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE b;"),
        ),
    ]);
    strata_runtime::upgrade(pool, &applied).await.unwrap();
    // A binary whose version 2 was written for another schema: its down script drops `a`.
    let other = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (
            2,
            "b",
            "CREATE TABLE c (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
    ]);
    let applied_sum = applied.get(2).unwrap().up[0]
        .as_ref()
        .unwrap()
        .checksum
        .to_string();
    let other_sum = other.get(2).unwrap().up[0]
        .as_ref()
        .unwrap()
        .checksum
        .to_string();
    let expected = format!(
        "migration 2 (0002_b.sql) was changed after it was applied: the database recorded checksum {applied_sum}, the binary embeds {other_sum}; restore the original script and put the change in a new migration"
    );
    let upgrade_err = strata_runtime::upgrade(pool, &other).await.unwrap_err();
    assert_eq!(upgrade_err.to_string(), expected);
    let err = strata_runtime::downgrade(pool, &other, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ChecksumMismatch { version: 2, .. }),
        "{err}"
    );
    assert_eq!(err.to_string(), expected);
    // Nothing changed.
    assert_eq!(table_names(pool).await, vec!["a", "b", "strata_migrations"]);
    assert_eq!(
        strata_runtime::db_version(pool, &other).await.unwrap(),
        Some(2)
    );
    // Forced, it runs the binary's down script.
    let report = Migrator::new(&other)
        .force(true)
        .downgrade(pool, 1)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![2]);
    assert_eq!(table_names(pool).await, vec!["b", "strata_migrations"]);
    assert_eq!(
        strata_runtime::db_version(pool, &other).await.unwrap(),
        Some(1)
    );
}

async fn downgrade_refuses_unknown_versions<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let newer = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (
            2,
            "b",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE b;"),
        ),
        (
            3,
            "c",
            "CREATE TABLE c (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE c;"),
        ),
    ]);
    strata_runtime::upgrade(pool, &newer).await.unwrap();
    let older = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (
            2,
            "b",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE b;"),
        ),
    ]);
    let expected = "the database has version 3 applied that this binary does not embed (its latest is 2): is this binary older than the database? Deploy the build that contains them, or rebuild (a new migration file needs `cargo:rerun-if-changed=migrations` in build.rs)";
    let upgrade_err = strata_runtime::upgrade(pool, &older).await.unwrap_err();
    assert_eq!(upgrade_err.to_string(), expected);
    // Reverting version 2 alone would leave 3 applied on top of nothing.
    let err = strata_runtime::downgrade(pool, &older, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownVersions { .. }), "{err}");
    assert_eq!(err.to_string(), expected);
    assert_eq!(
        table_names(pool).await,
        vec!["a", "b", "c", "strata_migrations"]
    );
    assert_eq!(
        strata_runtime::db_version(pool, &older).await.unwrap(),
        Some(3)
    );
    // Forced, the history check is skipped; version 3 still has no down script here.
    let err = Migrator::new(&older)
        .force(true)
        .downgrade(pool, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::MissingDownScript { version: 3, .. }),
        "{err}"
    );
    assert_eq!(
        strata_runtime::db_version(pool, &older).await.unwrap(),
        Some(3)
    );
}

// ---------------------------------------------------------------------------------------------
// Decoding never guesses
// ---------------------------------------------------------------------------------------------

/// A bookkeeping table made by hand (without NOT NULL) with a NULL checksum: an error naming
/// the table, the column and the version, from upgrade, status and downgrade alike.
async fn null_bookkeeping_value_is_an_error<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let (create, insert) = match DB::DIALECT {
        Dialect::Sqlite => (
            "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY, name TEXT, checksum TEXT, installed_rank BIGINT, head TEXT, applied_at TEXT, execution_ms BIGINT, success BOOLEAN)",
            "INSERT INTO strata_migrations VALUES (1, 'a', NULL, 1, 'x', '2026-01-01 00:00:00', 0, 1)",
        ),
        Dialect::Postgres => (
            "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY, name TEXT, checksum TEXT, installed_rank BIGINT, head TEXT, applied_at TIMESTAMPTZ, execution_ms BIGINT, success BOOLEAN)",
            "INSERT INTO strata_migrations VALUES (1, 'a', NULL, 1, 'x', now(), 0, TRUE)",
        ),
        Dialect::Mysql => (
            "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY, name VARCHAR(255), checksum VARCHAR(64), installed_rank BIGINT, head VARCHAR(64), applied_at DATETIME(6), execution_ms BIGINT, success BOOLEAN)",
            "INSERT INTO strata_migrations VALUES (1, 'a', NULL, 1, 'x', CURRENT_TIMESTAMP(6), 0, TRUE)",
        ),
    };
    execute(pool, create).await;
    execute(pool, insert).await;
    let m = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
    ]);
    let expected = "the bookkeeping table strata_migrations holds NULL in column `checksum` of version 1, where strata writes a SHA-256 checksum: correct the row by hand, or rewrite the table with `strata version-control --force <version>`; nothing was changed";
    let err = strata_runtime::upgrade(pool, &m).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadBookkeeping {
                column: "checksum",
                version: Some(1),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.to_string(), expected);
    let err = strata_runtime::status(pool, &m).await.unwrap_err();
    assert_eq!(err.to_string(), expected);
    let err = strata_runtime::downgrade(pool, &m, 0).await.unwrap_err();
    assert_eq!(err.to_string(), expected);
    assert_eq!(table_names(pool).await, vec!["strata_migrations"]);
}

/// SQLite keeps whatever a hand edit stores: text in an integer column is named, not read as 0.
#[tokio::test]
async fn sqlite_undecodable_bookkeeping_value_is_an_error() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = &db.pool;
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    execute(
        pool,
        "UPDATE strata_migrations SET installed_rank = 'first'",
    )
    .await;
    let err = strata_runtime::status(pool, &m).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the bookkeeping table strata_migrations holds a value of type TEXT in column `installed_rank` of version 1, where strata writes an integer: correct the row by hand, or rewrite the table with `strata version-control --force <version>`; nothing was changed"
    );
    db.close().await;
}

/// An unsigned MySQL column above `i64::MAX` is an error, not `i64::MAX`.
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_out_of_range_bookkeeping_value_is_an_error() {
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    let pool = &db.pool;
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    execute(
        pool,
        "ALTER TABLE strata_migrations MODIFY execution_ms BIGINT UNSIGNED NOT NULL",
    )
    .await;
    execute(
        pool,
        "UPDATE strata_migrations SET execution_ms = 18446744073709551615",
    )
    .await;
    let err = strata_runtime::status(pool, &m).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the bookkeeping table strata_migrations holds 18446744073709551615, which is too large in column `execution_ms` of version 1, where strata writes an integer: correct the row by hand, or rewrite the table with `strata version-control --force <version>`; nothing was changed"
    );
    db.close().await;
}

// ---------------------------------------------------------------------------------------------
// Times past 2038
// ---------------------------------------------------------------------------------------------

/// `applied_at` holds a time past 2038 on every backend (MariaDB's TIMESTAMP ends in 2038).
async fn applied_at_past_2038<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    execute(
        pool,
        match DB::DIALECT {
            Dialect::Sqlite => {
                "UPDATE strata_migrations SET applied_at = '2040-01-01 00:00:00.000'"
            }
            Dialect::Postgres => {
                "UPDATE strata_migrations SET applied_at = '2040-01-01 00:00:00+00'"
            }
            Dialect::Mysql => "UPDATE strata_migrations SET applied_at = '2040-01-01 00:00:00'",
        },
    )
    .await;
    let status = strata_runtime::status(pool, &m).await.unwrap();
    assert_eq!(status[0].state, VersionState::Applied);
    assert_eq!(
        status[0].applied_at,
        Some(UNIX_EPOCH + Duration::from_secs(2_208_988_800))
    );
}

/// A bookkeeping table created with `TIMESTAMP(6)` (before DATETIME(6)) keeps working.
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_timestamp_bookkeeping_table_keeps_working() {
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    let pool = &db.pool;
    execute(
        pool,
        "CREATE TABLE strata_migrations (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name VARCHAR(255) NOT NULL,\n  checksum VARCHAR(64) NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head VARCHAR(64) NOT NULL,\n  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    )
    .await;
    let m = support::tables(3);
    assert_eq!(
        strata_runtime::upgrade_to(pool, &m, 2)
            .await
            .unwrap()
            .versions(),
        vec![1, 2]
    );
    assert_eq!(
        strata_runtime::upgrade(pool, &m).await.unwrap().versions(),
        vec![3]
    );
    let status = strata_runtime::status(pool, &m).await.unwrap();
    assert!(
        status
            .iter()
            .all(|s| s.state == VersionState::Applied && s.applied_at.is_some())
    );
    assert_eq!(
        strata_runtime::downgrade(pool, &m, 1)
            .await
            .unwrap()
            .versions(),
        vec![3, 2]
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(1));
    // The table is left as it was made.
    assert_eq!(
        query(
            pool,
            "SELECT CAST(DATA_TYPE AS CHAR) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'strata_migrations' AND COLUMN_NAME = 'applied_at'"
        )
        .await,
        vec!["timestamp"]
    );
    db.close().await;
}

/// New bookkeeping tables use DATETIME(6) on MySQL.
#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_bookkeeping_applied_at_is_datetime() {
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    let m = support::tables(1);
    strata_runtime::upgrade(&db.pool, &m).await.unwrap();
    assert_eq!(
        query(
            &db.pool,
            "SELECT CAST(COLUMN_TYPE AS CHAR) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'strata_migrations' AND COLUMN_NAME = 'applied_at'"
        )
        .await,
        vec!["datetime(6)"]
    );
    db.close().await;
}
