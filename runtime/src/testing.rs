//! Fresh databases for tests: a temporary SQLite file, or a new database on the PostgreSQL /
//! MySQL server named by `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL`, dropped again when
//! the [`TestDatabase`] is dropped (also while a test panics).

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use strata_core::Dialect;

use crate::{Backend, BoxFuture, Value, ValueKind};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The current time in seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A unique database name: `strata_test_<unix_secs>_<pid>_<n>`.
pub fn unique_database_name() -> String {
    let secs = unix_now();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("strata_test_{secs}_{}_{n}", std::process::id())
}

/// Whether the `CI` environment variable is set to something other than empty, `0` or `false`.
pub fn running_in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false")),
        Err(_) => false,
    }
}

/// The server URL from `var`, or `None` after printing why the test is skipped.
/// Panics under CI, where the suites must run.
pub fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if running_in_ci() {
                panic!("{var} is not set, and CI requires the database suites to run");
            }
            eprintln!("skipped: {var} is not set (set it to run this test against a real server)");
            None
        }
    }
}

/// Replaces the database part (the path) of a URL, keeping its query string.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

// Server databases exist only with the `postgres` or `mysql` feature.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
enum Cleanup {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // made only by `sqlite()`
    SqliteFile(std::path::PathBuf),
    ServerDatabase {
        admin_url: String,
        name: String,
    },
}

/// A database that exists for one test and is removed when this value is dropped.
pub struct TestDatabase<DB: Backend> {
    /// A pool connected to the fresh database.
    pub pool: sqlx::Pool<DB>,
    /// The URL of the fresh database.
    pub url: String,
    cleanup: Option<Cleanup>,
}

impl<DB: Backend> TestDatabase<DB> {
    /// Closes the pool and removes the database now.
    pub async fn close(mut self) {
        // A connection the test leaked (held by a task that never ends) must not hang the
        // test: stop waiting after a while and drop the database anyway (PostgreSQL's
        // `WITH (FORCE)` ends such sessions).
        let _ = tokio::time::timeout(POOL_CLOSE_TIMEOUT, self.pool.close()).await;
        if let Some(cleanup) = self.cleanup.take() {
            run_cleanup(cleanup).await;
        }
    }

    /// Where the database lives: the SQLite file, or the server database's name.
    pub fn location(&self) -> Option<String> {
        match &self.cleanup {
            Some(Cleanup::SqliteFile(path)) => Some(path.display().to_string()),
            Some(Cleanup::ServerDatabase { name, .. }) => Some(name.clone()),
            None => None,
        }
    }
}

/// How long `close` waits for the test's connections to come back to the pool.
const POOL_CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl<DB: Backend> Drop for TestDatabase<DB> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            // Drop cannot await: close on a thread with its own runtime so a panicking test
            // still leaves nothing behind.
            run_cleanup_blocking(cleanup);
        }
    }
}

async fn run_cleanup(cleanup: Cleanup) {
    match cleanup {
        Cleanup::SqliteFile(path) => remove_sqlite_files(&path),
        Cleanup::ServerDatabase { admin_url, name } => {
            drop_server_database(&admin_url, &name).await
        }
    }
}

/// Removes a SQLite database file and the journal files SQLite may have left beside it.
fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn run_cleanup_blocking(cleanup: Cleanup) {
    let handle = std::thread::spawn(move || match cleanup {
        Cleanup::SqliteFile(path) => remove_sqlite_files(&path),
        Cleanup::ServerDatabase { admin_url, name } => {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(drop_server_database(&admin_url, &name));
        }
    });
    let _ = handle.join();
}

