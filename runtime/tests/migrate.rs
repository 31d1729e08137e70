//! upgrade, upgrade_to, downgrade, version_control, db_version and status on every backend:
//! outcomes, bookkeeping and exact error texts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::time::Duration;

use strata_core::Dialect;
use strata_runtime::on_each_backend;
use strata_runtime::{Backend, Error, Migrator, VersionState};
use support::{execute, ints, query, repo, table_names, tables};

on_each_backend!(
    versions_and_fast_path,
    upgrade_to_stops_and_checks_target,
    checksum_change_is_refused,
    database_ahead_of_binary,
    out_of_order_pending,
    downgrade_checks_every_down_script_first,
    a_gone_down_script_is_named_like_the_repository,
    version_control_adopts_and_refuses_without_force,
    status_lists_every_state,
    custom_table_name,
);

async fn versions_and_fast_path<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = tables(3);
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), None);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2, 3]);
    assert_eq!(report.migrations[0].name, "create_t1");
    assert!(
        report.total
            >= report
                .migrations
                .iter()
                .map(|m| m.duration)
                .sum::<Duration>()
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(3));
    assert_eq!(
        table_names(pool).await,
        vec!["strata_migrations", "t1", "t2", "t3"]
    );
    // Nothing pending: an empty report.
    let again = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    // The head row carries the digest of every applied (version, checksum).
    let head = query(
        pool,
        "SELECT head FROM strata_migrations ORDER BY installed_rank DESC LIMIT 1",
    )
    .await;
    assert_eq!(head, vec![m.head(DB::DIALECT).to_string()]);
    // Downgrade to 0: under control, nothing applied.
    let down = strata_runtime::downgrade(pool, &m, 0).await.unwrap();
    assert_eq!(down.versions(), vec![3, 2, 1]);
    assert!(
        down.to_string().starts_with("reverted 3 create_t3 ("),
        "{down}"
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(0));
    assert_eq!(table_names(pool).await, vec!["strata_migrations"]);
    // And up again from the empty table.
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2, 3]);
}

async fn upgrade_to_stops_and_checks_target<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (3, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
        (5, "c", "CREATE TABLE c (id INTEGER PRIMARY KEY);", None),
    ]);
    let err = strata_runtime::upgrade_to(pool, &m, 4).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 4 is not an embedded migration: the nearest are 3 and 5"
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), None);
    let report = strata_runtime::upgrade_to(pool, &m, 3).await.unwrap();
    assert_eq!(report.versions(), vec![1, 3]);
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(3));
    // At the target already: the fast path, nothing run.
    assert!(
        strata_runtime::upgrade_to(pool, &m, 3)
            .await
            .unwrap()
            .is_empty()
    );
    let err = strata_runtime::upgrade_to(pool, &m, 1).await.unwrap_err();
    assert!(matches!(
        err,
        Error::TargetBelowCurrent {
            target: 1,
            current: 3
        }
    ));
    assert_eq!(
        err.to_string(),
        "cannot upgrade to version 1: the database is already at version 3; use downgrade to go back"
    );
    let err = strata_runtime::upgrade_to(pool, &m, 9).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 9 is not an embedded migration: the latest is 5"
    );
    assert_eq!(
        strata_runtime::upgrade(pool, &m).await.unwrap().versions(),
        vec![5]
    );
}

async fn checksum_change_is_refused<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
    ]);
    strata_runtime::upgrade(pool, &m).await.unwrap();
    let edited = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);",
            None,
        ),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
        (3, "c", "CREATE TABLE c (id INTEGER PRIMARY KEY);", None),
    ]);
    let old = strata_core::checksum("CREATE TABLE a (id INTEGER PRIMARY KEY);");
    let new = strata_core::checksum("CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);");
    let err = strata_runtime::upgrade(pool, &edited).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "migration 1 (0001_a.sql) was changed after it was applied: the database recorded checksum {old}, the binary embeds {new}; restore the original script and put the change in a new migration"
        )
    );
    // Nothing ran.
    assert_eq!(
        strata_runtime::db_version(pool, &edited).await.unwrap(),
        Some(2)
    );
    assert!(!table_names(pool).await.contains(&"c".to_string()));
    let status = strata_runtime::status(pool, &edited).await.unwrap();
    assert_eq!(status[0].state, VersionState::Changed);
    assert_eq!(status[0].applied_checksum.as_deref(), Some(old.as_str()));
    assert_eq!(status[0].embedded_checksum.as_deref(), Some(new.as_str()));
    // CRLF line endings are the same script.
    let crlf = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);\r\n", None),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
    ]);
    let lf = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n", None),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
    ]);
    assert_eq!(crlf.head(DB::DIALECT), lf.head(DB::DIALECT));
}

