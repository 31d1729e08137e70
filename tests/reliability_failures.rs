//! Failures of real deploys, on real databases: a migrating process killed with SIGKILL, a
//! connection the server drops mid-migration, and many instances upgrading at once. Each test
//! asserts on the database afterwards: the version, the tables, the log rows, the locks.
//!
//! (Failing scripts, cancelled futures and the lock timeout's exact error are proven per backend
//! in `runtime/tests/reliability.rs`.)
#![cfg(feature = "sqlite")]

#[path = "reliability/support.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use strata::{Backend, Dialect, Error, Migrator, VersionState};
use strata_runtime::on_each_backend;
use strata_runtime::testing::TestBackend;
use support::{execute, ints, lock_is_held, table_names, texts, wait_until};

/// Version 1 creates `log` and `slow_config`; version 2 runs one statement as long as
/// `slow_config.amount` says (seconds of `pg_sleep`/`SLEEP`, rows of a recursive CTE on SQLite)
/// between creating table `b` and logging 2; version 3 logs 3.
static SLOW: strata::Migrations = strata::embed_migrations!("tests/reliability/slow");

/// Five versions, each logging its number into `log` (version 5 logs 5 and 50); version 4 is
/// `-- strata:no-transaction`.
static LOG: strata::Migrations = strata::embed_migrations!("tests/reliability/log");

/// The child process's database URL; set only for the child.
const CHILD_URL: &str = "STRATA_RELIABILITY_CHILD_URL";
/// The repository the child upgrades with: `slow` (default) or `slow_no_tx`.
const CHILD_REPO: &str = "STRATA_RELIABILITY_CHILD_REPO";

/// `SLOW` with a `-- strata:no-transaction` version 2 (PostgreSQL only), loaded at run time.
fn slow_no_transaction() -> &'static strata::Migrations {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reliability/slow_no_tx");
    Box::leak(Box::new(
        strata::Migrations::load(&dir, &[Dialect::Postgres]).unwrap(),
    ))
}

fn child_repo() -> &'static strata::Migrations {
    match std::env::var(CHILD_REPO).as_deref() {
        Ok("slow_no_tx") => slow_no_transaction(),
        _ => &SLOW,
    }
}

// ---------------------------------------------------------------------------------------------
// Process death
// ---------------------------------------------------------------------------------------------

/// The child process of `killed_mid_migration`: this test binary run again with only this test
/// selected. It upgrades the database at `STRATA_RELIABILITY_CHILD_URL` with the fixture
/// `STRATA_RELIABILITY_CHILD_REPO` names, and is killed while migration 2 runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of the process-death tests, which run it with its database URL"]
async fn child_upgrade() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        eprintln!("{CHILD_URL} is not set: nothing to do outside a process-death test");
        return;
    };
    let result = if url.starts_with("sqlite") {
        child_run::<sqlx::Sqlite>(&url).await
    } else if url.starts_with("postgres") {
        child_postgres(&url).await
    } else {
        child_mysql(&url).await
    };
    panic!("the child upgrade finished instead of being killed: {result:?}");
}

async fn child_run<DB: Backend>(url: &str) -> Result<strata::Report, Error> {
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    strata::runtime::upgrade(&pool, child_repo()).await
}

#[cfg(feature = "postgres")]
async fn child_postgres(url: &str) -> Result<strata::Report, Error> {
    child_run::<sqlx::Postgres>(url).await
}
#[cfg(not(feature = "postgres"))]
async fn child_postgres(url: &str) -> Result<strata::Report, Error> {
    panic!("{url}: built without the postgres feature")
}
#[cfg(feature = "mysql")]
async fn child_mysql(url: &str) -> Result<strata::Report, Error> {
    child_run::<sqlx::MySql>(url).await
}
#[cfg(not(feature = "mysql"))]
async fn child_mysql(url: &str) -> Result<strata::Report, Error> {
    panic!("{url}: built without the mysql feature")
}