async fn drop_server_database(admin_url: &str, name: &str) {
    #[cfg(feature = "postgres")]
    if admin_url.starts_with("postgres") {
        use sqlx::Connection as _;
        if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
        return;
    }
    #[cfg(feature = "mysql")]
    if admin_url.starts_with("mysql") || admin_url.starts_with("mariadb") {
        use sqlx::Connection as _;
        if let Ok(mut conn) = sqlx::MySqlConnection::connect(admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS `{name}`");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
    let _ = (admin_url, name);
}

/// A fresh SQLite database in a new temporary file.
#[cfg(feature = "sqlite")]
pub async fn sqlite() -> TestDatabase<sqlx::Sqlite> {
    if !SQLITE_SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale_sqlite_files(&std::env::temp_dir(), unix_now());
    }
    let path = std::env::temp_dir().join(format!("{}.db", unique_database_name()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {}: {e}", path.display()));
    TestDatabase {
        pool,
        url,
        cleanup: Some(Cleanup::SqliteFile(path)),
    }
}

/// A fresh database on the server `STRATA_TEST_POSTGRES_URL` names, or `None` (with a printed
/// reason) when it is not set outside CI.
#[cfg(feature = "postgres")]
pub async fn postgres() -> Option<TestDatabase<sqlx::Postgres>> {
    let admin_url = server_url("STRATA_TEST_POSTGRES_URL")?;
    Some(
        postgres_on(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("STRATA_TEST_POSTGRES_URL: {e}")),
    )
}

/// A fresh database on the MySQL server `STRATA_TEST_MYSQL_URL` names, or `None` (with a printed
/// reason) when it is not set outside CI.
#[cfg(feature = "mysql")]
pub async fn mysql() -> Option<TestDatabase<sqlx::MySql>> {
    let admin_url = server_url("STRATA_TEST_MYSQL_URL")?;
    Some(
        mysql_on(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("STRATA_TEST_MYSQL_URL: {e}")),
    )
}

/// Why a fresh database could not be made: the step that failed and the driver's error.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {source}")]
pub struct FreshDatabaseError {
    /// What was being done (`cannot create the database strata_test_..`).
    pub step: String,
    /// The driver's error.
    #[source]
    pub source: sqlx::Error,
}

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn failed(step: impl Into<String>) -> impl FnOnce(sqlx::Error) -> FreshDatabaseError {
    let step = step.into();
    move |source| FreshDatabaseError { step, source }
}

/// A pool on the database `name` just created on the server at `admin_url`, which it drops when
/// done; dropped at once when it cannot be reached.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn connect_created<DB: Backend>(
    admin_url: &str,
    name: String,
) -> Result<TestDatabase<DB>, FreshDatabaseError> {
    let url = with_database(admin_url, &name);
    let cleanup = Cleanup::ServerDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    match sqlx::Pool::<DB>::connect(&url).await {
        Ok(pool) => Ok(TestDatabase {
            pool,
            url,
            cleanup: Some(cleanup),
        }),
        Err(e) => {
            run_cleanup(cleanup).await;
            Err(failed(format!("cannot connect to the new database {name}"))(e))
        }
    }
}

/// A fresh database named by [`unique_database_name`] on the PostgreSQL server at `admin_url`
/// (its database part is replaced), dropped with the returned value. The first call in a
/// process sweeps stale test databases from the server.
#[cfg(feature = "postgres")]
pub async fn postgres_on(
    admin_url: &str,
) -> Result<TestDatabase<sqlx::Postgres>, FreshDatabaseError> {
    use sqlx::Connection as _;
    let name = unique_database_name();
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(failed("cannot connect to the PostgreSQL server"))?;
    if !POSTGRES_SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale_postgres(&mut admin, unix_now()).await;
    }
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await;
    let _ = admin.close().await;
    created.map_err(failed(format!("cannot create the database {name}")))?;
    connect_created(admin_url, name).await
}

/// A fresh database named by [`unique_database_name`] on the MySQL/MariaDB server at
/// `admin_url` (its database part is replaced), dropped with the returned value. The first call
/// in a process sweeps stale test databases from the server.
#[cfg(feature = "mysql")]
pub async fn mysql_on(admin_url: &str) -> Result<TestDatabase<sqlx::MySql>, FreshDatabaseError> {
    use sqlx::Connection as _;
    let name = unique_database_name();
    let mut admin = sqlx::MySqlConnection::connect(admin_url)
        .await
        .map_err(failed("cannot connect to the MySQL server"))?;
    if !MYSQL_SWEPT.swap(true, Ordering::SeqCst) {
        sweep_stale_mysql(&mut admin, unix_now()).await;
    }
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut admin)
    .await;
    let _ = admin.close().await;
    created.map_err(failed(format!("cannot create the database {name}")))?;
    connect_created(admin_url, name).await
}

