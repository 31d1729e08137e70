//! Failures, concurrency and the lock timeout on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::time::{Duration, Instant};

use sqlx::SqlSafeStr as _;

use strata_core::Dialect;
use strata_runtime::on_each_backend;
use strata_runtime::{Backend, Error, Migrator, VersionState};
use support::{database_name, execute, ints, repo, table_names, tables};

on_each_backend!(
    failing_migration,
    failing_no_transaction_migration,
    concurrent_upgrades_on_a_fresh_database,
    concurrent_upgrades_on_a_half_migrated_database,
    lock_timeout_is_an_error_not_a_hang,
    transaction_mode_all,
    cancelled_upgrade_closes_its_connection,
    cancelled_migration_frees_the_lock,
    connection_settings_are_restored,
    execution_time_is_recorded,
    waiter_returns_once_the_work_is_done,
    transaction_mode_all_records_many_versions,
);

fn pool_options<DB: Backend>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::<DB>::new().max_connections(1)
}

const GOOD_1: &str = "CREATE TABLE a (id INTEGER PRIMARY KEY);";
const BAD_2: &str = "CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO nosuch VALUES (1);\nCREATE TABLE c (id INTEGER PRIMARY KEY);";
const FIXED_2: &str =
    "CREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY);";
const GOOD_3: &str = "CREATE TABLE d (id INTEGER PRIMARY KEY);";

/// The database's message and code for `INSERT INTO nosuch`, as the error shows them.
fn missing_table_message<DB: Backend>(url: &str) -> String {
    match DB::DIALECT {
        Dialect::Sqlite => "no such table: nosuch (code 1)".to_string(),
        Dialect::Postgres => "relation \"nosuch\" does not exist (code 42P01)".to_string(),
        Dialect::Mysql => format!(
            "Table '{}.nosuch' doesn't exist (code 1146, SQLSTATE 42S02)",
            database_name(url)
        ),
    }
}

async fn failing_migration<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let bad = repo(&[
        (1, "a", GOOD_1, None),
        (2, "b", BAD_2, None),
        (3, "d", GOOD_3, None),
    ]);
    // One connection only: a lock or transaction left on it would make the retry hang.
    let pool1 = pool_options::<DB>().connect(url).await.unwrap();
    let migrator = Migrator::new(&bad).lock_timeout(Duration::from_secs(3));
    let err = migrator.upgrade(&pool1).await.unwrap_err();
    let message = missing_table_message::<DB>(url);
    assert!(matches!(
        err,
        Error::MigrationFailed {
            version: 2,
            ordinal: 2,
            ..
        }
    ));
    if DB::DIALECT == Dialect::Mysql {
        assert_eq!(
            err.to_string(),
            format!(
                "migration 2 (0002_b.sql) failed at statement 2 `INSERT INTO nosuch VALUES (1)`: {message}; the 1 statement before it took effect and cannot be rolled back, so version 2 is marked incomplete: repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
            )
        );
        // Statement 1 took effect; the row is incomplete.
        assert_eq!(table_names(pool).await, vec!["a", "b", "strata_migrations"]);
        assert_eq!(migrator.db_version(&pool1).await.unwrap(), Some(1));
        let status = migrator.status(&pool1).await.unwrap();
        assert_eq!(status[1].state, VersionState::Incomplete);
        assert_eq!(status[2].state, VersionState::Pending);
        // The next upgrade stops on it (a lock left held would be a lock timeout instead).
        let err = migrator.upgrade(&pool1).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "migration 2 (0002_b.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
        );
        // Repair: undo statement 1 by hand, then force back to version 1 so 2 runs again.
        execute(pool, "DROP TABLE b").await;
        Migrator::new(&bad)
            .force(true)
            .version_control(&pool1, Some(1))
            .await
            .unwrap();
    } else {
        assert_eq!(
            err.to_string(),
            format!(
                "migration 2 (0002_b.sql) failed at statement 2 `INSERT INTO nosuch VALUES (1)`: {message}; it was rolled back, so the database is unchanged: fix the script and run again"
            )
        );
        // Exactly at version 1, nothing of 2 left.
        assert_eq!(table_names(pool).await, vec!["a", "strata_migrations"]);
        assert_eq!(migrator.db_version(&pool1).await.unwrap(), Some(1));
        assert_eq!(
            ints(
                pool,
                "SELECT version FROM strata_migrations ORDER BY version"
            )
            .await,
            vec![1]
        );
        // The lock was released: the retry fails the same way (a lock left held on the one
        // connection would be a lock timeout instead).
        let again = migrator.upgrade(&pool1).await.unwrap_err();
        assert_eq!(again.to_string(), err.to_string());
    }
    let fixed = repo(&[
        (1, "a", GOOD_1, None),
        (2, "b", FIXED_2, None),
        (3, "d", GOOD_3, None),
    ]);
    let report = strata_runtime::upgrade(&pool1, &fixed).await.unwrap();
    assert_eq!(report.versions(), vec![2, 3]);
    assert_eq!(
        table_names(pool).await,
        vec!["a", "b", "c", "d", "strata_migrations"]
    );
    pool1.close().await;
}

