//! The migration lock: one strategy per database behind a small interface (`begin` a locked
//! transaction, `acquire`/`release` a session lock), every wait bounded by the lock timeout.
//!
//! - PostgreSQL: `pg_try_advisory_xact_lock`, polled, as the first statement of each
//!   transaction (released by COMMIT/ROLLBACK or a dropped connection, and safe behind
//!   PgBouncer's transaction pooling); a session lock only around no-transaction migrations.
//! - MySQL/MariaDB: `GET_LOCK(name, 0)`, polled, held for the whole operation; one
//!   `RELEASE_LOCK` per successful acquire.
//! - SQLite: `BEGIN IMMEDIATE`, the database's writer lock, with `SQLITE_BUSY` retried.

use std::time::{Duration, Instant};

use strata_core::rendered::string;
use strata_core::{Dialect, RenderedSql, sql};

use crate::backend::{Backend, ValueKind};
use crate::backoff::Backoff;
use crate::error::Error;
use crate::session::Session;

pub(crate) struct Lock {
    dialect: Dialect,
    table: String,
    timeout: Duration,
    /// The MySQL lock name, once the server has computed it.
    mysql_name: Option<String>,
}

/// The SQLite busy timeout, as [`Session::change_setting`] names it.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout";

impl Lock {
    pub fn new(dialect: Dialect, table: &str, timeout: Duration) -> Lock {
        Lock {
            dialect,
            table: table.to_string(),
            timeout,
            mysql_name: None,
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The lock as named in messages.
    pub fn describe(&self) -> String {
        match self.dialect {
            Dialect::Postgres => format!(
                "(PostgreSQL advisory lock for table \"{}\" of this database and schema)",
                self.table
            ),
            Dialect::Mysql => match &self.mysql_name {
                Some(name) => format!("'{name}' (MySQL GET_LOCK for table `{}`)", self.table),
                None => format!("(MySQL GET_LOCK for table `{}`)", self.table),
            },
            Dialect::Sqlite => "(the SQLite database's write lock, BEGIN IMMEDIATE)".to_string(),
        }
    }

    fn timeout_error(&self, started: Instant) -> Error {
        Error::LockTimeout {
            lock: self.describe(),
            waited: started.elapsed(),
        }
    }

    fn pg_key(&self) -> RenderedSql {
        sql!(self.dialect;
            "('x' || substr(md5(current_database() || '.' || current_schema() || '.' || ",
            string(&self.table),
            "), 1, 16))::bit(64)::bigint"
        )
    }

    /// Prepares the connection before the first lock. SQLite: the busy timeout is capped at
    /// the lock timeout (strata retries `SQLITE_BUSY` itself until then), and put back to the
    /// value read here by [`Session::restore_settings`].
    pub async fn prepare<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        let read = RenderedSql::from_static(BUSY_TIMEOUT);
        let busy_ms = session.fetch_int("reading the busy timeout", &read).await?;
        let cap = i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX);
        if busy_ms > cap {
            session
                .change_setting(
                    BUSY_TIMEOUT,
                    sql!(self.dialect; "PRAGMA busy_timeout = ", busy_ms),
                    &sql!(self.dialect; "PRAGMA busy_timeout = ", cap),
                )
                .await?;
        }
        Ok(())
    }

