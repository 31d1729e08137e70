//! The one connection an operation runs on, held in a guard: if it is dropped while a
//! transaction, a session lock or a changed connection setting is open (a cancelled future, a
//! panic, a failed release), the connection is closed instead of going back to the pool.

use sqlx::pool::PoolConnection;
use strata_core::RenderedSql;

use crate::backend::{Backend, Value, ValueKind};
use crate::error::{Error, statement_line};

pub(crate) struct Session<DB: Backend> {
    conn: PoolConnection<DB>,
    /// A transaction strata opened is open.
    pub in_transaction: bool,
    /// Successful session-lock acquisitions not yet released.
    pub session_locks: u32,
    /// Settings strata changed on this connection, each with the statement that puts back the
    /// value read before the change; while any is left, the guard closes the connection.
    changed_settings: Vec<(&'static str, RenderedSql)>,
}

impl<DB: Backend> Session<DB> {
    pub async fn acquire(pool: &sqlx::Pool<DB>) -> Result<Self, Error> {
        let conn = pool.acquire().await.map_err(Error::Connect)?;
        Ok(Session {
            conn,
            in_transaction: false,
            session_locks: 0,
            changed_settings: Vec::new(),
        })
    }

    /// The connection, for code that runs its own statements on it (create_all).
    pub fn connection(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }

    /// Runs `sql` and returns the rows affected; a failure is returned as the driver's error.
    pub async fn execute_raw(&mut self, sql: &RenderedSql) -> Result<u64, sqlx::Error> {
        tracing::trace!(target: "strata", sql = sql.as_str(), "execute");
        DB::execute(&mut self.conn, sql).await
    }

    /// Runs the statements of `sql` in one round trip; a failure comes with how many completed
    /// before it.
    pub async fn execute_batch(&mut self, sql: &RenderedSql) -> Result<(), (usize, sqlx::Error)> {
        tracing::trace!(target: "strata", sql = sql.as_str(), "execute batch");
        DB::execute_batch(&mut self.conn, sql).await
    }

    /// Runs `sql`; a failure becomes [`Error::Database`] with `context`.
    pub async fn execute(&mut self, context: &str, sql: &RenderedSql) -> Result<u64, Error> {
        self.execute_raw(sql)
            .await
            .map_err(|source| database_error(context, sql.as_str(), source))
    }

    pub async fn fetch_raw(
        &mut self,
        sql: &RenderedSql,
        kinds: &[ValueKind],
    ) -> Result<Vec<Vec<Value>>, sqlx::Error> {
        tracing::trace!(target: "strata", sql = sql.as_str(), "fetch");
        DB::fetch(&mut self.conn, sql, kinds).await
    }

    pub async fn fetch(
        &mut self,
        context: &str,
        sql: &RenderedSql,
        kinds: &[ValueKind],
    ) -> Result<Vec<Vec<Value>>, Error> {
        self.fetch_raw(sql, kinds)
            .await
            .map_err(|source| database_error(context, sql.as_str(), source))
    }

    /// Reads one integer (the first column of the first row), e.g. a `PRAGMA`'s value.
    pub async fn fetch_int(&mut self, context: &str, sql: &RenderedSql) -> Result<i64, Error> {
        let rows = self.fetch(context, sql, &[ValueKind::Int]).await?;
        match rows.first().and_then(|row| row.first()) {
            Some(Value::Int(value)) => Ok(*value),
            other => Err(Error::Schema(format!(
                "{context}: `{sql}` returned {other:?} where an integer was expected"
            ))),
        }
    }

    /// Runs `change`, remembering `restore` (which puts back the value read before) under
    /// `setting` unless a change of that setting is already pending: the first value read is
    /// the user's.
    pub async fn change_setting(
        &mut self,
        setting: &'static str,
        restore: RenderedSql,
        change: &RenderedSql,
    ) -> Result<(), Error> {
        if !self.changed_settings.iter().any(|(s, _)| *s == setting) {
            // Recorded before sending: if this future is dropped mid-flight, the guard closes
            // the connection.
            self.changed_settings.push((setting, restore));
        }
        self.execute(setting, change).await.map(drop)
    }

    /// Puts `setting` back to the value read before it was changed; a no-op when unchanged.
    pub async fn restore_setting(&mut self, setting: &str) -> Result<(), Error> {
        let Some(index) = self
            .changed_settings
            .iter()
            .position(|(s, _)| *s == setting)
        else {
            return Ok(());
        };
        let restore = self.changed_settings[index].1.clone();
        self.execute("restoring a connection setting", &restore)
            .await?;
        self.changed_settings.remove(index);
        Ok(())
    }

    /// Puts back every changed setting, newest first. One that cannot be restored stays listed,
    /// so the guard closes the connection rather than return it changed.
    pub async fn restore_settings(&mut self) {
        for (setting, restore) in std::mem::take(&mut self.changed_settings).into_iter().rev() {
            if let Err(error) = self.execute_raw(&restore).await {
                tracing::warn!(target: "strata", %error, setting, "could not restore a connection setting; the connection will be closed");
                self.changed_settings.push((setting, restore));
            }
        }
    }

    /// Starts a transaction with `begin` (`BEGIN`, `BEGIN IMMEDIATE`).
    pub async fn begin_raw(&mut self, begin: &RenderedSql) -> Result<(), sqlx::Error> {
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

    /// Starts a transaction with `sql`, which begins with `BEGIN` and goes on with a query in
    /// the same round trip; returns that query's rows. After a failure the transaction counts
    /// as open until [`Session::rollback`].
    pub async fn begin_fetch(
        &mut self,
        sql: &RenderedSql,
        kinds: &[ValueKind],
    ) -> Result<Vec<Vec<Value>>, sqlx::Error> {
        self.in_transaction = true;
        self.fetch_raw(sql, kinds).await
    }

    /// The open transaction was committed by a COMMIT sent among other statements.
    pub fn committed(&mut self) {
        self.in_transaction = false;
    }

    pub async fn commit(&mut self) -> Result<(), Error> {
        if !self.in_transaction {
            return Ok(());
        }
        self.execute("committing", &RenderedSql::from_static("COMMIT"))
            .await?;
        self.in_transaction = false;
        Ok(())
    }

    /// COMMIT, returning the driver's error; after a failure the transaction counts as open
    /// until [`Session::rollback`].
    pub async fn commit_raw(&mut self) -> Result<(), sqlx::Error> {
        if !self.in_transaction {
            return Ok(());
        }
        self.execute_raw(&RenderedSql::from_static("COMMIT"))
            .await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Rolls back an open transaction. A failed ROLLBACK leaves `in_transaction` set, so the
    /// guard closes the connection.
    pub async fn rollback(&mut self) {
        if !self.in_transaction {
            return;
        }
        match self
            .execute_raw(&RenderedSql::from_static("ROLLBACK"))
            .await
        {
            Ok(_) => self.in_transaction = false,
            Err(error) => {
                tracing::warn!(target: "strata", %error, "ROLLBACK failed; the connection will be closed");
            }
        }
    }
}

impl<DB: Backend> Drop for Session<DB> {
    fn drop(&mut self) {
        if self.in_transaction || self.session_locks > 0 || !self.changed_settings.is_empty() {
            tracing::debug!(
                target: "strata",
                in_transaction = self.in_transaction,
                session_locks = self.session_locks,
                changed_settings = self.changed_settings.len(),
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