/// A fresh in-memory SQLite database: one connection that is never closed by the pool (each
/// connection to `:memory:` would see its own database), gone when the pool closes.
#[cfg(feature = "sqlite")]
pub async fn sqlite_in_memory() -> Result<TestDatabase<sqlx::Sqlite>, FreshDatabaseError> {
    let url = "sqlite::memory:".to_owned();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect(&url)
        .await
        .map_err(failed("cannot open an in-memory SQLite database"))?;
    Ok(TestDatabase {
        pool,
        url,
        cleanup: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Sweeping databases left by killed runs
// ---------------------------------------------------------------------------------------------

/// Test databases older than this are taken to be left over by a run that was killed before
/// it could drop them (catalogues record no creation time, so the name carries it).
pub const STALE_AFTER_SECS: u64 = 60 * 60;

#[cfg(feature = "sqlite")]
static SQLITE_SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
#[cfg(feature = "postgres")]
static POSTGRES_SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
#[cfg(feature = "mysql")]
static MYSQL_SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The creation time a test database's name records: the `<unix_secs>` of
/// `strata_test_<unix_secs>_<pid>_<n>`, or `None` when `name` is not such a name.
pub fn created_at(name: &str) -> Option<u64> {
    let rest = name.strip_prefix("strata_test_")?;
    let mut parts = rest.split('_');
    let secs = parts.next()?.parse::<u64>().ok()?;
    let pid = parts.next()?;
    let n = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n) && parts.next().is_none()).then_some(secs)
}

/// Whether `name` is a test database created more than [`STALE_AFTER_SECS`] before `now`.
pub fn is_stale(name: &str, now: u64) -> bool {
    created_at(name).is_some_and(|secs| now.saturating_sub(secs) > STALE_AFTER_SECS)
}

/// Removes stale `strata_test_*.db` files (and their journals) from `dir`; returns the database
/// files removed.
pub fn sweep_stale_sqlite_files(dir: &std::path::Path, now: u64) -> Vec<std::path::PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|n| n.strip_suffix(".db")) else {
            continue;
        };
        if is_stale(stem, now) {
            let path = entry.path();
            remove_sqlite_files(&path);
            tracing::info!(file = %path.display(), "removed a stale test database");
            removed.push(path);
        }
    }
    removed
}

/// Drops every stale `strata_test_*` database on the PostgreSQL server `admin` is connected
/// to; returns their names. Errors are ignored: another process may be sweeping too.
#[cfg(feature = "postgres")]
pub async fn sweep_stale_postgres(admin: &mut sqlx::PgConnection, now: u64) -> Vec<String> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'strata%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let mut dropped = Vec::new();
    for name in names.into_iter().filter(|n| is_stale(n, now)) {
        // `is_stale` accepted only `strata_test_<digits>_<digits>_<digits>`: safe to splice.
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        if sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *admin)
            .await
            .is_ok()
        {
            tracing::info!(database = %name, "dropped a stale test database");
            dropped.push(name);
        }
    }
    dropped
}

/// Drops every stale `strata_test_*` database on the MySQL server `admin` is connected to;
/// returns their names. Errors are ignored: another process may be sweeping too.
#[cfg(feature = "mysql")]
pub async fn sweep_stale_mysql(admin: &mut sqlx::MySqlConnection, now: u64) -> Vec<String> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA \
         WHERE SCHEMA_NAME LIKE 'strata%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let mut dropped = Vec::new();
    for name in names.into_iter().filter(|n| is_stale(n, now)) {
        // `is_stale` accepted only `strata_test_<digits>_<digits>_<digits>`: safe to splice.
        let sql = format!("DROP DATABASE IF EXISTS `{name}`");
        if sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *admin)
            .await
            .is_ok()
        {
            tracing::info!(database = %name, "dropped a stale test database");
            dropped.push(name);
        }
    }
    dropped
}

