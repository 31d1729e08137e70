//! `LockMode::Table`: the leased lock row, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::time::Duration;

use strata_core::Dialect;
use strata_runtime::on_each_backend;
use strata_runtime::{Backend, Error, LockMode, Migrator};
use support::{execute, ints, query, repo};

on_each_backend!(
    sixteen_upgraders_apply_each_migration_once,
    an_expired_lease_is_taken_over,
    a_live_lease_times_out_naming_its_holder,
    the_row_is_released_when_a_migration_fails,
    the_lock_table_is_not_the_users_schema,
    strata_toml_chooses_the_lock,
    downgrade_and_version_control_take_the_row_too,
);
// The server backends: their sleep statement keeps a migration running while the test acts.
on_each_backend!(
    servers: the_lease_is_renewed_while_a_long_migration_runs,
    a_killed_holder_is_taken_over_after_its_lease,
    a_lost_lease_stops_before_the_next_migration,
);

const LOG_1: &str =
    "CREATE TABLE log (v INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO log (v) VALUES (1);";

fn logging_repo() -> strata_core::Migrations {
    repo(&[
        (1, "log", LOG_1, None),
        (2, "two", "INSERT INTO log (v) VALUES (2);", None),
        (
            3,
            "three",
            "-- strata:no-transaction\nINSERT INTO log (v) VALUES (3);",
            None,
        ),
        (4, "four", "INSERT INTO log (v) VALUES (4);", None),
    ])
}

fn table_lock(m: &strata_core::Migrations) -> Migrator<'_> {
    Migrator::new(m).lock_mode(LockMode::Table)
}

/// The lock row's owner, or "" when free.
async fn owner<DB: Backend>(pool: &sqlx::Pool<DB>) -> String {
    query(
        pool,
        "SELECT COALESCE(owner, '') FROM strata_migrations_lock WHERE id = 1",
    )
    .await
    .concat()
}

/// Sets the lock row as another process would have left it; `expires` in the database's own
/// format for the column.
async fn hold_row<DB: Backend>(pool: &sqlx::Pool<DB>, owner: &str, expires: &str) {
    let sql = format!(
        "UPDATE strata_migrations_lock SET owner = '{owner}', expires_at = '{expires}' WHERE id = 1"
    );
    execute(pool, sqlx::AssertSqlSafe(sql)).await;
}

async fn sixteen_upgraders_apply_each_migration_once<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    url: &str,
) {
    let m: &'static strata_core::Migrations = Box::leak(Box::new(logging_repo()));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let pool = sqlx::pool::PoolOptions::<DB>::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            let report = table_lock(m).upgrade(&pool).await;
            pool.close().await;
            report
        }));
    }
    let mut ran = 0;
    for task in tasks {
        ran += task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}"))
            .migrations
            .len();
    }
    assert_eq!(ran, 4);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3, 4]
    );
    assert_eq!(owner(pool).await, "");
    assert_eq!(strata_runtime::db_version(pool, m).await.unwrap(), Some(4));
}

/// An expiry in the past and one far ahead, as each database stores `expires_at`.
fn past_and_future<DB: Backend>() -> (&'static str, &'static str) {
    match DB::DIALECT {
        Dialect::Sqlite => ("2000-01-01 00:00:00.000", "2999-01-01 00:00:00.000"),
        Dialect::Postgres => ("2000-01-01 00:00:00+00", "2999-01-01 00:00:00+00"),
        Dialect::Mysql => ("2000-01-01 00:00:00", "2999-01-01 00:00:00"),
    }
}

async fn an_expired_lease_is_taken_over<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = logging_repo();
    let first = repo(&[(1, "log", LOG_1, None)]);
    table_lock(&first).upgrade(pool).await.unwrap();
    // A holder that died: its lease ended long ago.
    hold_row(pool, "strata pid 1 #dead", past_and_future::<DB>().0).await;
    let report = table_lock(&m)
        .lock_timeout(Duration::from_secs(60))
        .upgrade(pool)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![2, 3, 4]);
    assert_eq!(owner(pool).await, "");
}

