//! Adopting another tool's history on every backend: the repository is applied by sqlx's own
//! migrator and by refinery (on its own drivers), or diesel's and SQLAlchemy-Migrate's tables
//! are written as those tools document them; strata adopts, then a new migration is added and
//! exactly that one runs. Errors name the version and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
#![cfg(feature = "sqlite")]

mod support;

use std::path::Path;

use strata_core::{Dialect, Migrations, import};
use strata_runtime::on_each_backend;
use strata_runtime::{Backend, History, Migrator};
use support::{execute, ints, query, table_names};

on_each_backend!(
    sqlx_history,
    refinery_history,
    diesel_history,
    sqlalchemy_migrate_history,
);

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn load<DB: Backend>(dir: &Path) -> Migrations {
    Migrations::load(dir, &[DB::DIALECT]).unwrap()
}

fn versions(adoption: &strata_runtime::Adoption) -> Vec<(String, i64)> {
    adoption
        .versions
        .iter()
        .map(|v| (v.source_version.clone(), v.version))
        .collect()
}

/// The rows of strata's table: (version, name), in version order.
async fn strata_rows<DB: Backend>(pool: &sqlx::Pool<DB>) -> Vec<String> {
    query(pool, "SELECT name FROM strata_migrations ORDER BY version").await
}

/// A sqlx folder, reversible pairs and names with dashes and capitals, applied by sqlx.
async fn sqlx_history<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "0001_create-users.up.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
            ),
            ("0001_create-users.down.sql", "DROP TABLE users;\n"),
            (
                "0002_Add_Posts.sql",
                "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\r\n",
            ),
            (
                "0003_seed.sql",
                "INSERT INTO users (id, name) VALUES (1, 'it''s');\n",
            ),
        ],
    );
    apply_with_sqlx(DB::DIALECT, url, dir.path()).await;
    assert_eq!(
        ints(
            pool,
            "SELECT version FROM _sqlx_migrations ORDER BY version"
        )
        .await,
        [1, 2, 3]
    );
    let m = load::<DB>(dir.path());

    // A script changed since sqlx applied it: its version, file and both checksums.
    let changed = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), changed.path().join(entry.file_name())).unwrap();
    }
    write(
        changed.path(),
        &[(
            "0003_seed.sql",
            "INSERT INTO users (id, name) VALUES (2, 'x');\n",
        )],
    );
    let changed_m = load::<DB>(changed.path());
    let error = Migrator::new(&changed_m)
        .adopt(pool, History::Sqlx)
        .await
        .unwrap_err();
    let applied = query(
        pool,
        match DB::DIALECT {
            Dialect::Postgres => {
                "SELECT encode(checksum, 'hex') FROM _sqlx_migrations WHERE version = 3"
            }
            _ => "SELECT lower(hex(checksum)) FROM _sqlx_migrations WHERE version = 3",
        },
    )
    .await;
    assert_eq!(
        error.to_string(),
        format!(
            "migration 3 (0003_seed.sql) differs from what sqlx applied: _sqlx_migrations has SHA-384 {}, the embedded script has {}; restore the script sqlx ran, then adopt; nothing was written",
            applied[0],
            import::sqlx_checksum(b"INSERT INTO users (id, name) VALUES (2, 'x');\n")
        )
    );
    // A version sqlx applied that the binary lacks.
    std::fs::remove_file(changed.path().join("0003_seed.sql")).unwrap();
    let missing = load::<DB>(changed.path());
    let error = Migrator::new(&missing)
        .adopt(pool, History::Sqlx)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "sqlx applied version 3 (_sqlx_migrations), which this repository does not embed: add that migration (or run the build that has it) before adopting; nothing was written"
    );
    assert!(
        !table_names(pool)
            .await
            .contains(&"strata_migrations".to_string())
    );

    let adoption = Migrator::new(&m).adopt(pool, History::Sqlx).await.unwrap();
    assert_eq!(
        versions(&adoption),
        [
            ("1".to_string(), 1),
            ("2".to_string(), 2),
            ("3".to_string(), 3)
        ]
    );
    assert!(adoption.checksums_verified);
    assert_eq!(adoption.checksum_note(), None);
    assert_eq!(
        strata_rows(pool).await,
        ["create-users", "Add_Posts", "seed"]
    );
    // sqlx's table is untouched, and sqlx still sees everything applied.
    assert_eq!(
        ints(
            pool,
            "SELECT version FROM _sqlx_migrations ORDER BY version"
        )
        .await,
        [1, 2, 3]
    );
    apply_with_sqlx(DB::DIALECT, url, dir.path()).await;

    // Adopting twice is refused without force.
    let again = Migrator::new(&m)
        .adopt(pool, History::Sqlx)
        .await
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "the database is already under version control (table strata_migrations, version 3); use force (`strata version-control --force`) to rewrite its bookkeeping"
    );

    // A new migration: exactly it runs, and the fast path holds afterwards.
    write(
        dir.path(),
        &[(
            "0004_comments.sql",
            "CREATE TABLE comments (id INTEGER PRIMARY KEY);\n",
        )],
    );
    let m = load::<DB>(dir.path());
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [4]);
    assert!(strata_runtime::upgrade(pool, &m).await.unwrap().is_empty());

    // sqlx's `-- no-transaction` marker is honoured: CREATE INDEX CONCURRENTLY runs on
    // PostgreSQL, which refuses it inside a transaction.
    let concurrently = match DB::DIALECT {
        Dialect::Postgres => "CONCURRENTLY ",
        _ => "",
    };
    write(
        dir.path(),
        &[(
            "0005_index-users.sql",
            &format!("-- no-transaction\nCREATE INDEX {concurrently}users_name ON users (name);\n"),
        )],
    );
    let m = load::<DB>(dir.path());
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [5]);
    assert_eq!(ints(pool, "SELECT COUNT(*) FROM users").await, [1]);
}