async fn failing_no_transaction_migration<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let script = "-- strata:no-transaction\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO nosuch VALUES (1);";
    let m = repo(&[(1, "a", GOOD_1, None), (2, "b", script, None)]);
    let migrator = Migrator::new(&m).lock_timeout(Duration::from_secs(5));
    let err = migrator.upgrade(pool).await.unwrap_err();
    let message = missing_table_message::<DB>(url);
    assert_eq!(
        err.to_string(),
        format!(
            "migration 2 (0002_b.sql) failed at statement 2 `INSERT INTO nosuch VALUES (1)`: {message}; the 1 statement before it took effect and cannot be rolled back, so version 2 is marked incomplete: repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
        )
    );
    assert_eq!(migrator.db_version(pool).await.unwrap(), Some(1));
    // A failed run is reported at once, also on SQLite (no waiting for a finished run): with
    // a 10-minute lock timeout, waiting would outlast the generous bound.
    let patient = Migrator::new(&m).lock_timeout(Duration::from_secs(600));
    let err = tokio::time::timeout(Duration::from_secs(60), patient.upgrade(pool))
        .await
        .expect("the upgrade waited for a run that had failed")
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Incomplete {
                version: 2,
                previous: 1,
                ..
            }
        ),
        "{err}"
    );
    // The incomplete row is the newest: the fast path does not trust it.
    assert!(matches!(
        migrator.upgrade_to(pool, 2).await.unwrap_err(),
        Error::Incomplete { .. }
    ));
    // Repaired by hand (the rest of the script), then marked done.
    Migrator::new(&m)
        .force(true)
        .version_control(pool, Some(2))
        .await
        .unwrap();
    assert!(migrator.upgrade(pool).await.unwrap().is_empty());
    assert_eq!(migrator.db_version(pool).await.unwrap(), Some(2));
}

fn logging_repo() -> strata_core::Migrations {
    repo(&[
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
            "four",
            "-- strata:no-transaction\nINSERT INTO log (v) VALUES (4);",
            None,
        ),
        (5, "five", "INSERT INTO log (v) VALUES (5);", None),
    ])
}

/// 32 tasks, each with its own pool, race `upgrade`; returns how many migrations they ran.
async fn race<DB: Backend>(url: &str, m: &'static strata_core::Migrations) -> usize {
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let pool = pool_options::<DB>().connect(&url).await.unwrap();
            let report = strata_runtime::upgrade(&pool, m).await;
            pool.close().await;
            report
        }));
    }
    let mut ran = 0;
    for task in tasks {
        let report = task.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
        ran += report.migrations.len();
    }
    ran
}

fn leaked_repo() -> &'static strata_core::Migrations {
    Box::leak(Box::new(logging_repo()))
}

async fn concurrent_upgrades_on_a_fresh_database<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let m = leaked_repo();
    assert_eq!(race::<DB>(url, m).await, 5);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(strata_runtime::db_version(pool, m).await.unwrap(), Some(5));
}