async fn a_live_lease_times_out_naming_its_holder<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = logging_repo();
    // Creates the lock table (nothing to apply).
    table_lock(&repo(&[])).upgrade(pool).await.unwrap();
    hold_row(pool, "strata pid 1 #live", past_and_future::<DB>().1).await;
    let err = table_lock(&m)
        .lock_timeout(Duration::from_millis(300))
        .upgrade(pool)
        .await
        .unwrap_err();
    let Error::LockTimeout { waited, .. } = &err else {
        panic!("{err}");
    };
    let (table, expires) = match DB::DIALECT {
        Dialect::Sqlite => ("\"strata_migrations_lock\"", "2999-01-01 00:00:00.000"),
        Dialect::Postgres => ("\"strata_migrations_lock\"", "2999-01-01 00:00:00.000"),
        Dialect::Mysql => ("`strata_migrations_lock`", "2999-01-01 00:00:00.000000"),
    };
    assert_eq!(
        err.to_string(),
        format!(
            "timed out after {} ms waiting for the migration lock (row 1 of the lock table {table}, held by 'strata pid 1 #live' with a lease until {expires} UTC): another process is migrating this database (or holds the lock); wait for it to finish, or raise `Migrator::lock_timeout`",
            waited.as_millis()
        )
    );
    // The holder's row is untouched, and nothing ran.
    assert_eq!(owner(pool).await, "strata pid 1 #live");
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(0));
}

async fn the_row_is_released_when_a_migration_fails<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    let bad = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (2, "b", "INSERT INTO nosuch VALUES (1);", None),
    ]);
    let err = table_lock(&bad).upgrade(pool).await.unwrap_err();
    assert!(
        matches!(err, Error::MigrationFailed { version: 2, .. }),
        "{err}"
    );
    assert_eq!(owner(pool).await, "");
    // An error found while verifying releases the row too.
    let changed = repo(&[(1, "a", "CREATE TABLE a (id BIGINT PRIMARY KEY);", None)]);
    let err = table_lock(&changed).upgrade(pool).await.unwrap_err();
    // MySQL cannot roll back: its failed migration is left incomplete, and says so first.
    if DB::DIALECT == Dialect::Mysql {
        assert!(matches!(err, Error::Incomplete { version: 2, .. }), "{err}");
    } else {
        assert!(
            matches!(err, Error::ChecksumMismatch { version: 1, .. }),
            "{err}"
        );
    }
    assert_eq!(owner(pool).await, "");
}

async fn the_lock_table_is_not_the_users_schema<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    table_lock(&m).upgrade(pool).await.unwrap();
    let snapshot = Migrator::new(&m).reflect(pool).await.unwrap();
    let names: Vec<&str> = snapshot.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["a"]);
}

/// A sleep of `secs` seconds as one statement.
fn sleep_sql<DB: Backend>(secs: u32) -> String {
    match DB::DIALECT {
        Dialect::Postgres => format!("SELECT pg_sleep({secs});"),
        _ => format!("DO SLEEP({secs});"),
    }
}

async fn the_lease_is_renewed_while_a_long_migration_runs<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    url: &str,
) {
    // The migration outlasts the lease several times over: only renewal keeps the second
    // upgrader out.
    let slow = format!(
        "CREATE TABLE log (v INTEGER NOT NULL PRIMARY KEY);\n{}\nINSERT INTO log (v) VALUES (1);",
        sleep_sql::<DB>(3)
    );
    let m: &'static strata_core::Migrations =
        Box::leak(Box::new(repo(&[(1, "slow", &slow, None)])));
    table_lock(&repo(&[])).upgrade(pool).await.unwrap();
    let lease = Duration::from_millis(600);
    let first_url = url.to_string();
    let first = tokio::spawn(async move {
        let pool = sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(1)
            .connect(&first_url)
            .await
            .unwrap();
        table_lock(m).lock_lease(lease).upgrade(&pool).await
    });
    // Wait until the first holds the row.
    loop {
        let held = query(
            pool,
            "SELECT COALESCE(MAX(owner), '') FROM strata_migrations_lock",
        )
        .await;
        if held.concat() != "" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = table_lock(m)
        .lock_lease(lease)
        .lock_timeout(Duration::from_secs(120))
        .upgrade(pool)
        .await
        .unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.versions(), vec![1]);
    assert!(second.migrations.is_empty(), "{second:?}");
    assert_eq!(ints(pool, "SELECT v FROM log").await, vec![1]);
    assert_eq!(owner(pool).await, "");
}

