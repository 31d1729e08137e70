//! `#[strata::test]` in use, on every backend: each test gets a fresh, empty database; fixtures
//! run in order; a panicking test still drops its database and keeps its panic message.
//!
//! PostgreSQL and MySQL tests run when `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL` is
//! set (and the `postgres` / `mysql` feature is on).

#![deny(warnings)]

use std::sync::Mutex;

use strata::__private::testing::{self, TestSpec};

static MIGRATIONS: strata::Migrations = strata::embed_migrations!("tests/migrations/test_attr");
static BROKEN_MIGRATIONS: strata::Migrations =
    strata::embed_migrations!("tests/migrations/test_attr_broken");

#[derive(strata::Table)]
#[table(name = "accounts")]
pub struct Account {
    #[column(primary_key)]
    pub id: i64,
    #[column(length = 128, unique)]
    pub email: String,
}

static SCHEMA: strata::Schema = strata::schema![Account];

/// Generates the same suite for one backend: `$pool` the pool type, `$tables` a query counting
/// the user's tables, `$current` a query for the database's name (SQLite: its file).
macro_rules! suite {
    ($module:ident, $pool:ty, tables: $tables:literal, current: $current:literal) => {
        mod $module {
            // The expansion must be clean in a strict module.
            #![deny(unused_qualifications)]

            use strata::sqlx;

            async fn table_count(pool: &$pool) -> i64 {
                sqlx::query_scalar($tables).fetch_one(pool).await.unwrap()
            }

            /// Creates a table and a row, which only works once per database: the twin test
            /// below does the same, so a shared database would fail one of them.
            async fn claim_a_fresh_database(pool: &$pool) {
                assert_eq!(table_count(pool).await, 0, "the database is not empty");
                sqlx::raw_sql("CREATE TABLE claims (who VARCHAR(16) NOT NULL)")
                    .execute(pool)
                    .await
                    .unwrap();
                sqlx::raw_sql("INSERT INTO claims (who) VALUES ('me')")
                    .execute(pool)
                    .await
                    .unwrap();
                let count: i64 = sqlx::query_scalar("SELECT count(*) FROM claims")
                    .fetch_one(pool)
                    .await
                    .unwrap();
                assert_eq!(count, 1);
            }

            #[strata::test]
            async fn first_test_gets_an_empty_database(pool: $pool) {
                claim_a_fresh_database(&pool).await;
            }

            #[strata::test]
            async fn second_test_gets_another_empty_database(pool: $pool) {
                claim_a_fresh_database(&pool).await;
            }

            #[strata::test]
            async fn the_database_is_a_fresh_test_database(pool: $pool) {
                let current: String = sqlx::query_scalar($current).fetch_one(&pool).await.unwrap();
                assert!(current.contains("strata_test_"), "{current}");
            }

            #[strata::test(fixtures("users.sql", "more_users.sql"))]
            async fn fixtures_run_in_the_order_given(pool: $pool) {
                let rows: Vec<(i32, String)> =
                    sqlx::query_as("SELECT id, name FROM users ORDER BY id")
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                let expected = [(1, "ada lovelace"), (2, "grace"), (3, "linus")]
                    .map(|(id, name)| (id, name.to_owned()));
                assert_eq!(rows, expected);
            }

            #[strata::test]
            #[should_panic(expected = "the body's own message")]
            async fn a_panic_reaches_should_panic_unchanged(pool: $pool) {
                claim_a_fresh_database(&pool).await;
                // Read by `a_should_panic_test_leaves_no_database_behind`, which runs this test
                // in a child process and then looks for the database.
                let current: String = sqlx::query_scalar($current).fetch_one(&pool).await.unwrap();
                println!("test database of {}: {current}", stringify!($module));
                panic!("the body's own message");
            }

            #[strata::test]
            async fn a_test_may_return_a_result(pool: $pool) -> Result<(), sqlx::Error> {
                let one: i64 = sqlx::query_scalar("SELECT count(*)")
                    .fetch_one(&pool)
                    .await?;
                assert_eq!(one, 1);
                Ok(())
            }

            #[strata::test(migrations = crate::MIGRATIONS)]
            async fn migrations_are_applied_before_the_body(pool: $pool) {
                let version = strata::runtime::db_version(&pool, &crate::MIGRATIONS)
                    .await
                    .unwrap();
                assert_eq!(version, Some(2));
                let names: Vec<String> = sqlx::query_scalar("SELECT name FROM users ORDER BY id")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                assert_eq!(names, ["root"]);
            }

            #[strata::test(migrations = crate::MIGRATIONS, fixtures("after_migrations.sql"))]
            async fn fixtures_run_after_the_migrations(pool: $pool) {
                let names: Vec<String> = sqlx::query_scalar("SELECT name FROM users ORDER BY id")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                assert_eq!(names, ["root", "ada"]);
            }

            #[strata::test(migrations = crate::BROKEN_MIGRATIONS)]
            #[should_panic(expected = "applying the migrations `crate::BROKEN_MIGRATIONS` failed")]
            async fn a_failing_migration_fails_the_test_before_the_body(_pool: $pool) {}

            #[strata::test(schema = crate::SCHEMA)]
            async fn the_schema_is_created_before_the_body(pool: $pool) {
                let live = strata::runtime::reflect(&pool).await.unwrap();
                live.matches(&crate::SCHEMA.snapshot()).unwrap();
                assert_eq!(live.tables.len(), 1);
            }

            #[strata::test(schema = crate::SCHEMA)]
            #[should_panic(expected = "the second account")]
            async fn a_schema_test_may_panic(pool: $pool) {
                sqlx::raw_sql("INSERT INTO accounts (id, email) VALUES (1, 'a@example.com')")
                    .execute(&pool)
                    .await
                    .unwrap();
                sqlx::raw_sql("INSERT INTO accounts (id, email) VALUES (2, 'a@example.com')")
                    .execute(&pool)
                    .await
                    .expect("the second account");
            }

            #[strata::test]
            #[ignore = "proves that #[ignore] is kept: this test would fail"]
            async fn ignored_tests_stay_ignored(_pool: $pool) {
                panic!("an ignored test ran");
            }
        }
    };
}