/// Whether the long statement of migration 2 is running right now (PostgreSQL, MySQL: the
/// server lists it; SQLite: the database's write lock is held, which only migration 2's
/// transaction does once version 1 is applied).
async fn slow_statement_running<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) -> bool {
    match DB::DIALECT {
        Dialect::Postgres => {
            ints(
                pool,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%SELECT pg_sleep(amount)%' AND pid <> pg_backend_pid()",
            )
            .await[0]
                == 1
        }
        Dialect::Mysql => {
            ints(
                pool,
                "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP(amount)%'",
            )
            .await[0]
                == 1
        }
        Dialect::Sqlite => lock_is_held(pool, url).await,
    }
}

/// Runs `upgrade` with the `repo` fixture in a child process, kills it (SIGKILL) while
/// migration 2's long statement runs, and waits (bounded) until no session holds the lock.
async fn kill_in_slow_statement<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str, repo: &str) {
    use std::os::unix::process::ExitStatusExt as _;

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["child_upgrade", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_URL, url)
        .env(CHILD_REPO, repo)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !slow_statement_running(pool, url).await {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the child exited ({status}) before migration 2 ran: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "migration 2 never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The server lists the long statement (SQLite: migration 2's transaction holds the write
    // lock): the child is inside migration 2 now.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");

    // No lock is left: the server ends the dead client's session (PostgreSQL notices within
    // `client_connection_check_interval` = 1 s, set with SET LOCAL in the locked transaction;
    // outside a transaction, a no-transaction migration's statement, like MariaDB's SLEEP, runs
    // to its end first); SQLite's lock is the file's, released by the kernel with the process.
    // The bound is generous for a loaded machine and still well below the 120 s statement the
    // server would otherwise finish first.
    let freed = wait_until(Duration::from_secs(60), || async {
        !lock_is_held(pool, url).await
    })
    .await;
    assert!(freed.is_some(), "the killed process's lock is still held");
}

/// A process running `upgrade` is killed (SIGKILL) in the middle of a long migration: the
/// database stays at the last committed version, no lock is left behind, and the next upgrade
/// completes. On MySQL, where DDL cannot be rolled back, the killed migration is left
/// incomplete: the next upgrade stops on it with the repair instruction, and
/// `version_control` forced repairs it.
async fn killed_mid_migration<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    strata::runtime::upgrade_to(pool, &SLOW, 1).await.unwrap();
    let amount = match DB::DIALECT {
        Dialect::Sqlite => 4_000_000_000_i64, // rows: minutes of work
        _ => 120,                             // seconds
    };
    execute(
        pool,
        sqlx::AssertSqlSafe(format!("UPDATE slow_config SET amount = {amount}")),
    )
    .await;

    kill_in_slow_statement(pool, url, "slow").await;
    if DB::DIALECT == Dialect::Sqlite {
        // The next connection rolled the hot journal (or the WAL's uncommitted frames) back.
        assert_eq!(texts(pool, "PRAGMA integrity_check").await, vec!["ok"]);
    }

    // The database is at the last committed version.
    assert_eq!(
        strata::runtime::db_version(pool, &SLOW).await.unwrap(),
        Some(1)
    );
    assert_eq!(ints(pool, "SELECT v FROM log ORDER BY v").await, vec![1]);
    execute(pool, "UPDATE slow_config SET amount = 0").await;
    let short = Migrator::new(&SLOW).lock_timeout(Duration::from_secs(1));

    if DB::DIALECT == Dialect::Mysql {
        // CREATE TABLE b took effect before the kill; version 2 is incomplete.
        assert_eq!(
            table_names(pool).await,
            vec!["b", "log", "slow_config", "strata_migrations"]
        );
        let states: Vec<VersionState> = short
            .status(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.state)
            .collect();
        assert_eq!(
            states,
            vec![
                VersionState::Applied,
                VersionState::Incomplete,
                VersionState::Pending
            ]
        );
        // At once: with the lock held it would be a lock timeout after 1 s instead.
        let err = short.upgrade(pool).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "migration 2 (0002_slow.mysql.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
        );
        // The repair the message gives: undo the part that ran, then mark version 1 as the
        // current one so version 2 runs again.
        execute(pool, "DROP TABLE b").await;
        Migrator::new(&SLOW)
            .force(true)
            .version_control(pool, Some(1))
            .await
            .unwrap();
    } else {
        // Migration 2's transaction was rolled back: no table b.
        assert_eq!(
            table_names(pool).await,
            vec!["log", "slow_config", "strata_migrations"]
        );
    }

    // The next deploy completes with a short lock timeout: no lock is left.
    let report = short.upgrade(pool).await.unwrap();
    assert_eq!(report.versions(), vec![2, 3]);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3]
    );
    assert_eq!(
        ints(
            pool,
            "SELECT version FROM strata_migrations ORDER BY version"
        )
        .await,
        vec![1, 2, 3]
    );
    assert!(!lock_is_held(pool, url).await);
}