/// The child process's database URL; set only for the child.
const CHILD_URL: &str = "STRATA_TABLE_LOCK_CHILD_URL";

/// Version 2 sleeps for as long as `sleep_for` says (two minutes, until the test has killed
/// the child): the child is killed in it.
fn killed_repo<DB: Backend>() -> strata_core::Migrations {
    let sleep = match DB::DIALECT {
        Dialect::Postgres => "SELECT pg_sleep(amount) FROM sleep_for;",
        _ => "SELECT SLEEP(amount) FROM sleep_for;",
    };
    let slow = format!("INSERT INTO log (v) VALUES (2);\n{sleep}");
    let first = format!(
        "{LOG_1}\nCREATE TABLE sleep_for (amount INTEGER NOT NULL);\nINSERT INTO sleep_for (amount) VALUES (120);"
    );
    repo(&[
        (1, "log", &first, None),
        (2, "slow", &slow, None),
        (3, "three", "INSERT INTO log (v) VALUES (3);", None),
    ])
}

/// The child of `a_killed_holder_is_taken_over_after_its_lease`: this test binary run again with
/// only this test selected, upgrading the database at `STRATA_TABLE_LOCK_CHILD_URL` with the
/// table lock and a 1 s lease until it is killed.
#[cfg(all(feature = "postgres", feature = "mysql"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of a_killed_holder_is_taken_over_after_its_lease"]
async fn table_lock_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        eprintln!("{CHILD_URL} is not set: nothing to do outside the process-death test");
        return;
    };
    let result = if url.starts_with("postgres") {
        child_run::<sqlx::Postgres>(&url).await
    } else {
        child_run::<sqlx::MySql>(&url).await
    };
    panic!("the child upgrade finished instead of being killed: {result:?}");
}

#[cfg(all(feature = "postgres", feature = "mysql"))]
async fn child_run<DB: Backend>(url: &str) -> Result<strata_runtime::Report, Error> {
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let m = killed_repo::<DB>();
    table_lock(&m)
        .lock_lease(Duration::from_secs(1))
        .upgrade(&pool)
        .await
}

/// A process holding the lock row is killed (SIGKILL) in the middle of a migration: once its
/// lease has expired the next upgrader takes the lock over, and nothing runs twice.
async fn a_killed_holder_is_taken_over_after_its_lease<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    url: &str,
) {
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["table_lock_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_URL, url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let running = match DB::DIALECT {
        Dialect::Postgres => {
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%SELECT pg_sleep(amount)%' AND pid <> pg_backend_pid()"
        }
        _ => {
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP(amount)%'"
        }
    };
    // Wait until the child is inside migration 2 (the server lists its sleep).
    while ints(pool, running).await != vec![1] {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the child exited ({status}) before migration 2 ran: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let holder = owner(pool).await;
    assert!(holder.starts_with("strata pid "), "{holder:?}");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");

    // The taker runs migration 2 again where the killed one was rolled back: without the sleep.
    execute(pool, "UPDATE sleep_for SET amount = 0").await;
    let m = killed_repo::<DB>();
    let result = table_lock(&m)
        .lock_timeout(Duration::from_secs(60))
        .upgrade(pool)
        .await;
    match DB::DIALECT {
        // The killed transaction was rolled back: migration 2 runs once, now.
        Dialect::Postgres => {
            let report = result.unwrap();
            assert_eq!(report.versions(), vec![2, 3]);
            assert_eq!(
                ints(pool, "SELECT v FROM log ORDER BY v").await,
                vec![1, 2, 3]
            );
        }
        // MySQL cannot roll back: the taker finds migration 2 incomplete and runs nothing.
        _ => {
            let err = result.unwrap_err();
            assert!(matches!(err, Error::Incomplete { version: 2, .. }), "{err}");
            assert_eq!(ints(pool, "SELECT v FROM log ORDER BY v").await, vec![1, 2]);
        }
    }
    assert_eq!(owner(pool).await, "");
}

/// strata.toml `lock = "table"` reaches `Migrator::new`; `auto` on a server that is not a
/// Galera node (and on SQLite, PostgreSQL) is the advisory lock, which makes no lock table.
async fn strata_toml_chooses_the_lock<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let mut m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    Migrator::new(&m).upgrade(pool).await.unwrap();
    let tables = support::table_names(pool).await;
    assert!(
        !tables.contains(&"strata_migrations_lock".to_string()),
        "{tables:?}"
    );
    // Another repository, with its own bookkeeping table.
    m = repo(&[(1, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None)]);
    m.config.lock = LockMode::Table;
    m.config.table = "history".into();
    Migrator::new(&m).upgrade(pool).await.unwrap();
    let tables = support::table_names(pool).await;
    assert!(tables.contains(&"history_lock".to_string()), "{tables:?}");
    assert_eq!(
        query(pool, "SELECT COALESCE(owner, 'free') FROM history_lock").await,
        vec!["free"]
    );
}

