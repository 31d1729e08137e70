//! What only one backend does: PostgreSQL's no-transaction statements, SQLite's
//! foreign-keys-off rebuilds and its wait for a running no-transaction migration.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod support;

use std::time::Duration;

use strata_runtime::{Error, Migrator, VersionState};
use support::{execute, ints, query, repo};

/// `CREATE INDEX CONCURRENTLY` cannot run inside a transaction: a no-transaction migration runs
/// it in autocommit, under the session lock, which is released afterwards.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_no_transaction_migration_runs_outside_a_transaction() {
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    let pool = &db.pool;
    let m = repo(&[
        (
            1,
            "t",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
            None,
        ),
        (
            2,
            "t_name",
            "-- strata:no-transaction\nCREATE INDEX CONCURRENTLY t_name_idx ON t (name);",
            None,
        ),
    ]);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2]);
    assert_eq!(
        query(
            pool,
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 't' ORDER BY 1"
        )
        .await,
        vec!["t_name_idx", "t_pkey"]
    );
    // No advisory lock is left anywhere on this database.
    assert_eq!(
        ints(
            pool,
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        )
        .await,
        vec![0]
    );
    assert!(strata_runtime::upgrade(pool, &m).await.unwrap().is_empty());
    db.close().await;
}

/// A SQLite table rebuild (`-- strata:foreign-keys-off`): dropping the parent does not
/// cascade into its children, and a broken reference rolls the migration back.
#[tokio::test]
async fn sqlite_foreign_keys_off_rebuild() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = &db.pool;
    let base = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'p');\nINSERT INTO child VALUES (10, 1);";
    let rebuild = "-- strata:foreign-keys-off\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\nINSERT INTO parent_new SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;";
    let m = repo(&[(1, "base", base, None), (2, "rebuild", rebuild, None)]);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2]);
    assert_eq!(ints(pool, "SELECT id FROM child").await, vec![10]);
    // Foreign keys are on again for the pool's connections.
    assert_eq!(ints(pool, "PRAGMA foreign_keys").await, vec![1]);

    let breaking = "-- strata:foreign-keys-off\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;";
    let m3 = repo(&[
        (1, "base", base, None),
        (2, "rebuild", rebuild, None),
        (3, "lose_rows", breaking, None),
    ]);
    let err = strata_runtime::upgrade(pool, &m3).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration 3 (0003_lose_rows.sql) was rolled back: after it, row 10 of table child references a missing row of parent (PRAGMA foreign_key_check); fix the data or the script and run again"
    );
    assert_eq!(ints(pool, "SELECT COUNT(*) FROM parent").await, vec![1]);
    assert_eq!(
        strata_runtime::db_version(pool, &m3).await.unwrap(),
        Some(2)
    );
    assert_eq!(ints(pool, "PRAGMA foreign_keys").await, vec![1]);
    db.close().await;
}

/// A down script that rebuilds a table (`-- strata:foreign-keys-off`, as `strata::diff` writes
/// them) runs with foreign keys off too: the children's rows survive, and a broken reference
/// rolls the downgrade back, naming the down script.
#[tokio::test]
async fn sqlite_foreign_keys_off_down_script() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = &db.pool;
    let base = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'p');\nINSERT INTO child VALUES (10, 1);";
    let add = "ALTER TABLE parent ADD COLUMN note TEXT;";
    let rebuild_back = "-- strata:foreign-keys-off\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO parent_new SELECT id, name FROM parent;\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;";
    let m = repo(&[
        (1, "base", base, None),
        (2, "note", add, Some(rebuild_back)),
    ]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    let report = strata_runtime::downgrade(pool, &m, 1).await.unwrap();
    assert_eq!(report.versions(), vec![2]);
    assert_eq!(ints(pool, "SELECT id FROM child").await, vec![10]);
    assert_eq!(ints(pool, "PRAGMA foreign_keys").await, vec![1]);

    let losing_back = "-- strata:foreign-keys-off\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;";
    let m = repo(&[(1, "base", base, None), (2, "note", add, Some(losing_back))]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    let err = strata_runtime::downgrade(pool, &m, 1).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration 2 (0002_note.down.sql) was rolled back: after it, row 10 of table child references a missing row of parent (PRAGMA foreign_key_check); fix the data or the script and run again"
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(2));
    assert_eq!(ints(pool, "SELECT COUNT(*) FROM parent").await, vec![1]);
    assert_eq!(ints(pool, "PRAGMA foreign_keys").await, vec![1]);
    db.close().await;
}

