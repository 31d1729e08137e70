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