// ---------------------------------------------------------------------------------------------
// The runner behind `#[strata::test]`
// ---------------------------------------------------------------------------------------------

/// A backend `#[strata::test]` can create fresh databases for.
pub trait TestBackend: Backend {
    /// A fresh, empty database, or `None` when the server's URL is not set (outside CI).
    #[doc(hidden)]
    fn fresh_database() -> BoxFuture<'static, Option<TestDatabase<Self>>>;
}

#[cfg(feature = "sqlite")]
impl TestBackend for sqlx::Sqlite {
    fn fresh_database() -> BoxFuture<'static, Option<TestDatabase<Self>>> {
        Box::pin(async { Some(sqlite().await) })
    }
}

#[cfg(feature = "postgres")]
impl TestBackend for sqlx::Postgres {
    fn fresh_database() -> BoxFuture<'static, Option<TestDatabase<Self>>> {
        Box::pin(postgres())
    }
}

#[cfg(feature = "mysql")]
impl TestBackend for sqlx::MySql {
    fn fresh_database() -> BoxFuture<'static, Option<TestDatabase<Self>>> {
        Box::pin(mysql())
    }
}

/// What a test function may return: `()` or `Result<(), E>` (as `#[test]` accepts). A test
/// skipped for want of a database URL returns [`TestOutcome::skipped`], which passes.
#[diagnostic::on_unimplemented(
    message = "a #[strata::test] function must return `()` or `Result<(), E>`, not `{Self}`"
)]
pub trait TestOutcome {
    /// The value of a test that was skipped: a pass.
    fn skipped() -> Self;
}

impl TestOutcome for () {
    fn skipped() -> Self {}
}

impl<T: TestOutcome, E> TestOutcome for Result<T, E> {
    fn skipped() -> Self {
        Ok(T::skipped())
    }
}

/// A fixture script, embedded by the macro with `include_str!`.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    /// The name given in `fixtures(..)`.
    pub name: &'static str,
    /// The script.
    pub sql: &'static str,
}

/// What `#[strata::test]` knows about one test at compile time.
#[derive(Debug, Clone, Copy)]
pub struct TestSpec {
    /// The test's path (`module_path!()` and the function's name), for logs.
    pub name: &'static str,
    /// What the setup does, for its error message: "applying the migrations `MIGRATIONS`".
    pub setup: &'static str,
    /// Scripts run after the setup, in this order.
    pub fixtures: &'static [Fixture],
    /// The test's `#[should_panic]` message (`Some("")` when it has no `expected`): a skipped
    /// test must still panic with it to pass.
    pub should_panic: Option<&'static str>,
}

/// The Tokio runtime a test body runs on: a current-thread runtime with I/O and timers, as
/// `#[tokio::test]` builds, so the test needs no Tokio dependency of its own.
pub fn test_runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("cannot start a Tokio runtime for the test: {e}"),
    }
}

/// Runs a `#[strata::test]` that takes a pool: creates a fresh database, runs `setup`, the
/// fixtures and `body` against it, then closes the pool and drops the database — also when
/// any of them panics, after which the same panic is resumed (so `#[should_panic(expected =
/// ..)]` sees the body's message).
pub fn run_test<DB, Setup, SetupFuture, SetupOutput, SetupError, Body, BodyFuture, T>(
    spec: TestSpec,
    setup: Setup,
    body: Body,
) -> T
where
    DB: TestBackend,
    Setup: FnOnce(sqlx::Pool<DB>) -> SetupFuture,
    SetupFuture: Future<Output = Result<SetupOutput, SetupError>>,
    SetupError: std::fmt::Display,
    Body: FnOnce(sqlx::Pool<DB>) -> BodyFuture,
    BodyFuture: Future<Output = T>,
    T: TestOutcome,
{
    test_runtime().block_on(run_test_async(spec, setup, body))
}

