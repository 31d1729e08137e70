//! Fleets: many upgraders at once on a 3-node MariaDB Galera cluster and behind PgBouncer in
//! transaction pooling mode (`shared/testbed/galera-up`, `pgbouncer-up`; `.ci/run` starts both).
//!
//! `STRATA_TEST_GALERA_URLS`: the nodes' URLs, separated by spaces or commas.
//! `STRATA_TEST_PGBOUNCER_URL`: PgBouncer's URL; the fresh databases are made on the server at
//! `STRATA_TEST_POSTGRES_URL`, which PgBouncer forwards to.
//! Unset: the test is skipped with the reason printed. Set but unreachable: a failure under
//! CI=true, a skip otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(all(feature = "postgres", feature = "mysql"))]

mod support;

use std::collections::BTreeSet;
use std::str::FromStr as _;

use strata_runtime::testing::{running_in_ci, with_database};
use strata_runtime::{Backend, LockMode, Migrator};
use support::repo;

const UPGRADERS: usize = 32;
const TRIALS: usize = 5;

/// The URLs in `var`, or `None` (printing why) when it is unset.
fn urls(var: &str) -> Option<Vec<String>> {
    let value = std::env::var(var).unwrap_or_default();
    let urls: Vec<String> = value
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if urls.is_empty() {
        eprintln!(
            "skipped: {var} is not set (start the testbed in shared/testbed and set it; .ci/run does both)"
        );
        return None;
    }
    Some(urls)
}

/// A testbed that is set but does not answer: a failure under CI, else a skip.
fn unreachable(what: &str, error: impl std::fmt::Display) {
    if running_in_ci() {
        panic!("{what} is set but unreachable: {error}");
    }
    eprintln!("skipped: {what} is set but unreachable: {error}");
}

fn pool_options<DB: Backend>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new().max_connections(1)
}

/// Transactional migrations that log themselves, each once.
fn logging_specs(no_transaction: bool) -> strata_core::Migrations {
    let four = if no_transaction {
        "-- strata:no-transaction\nINSERT INTO log (v) VALUES (4);"
    } else {
        "INSERT INTO log (v) VALUES (4);"
    };
    repo(&[
        (
            1,
            "log",
            "CREATE TABLE log (v INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO log (v) VALUES (1);",
            None,
        ),
        (
            2,
            "t2",
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY, name VARCHAR(50));\nINSERT INTO log (v) VALUES (2);",
            None,
        ),
        (
            3,
            "t3",
            "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\nCREATE INDEX t3_id ON t3 (id);\nINSERT INTO log (v) VALUES (3);",
            None,
        ),
        (4, "four", four, None),
        (5, "five", "INSERT INTO log (v) VALUES (5);", None),
    ])
}

async fn texts<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str) -> Vec<String> {
    strata_runtime::testing::texts(pool, sqlx::AssertSqlSafe(sql.to_string())).await
}

/// Starts `UPGRADERS` upgrades at once, upgrader `i` on `urls[i % len]`, each with its own
/// one-connection pool; returns how many migrations they ran, panicking on any error.
async fn race<DB: Backend>(
    urls: &[String],
    m: &'static strata_core::Migrations,
    mode: LockMode,
    connect: fn(&str) -> <DB::Connection as sqlx::Connection>::Options,
) -> usize {
    let mut tasks = Vec::new();
    for i in 0..UPGRADERS {
        let options = connect(&urls[i % urls.len()]);
        tasks.push(tokio::spawn(async move {
            let pool = pool_options::<DB>().connect_with(options).await.unwrap();
            let report = Migrator::new(m).lock_mode(mode).upgrade(&pool).await;
            pool.close().await;
            report
        }));
    }
    let mut ran = 0;
    let mut errors = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(report) => ran += report.migrations.len(),
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert!(
        errors.is_empty(),
        "{} of {UPGRADERS} upgraders failed: {errors:#?}",
        errors.len()
    );
    ran
}

// ---------------------------------------------------------------------------------------
// PgBouncer

fn bouncer_options(url: &str) -> sqlx::postgres::PgConnectOptions {
    // PgBouncer 1.18 refuses startup parameters it does not know, such as extra_float_digits.
    sqlx::postgres::PgConnectOptions::from_str(url)
        .unwrap()
        .extra_float_digits(None)
}

/// The fresh database on the server and its URL through PgBouncer, or `None` (skip).
async fn bouncer_database() -> Option<(
    strata_runtime::testing::TestDatabase<sqlx::Postgres>,
    String,
)> {
    let bouncer = urls("STRATA_TEST_PGBOUNCER_URL")?.remove(0);
    let server = strata_runtime::testing::server_url("STRATA_TEST_POSTGRES_URL")?;
    let db = strata_runtime::testing::postgres_on(&server).await.unwrap();
    let name = db.location().unwrap();
    let through = with_database(&bouncer, &name);
    if let Err(e) = sqlx::PgPool::connect_with(bouncer_options(&through)).await {
        db.close().await;
        unreachable("STRATA_TEST_PGBOUNCER_URL", e);
        return None;
    }
    Some((db, through))
}