async fn database_ahead_of_binary<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    strata_runtime::upgrade(pool, &tables(3)).await.unwrap();
    let older = tables(1);
    let err = strata_runtime::upgrade(pool, &older).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the database has versions 2, 3 applied that this binary does not embed (its latest is 1): is this binary older than the database? Deploy the build that contains them, or rebuild (a new migration file needs `cargo:rerun-if-changed=migrations` in build.rs)"
    );
    let status = strata_runtime::status(pool, &older).await.unwrap();
    let states: Vec<(i64, VersionState)> = status.iter().map(|s| (s.version, s.state)).collect();
    assert_eq!(
        states,
        vec![
            (1, VersionState::Applied),
            (2, VersionState::Unknown),
            (3, VersionState::Unknown)
        ]
    );
    assert_eq!(status[2].name, "create_t3");
}

async fn out_of_order_pending<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let first = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (3, "c", "CREATE TABLE c (id INTEGER PRIMARY KEY);", None),
    ]);
    strata_runtime::upgrade(pool, &first).await.unwrap();
    let merged = repo(&[
        (1, "a", "CREATE TABLE a (id INTEGER PRIMARY KEY);", None),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
        (3, "c", "CREATE TABLE c (id INTEGER PRIMARY KEY);", None),
    ]);
    let err = strata_runtime::upgrade(pool, &merged).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "migration 2 (0002_b.sql) is pending but version 3 is already applied: renumber it above 3, or allow it with `Migrator::out_of_order(true)` (strata.toml `out_of_order = true`)"
    );
    assert!(!table_names(pool).await.contains(&"b".to_string()));
    let report = Migrator::new(&merged)
        .out_of_order(true)
        .upgrade(pool)
        .await
        .unwrap();
    assert_eq!(report.versions(), vec![2]);
    assert!(
        strata_runtime::upgrade(pool, &merged)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn downgrade_checks_every_down_script_first<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = repo(&[
        (
            1,
            "a",
            "CREATE TABLE a (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE a;"),
        ),
        (2, "b", "CREATE TABLE b (id INTEGER PRIMARY KEY);", None),
        (
            3,
            "c",
            "CREATE TABLE c (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE c;"),
        ),
    ]);
    let err = strata_runtime::downgrade(pool, &m, 0).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the database is not under version control (no table strata_migrations); run upgrade, or version_control to adopt an existing database"
    );
    strata_runtime::upgrade(pool, &m).await.unwrap();
    let err = strata_runtime::downgrade(pool, &m, 0).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot downgrade: version 2 has no down script (expected 0002_b.down.sql); nothing was changed"
    );
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(3));
    assert_eq!(
        table_names(pool).await,
        vec!["a", "b", "c", "strata_migrations"]
    );
    let err = strata_runtime::downgrade(pool, &m, 7).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot downgrade to version 7: it is not applied (applied: 1, 2, 3); pass 0 or an applied version"
    );
    let report = strata_runtime::downgrade(pool, &m, 2).await.unwrap();
    assert_eq!(report.versions(), vec![3]);
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(2));
    assert_eq!(table_names(pool).await, vec!["a", "b", "strata_migrations"]);
    // The head row is true after a downgrade: the fast path sees version 2 as current.
    assert!(
        strata_runtime::upgrade_to(pool, &m, 2)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        strata_runtime::upgrade(pool, &m).await.unwrap().versions(),
        vec![3]
    );
}