/// [`run_test`] without building a runtime: for callers already inside one.
pub async fn run_test_async<DB, Setup, SetupFuture, SetupOutput, SetupError, Body, BodyFuture, T>(
    spec: TestSpec,
    setup: Setup,
    body: Body,
) -> T
where
    DB: TestBackend,
    Setup: FnOnce(sqlx::Pool<DB>) -> SetupFuture,
    SetupFuture: Future<Output = Result<SetupOutput, SetupError>>,
    SetupError: std::fmt::Display,
    Body: FnOnce(sqlx::Pool<DB>) -> BodyFuture,
    BodyFuture: Future<Output = T>,
    T: TestOutcome,
{
    let Some(database) = DB::fresh_database().await else {
        if let Some(expected) = spec.should_panic {
            // Skipped means passed, also for a test that passes by panicking.
            std::panic::resume_unwind(Box::new(format!(
                "{}: skipped for want of a database URL; standing in for the expected panic \
                 `{expected}`",
                spec.name
            )));
        }
        return T::skipped();
    };
    tracing::debug!(test = spec.name, database = ?database.location(), "created a test database");
    let pool = database.pool.clone();
    let outcome = catch_unwind(async move {
        if let Err(e) = setup(pool.clone()).await {
            panic!("{}: {} failed: {e}", spec.name, spec.setup);
        }
        apply_fixtures(&pool, spec.fixtures, spec.name).await;
        body(pool).await
    })
    .await;
    database.close().await;
    match outcome {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs a `#[strata::test]` that takes no pool: just the body, on a Tokio runtime.
pub fn run_test_without_database<Body, BodyFuture, T>(body: Body) -> T
where
    Body: FnOnce() -> BodyFuture,
    BodyFuture: Future<Output = T>,
    T: TestOutcome,
{
    test_runtime().block_on(body())
}

/// The setup of a bare `#[strata::test]`: nothing, the database stays empty.
pub async fn no_setup<DB: Backend>(_pool: sqlx::Pool<DB>) -> Result<(), std::convert::Infallible> {
    Ok(())
}

async fn apply_fixtures<DB: Backend>(pool: &sqlx::Pool<DB>, fixtures: &[Fixture], test: &str) {
    if fixtures.is_empty() {
        return;
    }
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => panic!("{test}: cannot get a connection to apply the fixtures: {e}"),
    };
    for fixture in fixtures {
        // Split like a migration script (the same tokenizer), so an error names the statement.
        let script = fixture.sql.strip_prefix('\u{feff}').unwrap_or(fixture.sql);
        let statements = match strata_core::RenderedSql::split_static(script, DB::DIALECT) {
            Ok(statements) => statements,
            Err(e) => panic!(
                "{test}: fixture `{}` cannot be split into statements: {e}",
                fixture.name
            ),
        };
        for (statement, sql) in statements {
            if let Err(e) = DB::execute(&mut conn, &sql).await {
                panic!(
                    "{test}: fixture `{}` failed at statement {} (line {}) `{}`: {e}",
                    fixture.name,
                    statement.ordinal,
                    statement.line,
                    statement.first_line_shortened()
                );
            }
        }
    }
}

/// Polls `future` to completion, catching a panic from any poll (as `FutureExt::catch_unwind`
/// does, without the dependency). The future is dropped before this returns.
async fn catch_unwind<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = Box::pin(future);
    let outcome = std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await;
    // Dropping a future that panicked may panic again; the first panic is the one to report.
    let _ = std::panic::catch_unwind(AssertUnwindSafe(move || drop(future)));
    outcome
}

// The SQL helpers below take sqlx's `SqlSafeStr`: a string literal as it is, and SQL built at
// run time only when the test wraps it in `sqlx::AssertSqlSafe` where it is written.