async fn concurrent_upgrades_on_a_half_migrated_database<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    url: &str,
) {
    let m = leaked_repo();
    strata_runtime::upgrade_to(pool, m, 2).await.unwrap();
    assert_eq!(race::<DB>(url, m).await, 3);
    assert_eq!(
        ints(pool, "SELECT v FROM log ORDER BY v").await,
        vec![1, 2, 3, 4, 5]
    );
    let ranks = ints(
        pool,
        "SELECT installed_rank FROM strata_migrations ORDER BY version",
    )
    .await;
    assert_eq!(ranks, vec![1, 2, 3, 4, 5]);
}

async fn lock_timeout_is_an_error_not_a_hang<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[(1, "a", GOOD_1, None)]);
    // Hold the lock from another connection.
    let (mut holder, expected_lock) = hold_lock(pool).await;
    // Bounded generously: a hang would outlast it.
    let err = tokio::time::timeout(
        Duration::from_secs(60),
        Migrator::new(&m)
            .lock_timeout(Duration::from_millis(400))
            .upgrade(pool),
    )
    .await
    .expect("the upgrade hung past its lock timeout")
    .unwrap_err();
    let Error::LockTimeout { lock, waited } = &err else {
        panic!("{err}");
    };
    assert_eq!(lock, &expected_lock);
    assert!(*waited >= Duration::from_millis(400), "{waited:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "timed out after {} ms waiting for the migration lock {expected_lock}: another process is migrating this database (or holds the lock); wait for it to finish, or raise `Migrator::lock_timeout`",
            waited.as_millis()
        )
    );
    // Nothing happened; once the lock is free the upgrade runs.
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), None);
    release_lock(&mut holder).await;
    drop(holder);
    let report = Migrator::new(&m)
        .lock_timeout(Duration::from_secs(5))
        .upgrade(pool)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![1]);
}

async fn transaction_mode_all<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let bad = repo(&[(1, "a", GOOD_1, None), (2, "b", BAD_2, None)]);
    let all = Migrator::new(&bad).transaction(strata_core::TransactionMode::All);
    let err = all.upgrade(pool).await.unwrap_err();
    if DB::DIALECT == Dialect::Mysql {
        assert_eq!(
            err.to_string(),
            "TransactionMode::All is not possible here: MySQL cannot roll back DDL, so its migrations run outside transactions; use TransactionMode::PerMigration"
        );
        assert_eq!(all.db_version(pool).await.unwrap(), None);
        return;
    }
    // Both in one transaction: migration 1 is rolled back too.
    assert!(
        err.to_string()
            .starts_with("migration 2 (0002_b.sql) failed at statement 2"),
        "{err}"
    );
    let _ = url;
    // The bookkeeping table was created in that transaction too.
    assert!(table_names(pool).await.is_empty());
    assert_eq!(all.db_version(pool).await.unwrap(), None);
    let good = repo(&[(1, "a", GOOD_1, None), (2, "b", FIXED_2, None)]);
    let report = Migrator::new(&good)
        .transaction(strata_core::TransactionMode::All)
        .upgrade(pool)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![1, 2]);
    let no_tx = repo(&[
        (1, "a", GOOD_1, None),
        (2, "b", FIXED_2, None),
        (
            3,
            "x",
            "-- strata:no-transaction\nCREATE TABLE x (id INTEGER);",
            None,
        ),
    ]);
    let err = Migrator::new(&no_tx)
        .transaction(strata_core::TransactionMode::All)
        .upgrade(pool)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "TransactionMode::All is not possible here: migration 3 (0003_x.sql) is marked `-- strata:no-transaction`; use TransactionMode::PerMigration"
    );
}