/// Runs sqlx's own migrator on the folder, on a pool of its own.
async fn apply_with_sqlx(dialect: Dialect, url: &str, dir: &Path) {
    let migrator = sqlx::migrate::Migrator::new(dir).await.unwrap();
    match dialect {
        Dialect::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        #[cfg(feature = "postgres")]
        Dialect::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        #[cfg(feature = "mysql")]
        Dialect::Mysql => {
            let pool = sqlx::MySqlPool::connect(url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        #[allow(unreachable_patterns)]
        other => panic!("{other} is not enabled"),
    }
}

/// A failed sqlx row (as sqlx leaves one on MySQL) is named; nothing is written.
async fn sqlx_failed_row<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("1_a.sql", "CREATE TABLE a (id INTEGER);\n")]);
    let m = load::<DB>(dir.path());
    let error = Migrator::new(&m)
        .adopt(pool, History::Sqlx)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "there is no sqlx history to adopt: the table _sqlx_migrations does not exist; nothing was written"
    );
    let blob = match DB::DIALECT {
        Dialect::Postgres => "BYTEA",
        _ => "BLOB",
    };
    execute(
        pool,
        sqlx::AssertSqlSafe(format!("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum {blob} NOT NULL, execution_time BIGINT NOT NULL)")),
    )
    .await;
    execute(
        pool,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (1, 'a', FALSE, 'x', -1)",
    )
    .await;
    let error = Migrator::new(&m)
        .adopt(pool, History::Sqlx)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "sqlx recorded version 1 as failed in _sqlx_migrations: repair that migration with sqlx first, then adopt; nothing was written"
    );
    assert!(
        !table_names(pool)
            .await
            .contains(&"strata_migrations".to_string())
    );
}

on_each_backend!(sqlx_failed_row);