/// Behind PgBouncer: what is left on the server connections of the database.
async fn assert_nothing_left_behind_bouncer(
    db: &strata_runtime::testing::TestDatabase<sqlx::Postgres>,
    through: &str,
) {
    // Busy transactions through PgBouncer, enough to use every server connection it pools:
    // each reports the check interval its server connection has.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(12)
        .connect_with(bouncer_options(through))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            texts(
                &pool,
                "SELECT current_setting('client_connection_check_interval') || ' ' || pg_backend_pid() FROM pg_sleep(0.2)",
            )
            .await
            .concat()
        }));
    }
    let mut pids = BTreeSet::new();
    for task in tasks {
        let seen = task.await.unwrap();
        let (setting, pid) = seen.split_once(' ').unwrap();
        assert_eq!(setting, "0", "a server connection kept a changed setting");
        pids.insert(pid.to_string());
    }
    pool.close().await;
    eprintln!("checked {} server connections behind PgBouncer", pids.len());
    let advisory = texts(
        &db.pool,
        "SELECT COUNT(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await;
    assert_eq!(advisory, vec!["0"], "an advisory lock was left behind");
}

async fn bouncer_trials(mode: LockMode, no_transaction: bool) {
    let m: &'static strata_core::Migrations = Box::leak(Box::new(logging_specs(no_transaction)));
    for trial in 1..=TRIALS {
        let Some((db, through)) = bouncer_database().await else {
            return;
        };
        let started = std::time::Instant::now();
        let ran =
            race::<sqlx::Postgres>(std::slice::from_ref(&through), m, mode, bouncer_options).await;
        eprintln!(
            "PgBouncer {mode:?} trial {trial}: {UPGRADERS} upgraders done in {} ms",
            started.elapsed().as_millis()
        );
        assert_eq!(ran, 5, "trial {trial}");
        assert_eq!(
            texts(
                &db.pool,
                "SELECT string_agg(v::text, ',' ORDER BY v) FROM log"
            )
            .await,
            vec!["1,2,3,4,5"],
            "trial {trial}"
        );
        assert_eq!(
            strata_runtime::db_version(&db.pool, m).await.unwrap(),
            Some(5)
        );
        assert_nothing_left_behind_bouncer(&db, &through).await;
        db.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_32_upgraders_apply_each_migration_once() {
    bouncer_trials(LockMode::Auto, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbouncer_no_transaction_migration_with_the_table_lock() {
    bouncer_trials(LockMode::Table, true).await;
}

// ---------------------------------------------------------------------------------------
// Galera

fn mysql_options(url: &str) -> sqlx::mysql::MySqlConnectOptions {
    sqlx::mysql::MySqlConnectOptions::from_str(url).unwrap()
}

/// Each node's view of `sql`, read after the node has caught up with the cluster.
async fn on_every_node(nodes: &[String], sql: &str) -> Vec<Vec<String>> {
    let mut views = Vec::new();
    for url in nodes {
        let pool = pool_options::<sqlx::MySql>()
            .connect_with(mysql_options(url))
            .await
            .unwrap();
        strata_runtime::testing::execute(
            &pool,
            sqlx::SqlStr::from_static("SET SESSION wsrep_sync_wait = 1"),
        )
        .await;
        views.push(texts(&pool, sql).await);
        pool.close().await;
    }
    views
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_32_upgraders_round_robin_apply_each_migration_once() {
    let Some(nodes) = urls("STRATA_TEST_GALERA_URLS") else {
        return;
    };
    // Auto: each node says it is a Galera node, so the lock is the table's.
    let m: &'static strata_core::Migrations = Box::leak(Box::new(logging_specs(false)));
    for trial in 1..=TRIALS {
        let db = match strata_runtime::testing::mysql_on(&nodes[0]).await {
            Ok(db) => db,
            Err(e) => {
                return unreachable("STRATA_TEST_GALERA_URLS", e);
            }
        };
        let name = db.location().unwrap();
        let urls: Vec<String> = nodes.iter().map(|n| with_database(n, &name)).collect();
        // The new database exists on every node before the upgraders connect.
        on_every_node(&nodes, "SELECT 1").await;
        let started = std::time::Instant::now();
        let ran = race::<sqlx::MySql>(&urls, m, LockMode::Auto, mysql_options).await;
        eprintln!(
            "Galera trial {trial}: {UPGRADERS} upgraders done in {} ms",
            started.elapsed().as_millis()
        );
        assert_eq!(ran, 5, "trial {trial}");
        let logs = on_every_node(
            &urls,
            "SELECT CAST(GROUP_CONCAT(v ORDER BY v) AS CHAR) FROM log",
        )
        .await;
        assert_eq!(
            logs,
            vec![vec!["1,2,3,4,5".to_string()]; 3],
            "trial {trial}"
        );
        let bookkeeping = on_every_node(
            &urls,
            "SELECT CAST(GROUP_CONCAT(CONCAT(version, ':', checksum, ':', installed_rank, ':', head, ':', success) ORDER BY version) AS CHAR) FROM strata_migrations",
        )
        .await;
        assert!(
            bookkeeping.iter().all(|v| *v == bookkeeping[0]),
            "trial {trial}: {bookkeeping:#?}"
        );
        let lock_rows = on_every_node(
            &urls,
            "SELECT CONCAT(id, ':', COALESCE(owner, 'free')) FROM strata_migrations_lock",
        )
        .await;
        assert_eq!(
            lock_rows,
            vec![vec!["1:free".to_string()]; 3],
            "trial {trial}"
        );
        let pool = pool_options::<sqlx::MySql>()
            .connect_with(mysql_options(&urls[1]))
            .await
            .unwrap();
        assert_eq!(strata_runtime::db_version(&pool, m).await.unwrap(), Some(5));
        pool.close().await;
        db.close().await;
    }
}

/// The child process's database URL; set only for the child.
const CHILD_URL: &str = "STRATA_FLEET_CHILD_URL";

/// Version 2 sleeps for as long as `sleep_for` says: the child is killed in it.
fn killed_repo() -> strata_core::Migrations {
    repo(&[
        (
            1,
            "log",
            "CREATE TABLE log (v INTEGER NOT NULL PRIMARY KEY);\nINSERT INTO log (v) VALUES (1);\nCREATE TABLE sleep_for (amount INTEGER NOT NULL);\nINSERT INTO sleep_for (amount) VALUES (120);",
            None,
        ),
        (
            2,
            "slow",
            "INSERT INTO log (v) VALUES (2);\nSELECT SLEEP(amount) FROM sleep_for;",
            None,
        ),
        (3, "three", "INSERT INTO log (v) VALUES (3);", None),
    ])
}

/// The child of `galera_killed_holder_is_taken_over_after_its_lease`: upgrades the node at
/// `STRATA_FLEET_CHILD_URL` (auto: the table lock) with a 1 s lease until it is killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of galera_killed_holder_is_taken_over_after_its_lease"]
async fn fleet_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        eprintln!("{CHILD_URL} is not set: nothing to do outside the process-death test");
        return;
    };
    let pool = pool_options::<sqlx::MySql>()
        .connect_with(mysql_options(&url))
        .await
        .unwrap();
    let m = killed_repo();
    let result = Migrator::new(&m)
        .lock_lease(std::time::Duration::from_secs(1))
        .upgrade(&pool)
        .await;
    panic!("the child upgrade finished instead of being killed: {result:?}");
}

/// A process holding the lock row on one node is killed (SIGKILL) in the middle of a migration:
/// an upgrader on another node takes the lock over once the lease has expired, finds the
/// migration incomplete (MariaDB cannot roll back), and nothing runs twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn galera_killed_holder_is_taken_over_after_its_lease() {
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::{Command, Stdio};

    let Some(nodes) = urls("STRATA_TEST_GALERA_URLS") else {
        return;
    };
    let db = match strata_runtime::testing::mysql_on(&nodes[0]).await {
        Ok(db) => db,
        Err(e) => return unreachable("STRATA_TEST_GALERA_URLS", e),
    };
    let name = db.location().unwrap();
    let urls: Vec<String> = nodes.iter().map(|n| with_database(n, &name)).collect();
    on_every_node(&nodes, "SELECT 1").await;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["fleet_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_URL, &urls[1])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The process list is the node's own: watch the child's node.
    let watch = pool_options::<sqlx::MySql>()
        .connect_with(mysql_options(&urls[1]))
        .await
        .unwrap();
    loop {
        let running = texts(
            &watch,
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP(amount)%'",
        )
        .await;
        if running == vec!["1"] {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the child exited ({status}) before migration 2 ran: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    watch.close().await;
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");

    let taker = pool_options::<sqlx::MySql>()
        .connect_with(mysql_options(&urls[2]))
        .await
        .unwrap();
    strata_runtime::testing::execute(
        &taker,
        sqlx::SqlStr::from_static("UPDATE sleep_for SET amount = 0"),
    )
    .await;
    let m = killed_repo();
    let err = Migrator::new(&m)
        .lock_timeout(std::time::Duration::from_secs(60))
        .upgrade(&taker)
        .await
        .unwrap_err();
    assert!(
        matches!(err, strata_runtime::Error::Incomplete { version: 2, .. }),
        "{err}"
    );
    // The slow path's reads waited for the cluster; the session's own setting is back.
    assert_eq!(
        texts(&taker, "SELECT CAST(@@SESSION.wsrep_sync_wait AS CHAR)").await,
        vec!["0"]
    );
    taker.close().await;
    let logs = on_every_node(
        &urls,
        "SELECT CAST(GROUP_CONCAT(v ORDER BY v) AS CHAR) FROM log",
    )
    .await;
    assert_eq!(logs, vec![vec!["1,2".to_string()]; 3]);
    let lock_rows = on_every_node(
        &urls,
        "SELECT CONCAT(id, ':', COALESCE(owner, 'free')) FROM strata_migrations_lock",
    )
    .await;
    assert_eq!(lock_rows, vec![vec!["1:free".to_string()]; 3]);
    db.close().await;
}