/// On SQLite a no-transaction migration holds no lock while it runs; its started row makes
/// other upgraders wait instead of failing while it is younger than the lock timeout.
#[tokio::test]
async fn sqlite_waits_for_a_running_no_transaction_migration() {
    let db = strata_runtime::testing::sqlite().await;
    let pool = &db.pool;
    let m = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (
            2,
            "b",
            "-- strata:no-transaction\nCREATE TABLE b (id INTEGER PRIMARY KEY);",
            None,
        ),
    ]);
    strata_runtime::upgrade_to(pool, &m, 1).await.unwrap();
    // Another process has just started migration 2.
    let checksum = &m.get(2).unwrap().up[0].as_ref().unwrap().checksum;
    execute(
        pool,
        sqlx::AssertSqlSafe(format!(
            "INSERT INTO strata_migrations VALUES (2, 'b', '{checksum}', 2, 'x', strftime('%Y-%m-%d %H:%M:%f', 'now'), 0, 0)"
        )),
    )
    .await;
    // The waiter does not fail while the other process runs: it is still pending after a span
    // long enough for a loaded machine to read the started row (no event shows from outside
    // that it waits), with a lock timeout far longer.
    let migrator = Migrator::new(&m).lock_timeout(Duration::from_secs(600));
    let report = {
        let upgrade = migrator.upgrade(pool);
        tokio::pin!(upgrade);
        tokio::select! {
            result = &mut upgrade => panic!("the waiter did not wait: {result:?}"),
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
        // The other process finishes (while the waiter keeps running): the waiter sees it done
        // and succeeds.
        let finisher = {
            let pool = pool.clone();
            let head = m.head(strata_core::Dialect::Sqlite).to_string();
            tokio::spawn(async move {
                execute(&pool, "CREATE TABLE b (id INTEGER PRIMARY KEY)").await;
                execute(
                    &pool,
                    sqlx::AssertSqlSafe(format!(
                        "UPDATE strata_migrations SET success = 1, head = '{head}' WHERE version = 2"
                    )),
                )
                .await;
            })
        };
        let report = tokio::time::timeout(Duration::from_secs(60), upgrade)
            .await
            .expect("the waiter did not see the other process finish")
            .unwrap();
        finisher.await.unwrap();
        report
    };

    assert!(report.is_empty(), "{report:?}");
    assert!(strata_runtime::upgrade(pool, &m).await.unwrap().is_empty());

    // A started row that stays: after the lock timeout it is older than that, and reported
    // as incomplete (not before: the clock starts before the row's time is written).
    let started = std::time::Instant::now();
    execute(
        pool,
        "UPDATE strata_migrations SET success = 0, applied_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE version = 2",
    )
    .await;
    let err = Migrator::new(&m)
        .lock_timeout(Duration::from_millis(400))
        .upgrade(pool)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::Incomplete { version: 2, .. }), "{err}");
    let status = strata_runtime::status(pool, &m).await.unwrap();
    assert_eq!(status[1].state, VersionState::Incomplete);
    // Started an hour ago: reported at once.
    execute(
        pool,
        "UPDATE strata_migrations SET applied_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 hour') WHERE version = 2",
    )
    .await;
    // At once: well before the lock timeout (a generous bound for a loaded machine).
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        Migrator::new(&m)
            .lock_timeout(Duration::from_secs(600))
            .upgrade(pool),
    )
    .await
    .expect("an hour-old started row was waited for")
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration 2 (0002_b.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 2` if it is now fully applied, or `strata version-control --force 1` to run it again"
    );
    db.close().await;
}

/// MySQL's `GET_LOCK` is polled: between polls a waiting upgrader reads the fast path's head,
/// and once another upgrader has brought the database up to date it returns at once, holding
/// nothing, instead of waiting for the lock (here held until after it returns).
#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_waiter_returns_once_another_upgrader_is_done() {
    let (Some(target), Some(done)) = (
        strata_runtime::testing::mysql().await,
        strata_runtime::testing::mysql().await,
    ) else {
        return;
    };
    let m = repo(&[(1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None)]);
    // What "another upgrader" leaves behind: the same bookkeeping, made in a second database.
    strata_runtime::upgrade(&done.pool, &m).await.unwrap();
    let done_name = query(&done.pool, "SELECT DATABASE()").await.remove(0);

    let mut holder = target.pool.acquire().await.unwrap();
    let name = query(
        &target.pool,
        "SELECT CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', 'strata_migrations'), 256), 57))",
    )
    .await
    .remove(0);
    let taken =
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT GET_LOCK('{name}', 0)")))
            .fetch_one(&mut *holder)
            .await
            .unwrap();
    assert_eq!(taken, 1);

    let waiter = {
        let pool = target.pool.clone();
        let m = m.clone();
        tokio::spawn(async move {
            Migrator::new(&m)
                .lock_timeout(Duration::from_secs(600))
                .upgrade(&pool)
                .await
        })
    };
    // The waiter cannot finish while the lock is held and nothing is done (no outside event
    // shows that it waits: a span long enough for a loaded machine to reach the wait).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !waiter.is_finished(),
        "the waiter did not wait for the lock"
    );
    for statement in [
        format!("CREATE TABLE strata_migrations LIKE `{done_name}`.strata_migrations"),
        format!("INSERT INTO strata_migrations SELECT * FROM `{done_name}`.strata_migrations"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY)".to_string(),
    ] {
        execute(&target.pool, sqlx::AssertSqlSafe(statement)).await;
    }
    // Far below the lock timeout: without the check it would wait for the lock 600 s.
    let report = tokio::time::timeout(Duration::from_secs(60), waiter)
        .await
        .expect("the waiter kept waiting for the lock after the database was up to date")
        .unwrap()
        .unwrap();
    assert!(report.is_empty(), "{report:?}");
    sqlx::query("SELECT RELEASE_ALL_LOCKS()")
        .execute(&mut *holder)
        .await
        .unwrap();
}