/// The statement that takes strata's migration lock from another connection, and the lock's
/// name as errors show it.
async fn take_lock_sql<DB: Backend>(pool: &sqlx::Pool<DB>) -> (String, String) {
    match DB::DIALECT {
        Dialect::Sqlite => (
            "BEGIN IMMEDIATE".to_string(),
            "(the SQLite database's write lock, BEGIN IMMEDIATE)".to_string(),
        ),
        Dialect::Postgres => (
            "SELECT pg_advisory_lock(('x' || substr(md5(current_database() || '.' || current_schema() || '.' || 'strata_migrations'), 1, 16))::bit(64)::bigint)".to_string(),
            "(PostgreSQL advisory lock for table \"strata_migrations\" of this database and schema)".to_string(),
        ),
        Dialect::Mysql => {
            let name = support::query(
                pool,
                "SELECT CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', 'strata_migrations'), 256), 57))",
            )
            .await
            .remove(0);
            assert_eq!(name.len(), 64);
            (
                format!("SELECT GET_LOCK('{name}', 0)"),
                format!("'{name}' (MySQL GET_LOCK for table `strata_migrations`)"),
            )
        }
    }
}

/// Takes the migration lock on a connection of `pool`, as another process would hold it;
/// returns the connection and the lock as errors name it.
async fn hold_lock<DB: Backend>(pool: &sqlx::Pool<DB>) -> (sqlx::pool::PoolConnection<DB>, String) {
    let mut holder = pool.acquire().await.unwrap();
    let (take, lock) = take_lock_sql(pool).await;
    DB::execute_audited(&mut holder, sqlx::AssertSqlSafe(take).into_sql_str())
        .await
        .unwrap();
    (holder, lock)
}

/// Releases what [`hold_lock`] took.
async fn release_lock<DB: Backend>(holder: &mut sqlx::pool::PoolConnection<DB>) {
    DB::execute_audited(holder, sqlx::SqlStr::from_static(release_lock_sql::<DB>()))
        .await
        .unwrap();
}

fn release_lock_sql<DB: Backend>() -> &'static str {
    match DB::DIALECT {
        Dialect::Sqlite => "ROLLBACK",
        Dialect::Postgres => "SELECT pg_advisory_unlock_all()",
        Dialect::Mysql => "SELECT RELEASE_ALL_LOCKS()",
    }
}