// ---------------------------------------------------------------------------------------------
// A connection dropped by the server
// ---------------------------------------------------------------------------------------------

/// The server ends the migrating connection (`pg_terminate_backend`, MariaDB `KILL`) while a
/// long migration runs: the upgrade returns a clear error naming the migration and the
/// statement, no lock is left, and a retry succeeds (on MySQL after the repair the error names).
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn connection_dropped_by_the_server<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    strata::runtime::upgrade_to(pool, &SLOW, 1).await.unwrap();
    execute(pool, "UPDATE slow_config SET amount = 120").await;
    let migrating = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let task = {
        let migrating = migrating.clone();
        tokio::spawn(async move { strata::runtime::upgrade(&migrating, &SLOW).await })
    };
    let running = wait_until(Duration::from_secs(30), || async {
        slow_statement_running(pool, url).await
    })
    .await;
    assert!(running.is_some(), "migration 2 never started");
    let kill = match DB::DIALECT {
        Dialect::Postgres => {
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%SELECT pg_sleep(amount)%' AND pid <> pg_backend_pid()".to_string()
        }
        _ => {
            let id = ints(
                pool,
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP(amount)%'",
            )
            .await;
            assert_eq!(id.len(), 1);
            format!("KILL {}", id[0])
        }
    };
    execute(pool, sqlx::AssertSqlSafe(kill)).await;
    // Bounded generously: the statement would otherwise run for 120 s.
    let err = tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("the upgrade hung after its connection was dropped")
        .unwrap()
        .unwrap_err();
    let expected = match DB::DIALECT {
        Dialect::Postgres => {
            "migration 2 (0002_slow.postgres.sql) failed at statement 2 `SELECT pg_sleep(amount) FROM slow_config`: terminating connection due to administrator command (code 57P01); it was rolled back, so the database is unchanged: fix the script and run again".to_string()
        }
        _ => {
            "migration 2 (0002_slow.mysql.sql) failed at statement 2 `SELECT SLEEP(amount) FROM slow_config`: the connection to the database was lost (error communicating with database: expected to read 4 bytes, got 0 bytes at EOF); the 1 statement before it took effect and cannot be rolled back, so version 2 is marked incomplete: repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again".to_string()
        }
    };
    assert_eq!(err.to_string(), expected);
    // The dead connection was not returned to the pool.
    assert!(
        wait_until(Duration::from_secs(30), || async { migrating.size() == 0 })
            .await
            .is_some()
    );
    migrating.close().await;

    // No lock is left once the server has finished ending the killed session (MariaDB frees
    // its GET_LOCK locks a moment after the client sees the connection close).
    let freed = wait_until(Duration::from_secs(30), || async {
        !lock_is_held(pool, url).await
    })
    .await;
    assert!(
        freed.is_some(),
        "the dropped connection's lock is still held"
    );
    assert_eq!(
        strata::runtime::db_version(pool, &SLOW).await.unwrap(),
        Some(1)
    );
    execute(pool, "UPDATE slow_config SET amount = 0").await;
    let short = Migrator::new(&SLOW).lock_timeout(Duration::from_secs(1));
    if DB::DIALECT == Dialect::Mysql {
        assert!(matches!(
            short.upgrade(pool).await.unwrap_err(),
            Error::Incomplete {
                version: 2,
                previous: 1,
                ..
            }
        ));
        execute(pool, "DROP TABLE b").await;
        Migrator::new(&SLOW)
            .force(true)
            .version_control(pool, Some(1))
            .await
            .unwrap();
    } else {
        assert_eq!(
            table_names(pool).await,
            vec!["log", "slow_config", "strata_migrations"]
        );
    }
    let report = short.upgrade(pool).await.unwrap();
    assert_eq!(report.versions(), vec![2, 3]);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3]
    );
}