/// Runs `sql` on a connection of `pool`; panics with the statement on failure (test support).
///
/// A string literal is taken as it is; SQL built at run time must be vouched for where it is
/// written:
///
/// ```no_run
/// # async fn f<DB: strata_runtime::Backend>(pool: &sqlx::Pool<DB>, table: &str) {
/// use strata_runtime::testing::execute;
/// execute(pool, "CREATE TABLE t (id INTEGER)").await;
/// execute(pool, sqlx::AssertSqlSafe(format!("DROP TABLE {table}"))).await;
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f<DB: strata_runtime::Backend>(pool: &sqlx::Pool<DB>, table: &str) {
/// strata_runtime::testing::execute(pool, &format!("DROP TABLE {table}")).await;
/// # }
/// ```
pub async fn execute<DB: Backend>(pool: &sqlx::Pool<DB>, sql: impl sqlx::SqlSafeStr) {
    let sql = sql.into_sql_str();
    let text = sql.as_str().to_owned();
    let mut conn = pool
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("cannot acquire a connection: {e}"));
    DB::execute_audited(&mut conn, sql)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

/// The first column of every row, as text (`NULL` for SQL NULL, integers printed).
pub async fn texts<DB: Backend>(pool: &sqlx::Pool<DB>, sql: impl sqlx::SqlSafeStr) -> Vec<String> {
    first_column(pool, sql, ValueKind::Text)
        .await
        .into_iter()
        .map(|value| match value {
            Value::Text(t) => t,
            Value::Null => "NULL".to_string(),
            Value::Int(i) => i.to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// The first column of every row, as integers; panics on anything else.
pub async fn ints<DB: Backend>(pool: &sqlx::Pool<DB>, sql: impl sqlx::SqlSafeStr) -> Vec<i64> {
    let sql = sql.into_sql_str();
    let text = sql.as_str().to_owned();
    first_column(pool, sql, ValueKind::Int)
        .await
        .into_iter()
        .map(|value| {
            value
                .as_int()
                .unwrap_or_else(|| panic!("{text}: {value:?} is not an integer"))
        })
        .collect()
}

/// The tables of the database, sorted (a bookkeeping table included).
pub async fn table_names<DB: Backend>(pool: &sqlx::Pool<DB>) -> Vec<String> {
    let sql = match DB::DIALECT {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        }
        Dialect::Mysql => {
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME"
        }
    };
    texts(pool, sql).await
}

async fn first_column<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    sql: impl sqlx::SqlSafeStr,
    kind: ValueKind,
) -> Vec<Value> {
    let sql = sql.into_sql_str();
    let text = sql.as_str().to_owned();
    let mut conn = pool
        .acquire()
        .await
        .unwrap_or_else(|e| panic!("cannot acquire a connection: {e}"));
    DB::fetch_audited(&mut conn, sql, &[kind])
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .collect()
}

/// Generates, for each named `async fn(&sqlx::Pool<DB>, url: &str)` generic over `Backend`, a
/// module of tests that run it on a fresh SQLite, PostgreSQL and MySQL database (the server
/// ones behind the caller's `postgres` / `mysql` features). `on_each_backend!(servers: f)` runs
/// it on the server backends only. The calling test crate needs tokio with its `macros` feature.
#[doc(hidden)]
#[macro_export]
macro_rules! on_each_backend {
    (servers: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[cfg(feature = "postgres")]
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = $crate::testing::postgres().await else { return };
                    super::$name(&db.pool, &db.url).await;
                    db.close().await;
                }

                #[cfg(feature = "mysql")]
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    let Some(db) = $crate::testing::mysql().await else { return };
                    super::$name(&db.pool, &db.url).await;
                    db.close().await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::testing::sqlite().await;
                    super::$name(&db.pool, &db.url).await;
                    db.close().await;
                }

                #[cfg(feature = "postgres")]
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = $crate::testing::postgres().await else { return };
                    super::$name(&db.pool, &db.url).await;
                    db.close().await;
                }

                #[cfg(feature = "mysql")]
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    let Some(db) = $crate::testing::mysql().await else { return };
                    super::$name(&db.pool, &db.url).await;
                    db.close().await;
                }
            }
        )*
    };
}