suite!(sqlite, sqlx::SqlitePool,
    tables: "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
    current: "SELECT file FROM pragma_database_list WHERE name = 'main'");

#[cfg(feature = "postgres")]
suite!(postgres, sqlx::PgPool,
    tables: "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    current: "SELECT current_database()");

#[cfg(feature = "mysql")]
suite!(mysql, sqlx::MySqlPool,
    tables: "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
    current: "SELECT DATABASE()");

#[strata::test]
async fn a_fully_qualified_pool_type_works(pool: strata::sqlx::SqlitePool) {
    let tables: i64 = strata::sqlx::query_scalar("SELECT count(*) FROM sqlite_master")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(tables, 0);
}

#[strata::test]
async fn a_test_without_a_pool_runs_on_a_runtime() {
    let spawned = tokio::spawn(async { 6 * 7 }).await.unwrap();
    assert_eq!(spawned, 42);
}

const SPEC: TestSpec = TestSpec {
    name: "strata_test_attr::direct",
    setup: "the setup under test",
    fixtures: &[],
    should_panic: None,
};

/// Runs the runner directly with a body that records where its database lives and then
/// panics; returns that location and the panic message.
fn run_panicking_body<DB: testing::TestBackend>(current: &'static str) -> (Option<String>, String) {
    use strata::__private::runtime::ValueKind;
    let location = Mutex::new(None);
    let record = &location;
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        testing::run_test::<DB, _, _, _, _, _, _, _>(SPEC, testing::no_setup, |pool| async move {
            let mut conn = pool.acquire().await.unwrap();
            let rows = DB::fetch_audited(
                &mut conn,
                sqlx::SqlStr::from_static(current),
                &[ValueKind::Text],
            )
            .await
            .unwrap();
            *record.lock().unwrap() = rows[0][0].as_text().map(str::to_owned);
            panic!("the body failed on purpose");
        })
    }));
    let message = match panic {
        Ok(()) => String::from("<no panic>"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    (location.into_inner().unwrap(), message)
}

#[test]
fn a_panicking_sqlite_test_still_removes_its_file() {
    let (file, message) =
        run_panicking_body::<strata::sqlx::Sqlite>("SELECT file FROM pragma_database_list");
    assert_eq!(message, "the body failed on purpose");
    let file = file.expect("the body ran");
    assert!(file.contains("strata_test_"), "{file}");
    assert!(
        !std::path::Path::new(&file).exists(),
        "{file} is left behind"
    );
}

#[test]
fn a_failing_setup_names_the_test_and_the_setup_and_cleans_up() {
    let location = Mutex::new(None);
    let record = &location;
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        testing::run_test::<strata::sqlx::Sqlite, _, _, _, _, _, _, ()>(
            SPEC,
            |pool: strata::sqlx::SqlitePool| async move {
                let file: String =
                    strata::sqlx::query_scalar("SELECT file FROM pragma_database_list")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                *record.lock().unwrap() = Some(file);
                Err::<(), _>("the migrations are broken")
            },
            |_pool| async { panic!("the body must not run after a failed setup") },
        )
    }));
    let payload = panic.expect_err("the failed setup panics");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("strata_test_attr::direct: the setup under test failed: the migrations are broken")
    );
    let file = location.into_inner().unwrap().expect("the setup ran");
    assert!(
        !std::path::Path::new(&file).exists(),
        "{file} is left behind"
    );
}

