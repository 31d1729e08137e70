//! The first test database a process creates sweeps away `strata_test_*` databases more than an
//! hour old (left by a killed run), and leaves younger ones alone. One test in its own binary:
//! the sweep happens once per process, so nothing else may create a database first.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

use strata_runtime::testing::{self, STALE_AFTER_SECS, unix_now};

/// Names that look like another process's test databases: one stale, one young.
fn names() -> (String, String) {
    let now = unix_now();
    let pid = std::process::id();
    (
        format!("strata_test_{}_{pid}_900001", now - STALE_AFTER_SECS - 60),
        format!("strata_test_{}_{pid}_900002", now - 60),
    )
}

#[tokio::test]
async fn the_first_database_of_a_process_sweeps_stale_ones() {
    // SQLite: files in the temporary directory.
    let (stale, young) = names();
    let dir = std::env::temp_dir();
    for file in [
        format!("{stale}.db"),
        format!("{stale}.db-wal"),
        format!("{young}.db"),
    ] {
        std::fs::write(dir.join(file), b"").unwrap();
    }
    let db = testing::sqlite().await;
    assert!(!dir.join(format!("{stale}.db")).exists());
    assert!(!dir.join(format!("{stale}.db-wal")).exists());
    assert!(dir.join(format!("{young}.db")).exists());
    std::fs::remove_file(dir.join(format!("{young}.db"))).unwrap();
    db.close().await;

    // Without a server URL the suite is skipped, and fails under CI (`server_url` panics there).
    #[cfg(feature = "postgres")]
    if let Some(admin_url) = testing::server_url("STRATA_TEST_POSTGRES_URL") {
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        for name in [&stale, &young] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&admin)
                .await
                .unwrap();
        }
        let db = testing::postgres().await.unwrap();
        let left: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname = $1 OR datname = $2",
        )
        .bind(&stale)
        .bind(&young)
        .fetch_all(&admin)
        .await
        .unwrap();
        assert_eq!(left, std::slice::from_ref(&young));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE \"{young}\"")))
            .execute(&admin)
            .await
            .unwrap();
        db.close().await;
    }

    #[cfg(feature = "mysql")]
    if let Some(admin_url) = testing::server_url("STRATA_TEST_MYSQL_URL") {
        let admin = sqlx::MySqlPool::connect(&admin_url).await.unwrap();
        for name in [&stale, &young] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
                .execute(&admin)
                .await
                .unwrap();
        }
        let db = testing::mysql().await.unwrap();
        let left: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
             WHERE SCHEMA_NAME IN (?, ?)",
        )
        .bind(&stale)
        .bind(&young)
        .fetch_all(&admin)
        .await
        .unwrap();
        assert_eq!(left, std::slice::from_ref(&young));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE `{young}`")))
            .execute(&admin)
            .await
            .unwrap();
        db.close().await;
    }
}