/// refinery applies `V<n>__` files with its own driver; `strata import` converts them; strata
/// adopts through the `[imported]` mapping.
async fn refinery_history<DB: Backend>(pool: &sqlx::Pool<DB>, url: &str) {
    let source = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, String)> = (1..=12)
        .map(|n| {
            (
                format!("V{n}__create_t{n}.sql"),
                format!("CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"),
            )
        })
        .collect();
    files.push((
        "later/V20__seed_data.sql".to_string(),
        "INSERT INTO t1 (id) VALUES (1);\n".to_string(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(source.path(), &borrowed);
    apply_with_refinery(DB::DIALECT, url, source.path()).await;
    assert_eq!(
        ints(pool, "SELECT COUNT(*) FROM refinery_schema_history").await,
        [13]
    );

    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    let imported = import::import(History::Refinery, source.path(), &into).unwrap();
    assert_eq!(imported.versions.len(), 13);
    let m = load::<DB>(&into);

    // Adopting as another tool is refused before anything is read.
    let wrong = Migrator::new(&m)
        .adopt(pool, History::Flyway)
        .await
        .unwrap_err();
    assert_eq!(
        wrong.to_string(),
        "this repository was imported from refinery, not flyway (strata.toml [imported]): adopt with History::Refinery / `--from refinery`; nothing was written"
    );

    let adoption = Migrator::new(&m)
        .adopt(pool, History::Refinery)
        .await
        .unwrap();
    let mut expected: Vec<(String, i64)> = (1..=12).map(|n| (n.to_string(), n)).collect();
    expected.push(("20".to_string(), 13));
    assert_eq!(versions(&adoption), expected);
    assert!(!adoption.checksums_verified);
    assert_eq!(
        adoption.checksum_note(),
        Some(
            "refinery's checksums (SipHash-1-3 over name, version and SQL) are not reproduced, so the scripts were not compared with what refinery applied"
        )
    );
    assert_eq!(
        ints(pool, "SELECT COUNT(*) FROM refinery_schema_history").await,
        [13]
    );

    write(
        &into,
        &[(
            "0014_comments.sql",
            "CREATE TABLE comments (id INTEGER PRIMARY KEY);\n",
        )],
    );
    let m = load::<DB>(&into);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [14]);
    assert_eq!(ints(pool, "SELECT COUNT(*) FROM t1").await, [1]);
}

async fn apply_with_refinery(dialect: Dialect, url: &str, dir: &Path) {
    let migrations = refinery::load_sql_migrations(dir).unwrap();
    let runner = refinery::Runner::new(&migrations);
    match dialect {
        Dialect::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap()
                .to_string();
            tokio::task::spawn_blocking(move || {
                let mut conn = rusqlite::Connection::open(path).unwrap();
                runner.run(&mut conn).unwrap();
            })
            .await
            .unwrap();
        }
        Dialect::Postgres => {
            let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(connection);
            runner.run_async(&mut client).await.unwrap();
            drop(client);
            let _ = driver.await;
        }
        Dialect::Mysql => {
            let mut pool = mysql_async::Pool::new(url);
            runner.run_async(&mut pool).await.unwrap();
            pool.disconnect().await.unwrap();
        }
    }
}