#[test]
fn a_failing_fixture_is_named() {
    let panic = std::panic::catch_unwind(|| {
        testing::run_test::<strata::sqlx::Sqlite, _, _, _, _, _, _, ()>(
            TestSpec {
                fixtures: &[
                    testing::Fixture {
                        name: "good.sql",
                        sql: "CREATE TABLE t (x INTEGER)",
                    },
                    testing::Fixture {
                        name: "bad.sql",
                        sql: "INSERT INTO t VALUES (1);\n-- then\nINSERT INTO missing_table VALUES (1);",
                    },
                ],
                ..SPEC
            },
            testing::no_setup,
            |_pool| async { panic!("the body must not run after a failed fixture") },
        )
    });
    let payload = panic.expect_err("the failed fixture panics");
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with(
            "strata_test_attr::direct: fixture `bad.sql` failed at statement 2 (line 3) \
             `INSERT INTO missing_table VALUES (1)`: "
        ) && message.contains("no such table: missing_table"),
        "{message}"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn a_panicking_postgres_test_still_drops_its_database() {
    // Skipped without a server URL, and a failure under CI: checked here, because the
    // runner's own CI panic would be caught below with the body's.
    let Some(admin) = testing::server_url("STRATA_TEST_POSTGRES_URL") else {
        return;
    };
    let (name, message) =
        run_panicking_body::<strata::sqlx::Postgres>("SELECT current_database()::text");
    let name = name.expect("the body ran");
    assert_eq!(message, "the body failed on purpose");
    assert!(name.starts_with("strata_test_"), "{name}");
    let left = testing::test_runtime().block_on(async {
        let admin = strata::sqlx::PgPool::connect(&admin).await.unwrap();
        let left: i64 =
            strata::sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_one(&admin)
                .await
                .unwrap();
        admin.close().await;
        left
    });
    assert_eq!(left, 0, "{name} is left behind");
}

#[cfg(feature = "mysql")]
#[test]
fn a_panicking_mysql_test_still_drops_its_database() {
    // Skipped without a server URL, and a failure under CI: checked here, because the
    // runner's own CI panic would be caught below with the body's.
    let Some(admin) = testing::server_url("STRATA_TEST_MYSQL_URL") else {
        return;
    };
    let (name, message) =
        run_panicking_body::<strata::sqlx::MySql>("SELECT CAST(DATABASE() AS CHAR)");
    let name = name.expect("the body ran");
    assert_eq!(message, "the body failed on purpose");
    assert!(name.starts_with("strata_test_"), "{name}");
    let left = testing::test_runtime().block_on(async {
        let admin = strata::sqlx::MySqlPool::connect(&admin).await.unwrap();
        let left: i64 = strata::sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(&name)
        .fetch_one(&admin)
        .await
        .unwrap();
        admin.close().await;
        left
    });
    assert_eq!(left, 0, "{name} is left behind");
}

/// Runs this test binary's `postgres::` suite again, in a child process without
/// `STRATA_TEST_POSTGRES_URL`, with `CI` as given; returns whether it passed and its output.
#[cfg(feature = "postgres")]
fn run_postgres_suite_without_url(ci: Option<&str>) -> (bool, String) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["postgres::", "--nocapture", "--test-threads=1"])
        .env_remove("STRATA_TEST_POSTGRES_URL")
        .env_remove("CI");
    if let Some(ci) = ci {
        child.env("CI", ci);
    }
    let output = child.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[cfg(feature = "postgres")]
