//! What each runner does, on each backend: start up (connect, migrate, close) or apply a
//! fresh database's migrations with the clock running only around the apply.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection};
use strata::{Dialect, TransactionMode};

use crate::BoxError;
use crate::backend::{Db, Target};
use crate::count;
use crate::scripts;

/// The same `n` scripts, in the form each tool takes them.
pub struct MigrationSet {
    pub n: u32,
    /// Loaded at run time with the loader the `strata` command uses; `embed_migrations!` builds
    /// the same value at compile time, so the runtime work measured is the same.
    pub strata: strata::Migrations,
    /// `Migrator::new(dir)`: the value `sqlx::migrate!` builds at compile time (same versions,
    /// descriptions, SQL, SHA-384 checksums, locking on).
    pub sqlx: sqlx::migrate::Migrator,
    /// (name, SQL) pairs: what refinery's `embed_migrations!` embeds; its `runner()` parses the
    /// names and hashes the scripts at every start, and so does [`refinery_runner`].
    pub refinery: Vec<(String, String)>,
    /// The scripts for the raw floors: the same SQL, no bookkeeping.
    pub raw: Vec<String>,
}

impl MigrationSet {
    pub async fn generate(dir: &Path, n: u32) -> Result<Arc<MigrationSet>, BoxError> {
        let dir = scripts::write_repository(dir, n)?;
        let strata =
            strata::Migrations::load(&dir, &[Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql])?;
        let sqlx = sqlx::migrate::Migrator::new(dir.as_path()).await?;
        let raw: Vec<String> = (1..=n).map(scripts::script).collect();
        let refinery = (1..=n)
            .map(|version| (scripts::refinery_name(version), scripts::script(version)))
            .collect();
        Ok(Arc::new(MigrationSet {
            n,
            strata,
            sqlx,
            refinery,
            raw,
        }))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runner {
    /// Floor: one bare sqlx connection, opened and closed.
    Connect,
    /// Floor: the default sqlx pool, one `SELECT 1`, closed: the least any migrator that asks the
    /// database anything can cost.
    PoolSelect1,
    /// Floor: the default sqlx pool, one row of a real table read through its primary key
    /// (`bench_1`), closed: the least any migrator that reads its bookkeeping table can cost.
    PoolReadRow,
    /// strata, `TransactionMode::PerMigration` (the default).
    Strata,
    /// strata, `TransactionMode::All`.
    StrataAll,
    /// sqlx's `Migrator::run`.
    Sqlx,
    /// refinery's `Runner::run`/`run_async` on its own drivers.
    Refinery,
    /// Floor: the same scripts, no bookkeeping, all in one transaction.
    RawOneTx,
    /// Floor: the same scripts, no bookkeeping, one transaction each.
    RawPerScript,
}

impl Runner {
    pub fn label(self) -> &'static str {
        match self {
            Runner::Connect => "connect (floor)",
            Runner::PoolSelect1 => "pool + SELECT 1 (floor)",
            Runner::PoolReadRow => "pool + one row of a table (floor)",
            Runner::Strata => "strata",
            Runner::StrataAll => "strata, TransactionMode::All",
            Runner::Sqlx => "sqlx",
            Runner::Refinery => "refinery",
            Runner::RawOneTx => "raw SQL, one transaction (floor)",
            Runner::RawPerScript => "raw SQL, one transaction per script (floor)",
        }
    }
}

macro_rules! with_sqlx_backend {
    ($db:expr, $DB:ident => $body:expr) => {
        match $db {
            Db::Sqlite => {
                type $DB = sqlx::Sqlite;
                $body
            }
            Db::Postgres => {
                type $DB = sqlx::Postgres;
                $body
            }
            Db::MySql => {
                type $DB = sqlx::MySql;
                $body
            }
        }
    };
}

/// A service start: connect the way the tool does, migrate (nothing pending on a warm
/// database; everything on a fresh one), close.
pub async fn startup(runner: Runner, target: &Target, set: &MigrationSet) -> Result<(), BoxError> {
    if runner == Runner::Refinery {
        return refinery_startup(target, set).await;
    }
    let url = target.sqlx_url.as_str();
    with_sqlx_backend!(target.db, DB => {
        if runner == Runner::Connect {
            let connection = <DB as sqlx::Database>::Connection::connect(url).await?;
            connection.close().await?;
            return Ok(());
        }
        let pool = sqlx::Pool::<DB>::connect(url).await?;
        let outcome: Result<(), BoxError> = match runner {
            Runner::PoolSelect1 => sqlx::raw_sql("SELECT 1").execute(&pool).await.map(drop).map_err(Into::into),
            Runner::PoolReadRow => sqlx::raw_sql("SELECT id FROM bench_1 ORDER BY id DESC LIMIT 1")
                .fetch_all(&pool)
                .await
                .map(drop)
                .map_err(Into::into),
            Runner::Strata => strata::Migrator::new(&set.strata).upgrade(&pool).await.map(drop).map_err(Into::into),
            Runner::StrataAll => strata::Migrator::new(&set.strata)
                .transaction(TransactionMode::All)
                .upgrade(&pool)
                .await
                .map(drop)
                .map_err(Into::into),
            Runner::Sqlx => set.sqlx.run(&pool).await.map_err(Into::into),
            other => Err(format!("{} is not a startup runner", other.label()).into()),
        };
        pool.close().await;
        outcome
    })
}

/// Applies every script to the fresh database `target`; the clock runs from an open
/// connection to the last commit.
pub async fn apply_timed(
    runner: Runner,
    target: &Target,
    set: &MigrationSet,
) -> Result<Duration, BoxError> {
    if runner == Runner::Refinery {
        return refinery_apply_timed(target, set).await;
    }
    let url = target.sqlx_url.as_str();
    with_sqlx_backend!(target.db, DB => {
        let pool = sqlx::Pool::<DB>::connect(url).await?;
        let start = Instant::now();
        let outcome: Result<(), BoxError> = async {
            match runner {
                Runner::RawOneTx => {
                    let mut tx = pool.begin().await?;
                    for script in &set.raw {
                        sqlx::raw_sql(AssertSqlSafe(script.as_str())).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                }
                Runner::RawPerScript => {
                    for script in &set.raw {
                        let mut tx = pool.begin().await?;
                        sqlx::raw_sql(AssertSqlSafe(script.as_str())).execute(&mut *tx).await?;
                        tx.commit().await?;
                    }
                }
                Runner::Strata => {
                    strata::Migrator::new(&set.strata).upgrade(&pool).await?;
                }
                Runner::StrataAll => {
                    strata::Migrator::new(&set.strata)
                        .transaction(TransactionMode::All)
                        .upgrade(&pool)
                        .await?;
                }
                Runner::Sqlx => set.sqlx.run(&pool).await?,
                other => return Err(format!("{} does not apply migrations", other.label()).into()),
            }
            Ok(())
        }
        .await;
        let elapsed = start.elapsed();
        pool.close().await;
        outcome.map(|()| elapsed)
    })
}

/// What refinery's `embed_migrations!` generates as `runner()`: every start parses each name
/// and hashes each script.
fn refinery_runner(set: &MigrationSet) -> Result<refinery::Runner, BoxError> {
    let migrations = set
        .refinery
        .iter()
        .map(|(name, sql)| refinery::Migration::unapplied(name, &sql.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(refinery::Runner::new(&migrations))
}

fn open_rusqlite(path: &str) -> Result<rusqlite::Connection, BoxError> {
    let connection = rusqlite::Connection::open(path)?;
    connection.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(count::count_rusqlite_statement),
    );
    Ok(connection)
}

async fn refinery_startup(target: &Target, set: &MigrationSet) -> Result<(), BoxError> {
    let url = target.refinery_url.as_str();
    match target.db {
        // rusqlite is synchronous: keep the runtime's other tasks (concurrent upgraders) running.
        Db::Sqlite => tokio::task::block_in_place(|| {
            let mut connection = open_rusqlite(url)?;
            refinery_runner(set)?.run(&mut connection)?;
            connection.close().map_err(|(_, error)| error)?;
            Ok(())
        }),
        Db::Postgres => {
            let (mut client, connection) =
                tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            let driver = tokio::spawn(connection);
            let outcome = refinery_runner(set)?.run_async(&mut client).await;
            drop(client);
            let _ = driver.await;
            outcome.map(drop).map_err(Into::into)
        }
        Db::MySql => {
            let mut pool = mysql_async::Pool::new(url);
            let outcome = match refinery_runner(set) {
                Ok(runner) => runner
                    .run_async(&mut pool)
                    .await
                    .map(drop)
                    .map_err(Into::into),
                Err(error) => Err(error),
            };
            pool.disconnect().await?;
            outcome
        }
    }
}

async fn refinery_apply_timed(target: &Target, set: &MigrationSet) -> Result<Duration, BoxError> {
    let url = target.refinery_url.as_str();
    match target.db {
        Db::Sqlite => tokio::task::block_in_place(|| {
            let mut connection = open_rusqlite(url)?;
            let start = Instant::now();
            refinery_runner(set)?.run(&mut connection)?;
            let elapsed = start.elapsed();
            connection.close().map_err(|(_, error)| error)?;
            Ok(elapsed)
        }),
        Db::Postgres => {
            let (mut client, connection) =
                tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            let driver = tokio::spawn(connection);
            let start = Instant::now();
            let outcome = match refinery_runner(set) {
                Ok(runner) => runner
                    .run_async(&mut client)
                    .await
                    .map(drop)
                    .map_err(Into::into),
                Err(error) => Err(error),
            };
            let elapsed = start.elapsed();
            drop(client);
            let _ = driver.await;
            outcome.map(|()| elapsed)
        }
        Db::MySql => {
            let mut pool = mysql_async::Pool::new(url);
            // Open the pool's connection before the clock starts, as for the sqlx runners.
            drop(pool.get_conn().await?);
            let start = Instant::now();
            let outcome = match refinery_runner(set) {
                Ok(runner) => runner
                    .run_async(&mut pool)
                    .await
                    .map(drop)
                    .map_err(Into::into),
                Err(error) => Err(error),
            };
            let elapsed = start.elapsed();
            pool.disconnect().await?;
            outcome.map(|()| elapsed)
        }
    }
}

/// `(rows, distinct versions)` in `bench_log`: `(n, n)` when every script ran exactly once.
pub async fn log_rows(target: &Target) -> Result<(i64, i64), BoxError> {
    let sql = "SELECT COUNT(*), COUNT(DISTINCT version) FROM bench_log";
    with_sqlx_backend!(target.db, DB => {
        let mut connection = <DB as sqlx::Database>::Connection::connect(&target.sqlx_url).await?;
        let counts: (i64, i64) = sqlx::query_as(sql).fetch_one(&mut connection).await?;
        connection.close().await?;
        Ok(counts)
    })
}