// ---------------------------------------------------------------------------------------------
// Many upgraders at once
// ---------------------------------------------------------------------------------------------

/// How many instances start together, and how many times the race is run.
const UPGRADERS: usize = 32;
const ROUNDS: usize = 5;

/// `UPGRADERS` tasks, each with its own single-connection pool, race `upgrade`; every one must
/// succeed. Returns the versions they ran, all reports together.
async fn race<DB: Backend>(url: &str) -> Vec<i64> {
    let mut tasks = Vec::new();
    for _ in 0..UPGRADERS {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let pool = sqlx::pool::PoolOptions::<DB>::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            let report = strata::runtime::upgrade(&pool, &LOG).await;
            pool.close().await;
            report
        }));
    }
    let mut ran = Vec::new();
    for task in tasks {
        let report = task.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
        ran.extend(report.versions());
    }
    ran.sort_unstable();
    ran
}

/// Fresh databases: every migration runs exactly once per round, whoever runs it.
async fn many_upgraders_on_fresh_databases<DB: TestBackend>(_pool: &sqlx::Pool<DB>, _url: &str) {
    for round in 0..ROUNDS {
        let Some(db) = fresh::<DB>().await else {
            return;
        };
        assert_eq!(
            race::<DB>(&db.url).await,
            vec![1, 2, 3, 4, 5],
            "round {round}"
        );
        assert_eq!(
            ints(&db.pool, "SELECT v FROM log ORDER BY v").await,
            vec![1, 2, 3, 4, 5, 50],
            "round {round}"
        );
        assert_eq!(
            ints(
                &db.pool,
                "SELECT installed_rank FROM strata_migrations ORDER BY version"
            )
            .await,
            vec![1, 2, 3, 4, 5]
        );
        assert!(!lock_is_held(&db.pool, &db.url).await);
        db.close().await;
    }
}

/// Half-migrated databases (at version 2, and at version 3 with the no-transaction 4 next).
async fn many_upgraders_on_half_migrated_databases<DB: TestBackend>(
    _pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    for round in 0..ROUNDS {
        let Some(db) = fresh::<DB>().await else {
            return;
        };
        let at = if round.is_multiple_of(2) { 2 } else { 3 };
        strata::runtime::upgrade_to(&db.pool, &LOG, at)
            .await
            .unwrap();
        let expected: Vec<i64> = (at + 1..=5).collect();
        assert_eq!(race::<DB>(&db.url).await, expected, "round {round}");
        assert_eq!(
            ints(&db.pool, "SELECT v FROM log ORDER BY v").await,
            vec![1, 2, 3, 4, 5, 50],
            "round {round}"
        );
        assert_eq!(
            texts(
                &db.pool,
                "SELECT CASE WHEN success THEN 'ok' ELSE 'incomplete' END FROM strata_migrations ORDER BY version"
            )
            .await,
            vec!["ok"; 5]
        );
        assert!(!lock_is_held(&db.pool, &db.url).await);
        db.close().await;
    }
}

/// A fresh database of the same backend as `DB` (`None` when its server is not configured).
async fn fresh<DB: TestBackend>() -> Option<strata_runtime::testing::TestDatabase<DB>> {
    DB::fresh_database().await
}