async fn downgrade_and_version_control_take_the_row_too<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    let m = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (
            2,
            "b",
            "-- strata:no-transaction\nCREATE TABLE b (id INTEGER PRIMARY KEY);",
            Some("-- strata:no-transaction\nDROP TABLE b;"),
        ),
    ]);
    table_lock(&m).upgrade(pool).await.unwrap();
    let report = table_lock(&m).downgrade(pool, 0).await.unwrap();
    assert_eq!(report.versions(), vec![2, 1]);
    assert_eq!(owner(pool).await, "");
    // Held by another process: both wait for it, and time out naming it.
    hold_row(pool, "strata pid 1 #live", past_and_future::<DB>().1).await;
    let short = table_lock(&m).lock_timeout(Duration::from_millis(200));
    let err = short.version_control(pool, Some(2)).await.unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
    let err = short.downgrade(pool, 0).await.unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
    hold_row(pool, "strata pid 1 #dead", past_and_future::<DB>().0).await;
    table_lock(&m)
        .force(true)
        .version_control(pool, Some(2))
        .await
        .unwrap();
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(2));
    assert_eq!(owner(pool).await, "");
}

/// Another process takes the row over while a migration runs (as it would once the holder's
/// lease ran out unrenewed): the holder finishes that migration and starts no other.
async fn a_lost_lease_stops_before_the_next_migration<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    url: &str,
) {
    let slow = format!(
        "CREATE TABLE log (v INTEGER NOT NULL PRIMARY KEY);\n{}\nINSERT INTO log (v) VALUES (1);",
        sleep_sql::<DB>(3)
    );
    let m: &'static strata_core::Migrations = Box::leak(Box::new(repo(&[
        (1, "slow", &slow, None),
        (2, "two", "INSERT INTO log (v) VALUES (2);", None),
    ])));
    table_lock(&repo(&[])).upgrade(pool).await.unwrap();
    let holder_url = url.to_string();
    let holder = tokio::spawn(async move {
        let pool = sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(1)
            .connect(&holder_url)
            .await
            .unwrap();
        table_lock(m)
            .lock_lease(Duration::from_millis(300))
            .upgrade(&pool)
            .await
    });
    while owner(pool).await.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let holder_owner = owner(pool).await;
    hold_row(pool, "strata pid 1 #thief", past_and_future::<DB>().1).await;
    let err = holder.await.unwrap().unwrap_err();
    let quoted = match DB::DIALECT {
        Dialect::Mysql => "`strata_migrations_lock`",
        _ => "\"strata_migrations_lock\"",
    };
    assert_eq!(
        err.to_string(),
        format!(
            "the migration lock (row 1 of the lock table {quoted}) was lost: its lease expired before it could be renewed, and another process may have taken it over; nothing more was applied: run the upgrade again"
        ),
        "holder {holder_owner}"
    );
    assert_eq!(ints(pool, "SELECT v FROM log").await, vec![1]);
    assert_eq!(strata_runtime::db_version(pool, m).await.unwrap(), Some(1));
    // The thief's row is left alone.
    assert_eq!(owner(pool).await, "strata pid 1 #thief");
}