/// A diesel repository shaped like real ones, applied as diesel does (each up.sql in diesel's
/// string order, a row in `__diesel_schema_migrations`), imported and adopted.
async fn diesel_history<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let source = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for day in 1..=20 {
        files.push((
            format!("2021-06-{day:02}-093000_create-table-{day}/up.sql"),
            format!("CREATE TABLE d{day} (id INTEGER PRIMARY KEY, v VARCHAR(20));\n"),
        ));
        files.push((
            format!("2021-06-{day:02}-093000_create-table-{day}/down.sql"),
            format!("DROP TABLE d{day};\n"),
        ));
    }
    files.push((
        "2021-07-01-000000_index_d1/up.sql".to_string(),
        "CREATE INDEX d1_v ON d1 (v);\n".to_string(),
    ));
    files.push((
        "2021-07-01-000000_index_d1/metadata.toml".to_string(),
        "run_in_transaction = false\n".to_string(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write(source.path(), &borrowed);

    // diesel's table, as diesel creates it; the first 18 versions applied, in diesel's order.
    execute(
        pool,
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .await;
    for day in 1..=18 {
        execute(
            pool,
            sqlx::AssertSqlSafe(format!(
                "CREATE TABLE d{day} (id INTEGER PRIMARY KEY, v VARCHAR(20))"
            )),
        )
        .await;
        execute(
            pool,
            sqlx::AssertSqlSafe(format!(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('202106{day:02}093000')"
            )),
        )
        .await;
    }

    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    import::import(History::Diesel, source.path(), &into).unwrap();
    let m = load::<DB>(&into);
    assert!(m.get(21).unwrap().up(DB::DIALECT).unwrap().no_transaction);

    // A version diesel applied that the repository lacks is named; nothing is written.
    execute(
        pool,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('2021-06-30')",
    )
    .await;
    let error = Migrator::new(&m)
        .adopt(pool, History::Diesel)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "diesel applied version 2021-06-30 (__diesel_schema_migrations), which this repository does not embed: add that migration (or run the build that has it) before adopting; nothing was written"
    );
    assert!(
        !table_names(pool)
            .await
            .contains(&"strata_migrations".to_string())
    );
    execute(
        pool,
        "DELETE FROM __diesel_schema_migrations WHERE version = '2021-06-30'",
    )
    .await;

    let adoption = Migrator::new(&m)
        .adopt(pool, History::Diesel)
        .await
        .unwrap();
    let expected: Vec<(String, i64)> = (1..=18)
        .map(|day| (format!("202106{day:02}093000"), day))
        .collect();
    assert_eq!(versions(&adoption), expected);
    assert_eq!(strata_rows(pool).await.len(), 18);
    assert_eq!(strata_rows(pool).await[0], "create-table-1");

    // What diesel had not run: 19, 20 and the no-transaction index; nothing else.
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [19, 20, 21]);
    assert_eq!(
        ints(pool, "SELECT COUNT(*) FROM __diesel_schema_migrations").await,
        [18]
    );
}

/// SQLAlchemy-Migrate's one row: versions up to it are applied.
async fn sqlalchemy_migrate_history<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let source = tempfile::tempdir().unwrap();
    write(
        source.path(),
        &[
            ("migrate.cfg", "[db_settings]\nrepository_id=app\n"),
            ("versions/__init__.py", ""),
            (
                "versions/001_initial_default_upgrade.sql",
                "CREATE TABLE a (id INTEGER);\n",
            ),
            (
                "versions/001_initial_default_downgrade.sql",
                "DROP TABLE a;\n",
            ),
            (
                "versions/002_b_postgresql_upgrade.sql",
                "CREATE TABLE b (id INTEGER);\nCREATE INDEX b_id ON b USING btree (id);\n",
            ),
            (
                "versions/002_b_sqlite_upgrade.sql",
                "CREATE TABLE b (id INTEGER);\n",
            ),
            (
                "versions/002_b_mysql_upgrade.sql",
                "CREATE TABLE b (id INTEGER) ENGINE=InnoDB;\n",
            ),
            (
                "versions/003_c_default_upgrade.sql",
                "CREATE TABLE c (id INTEGER);\n",
            ),
        ],
    );
    execute(
        pool,
        "CREATE TABLE migrate_version (repository_id VARCHAR(250) NOT NULL PRIMARY KEY, repository_path TEXT, version INTEGER)",
    )
    .await;
    execute(pool, "CREATE TABLE a (id INTEGER)").await;
    execute(pool, "CREATE TABLE b (id INTEGER)").await;

    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    import::import(History::SqlalchemyMigrate, source.path(), &into).unwrap();
    let m = load::<DB>(&into);

    // The version beyond the repository is a dirty state.
    execute(
        pool,
        "INSERT INTO migrate_version (repository_id, repository_path, version) VALUES ('app', '/srv/app/migrations', 9)",
    )
    .await;
    let error = Migrator::new(&m)
        .adopt(pool, History::SqlalchemyMigrate)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "migrate_version says repository app is at version 9, beyond this repository (its latest is 3): is the repository older than the database?; nothing was written"
    );
    assert!(
        !table_names(pool)
            .await
            .contains(&"strata_migrations".to_string())
    );

    execute(pool, "UPDATE migrate_version SET version = 2").await;
    let adoption = Migrator::new(&m)
        .adopt(pool, History::SqlalchemyMigrate)
        .await
        .unwrap();
    assert_eq!(
        versions(&adoption),
        [("1".to_string(), 1), ("2".to_string(), 2)]
    );
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [3]);
    assert_eq!(ints(pool, "SELECT version FROM migrate_version").await, [2]);

    // A Python version script is not converted: adopting a database past it, even forced,
    // names it and leaves strata's table as it was.
    write(
        source.path(),
        &[(
            "versions/004_backfill.py",
            "def upgrade(migrate_engine):\n    pass\n",
        )],
    );
    let into = target.path().join("with_python");
    let imported = import::import(History::SqlalchemyMigrate, source.path(), &into).unwrap();
    assert_eq!(imported.by_hand, ["versions/004_backfill.py"]);
    let m = load::<DB>(&into);
    execute(pool, "UPDATE migrate_version SET version = 4").await;
    let error = Migrator::new(&m)
        .force(true)
        .adopt(pool, History::SqlalchemyMigrate)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "sqlalchemy-migrate applied version 4 (migrate_version; strata version 4 by strata.toml [imported]), which this repository does not embed: add that migration (or run the build that has it) before adopting; nothing was written"
    );
    assert_eq!(strata_rows(pool).await, ["initial", "b", "c"]);
}