/// The same on a SQLite database in WAL mode (what many applications configure): the killed
/// transaction's frames in the WAL are never committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_migration_sqlite_wal() {
    let db = strata_runtime::testing::sqlite().await;
    assert_eq!(
        texts(&db.pool, "PRAGMA journal_mode = WAL").await,
        vec!["wal"]
    );
    killed_mid_migration(&db.pool, &db.url).await;
    assert_eq!(texts(&db.pool, "PRAGMA journal_mode").await, vec!["wal"]);
    db.close().await;
}

/// PostgreSQL, a `-- strata:no-transaction` migration killed mid-way: its session advisory lock
/// is freed with the session, the started row says version 2 is incomplete, the next upgrade
/// stops on it with the repair, and the repair works.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_no_transaction_migration_on_postgres() {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    let (pool, url) = (&db.pool, db.url.as_str());
    let m = slow_no_transaction();
    strata::runtime::upgrade_to(pool, m, 1).await.unwrap();
    // Outside a transaction nothing cancels the dead client's statement (strata never changes
    // a session setting): it runs to its end, then the server ends the session.
    execute(pool, "UPDATE slow_config SET amount = 3").await;
    kill_in_slow_statement(pool, url, "slow_no_tx").await;

    assert_eq!(strata::runtime::db_version(pool, m).await.unwrap(), Some(1));
    assert_eq!(
        table_names(pool).await,
        vec!["b", "log", "slow_config", "strata_migrations"]
    );
    execute(pool, "UPDATE slow_config SET amount = 0").await;
    let short = Migrator::new(m).lock_timeout(Duration::from_secs(1));
    assert_eq!(
        short.upgrade(pool).await.unwrap_err().to_string(),
        "migration 2 (0002_slow.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
    );
    // Finished by hand (the statements after the sleep), then marked done.
    execute(pool, "INSERT INTO log (v) VALUES (2)").await;
    Migrator::new(m)
        .force(true)
        .version_control(pool, Some(2))
        .await
        .unwrap();
    assert_eq!(short.upgrade(pool).await.unwrap().versions(), vec![3]);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3]
    );
    assert!(!lock_is_held(pool, url).await);
    db.close().await;
}

on_each_backend!(servers: connection_dropped_by_the_server);
on_each_backend!(
    killed_mid_migration,
    many_upgraders_on_fresh_databases,
    many_upgraders_on_half_migrated_databases,
);

// ---------------------------------------------------------------------------------------------
// SQLite: foreign keys are back on after a failed rebuild
// ---------------------------------------------------------------------------------------------

/// A `-- strata:foreign-keys-off` rebuild that breaks a reference is rolled back, and the
/// connection goes back to the pool with foreign keys on again (the pool has one connection,
/// so the check below sees the very connection the migration ran on).
#[tokio::test]
async fn failed_foreign_keys_off_rebuild_turns_foreign_keys_back_on() {
    let db = strata_runtime::testing::sqlite().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reliability/fk_off");
    let m = strata::Migrations::load(&dir, &[Dialect::Sqlite]).unwrap();
    let pool = sqlx::pool::PoolOptions::<sqlx::Sqlite>::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .unwrap();
    assert_eq!(ints(&pool, "PRAGMA foreign_keys").await, vec![1]);
    let err = strata::runtime::upgrade(&pool, &m).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration 2 (0002_lose_rows.sql) was rolled back: after it, row 10 of table child references a missing row of parent (PRAGMA foreign_key_check); fix the data or the script and run again"
    );
    assert_eq!(pool.size(), 1, "the connection went back to the pool");
    assert_eq!(ints(&pool, "PRAGMA foreign_keys").await, vec![1]);
    assert_eq!(
        strata::runtime::db_version(&pool, &m).await.unwrap(),
        Some(1)
    );
    assert_eq!(ints(&pool, "SELECT count(*) FROM parent").await, vec![1]);
    pool.close().await;
    db.close().await;
}
