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

use strata_core::Dialect;

use crate::backend::{Backend, ValueKind};
use crate::error::Error;
use crate::session::Session;
use strata_core::ddl::quote_str;

pub(crate) struct Lock {
    dialect: Dialect,
    table: String,
    timeout: Duration,
    /// The MySQL lock name, once the server has computed it.
    mysql_name: Option<String>,
}

/// Exponential backoff from 5 ms to 250 ms, never past `deadline`.
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Self {
        Backoff {
            next: Duration::from_millis(5),
        }
    }

    /// Sleeps; `false` when the deadline has passed.
    async fn wait(&mut self, deadline: Instant) -> bool {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        let pause = self.next.min(deadline - now);
        tokio::time::sleep(pause).await;
        self.next = (self.next * 2).min(Duration::from_millis(250));
        true
    }
}

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

    fn pg_key(&self) -> String {
        let table = quote_str(self.dialect, &self.table);
        format!(
            "('x' || substr(md5(current_database() || '.' || current_schema() || '.' || {table}), 1, 16))::bit(64)::bigint"
        )
    }

    /// Prepares the connection before the first lock (PostgreSQL: have the server notice a
    /// vanished client within a second, so its lock is freed; SQLite: cap the busy timeout).
    pub async fn prepare<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        match self.dialect {
            Dialect::Postgres => {
                session.dirty_settings = true;
                // PostgreSQL 14+; older servers reject the name, which is fine.
                if let Err(error) = session
                    .execute_raw("SET client_connection_check_interval = '1s'")
                    .await
                {
                    tracing::debug!(target: "strata", %error, "client_connection_check_interval not set");
                }
            }
            Dialect::Sqlite => {
                session.dirty_settings = true;
                let busy_ms = self.timeout.min(Duration::from_secs(5)).as_millis();
                session
                    .execute(
                        "setting the busy timeout",
                        &format!("PRAGMA busy_timeout = {busy_ms}"),
                    )
                    .await?;
            }
            Dialect::Mysql => {}
        }
        Ok(())
    }

    /// Undoes [`Lock::prepare`]; on failure the guard closes the connection.
    pub async fn restore<DB: Backend>(&self, session: &mut Session<DB>) {
        if !session.dirty_settings {
            return;
        }
        let sql = match self.dialect {
            Dialect::Postgres => "RESET client_connection_check_interval",
            // sqlx's default busy timeout.
            Dialect::Sqlite => "PRAGMA busy_timeout = 5000",
            Dialect::Mysql => return,
        };
        match session.execute_raw(sql).await {
            Ok(_) => session.dirty_settings = false,
            Err(error) => {
                tracing::debug!(target: "strata", %error, "could not restore a connection setting")
            }
        }
    }

    /// Starts a transaction that holds the migration lock.
    pub async fn begin<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut backoff = Backoff::new();
        match self.dialect {
            Dialect::Postgres => {
                session.begin_raw("BEGIN").await.map_err(|e| {
                    crate::session::database_error("starting a transaction", "BEGIN", e)
                })?;
                let sql = format!("SELECT pg_try_advisory_xact_lock({})", self.pg_key());
                loop {
                    let rows = match session
                        .fetch("taking the migration lock", &sql, &[ValueKind::Bool])
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
                    if !backoff.wait(deadline).await {
                        session.rollback().await;
                        return Err(self.timeout_error(started));
                    }
                }
            }
            Dialect::Sqlite => loop {
                match session.begin_raw("BEGIN IMMEDIATE").await {
                    Ok(()) => return Ok(()),
                    Err(e) if DB::is_busy(&e) => {
                        if !backoff.wait(deadline).await {
                            return Err(self.timeout_error(started));
                        }
                    }
                    Err(e) => {
                        return Err(crate::session::database_error(
                            "taking the migration lock",
                            "BEGIN IMMEDIATE",
                            e,
                        ));
                    }
                }
            },
            Dialect::Mysql => session
                .begin_raw("BEGIN")
                .await
                .map_err(|e| crate::session::database_error("starting a transaction", "BEGIN", e)),
        }
    }

    /// Takes the session lock, polling until the lock timeout (PostgreSQL, MySQL; SQLite has
    /// none). Re-entrant per session: every successful call needs one [`Lock::release`].
    pub async fn acquire<DB: Backend>(&mut self, session: &mut Session<DB>) -> Result<(), Error> {
        let started = Instant::now();
        let deadline = started + self.timeout;
        let mut backoff = Backoff::new();
        let sql = match self.dialect {
            Dialect::Sqlite => return Ok(()),
            Dialect::Postgres => format!("SELECT pg_try_advisory_lock({})", self.pg_key()),
            Dialect::Mysql => {
                let table = quote_str(self.dialect, &self.table);
                // 7 + 57 = 64 characters, MySQL's limit for lock names.
                format!(
                    "SELECT GET_LOCK(lock_name, 0), lock_name FROM (SELECT CONCAT('strata:', LEFT(SHA2(CONCAT(DATABASE(), '.', {table}), 256), 57)) AS lock_name) AS l"
                )
            }
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
            if !backoff.wait(deadline).await {
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
            (Dialect::Postgres, _) => format!("SELECT pg_advisory_unlock({})", self.pg_key()),
            (Dialect::Mysql, Some(name)) => {
                format!("SELECT RELEASE_LOCK({})", quote_str(self.dialect, name))
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