on_each_backend!(flyway_history);

/// Flyway's table as Flyway writes it: versioned rows, a repeatable row (no version), an undo,
/// a baseline and a failed row.
async fn flyway_history<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let source = tempfile::tempdir().unwrap();
    write(
        source.path(),
        &[
            ("V1__init.sql", "CREATE TABLE a (id INTEGER);\n"),
            ("V1_1__add_b.sql", "CREATE TABLE b (id INTEGER);\n"),
            ("V1_10__add_c.sql", "CREATE TABLE c (id INTEGER);\n"),
            ("V2__add_d.sql", "CREATE TABLE d (id INTEGER);\n"),
            ("U2__add_d.sql", "DROP TABLE d;\n"),
            ("R__views.sql", "CREATE VIEW v AS SELECT 1 AS one;\n"),
        ],
    );
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    import::import(History::Flyway, source.path(), &into).unwrap();
    let m = load::<DB>(&into);

    execute(
        pool,
        "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL)",
    )
    .await;
    let row = |rank: i64, version: &str, kind: &str, script: &str, success: bool| {
        format!(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ({rank}, {version}, 'd', '{kind}', '{script}', 1, 'app', 3, {})",
            if success { "TRUE" } else { "FALSE" }
        )
    };
    for sql in [
        row(1, "'1'", "SQL", "V1__init.sql", true),
        row(2, "'1.1'", "SQL", "V1_1__add_b.sql", true),
        row(3, "NULL", "SQL", "R__views.sql", true),
        row(4, "'2'", "SQL", "V2__add_d.sql", true),
        row(5, "'2'", "UNDO_SQL", "U2__add_d.sql", true),
        row(6, "'1.10'", "SQL", "V1_10__add_c.sql", false),
    ] {
        execute(pool, sqlx::AssertSqlSafe(sql.clone())).await;
    }
    for table in ["a", "b"] {
        execute(
            pool,
            sqlx::AssertSqlSafe(format!("CREATE TABLE {table} (id INTEGER)")),
        )
        .await;
    }
    let error = Migrator::new(&m)
        .adopt(pool, History::Flyway)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "flyway recorded version 1.10 as failed in flyway_schema_history: repair that migration with flyway first, then adopt; nothing was written"
    );
    assert!(
        !table_names(pool)
            .await
            .contains(&"strata_migrations".to_string())
    );

    execute(
        pool,
        "DELETE FROM flyway_schema_history WHERE installed_rank = 6",
    )
    .await;
    let adoption = Migrator::new(&m)
        .adopt(pool, History::Flyway)
        .await
        .unwrap();
    // 2 was undone; the repeatable script has no version.
    assert_eq!(
        versions(&adoption),
        [("1".to_string(), 1), ("1.1".to_string(), 2)]
    );
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [3, 4]);
}

on_each_backend!(flyway_baseline);

/// A Flyway baseline counts every version up to it as applied.
async fn flyway_baseline<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let source = tempfile::tempdir().unwrap();
    write(
        source.path(),
        &[
            ("V1__init.sql", "CREATE TABLE a (id INTEGER);\n"),
            ("V1_1__add_b.sql", "CREATE TABLE b (id INTEGER);\n"),
            ("V3__add_c.sql", "CREATE TABLE c (id INTEGER);\n"),
        ],
    );
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    import::import(History::Flyway, source.path(), &into).unwrap();
    let m = load::<DB>(&into);
    execute(
        pool,
        "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time INT NOT NULL, success BOOLEAN NOT NULL)",
    )
    .await;
    execute(
        pool,
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'app', 0, TRUE)",
    )
    .await;
    let adoption = Migrator::new(&m)
        .adopt(pool, History::Flyway)
        .await
        .unwrap();
    assert_eq!(
        versions(&adoption),
        [("1".to_string(), 1), ("1.1".to_string(), 2)]
    );
    execute(pool, "CREATE TABLE a (id INTEGER)").await;
    execute(pool, "CREATE TABLE b (id INTEGER)").await;
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [3]);
}

