//! The one connection an operation runs on, held in a guard: if it is dropped while a
//! transaction, a session lock or a changed connection setting is open (a cancelled future, a
//! panic, a failed release), the connection is closed instead of going back to the pool.

use sqlx::pool::PoolConnection;

use crate::backend::{Backend, Value, ValueKind};
use crate::error::{Error, statement_line};

pub(crate) struct Session<DB: Backend> {
    conn: PoolConnection<DB>,
    /// A transaction strata opened is open.
    pub in_transaction: bool,
    /// Successful session-lock acquisitions not yet released.
    pub session_locks: u32,
    /// A setting strata changed on this connection is not restored yet.
    pub dirty_settings: bool,
    /// SQLite foreign keys were turned off for a rebuild and are not on again yet.
    pub foreign_keys_off: bool,
}

impl<DB: Backend> Session<DB> {
    pub async fn acquire(pool: &sqlx::Pool<DB>) -> Result<Self, Error> {
        let conn = pool.acquire().await.map_err(Error::Connect)?;
        Ok(Session {
            conn,
            in_transaction: false,
            session_locks: 0,
            dirty_settings: false,
            foreign_keys_off: false,
        })
    }

    /// The connection, for code that runs its own statements on it (create_all).
    pub fn connection(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }

    /// Runs `sql` and returns the rows affected; a failure is returned as the driver's error.
    pub async fn execute_raw(&mut self, sql: &str) -> Result<u64, sqlx::Error> {
        tracing::trace!(target: "strata", sql, "execute");
        DB::execute(&mut self.conn, sql.to_string()).await
    }

    /// Runs `sql`; a failure becomes [`Error::Database`] with `context`.
    pub async fn execute(&mut self, context: &str, sql: &str) -> Result<u64, Error> {
        self.execute_raw(sql)
            .await
            .map_err(|source| database_error(context, sql, source))
    }

    pub async fn fetch_raw(
        &mut self,
        sql: &str,
        kinds: &[ValueKind],
    ) -> Result<Vec<Vec<Value>>, sqlx::Error> {
        tracing::trace!(target: "strata", sql, "fetch");
        DB::fetch(&mut self.conn, sql.to_string(), kinds).await
    }

    pub async fn fetch(
        &mut self,
        context: &str,
        sql: &str,
        kinds: &[ValueKind],
    ) -> Result<Vec<Vec<Value>>, Error> {
        self.fetch_raw(sql, kinds)
            .await
            .map_err(|source| database_error(context, sql, source))
    }

    /// Starts a transaction with `begin` (`BEGIN`, `BEGIN IMMEDIATE`).
    pub async fn begin_raw(&mut self, begin: &str) -> Result<(), sqlx::Error> {
        // Marked before sending: if the future is dropped mid-flight the state is unknown,
        // and the guard must close the connection.
        self.in_transaction = true;
        match self.execute_raw(begin).await {
            Ok(_) => Ok(()),
            Err(e) => {
                self.in_transaction = false;
                Err(e)
            }
        }
    }

    pub async fn commit(&mut self) -> Result<(), Error> {
        if !self.in_transaction {
            return Ok(());
        }
        self.execute("committing", "COMMIT").await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Rolls back an open transaction. A failed ROLLBACK leaves `in_transaction` set, so the
    /// guard closes the connection.
    pub async fn rollback(&mut self) {
        if !self.in_transaction {
            return;
        }
        match self.execute_raw("ROLLBACK").await {
            Ok(_) => self.in_transaction = false,
            Err(error) => {
                tracing::warn!(target: "strata", %error, "ROLLBACK failed; the connection will be closed");
            }
        }
    }
}

impl<DB: Backend> Drop for Session<DB> {
    fn drop(&mut self) {
        if self.in_transaction
            || self.session_locks > 0
            || self.dirty_settings
            || self.foreign_keys_off
        {
            tracing::debug!(
                target: "strata",
                in_transaction = self.in_transaction,
                session_locks = self.session_locks,
                "closing the migration connection instead of returning it to the pool"
            );
            self.conn.close_on_drop();
        }
    }
}

pub(crate) fn database_error(context: &str, sql: &str, source: sqlx::Error) -> Error {
    Error::Database {
        context: context.to_string(),
        statement: statement_line(sql),
        source,
    }
}