/// Waits (up to a generous 30 s) for the pool to have `size` connections (closing a SQLite
/// connection waits for the statement its worker thread is in, such as a busy wait).
async fn wait_for_pool_size<DB: Backend>(pool: &sqlx::Pool<DB>, size: u32) -> u32 {
    for _ in 0..600 {
        if pool.size() == size {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pool.size()
}

/// An upgrade future dropped while it waits for the lock (inside a transaction on PostgreSQL,
/// with changed settings on SQLite) closes its connection instead of returning it to the pool.
async fn cancelled_upgrade_closes_its_connection<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let m = repo(&[(1, "a", GOOD_1, None)]);
    let (mut holder, _) = hold_lock(pool).await;
    let pool1 = pool_options::<DB>().connect(url).await.unwrap();
    let migrator = Migrator::new(&m).lock_timeout(Duration::from_secs(600));
    // Still pending after a span generous enough for a loaded machine to reach the lock wait
    // (no event tells from outside that it is waiting).
    let cancelled = tokio::time::timeout(Duration::from_secs(3), migrator.upgrade(&pool1)).await;
    assert!(cancelled.is_err(), "the upgrade should still be waiting");
    match DB::DIALECT {
        // Waiting for the write lock changes the busy timeout: the connection is closed.
        Dialect::Sqlite => assert_eq!(wait_for_pool_size(&pool1, 0).await, 0),
        // A waiter holds nothing between polls (GET_LOCK; PostgreSQL rolls back each try): the
        // connection goes back unless the future was dropped inside a poll, when it is closed.
        // Either way nothing is left open on the server.
        Dialect::Postgres | Dialect::Mysql => {
            for _ in 0..600 {
                if pool1.num_idle() as u32 == pool1.size() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(
                pool1.num_idle() as u32,
                pool1.size(),
                "a connection is still in use"
            );
            if DB::DIALECT == Dialect::Postgres {
                let open = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'";
                assert_eq!(ints(pool, open).await, [0], "a transaction was left open");
            }
        }
    }
    release_lock(&mut holder).await;
    drop(holder);
    let report = Migrator::new(&m)
        .lock_timeout(Duration::from_secs(30))
        .upgrade(&pool1)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![1]);
    pool1.close().await;
}

/// A migration cancelled mid-statement (the client goes away) frees the lock: the server ends
/// the session. PostgreSQL rolls the migration back; MySQL leaves it incomplete.
async fn cancelled_migration_frees_the_lock<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let (sleep, running) = match DB::DIALECT {
        Dialect::Sqlite => return, // no server-side sleep; SQLite's lock is the file's
        Dialect::Postgres => (
            "SELECT pg_sleep(30);",
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()",
        ),
        Dialect::Mysql => (
            "DO SLEEP(3);",
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'DO SLEEP(3)%'",
        ),
    };
    let slow = format!("CREATE TABLE a (id INTEGER PRIMARY KEY);\n{sleep}");
    let m = repo(&[(1, "slow", &slow, None)]);
    let pool1 = pool_options::<DB>().connect(url).await.unwrap();
    // Cancelled once the server lists the sleep: inside the statement.
    let mut upgrade = Box::pin(strata_runtime::upgrade(&pool1, &m));
    let started = Instant::now();
    loop {
        tokio::select! {
            result = &mut upgrade => panic!("the upgrade ended before it was cancelled: {result:?}"),
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        if ints(pool, running).await == [1] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sleep never started"
        );
    }
    drop(upgrade);
    assert_eq!(wait_for_pool_size(&pool1, 0).await, 0);
    pool1.close().await;
    // The same version without the sleep (it was never recorded on PostgreSQL). The lock
    // timeout is below PostgreSQL's 30 s sleep, so success there means the server freed the
    // lock early (MariaDB's 3 s sleep runs to its end).
    let fixed = repo(&[(1, "slow", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    let result = Migrator::new(&fixed)
        .lock_timeout(Duration::from_secs(20))
        .upgrade(pool)
        .await;
    if DB::DIALECT == Dialect::Mysql {
        // The statements before the cancel took effect; the started row says so.
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Incomplete {
                    version: 1,
                    previous: 0,
                    ..
                }
            ),
            "{err}"
        );
    } else {
        // The server noticed the vanished client within about a second
        // (client_connection_check_interval), rolled its transaction back and freed the lock.
        assert_eq!(result.unwrap().versions(), vec![1]);
        assert_eq!(table_names(pool).await, vec!["a", "strata_migrations"]);
    }
}

/// The slow path leaves the pooled connection as it found it.
async fn connection_settings_are_restored<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let m = repo(&[(1, "a", GOOD_1, None)]);
    let pool1 = pool_options::<DB>().connect(url).await.unwrap();
    let show = match DB::DIALECT {
        Dialect::Sqlite => "PRAGMA busy_timeout",
        Dialect::Postgres => "SELECT current_setting('client_connection_check_interval')",
        Dialect::Mysql => {
            "SELECT IS_USED_LOCK(CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', 'strata_migrations'), 256), 57)))"
        }
    };
    let read = |pool: sqlx::Pool<DB>| async move {
        if DB::DIALECT == Dialect::Sqlite {
            ints(&pool, show).await.iter().map(i64::to_string).collect()
        } else {
            support::query(&pool, show).await
        }
    };
    let before = read(pool1.clone()).await;
    Migrator::new(&m)
        .lock_timeout(Duration::from_millis(1500))
        .upgrade(&pool1)
        .await
        .unwrap();
    assert_eq!(read(pool1.clone()).await, before);
    assert_eq!(pool1.size(), 1, "the connection went back to the pool");
    let _ = pool;
    pool1.close().await;
}

/// The row of a migration records how long its script ran: at least the server-side sleep in
/// it (SQLite: a long recursive query), at most the whole migration as the report times it.
async fn execution_time_is_recorded<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let slow = match DB::DIALECT {
        Dialect::Postgres => "CREATE TABLE a (id INTEGER PRIMARY KEY);\nSELECT pg_sleep(0.3);",
        Dialect::Mysql => "CREATE TABLE a (id INTEGER PRIMARY KEY);\nDO SLEEP(0.3);",
        Dialect::Sqlite => {
            "CREATE TABLE a (id INTEGER PRIMARY KEY);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) FROM c;"
        }
    };
    let m = repo(&[(1, "slow", slow, None)]);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    let took_ms = i64::try_from(report.migrations[0].duration.as_millis()).unwrap();
    let recorded = ints(
        pool,
        "SELECT execution_ms FROM strata_migrations WHERE version = 1",
    )
    .await;
    let least = if DB::DIALECT == Dialect::Sqlite {
        1
    } else {
        300
    };
    assert!(
        recorded[0] >= least && recorded[0] <= took_ms + 1,
        "execution_ms {} for a migration that took {took_ms} ms",
        recorded[0]
    );
}

