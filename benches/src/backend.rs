//! The three backends: where the servers are, fresh databases, and each tool's URL for them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, Connection};

use crate::BoxError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
    MySql,
}

impl Db {
    pub const ALL: [Db; 3] = [Db::Sqlite, Db::Postgres, Db::MySql];

    pub fn label(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
            Db::MySql => "MariaDB",
        }
    }

    pub fn parse(name: &str) -> Option<Db> {
        match name {
            "sqlite" => Some(Db::Sqlite),
            "postgres" | "postgresql" => Some(Db::Postgres),
            "mysql" | "mariadb" => Some(Db::MySql),
            _ => None,
        }
    }
}

/// A server URL taken apart: `scheme://userinfo@host:port/database`.
#[derive(Clone, Debug)]
struct ServerUrl {
    scheme: String,
    userinfo: String,
    addr: SocketAddr,
}

impl ServerUrl {
    fn parse(url: &str) -> Result<ServerUrl, BoxError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("`{url}` is not a URL"))?;
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (userinfo.to_string(), hostport),
            None => (String::new(), authority),
        };
        let addr = std::net::ToSocketAddrs::to_socket_addrs(hostport)?
            .next()
            .ok_or_else(|| format!("`{hostport}` resolves to no address"))?;
        Ok(ServerUrl {
            scheme: scheme.to_string(),
            userinfo,
            addr,
        })
    }

    fn with(&self, addr: SocketAddr, database: &str, params: &str) -> String {
        let at = if self.userinfo.is_empty() { "" } else { "@" };
        format!(
            "{}://{}{at}{addr}/{database}{params}",
            self.scheme, self.userinfo
        )
    }
}

/// One backend of the run: its server (or, for SQLite, a scratch directory) and a counter
/// for fresh database names.
pub struct Server {
    pub db: Db,
    url: Option<ServerUrl>,
    admin_database: String,
    scratch: PathBuf,
    next: AtomicU32,
}

/// A database of the run: the URL each tool connects with, directly or through a proxy.
#[derive(Clone, Debug)]
pub struct Target {
    pub db: Db,
    pub name: String,
    /// For sqlx (strata and sqlx's migrator): TLS off, so the counting proxy can read the wire.
    pub sqlx_url: String,
    /// For refinery's driver (rusqlite: the file path).
    pub refinery_url: String,
    pub sqlite_path: Option<PathBuf>,
}

impl Server {
    pub fn new(db: Db, url: &str, scratch: &Path) -> Result<Server, BoxError> {
        let (url, admin_database) = match db {
            Db::Sqlite => (None, String::new()),
            _ => {
                let database = url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split_once('/'))
                    .map(|(_, path)| path.split('?').next().unwrap_or_default().to_string())
                    .unwrap_or_default();
                (Some(ServerUrl::parse(url)?), database)
            }
        };
        let scratch = scratch.join(format!("{db:?}").to_lowercase());
        std::fs::create_dir_all(&scratch)?;
        Ok(Server {
            db,
            url,
            admin_database,
            scratch,
            next: AtomicU32::new(1),
        })
    }

    pub fn addr(&self) -> Option<SocketAddr> {
        self.url.as_ref().map(|url| url.addr)
    }

    /// The URLs of database `name`, reached at `addr` (the server itself or a proxy in front).
    pub fn target_at(&self, name: &str, addr: Option<SocketAddr>) -> Target {
        match (&self.url, self.db) {
            (Some(url), Db::Postgres) => {
                let addr = addr.unwrap_or(url.addr);
                Target {
                    db: self.db,
                    name: name.to_string(),
                    sqlx_url: url.with(addr, name, "?sslmode=disable"),
                    refinery_url: url.with(addr, name, "?sslmode=disable"),
                    sqlite_path: None,
                }
            }
            (Some(url), _) => {
                let addr = addr.unwrap_or(url.addr);
                Target {
                    db: self.db,
                    name: name.to_string(),
                    sqlx_url: url.with(addr, name, "?ssl-mode=disabled"),
                    // mysql_async would otherwise switch to the server's Unix socket (`@@socket`)
                    // when the host is local: the same TCP path as sqlx, and countable.
                    refinery_url: url.with(addr, name, "?prefer_socket=false"),
                    sqlite_path: None,
                }
            }
            (None, _) => {
                let path = self.scratch.join(format!("{name}.db"));
                Target {
                    db: self.db,
                    name: name.to_string(),
                    sqlx_url: format!("sqlite://{}?mode=rwc", path.display()),
                    refinery_url: path.display().to_string(),
                    sqlite_path: Some(path),
                }
            }
        }
    }

    /// A new, empty database.
    pub async fn create(&self) -> Result<Target, BoxError> {
        let name = format!(
            "strata_bench_{}_{}",
            std::process::id(),
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        match self.db {
            Db::Sqlite => {}
            Db::Postgres => {
                let mut admin = self.admin_postgres().await?;
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
            }
            Db::MySql => {
                let mut admin = self.admin_mysql().await?;
                sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
            }
        }
        Ok(self.target_at(&name, None))
    }

    pub async fn drop_database(&self, target: &Target) -> Result<(), BoxError> {
        match self.db {
            Db::Sqlite => {
                if let Some(path) = &target.sqlite_path {
                    for suffix in ["", "-wal", "-shm", "-journal"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
            }
            Db::Postgres => {
                let mut admin = self.admin_postgres().await?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    target.name
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await?;
            }
            Db::MySql => {
                let mut admin = self.admin_mysql().await?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {}",
                    target.name
                )))
                .execute(&mut admin)
                .await?;
                admin.close().await?;
            }
        }
        Ok(())
    }

    /// Drops every database this process created and has not dropped (a run that failed
    /// half-way); SQLite's files go with the scratch directory.
    pub async fn drop_leftovers(&self) -> Result<(), BoxError> {
        let pattern = format!("strata\\_bench\\_{}\\_%", std::process::id());
        let names: Vec<String> = match self.db {
            Db::Sqlite => Vec::new(),
            Db::Postgres => {
                let mut admin = self.admin_postgres().await?;
                let names =
                    sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                        .bind(&pattern)
                        .fetch_all(&mut admin)
                        .await?;
                admin.close().await?;
                names
            }
            Db::MySql => {
                let mut admin = self.admin_mysql().await?;
                let names = sqlx::query_scalar(
                    "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata WHERE schema_name LIKE ?",
                )
                .bind(&pattern)
                .fetch_all(&mut admin)
                .await?;
                admin.close().await?;
                names
            }
        };
        for name in names {
            self.drop_database(&self.target_at(&name, None)).await?;
        }
        Ok(())
    }

    fn admin_url(&self) -> String {
        self.target_at(&self.admin_database, None).sqlx_url
    }

    async fn admin_postgres(&self) -> Result<sqlx::PgConnection, BoxError> {
        Ok(sqlx::PgConnection::connect(&self.admin_url()).await?)
    }

    async fn admin_mysql(&self) -> Result<sqlx::MySqlConnection, BoxError> {
        Ok(sqlx::MySqlConnection::connect(&self.admin_url()).await?)
    }
}
