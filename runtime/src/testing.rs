//! Fresh databases for tests: a temporary SQLite file, or a new database on the PostgreSQL /
//! MySQL server named by `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL`, dropped again when
//! the [`TestDatabase`] is dropped (also while a test panics).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Backend;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique database name: `strata_test_<unix_secs>_<pid>_<n>`.
pub fn unique_database_name() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
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

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    ServerDatabase { admin_url: String, name: String },
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
        self.pool.close().await;
        if let Some(cleanup) = self.cleanup.take() {
            run_cleanup_blocking(cleanup);
        }
    }
}

impl<DB: Backend> Drop for TestDatabase<DB> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            // Drop cannot await: close on a thread with its own runtime so a panicking test
            // still leaves nothing behind.
            run_cleanup_blocking(cleanup);
        }
    }
}

fn run_cleanup_blocking(cleanup: Cleanup) {
    let handle = std::thread::spawn(move || match cleanup {
        Cleanup::SqliteFile(path) => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
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
    use sqlx::Connection as _;
    let admin_url = server_url("STRATA_TEST_POSTGRES_URL")?;
    let name = unique_database_name();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to STRATA_TEST_POSTGRES_URL: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    let url = with_database(&admin_url, &name);
    let cleanup = Some(Cleanup::ServerDatabase {
        admin_url: admin_url.clone(),
        name,
    });
    let pool = sqlx::PgPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
    Some(TestDatabase { pool, url, cleanup })
}

/// A fresh database on the server `STRATA_TEST_MYSQL_URL` names, or `None` (with a printed
/// reason) when it is not set outside CI.
#[cfg(feature = "mysql")]
pub async fn mysql() -> Option<TestDatabase<sqlx::MySql>> {
    use sqlx::Connection as _;
    let admin_url = server_url("STRATA_TEST_MYSQL_URL")?;
    let name = unique_database_name();
    let mut admin = sqlx::MySqlConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to STRATA_TEST_MYSQL_URL: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut admin)
    .await
    .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    let url = with_database(&admin_url, &name);
    let cleanup = Some(Cleanup::ServerDatabase {
        admin_url: admin_url.clone(),
        name,
    });
    let pool = sqlx::MySqlPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
    Some(TestDatabase { pool, url, cleanup })
}
