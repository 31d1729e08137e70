//! Scratch databases and `replay`: the schema a migration history builds, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod support;

use strata_core::{Dialect, Migrations, Snapshot};
#[cfg(feature = "sqlite")]
use strata_runtime::scratch::replay;
use strata_runtime::scratch::replay_with;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use strata_runtime::{scratch::ScratchDatabase, testing::server_url};

/// Three versions: a table with an index, a second table, a column added to the first.
fn history() -> Migrations {
    support::repo(&[
        (
            1,
            "create_users",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL);\n\
             CREATE INDEX users_name_idx ON users (name);",
            Some("DROP TABLE users;"),
        ),
        (
            2,
            "create_posts",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);",
            Some("DROP TABLE posts;"),
        ),
        (
            3,
            "add_users_email",
            "ALTER TABLE users ADD COLUMN email VARCHAR(100);",
            None,
        ),
    ])
}

fn table_names(snapshot: &Snapshot) -> Vec<&str> {
    snapshot.tables.iter().map(|t| t.name.as_str()).collect()
}

fn column_names<'s>(snapshot: &'s Snapshot, table: &str) -> Vec<&'s str> {
    snapshot
        .table(table)
        .unwrap()
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect()
}

async fn replay_at(
    url: Option<&str>,
    migrations: &Migrations,
    up_to: Option<i64>,
) -> Result<Snapshot, strata_runtime::Error> {
    match url {
        Some(url) => replay_with(url, migrations, up_to).await,
        #[cfg(feature = "sqlite")]
        None => replay(migrations, up_to).await,
        #[cfg(not(feature = "sqlite"))]
        None => unreachable!("in-memory replays need the sqlite feature"),
    }
}

/// What each stop of the history looks like, on a scratch database of `url`'s backend (an
/// in-memory SQLite one for `None`).
async fn replays_every_stop(url: Option<&str>, dialect: Dialect) {
    let migrations = history();

    let head = replay_at(url, &migrations, None).await.unwrap();
    assert_eq!(head.dialect, Some(dialect));
    // The bookkeeping table is left out.
    assert_eq!(table_names(&head), ["posts", "users"]);
    assert_eq!(column_names(&head, "users"), ["id", "name", "email"]);
    let users = head.table("users").unwrap();
    assert_eq!(users.indexes.len(), 1, "{users:?}");
    assert_eq!(users.indexes[0].columns, ["name"]);

    let one = replay_at(url, &migrations, Some(1)).await.unwrap();
    assert_eq!(table_names(&one), ["users"]);
    assert_eq!(column_names(&one, "users"), ["id", "name"]);

    let two = replay_at(url, &migrations, Some(2)).await.unwrap();
    assert_eq!(table_names(&two), ["posts", "users"]);
    let none = replay_at(url, &migrations, Some(0)).await.unwrap();
    assert!(none.tables.is_empty(), "{none:?}");

    let error = replay_at(url, &migrations, Some(4)).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "version 4 is not an embedded migration: the latest is 3"
    );
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn replay_into_memory_reflects_each_stop_of_the_history() {
    replays_every_stop(None, Dialect::Sqlite).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn replay_with_a_sqlite_url_stays_in_memory() {
    let file = std::env::temp_dir().join(format!(
        "{}.db",
        strata_runtime::testing::unique_database_name()
    ));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    replays_every_stop(Some(&url), Dialect::Sqlite).await;
    assert!(!file.exists(), "a scratch database never touches a file");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn replay_with_postgres_builds_and_drops_a_server_database() {
    let Some(url) = server_url("STRATA_TEST_POSTGRES_URL") else {
        return;
    };
    replays_every_stop(Some(&url), Dialect::Postgres).await;
    scratch_database_is_dropped(&url).await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn replay_with_mysql_builds_and_drops_a_server_database() {
    let Some(url) = server_url("STRATA_TEST_MYSQL_URL") else {
        return;
    };
    replays_every_stop(Some(&url), Dialect::Mysql).await;
    // MariaDB users write mariadb: URLs; sqlx knows only mysql:.
    let mariadb = url.replacen("mysql:", "mariadb:", 1);
    let snapshot = replay_with(&mariadb, &history(), Some(1)).await.unwrap();
    assert_eq!(table_names(&snapshot), ["users"]);
    scratch_database_is_dropped(&url).await;
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// A scratch database on the server at `url` is named like a test database and gone after
/// `close`.
async fn scratch_database_is_dropped(url: &str) {
    let scratch = ScratchDatabase::create(url).await.unwrap();
    let name = match &scratch {
        #[cfg(feature = "postgres")]
        ScratchDatabase::Postgres(database) => database.location(),
        #[cfg(feature = "mysql")]
        ScratchDatabase::Mysql(database) => database.location(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
    .unwrap();
    assert!(
        strata_runtime::testing::created_at(&name).is_some(),
        "{name}"
    );
    assert!(database_exists(url, &name).await, "{name} was not created");
    scratch.close().await;
    assert!(!database_exists(url, &name).await, "{name} was not dropped");
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn database_exists(url: &str, name: &str) -> bool {
    use sqlx::Connection as _;
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let found: Vec<String> =
            sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname = $1")
                .bind(name)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        return !found.is_empty();
    }
    #[cfg(feature = "mysql")]
    if url.starts_with("mysql") {
        let mut conn = sqlx::MySqlConnection::connect(url).await.unwrap();
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        return !found.is_empty();
    }
    panic!("not a server URL")
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_failing_migration_is_the_replay_error() {
    let broken = support::repo(&[
        (1, "ok", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (
            2,
            "broken",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);\nSELEC 1;",
            None,
        ),
    ]);
    let error = replay(&broken, None).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "migration 2 (0002_broken.sql) failed at statement 2 `SELEC 1`: near \"SELEC\": syntax error (code 1); it was rolled back, so the database is unchanged: fix the script and run again"
    );
    // Up to the version before it, the history replays.
    let snapshot = replay(&broken, Some(1)).await.unwrap();
    assert_eq!(table_names(&snapshot), ["a"]);
}

#[cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[tokio::test]
async fn urls_strata_cannot_replay_into_are_refused_by_scheme() {
    let error = replay_with("redis://user:secret@localhost/0", &history(), None)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot make a scratch database: the URL scheme `redis:` is not one this build supports (sqlite:, postgres:, postgresql:, mysql:, mariadb:)"
    );
    let error = replay_with("localhost/db", &history(), None)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot make a scratch database: the URL has no scheme; it must start with one of sqlite:, postgres:, postgresql:, mysql:, mariadb:"
    );
}

#[cfg(all(feature = "postgres", feature = "mysql"))]
#[tokio::test]
async fn an_unreachable_server_is_an_error_naming_the_step() {
    // Port 1 on the loopback interface: nothing listens there.
    let error = replay_with("postgres://postgres@127.0.0.1:1/test", &history(), None)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with(
            "cannot make a scratch database: cannot connect to the PostgreSQL server: "
        ),
        "{text}"
    );
    assert!(std::error::Error::source(&error).is_some());
    let error = replay_with("mysql://root@127.0.0.1:1/test", &history(), None)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("cannot make a scratch database: cannot connect to the MySQL server: "),
        "{text}"
    );
}
