//! The test-database helpers create a database that exists and remove it afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_test_database_is_created_and_dropped() {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(name.starts_with("strata_test_"), "{name}");
    let admin = std::env::var("STRATA_TEST_POSTGRES_URL").unwrap();
    db.close().await;
    let admin = sqlx::PgPool::connect(&admin).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_test_database_is_created_and_dropped() {
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    let name: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(name.starts_with("strata_test_"), "{name}");
    let admin = std::env::var("STRATA_TEST_MYSQL_URL").unwrap();
    drop(db); // the Drop path must clean up too
    let admin = sqlx::MySqlPool::connect(&admin).await.unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(&name)
    .fetch_one(&admin)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn with_database_replaces_only_the_path() {
    use strata_runtime::testing::with_database;
    assert_eq!(
        with_database("postgres://u@h:5432/test?sslmode=disable", "x"),
        "postgres://u@h:5432/x?sslmode=disable"
    );
    assert_eq!(
        with_database("mysql://root@127.0.0.1:3306", "y"),
        "mysql://root@127.0.0.1:3306/y"
    );
}

#[test]
fn creation_time_is_read_from_the_name_only_for_test_databases() {
    use strata_runtime::testing::{created_at, is_stale};
    assert_eq!(
        created_at("strata_test_1700000000_42_0"),
        Some(1_700_000_000)
    );
    assert_eq!(created_at("strata_test_1700000000_42"), None);
    assert_eq!(created_at("strata_test_1700000000_42_0_1"), None);
    assert_eq!(created_at("strata_test_17x_42_0"), None);
    assert_eq!(created_at("strata_test_1700000000__0"), None);
    assert_eq!(created_at("myapp_1700000000_42_0"), None);
    assert!(is_stale("strata_test_1000_1_0", 1000 + 3601));
    assert!(!is_stale("strata_test_1000_1_0", 1000 + 3600));
    assert!(!is_stale("strata_test_5000_1_0", 1000)); // a clock that went backwards
    assert!(!is_stale("production", u64::MAX));
}

#[test]
fn the_sqlite_sweep_removes_only_stale_test_files() {
    use strata_runtime::testing::sweep_stale_sqlite_files;
    let dir = std::env::temp_dir().join(format!("strata_sweep_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let now = 1_000_000;
    let files = [
        "strata_test_990000_1_0.db",     // stale
        "strata_test_990000_1_0.db-shm", // its journal
        "strata_test_999000_1_1.db",     // young
        "strata_test_990000_1_2.txt",    // not a database
        "app.db",                        // not a test database
    ];
    for file in files {
        std::fs::write(dir.join(file), b"").unwrap();
    }
    let removed = sweep_stale_sqlite_files(&dir, now);
    assert_eq!(removed, [dir.join("strata_test_990000_1_0.db")]);
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "app.db",
            "strata_test_990000_1_2.txt",
            "strata_test_999000_1_1.db"
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}