#[test]
fn without_a_url_tests_are_skipped_and_pass_even_should_panic_ones() {
    let (passed, output) = run_postgres_suite_without_url(Some("false"));
    assert!(passed, "{output}");
    assert!(
        output.contains("skipped: STRATA_TEST_POSTGRES_URL is not set"),
        "{output}"
    );
    assert!(
        output.contains(
            "test postgres::a_panic_reaches_should_panic_unchanged - should panic ... ok"
        ),
        "{output}"
    );
    assert!(
        output.contains("test postgres::fixtures_run_in_the_order_given ... ok"),
        "{output}"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn without_a_url_under_ci_tests_fail() {
    let (passed, output) = run_postgres_suite_without_url(Some("true"));
    assert!(!passed, "{output}");
    assert!(
        output.contains(
            "STRATA_TEST_POSTGRES_URL is not set, and CI requires the database suites to run"
        ),
        "{output}"
    );
    assert!(
        output.contains("test postgres::fixtures_run_in_the_order_given ... FAILED"),
        "{output}"
    );
}

/// Runs the `a_panic_reaches_should_panic_unchanged` tests of every backend in a child process
/// (so the harness, the macro and the runner all take part), reads the database each one
/// printed, and checks that none is left: the SQLite file is gone, and the server databases are
/// no longer in the catalogue.
#[test]
fn a_should_panic_test_leaves_no_database_behind() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["a_panic_reaches_should_panic_unchanged", "--nocapture"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let databases: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test database of "))
        .filter_map(|rest| rest.split_once(": "))
        .collect();
    let mut backends: Vec<&str> = databases.iter().map(|(backend, _)| *backend).collect();
    backends.sort();
    let mut expected = Vec::new();
    if cfg!(feature = "mysql") && std::env::var_os("STRATA_TEST_MYSQL_URL").is_some() {
        expected.push("mysql");
    }
    if cfg!(feature = "postgres") && std::env::var_os("STRATA_TEST_POSTGRES_URL").is_some() {
        expected.push("postgres");
    }
    expected.push("sqlite");
    assert_eq!(backends, expected, "{stdout}");
    for (backend, database) in databases {
        assert!(database.contains("strata_test_"), "{database}");
        let left = match backend {
            "sqlite" => std::path::Path::new(database).exists(),
            #[cfg(feature = "postgres")]
            "postgres" => testing::test_runtime().block_on(async {
                let admin = std::env::var("STRATA_TEST_POSTGRES_URL").unwrap();
                let admin = strata::sqlx::PgPool::connect(&admin).await.unwrap();
                let count: i64 = strata::sqlx::query_scalar(
                    "SELECT count(*) FROM pg_database WHERE datname = $1",
                )
                .bind(database)
                .fetch_one(&admin)
                .await
                .unwrap();
                admin.close().await;
                count > 0
            }),
            #[cfg(feature = "mysql")]
            "mysql" => testing::test_runtime().block_on(async {
                let admin = std::env::var("STRATA_TEST_MYSQL_URL").unwrap();
                let admin = strata::sqlx::MySqlPool::connect(&admin).await.unwrap();
                let count: i64 = strata::sqlx::query_scalar(
                    "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                )
                .bind(database)
                .fetch_one(&admin)
                .await
                .unwrap();
                admin.close().await;
                count > 0
            }),
            other => panic!("unexpected backend {other}"),
        };
        assert!(
            !left,
            "the {backend} test database {database} is left behind"
        );
    }
}