on_each_backend!(imported_per_backend_diesel_runs);

/// A diesel repository with one folder per backend (a PL/pgSQL body on PostgreSQL, versions only
/// some backends have, a no-transaction migration) imports into a repository every backend
/// can run from empty to the end and back.
async fn imported_per_backend_diesel_runs<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let source = tempfile::tempdir().unwrap();
    write(
        source.path(),
        &[
            (
                "postgres/00000000000000_diesel_initial_setup/up.sql",
                "CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$\nBEGIN\n    IF (NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) THEN\n        NEW.updated_at := current_timestamp;\n    END IF;\n    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n",
            ),
            (
                "postgres/00000000000000_diesel_initial_setup/down.sql",
                "DROP FUNCTION IF EXISTS diesel_set_updated_at();\n",
            ),
            (
                "postgres/2022-01-01-000000_create-users/up.sql",
                "CREATE TABLE users (id SERIAL PRIMARY KEY, updated_at TIMESTAMP NOT NULL DEFAULT now());\n",
            ),
            (
                "postgres/2022-01-01-000000_create-users/down.sql",
                "DROP TABLE users;\n",
            ),
            (
                "postgres/2022-02-01-000000_users-index/up.sql",
                "CREATE INDEX CONCURRENTLY users_updated ON users (updated_at);\n",
            ),
            (
                "postgres/2022-02-01-000000_users-index/down.sql",
                "DROP INDEX CONCURRENTLY users_updated;\n",
            ),
            (
                "postgres/2022-02-01-000000_users-index/metadata.toml",
                "run_in_transaction = false\n",
            ),
            (
                "mysql/2022-01-01-000000_create-users/up.sql",
                "CREATE TABLE users (id INTEGER AUTO_INCREMENT PRIMARY KEY, updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));\n",
            ),
            (
                "mysql/2022-01-01-000000_create-users/down.sql",
                "DROP TABLE users;\n",
            ),
            (
                "mysql/2022-02-01-000000_users-index/up.sql",
                "CREATE INDEX users_updated ON users (updated_at);\n",
            ),
            (
                "mysql/2022-02-01-000000_users-index/down.sql",
                "DROP INDEX users_updated ON users;\n",
            ),
            (
                "sqlite/2022-01-01-000000_create-users/up.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
            ),
            (
                "sqlite/2022-01-01-000000_create-users/down.sql",
                "DROP TABLE users;\n",
            ),
            (
                "sqlite/2022-03-01-000000_sqlite-only/up.sql",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n",
            ),
            (
                "sqlite/2022-03-01-000000_sqlite-only/down.sql",
                "DROP TABLE notes;\n",
            ),
        ],
    );
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    import::import(History::Diesel, source.path(), &into).unwrap();
    let m = Migrations::load(&into, &Dialect::ALL).unwrap();
    assert_eq!(m.migrations.len(), 4);
    let report = strata_runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), [1, 2, 3, 4]);
    let mut expected = vec!["strata_migrations".to_string(), "users".to_string()];
    if DB::DIALECT == Dialect::Sqlite {
        expected.push("notes".to_string());
        expected.sort();
    }
    assert_eq!(table_names(pool).await, expected);
    if DB::DIALECT == Dialect::Postgres {
        assert_eq!(
            query(
                pool,
                "SELECT proname::text FROM pg_proc WHERE proname = 'diesel_set_updated_at'"
            )
            .await,
            ["diesel_set_updated_at"]
        );
    }
    strata_runtime::downgrade(pool, &m, 0).await.unwrap();
    assert_eq!(table_names(pool).await, ["strata_migrations"]);
}