    /// Starts a transaction that holds the migration lock.
    pub async fn begin<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        let started = Instant::now();
        let mut backoff = Backoff::until(started, self.timeout);
        match self.dialect {
            Dialect::Postgres => {
                // Whatever the server's default_transaction_isolation: under REPEATABLE READ
                // or SERIALIZABLE the polling statement would take the snapshot, and the state
                // read once the lock is won would miss what the previous holder committed.
                let begin = RenderedSql::from_static("BEGIN ISOLATION LEVEL READ COMMITTED");
                session.begin_raw(&begin).await.map_err(|e| {
                    crate::session::database_error("starting a transaction", begin.as_str(), e)
                })?;
                // The second column has the server notice a vanished client within a second, so
                // a killed upgrader's statement is cancelled and its lock freed: SET LOCAL, which
                // ends with the transaction (behind a transaction pooler a session-level SET
                // would land on another client's connection), in the same round trip, and only
                // on PostgreSQL 14+, which knows the name.
                let take = sql!(self.dialect;
                    "SELECT pg_try_advisory_xact_lock(",
                    &self.pg_key(),
                    "), (SELECT set_config('client_connection_check_interval', '1s', true) WHERE current_setting('server_version_num')::int >= 140000)"
                );
                loop {
                    let rows = match session
                        .fetch("taking the migration lock", &take, &[ValueKind::Bool])
                        .await
                    {
                        Ok(rows) => rows,
                        Err(e) => {
                            session.rollback().await;
                            return Err(e);
                        }
                    };
                    if first_bool(&rows) {
                        tracing::debug!(target: "strata", waited_ms = started.elapsed().as_millis() as u64, "migration lock taken");
                        return Ok(());
                    }
                    if !backoff.wait().await {
                        session.rollback().await;
                        return Err(self.timeout_error(started));
                    }
                }
            }
            Dialect::Sqlite => loop {
                let begin = RenderedSql::from_static("BEGIN IMMEDIATE");
                match session.begin_raw(&begin).await {
                    Ok(()) => return Ok(()),
                    Err(e) if DB::is_busy(&e) => {
                        if !backoff.wait().await {
                            return Err(self.timeout_error(started));
                        }
                    }
                    Err(e) => {
                        return Err(crate::session::database_error(
                            "taking the migration lock",
                            begin.as_str(),
                            e,
                        ));
                    }
                }
            },
            Dialect::Mysql => {
                let begin = RenderedSql::from_static("BEGIN");
                session.begin_raw(&begin).await.map_err(|e| {
                    crate::session::database_error("starting a transaction", begin.as_str(), e)
                })
            }
        }
    }

    /// Takes the session lock, polling until the lock timeout (PostgreSQL, MySQL; SQLite has
    /// none). Re-entrant per session: every successful call needs one [`Lock::release`].
    pub async fn acquire<DB: Backend>(&mut self, session: &mut Session<DB>) -> Result<(), Error> {
        let started = Instant::now();
        let mut backoff = Backoff::until(started, self.timeout);
        let sql = match self.dialect {
            Dialect::Sqlite => return Ok(()),
            Dialect::Postgres => {
                sql!(self.dialect; "SELECT pg_try_advisory_lock(", &self.pg_key(), ")")
            }
            // 7 + 57 = 64 characters, MySQL's limit for lock names.
            Dialect::Mysql => sql!(self.dialect;
                "SELECT GET_LOCK(lock_name, 0), lock_name FROM (SELECT CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', ",
                string(&self.table),
                "), 256), 57)) AS lock_name) AS l"
            ),
        };
        loop {
            let kinds: &[ValueKind] = match self.dialect {
                Dialect::Mysql => &[ValueKind::Int, ValueKind::Text],
                _ => &[ValueKind::Bool],
            };
            // Counted before the round trip: if this future is dropped while the server may
            // have granted the lock, the guard closes the connection.
            session.session_locks += 1;
            let rows = match session
                .fetch("taking the migration lock", &sql, kinds)
                .await
            {
                Ok(rows) => rows,
                Err(e) => return Err(e),
            };
            if let Some(name) = rows
                .first()
                .and_then(|r| r.get(1))
                .and_then(|v| v.as_text())
            {
                self.mysql_name = Some(name.to_string());
            }
            // GET_LOCK: 1 = taken, 0 = held elsewhere, NULL = error; all count as a bool here.
            if first_bool(&rows) {
                return Ok(());
            }
            session.session_locks -= 1;
            if !backoff.wait().await {
                return Err(self.timeout_error(started));
            }
        }
    }

    /// Releases one successful [`Lock::acquire`]. A failed release leaves the count, so the
    /// guard closes the connection (which frees the lock).
    pub async fn release<DB: Backend>(&self, session: &mut Session<DB>) {
        if session.session_locks == 0 {
            return;
        }
        let sql = match (self.dialect, &self.mysql_name) {
            (Dialect::Postgres, _) => {
                sql!(self.dialect; "SELECT pg_advisory_unlock(", &self.pg_key(), ")")
            }
            (Dialect::Mysql, Some(name)) => {
                sql!(self.dialect; "SELECT RELEASE_LOCK(", string(name), ")")
            }
            _ => return,
        };
        match session.fetch_raw(&sql, &[ValueKind::Bool]).await {
            Ok(rows) if first_bool(&rows) => session.session_locks -= 1,
            Ok(_) => {
                tracing::warn!(target: "strata", "the migration lock was not held at release; the connection will be closed")
            }
            Err(error) => {
                tracing::warn!(target: "strata", %error, "releasing the migration lock failed; the connection will be closed")
            }
        }
    }
}

fn first_bool(rows: &[Vec<crate::backend::Value>]) -> bool {
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}