/// An upgrader waiting for the lock returns as soon as the database is up to date, without the
/// lock: here the lock is never released while it waits, and the rows that make the database
/// up to date are written behind its back, once it is past its fast path. PostgreSQL, whose
/// activity view shows when the waiter is polling; MySQL's `GET_LOCK` wait makes the same check,
/// and SQLite's write lock would block the rows themselves.
async fn waiter_returns_once_the_work_is_done<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    if DB::DIALECT != Dialect::Postgres {
        return;
    }
    let m = repo(&[(1, "a", GOOD_1, None)]);
    let (mut holder, _) = hold_lock(pool).await;
    let waiter_url = format!("{url}?application_name=strata_waiter");
    let waiter_pool = pool_options::<DB>().connect(&waiter_url).await.unwrap();
    let waiter = tokio::spawn({
        let m = m.clone();
        async move {
            let report = Migrator::new(&m)
                .lock_timeout(Duration::from_secs(30))
                .upgrade(&waiter_pool)
                .await;
            waiter_pool.close().await;
            report
        }
    });
    // Past the fast path once its connection has sent anything but the fast path's read.
    let polling = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'strata_waiter' AND query <> '' AND query NOT LIKE 'SELECT head, success FROM%'";
    let started = Instant::now();
    while ints(pool, polling).await != [1] {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the waiter never polled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // What another upgrader would have left: the table, migration 1's row, its head (the
    // fixture's scripts and heads are the same for every dialect).
    let checksum = m.migrations[0].up[0].as_ref().unwrap().checksum.to_string();
    let head = m.heads[0].to_string();
    execute(
        pool,
        "CREATE TABLE strata_migrations (version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum VARCHAR(64) NOT NULL, installed_rank BIGINT NOT NULL UNIQUE, head VARCHAR(64) NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_ms BIGINT NOT NULL, success BOOLEAN NOT NULL)",
    )
    .await;
    execute(
        pool,
        sqlx::AssertSqlSafe(format!(
            "INSERT INTO strata_migrations (version, name, checksum, installed_rank, head, execution_ms, success) VALUES (1, 'a', '{checksum}', 1, '{head}', 0, TRUE)"
        )),
    )
    .await;
    let report = waiter.await.unwrap().unwrap();
    assert!(report.migrations.is_empty(), "{report:?}");
    // It never took the lock, so never ran the script: the holder still holds the lock.
    assert_eq!(
        table_names(pool).await,
        vec!["strata_migrations".to_string()]
    );
    release_lock(&mut holder).await;
}

/// `TransactionMode::All` writes the rows of more versions than one INSERT carries (500): every
/// version is recorded once, in order, with the head the next start's fast path accepts.
async fn transaction_mode_all_records_many_versions<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    if DB::DIALECT == Dialect::Mysql {
        return; // no TransactionMode::All on MySQL (transaction_mode_all)
    }
    let m = tables(1203);
    let all = Migrator::new(&m).transaction(strata_core::TransactionMode::All);
    assert_eq!(all.upgrade(pool).await.unwrap().migrations.len(), 1203);
    let versions = ints(
        pool,
        "SELECT version FROM strata_migrations WHERE success = TRUE AND installed_rank = version ORDER BY version",
    )
    .await;
    assert_eq!(versions, (1..=1203).collect::<Vec<i64>>());
    // The last row's head is the binary's: nothing pending, no lock, no migration.
    assert!(all.upgrade(pool).await.unwrap().migrations.is_empty());
    assert_eq!(all.db_version(pool).await.unwrap(), Some(1203));
}