/// Version 5 was applied by a binary whose repository had `0005_add_city.sql`; this binary's
/// repository no longer has the file. The down script it would need is named as the repository
/// names its files (zero-padded), with the name the bookkeeping table recorded.
async fn a_gone_down_script_is_named_like_the_repository<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    let up = "CREATE TABLE a (id INTEGER PRIMARY KEY);";
    let older = repo(&[(1, "a", up, Some("DROP TABLE a;"))]);
    let newer = repo(&[
        (1, "a", up, Some("DROP TABLE a;")),
        (
            5,
            "add_city",
            "CREATE TABLE city (id INTEGER PRIMARY KEY);",
            None,
        ),
    ]);
    strata_runtime::upgrade(pool, &newer).await.unwrap();
    // `force`: downgrading past a version this binary does not embed is the operator's call.
    let err = Migrator::new(&older)
        .force(true)
        .downgrade(pool, 0)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot downgrade: version 5 has no down script (expected 0005_add_city.down.sql); nothing was changed"
    );
    assert_eq!(
        strata_runtime::db_version(pool, &newer).await.unwrap(),
        Some(5)
    );
}

async fn version_control_adopts_and_refuses_without_force<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    _url: &str,
) {
    let m = tables(3);
    // An existing database made by hand: t1 and t2.
    execute(
        pool,
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name VARCHAR(50))",
    )
    .await;
    execute(
        pool,
        "CREATE TABLE t2 (id INTEGER PRIMARY KEY, name VARCHAR(50))",
    )
    .await;
    let err = strata_runtime::version_control(pool, &m, Some(4))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 4 is not an embedded migration: the latest is 3"
    );
    strata_runtime::version_control(pool, &m, Some(2))
        .await
        .unwrap();
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(2));
    let states: Vec<VersionState> = strata_runtime::status(pool, &m)
        .await
        .unwrap()
        .iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(
        states,
        vec![
            VersionState::Applied,
            VersionState::Applied,
            VersionState::Pending
        ]
    );
    let err = strata_runtime::version_control(pool, &m, Some(1))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the database is already under version control (table strata_migrations, version 2); use force (`strata version-control --force`) to rewrite its bookkeeping"
    );
    assert_eq!(
        strata_runtime::upgrade(pool, &m).await.unwrap().versions(),
        vec![3]
    );
    // Forced: exactly the versions up to 1; the head row stays true.
    Migrator::new(&m)
        .force(true)
        .version_control(pool, Some(1))
        .await
        .unwrap();
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(1));
    assert_eq!(
        ints(
            pool,
            "SELECT version FROM strata_migrations ORDER BY version"
        )
        .await,
        vec![1]
    );
    assert!(
        strata_runtime::upgrade_to(pool, &m, 1)
            .await
            .unwrap()
            .is_empty()
    );
    // version_control(None) on a fresh database: the empty table, Some(0).
    execute(pool, "DROP TABLE strata_migrations").await;
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), None);
    strata_runtime::version_control(pool, &m, None)
        .await
        .unwrap();
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), Some(0));
    Migrator::new(&m)
        .force(true)
        .version_control(pool, Some(3))
        .await
        .unwrap();
    assert!(strata_runtime::upgrade(pool, &m).await.unwrap().is_empty());
}

async fn status_lists_every_state<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = tables(2);
    let status = strata_runtime::status(pool, &m).await.unwrap();
    assert_eq!(status.len(), 2);
    assert!(
        status
            .iter()
            .all(|s| s.state == VersionState::Pending && s.applied_at.is_none())
    );
    let before = std::time::SystemTime::now() - Duration::from_secs(60);
    strata_runtime::upgrade_to(pool, &m, 1).await.unwrap();
    let status = strata_runtime::status(pool, &m).await.unwrap();
    assert_eq!(status[0].state, VersionState::Applied);
    assert_eq!(status[0].name, "create_t1");
    let at = status[0].applied_at.expect("applied_at");
    assert!(at > before && at < std::time::SystemTime::now() + Duration::from_secs(60));
    assert_eq!(status[1].state, VersionState::Pending);
    assert_eq!(status[0].state.to_string(), "applied");
}

async fn custom_table_name<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let m = tables(2);
    let migrator = Migrator::new(&m).table("schema history");
    assert_eq!(migrator.upgrade(pool).await.unwrap().versions(), vec![1, 2]);
    assert_eq!(migrator.db_version(pool).await.unwrap(), Some(2));
    assert_eq!(strata_runtime::db_version(pool, &m).await.unwrap(), None);
    assert!(migrator.upgrade(pool).await.unwrap().is_empty());
    assert!(
        table_names(pool)
            .await
            .contains(&"schema history".to_string())
    );
    let _ = Dialect::Sqlite;
}
