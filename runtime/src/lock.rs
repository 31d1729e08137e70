//! The migration lock: one strategy per operation behind a small interface, so the migrator
//! never branches on the database to lock. Every wait is bounded by the lock timeout.
//!
//! - [`Lock::enter`] prepares the connection and takes whatever lock lasts the whole operation;
//!   [`Lock::leave`] gives it back, on every path.
//! - [`Lock::begin`] starts a transaction that holds the lock.
//! - [`Lock::hold_outside_transactions`] / [`Lock::end_outside_transactions`] bracket a
//!   no-transaction migration.
//!
//! Advisory mode: PostgreSQL `pg_try_advisory_xact_lock`, polled, as the first statement of
//! each transaction (safe behind PgBouncer's transaction pooling), and a session lock only
//! around no-transaction migrations; MySQL/MariaDB `GET_LOCK(name, 0)`, polled, held for the
//! whole operation; SQLite `BEGIN IMMEDIATE`, the database's writer lock, with `SQLITE_BUSY`
//! retried.
//!
//! Table mode: a leased row in `<bookkeeping table>_lock`, claimed by an autocommitted
//! conditional UPDATE for the whole operation and renewed from a task beside the migration.
//! It is the lock that holds across a Galera cluster (where `GET_LOCK` is node-local) and for
//! no-transaction migrations behind a transaction pooler.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::ConnectOptions as _;
use strata_core::rendered::{ident, string};
use strata_core::{Dialect, LockMode, RenderedSql, sql};

use crate::backend::{Backend, ValueKind};
use crate::backoff::Backoff;
use crate::error::Error;
use crate::session::Session;

/// The lease of `lock = "table"` when none is set: long enough for a loaded server to renew in
/// time (every lease/3), short enough that a dead holder is replaced quickly.
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The lock table beside the bookkeeping table `table`.
pub(crate) fn lock_table_name(table: &str) -> String {
    format!("{table}_lock")
}

/// The strategy in force once [`Lock::enter`] has resolved [`LockMode::Auto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Advisory,
    Table,
}

pub(crate) struct Lock {
    dialect: Dialect,
    table: String,
    timeout: Duration,
    lease: Duration,
    requested: LockMode,
    strategy: Strategy,
    /// The MySQL lock name, once the server has computed it.
    mysql_name: Option<String>,
    /// Who claims the lock row: random per operation.
    owner: String,
    /// The lock row is ours (claimed, not yet released).
    row_held: bool,
    renewer: Option<tokio::task::JoinHandle<()>>,
    /// Set by the renewer when the row is no longer ours.
    lost: Arc<AtomicBool>,
    /// The fast path's statement and the head that means "up to date": checked between polls
    /// for the lock row, so a waiting upgrader stops once another has done the work.
    done_when: Option<(RenderedSql, String)>,
    /// The wait for the lock row ended because the database became up to date.
    found_done: bool,
    /// SQLite, once [`Lock::enter`] has set it: the busy timeout in force during the
    /// operation (0 while polling for the lock).
    busy_timeout_ms: Option<i64>,
}

/// What [`Lock::begin_unless_done`] found.
pub(crate) enum Began {
    /// The transaction is open and holds the lock; with the rows of the statement asked to be
    /// read with it, when the lock carried it in its round trip.
    Locked(Option<Vec<Vec<crate::backend::Value>>>),
    /// Another upgrader brought the database up to date meanwhile; no transaction is open.
    UpToDate,
}

/// The SQLite busy timeout, as [`Session::change_setting`] names it.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout";
/// Galera's causality checks, as [`Session::change_setting`] names it.
const WSREP_SYNC_WAIT: &str = "wsrep_sync_wait";

/// Errors that mean "someone else got there first, try again": a deadlock or certification
/// failure (MySQL 1213 and PostgreSQL serialization failures share SQLSTATE 40001), a
/// PostgreSQL deadlock, a duplicate key (Galera's retried autocommit reports 1062), a lock
/// wait timeout (MySQL 1205), SQLite's busy database.
pub(crate) fn is_contention<DB: Backend>(error: &sqlx::Error) -> bool {
    if DB::is_busy(error) {
        return true;
    }
    let Some(db) = error.as_database_error() else {
        return false;
    };
    if matches!(
        db.code().as_deref(),
        Some("40001" | "40P01" | "23000" | "23505")
    ) {
        return true;
    }
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return matches!(my.number(), 1205 | 1213 | 1062);
    }
    false
}

/// An owner name nobody else picks: the process id and 64 random bits.
fn new_owner() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!(
        "strata pid {} #{:016x}",
        std::process::id(),
        hasher.finish()
    )
}

impl Lock {
    pub fn new(
        dialect: Dialect,
        table: &str,
        timeout: Duration,
        mode: LockMode,
        lease: Duration,
    ) -> Lock {
        Lock {
            dialect,
            table: table.to_string(),
            timeout,
            lease,
            requested: mode,
            strategy: match mode {
                LockMode::Table => Strategy::Table,
                LockMode::Auto | LockMode::Advisory => Strategy::Advisory,
            },
            mysql_name: None,
            owner: new_owner(),
            row_held: false,
            renewer: None,
            lost: Arc::new(AtomicBool::new(false)),
            done_when: None,
            found_done: false,
            busy_timeout_ms: None,
        }
    }

    /// While waiting for the lock row, stop waiting once `check` (the fast path's statement)
    /// returns `head` with success: another upgrader has done the work. [`Lock::enter`] then
    /// returns without the lock, and [`Lock::found_up_to_date`] says so.
    pub fn done_when(&mut self, check: RenderedSql, head: String) {
        self.done_when = Some((check, head));
    }

    /// Whether [`Lock::enter`] returned without the lock because the database is up to date.
    pub fn found_up_to_date(&self) -> bool {
        self.found_done
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The lock as named in messages.
    pub fn describe(&self) -> String {
        if self.strategy == Strategy::Table {
            return format!(
                "(row 1 of the lock table {})",
                self.quoted(&lock_table_name(&self.table))
            );
        }
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

    fn quoted(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Mysql => format!("`{name}`"),
            _ => format!("\"{name}\""),
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

    /// Prepares the connection and takes the lock that lasts the whole operation (MySQL
    /// advisory: `GET_LOCK`; table mode: the lock row). [`Lock::leave`] must follow on every
    /// path, whatever this returns.
    pub async fn enter<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
        pool: &sqlx::Pool<DB>,
    ) -> Result<(), Error> {
        self.cap_busy_timeout(session).await?;
        if self.dialect == Dialect::Mysql && self.requested != LockMode::Advisory {
            self.on_galera_node(session).await?;
        }
        match (self.strategy, self.dialect) {
            (Strategy::Table, _) => self.claim_row(session, pool).await,
            (Strategy::Advisory, Dialect::Mysql) => self.acquire(session, true).await,
            (Strategy::Advisory, _) => Ok(()),
        }
    }

    /// Gives back what [`Lock::enter`] and [`Lock::hold_outside_transactions`] took (the
    /// caller has ended any transaction). What cannot be released makes the guard close the
    /// connection; a lock row left behind is free once its lease has expired.
    pub async fn leave<DB: Backend>(&mut self, session: &mut Session<DB>) {
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
        if self.row_held {
            let release = self.release_row_sql();
            let mut attempts = 0;
            loop {
                attempts += 1;
                match session.execute_raw(&release).await {
                    Ok(_) => {
                        self.row_held = false;
                        tracing::debug!(target: "strata", owner = self.owner, "lock row released");
                        break;
                    }
                    Err(error) if attempts < 5 && is_contention::<DB>(&error) => {
                        tokio::time::sleep(Duration::from_millis(20 * attempts)).await;
                    }
                    Err(error) => {
                        tracing::warn!(target: "strata", %error, "releasing the lock row failed; it is free once its lease expires");
                        break;
                    }
                }
            }
        }
        for _ in 0..session.session_locks {
            self.release(session).await;
        }
    }

    /// SQLite: the busy timeout is capped at the lock timeout (strata retries `SQLITE_BUSY`
    /// itself until then), and put back to the value read here by
    /// [`Session::restore_settings`]. Registered as changed even when under the cap: waits for
    /// the write lock set it to 0 while they poll.
    async fn cap_busy_timeout<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
    ) -> Result<(), Error> {
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        let read = RenderedSql::from_static(BUSY_TIMEOUT);
        let busy_ms = session.fetch_int("reading the busy timeout", &read).await?;
        let cap = i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX);
        let effective = busy_ms.min(cap);
        session
            .change_setting(
                BUSY_TIMEOUT,
                sql!(self.dialect; "PRAGMA busy_timeout = ", busy_ms),
                &sql!(self.dialect; "PRAGMA busy_timeout = ", effective),
            )
            .await?;
        self.busy_timeout_ms = Some(effective);
        Ok(())
    }

    /// MySQL/MariaDB: one statement asks whether this is a Galera node. On one, `auto` becomes
    /// table mode and the slow path's reads wait for the cluster (`wsrep_sync_wait`), so a
    /// node never acts on a stale view; the setting is put back by
    /// [`Session::restore_settings`].
    async fn on_galera_node<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
    ) -> Result<(), Error> {
        let probe = RenderedSql::from_static("SELECT @@wsrep_on, @@SESSION.wsrep_sync_wait");
        // MySQL without Galera has neither variable: not a Galera node.
        let Ok(rows) = session
            .fetch_raw(&probe, &[ValueKind::Bool, ValueKind::Int])
            .await
        else {
            return Ok(());
        };
        let row = rows.first();
        let wsrep_on = row
            .and_then(|r| r.first())
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if !wsrep_on {
            return Ok(());
        }
        if self.requested == LockMode::Auto {
            self.strategy = Strategy::Table;
        }
        let sync_wait = row
            .and_then(|r| r.get(1))
            .and_then(|v| v.as_int())
            .unwrap_or(0);
        tracing::debug!(target: "strata", sync_wait, "a Galera node: table lock, reads wait for the cluster");
        if sync_wait & 1 == 0 {
            session
                .change_setting(
                    WSREP_SYNC_WAIT,
                    sql!(self.dialect; "SET SESSION wsrep_sync_wait = ", sync_wait),
                    &sql!(self.dialect; "SET SESSION wsrep_sync_wait = ", sync_wait | 1),
                )
                .await?;
        }
        Ok(())
    }

    /// The database clock, as a value comparable with `expires_at`.
    fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
            Dialect::Postgres => "clock_timestamp()",
            Dialect::Mysql => "CURRENT_TIMESTAMP(6)",
        }
    }

    /// The database clock plus the lease.
    fn lease_end(&self) -> RenderedSql {
        let ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        match self.dialect {
            Dialect::Sqlite => sql!(self.dialect;
                "strftime('%Y-%m-%d %H:%M:%f', 'now', ",
                string(&format!("+{}.{:03} seconds", ms / 1000, ms % 1000)),
                ")"
            ),
            Dialect::Postgres => sql!(self.dialect;
                "clock_timestamp() + interval '1 millisecond' * ", ms
            ),
            Dialect::Mysql => sql!(self.dialect;
                "CURRENT_TIMESTAMP(6) + INTERVAL ", ms.saturating_mul(1000), " MICROSECOND"
            ),
        }
    }

    fn lock_table(&self) -> String {
        lock_table_name(&self.table)
    }

    fn lock_table_exists(&self) -> RenderedSql {
        crate::bookkeeping::Sql::new(self.dialect, &self.lock_table()).table_exists()
    }

    fn create_lock_table(&self) -> RenderedSql {
        let columns = match self.dialect {
            Dialect::Sqlite => {
                " (\n  id INTEGER NOT NULL PRIMARY KEY,\n  owner TEXT NULL,\n  expires_at TEXT NULL\n)"
            }
            Dialect::Postgres => {
                " (\n  id INTEGER NOT NULL PRIMARY KEY,\n  owner TEXT NULL,\n  expires_at TIMESTAMPTZ NULL\n)"
            }
            Dialect::Mysql => {
                " (\n  id INT NOT NULL PRIMARY KEY,\n  owner VARCHAR(255) NULL,\n  expires_at DATETIME(6) NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            }
        };
        sql!(self.dialect; "CREATE TABLE IF NOT EXISTS ", ident(&self.lock_table()), columns)
    }

    fn insert_lock_row(&self) -> RenderedSql {
        let name = self.lock_table();
        let table = ident(&name);
        match self.dialect {
            Dialect::Sqlite => sql!(self.dialect;
                "INSERT OR IGNORE INTO ", table, " (id, owner, expires_at) VALUES (1, NULL, NULL)"
            ),
            Dialect::Postgres => sql!(self.dialect;
                "INSERT INTO ", table, " (id, owner, expires_at) VALUES (1, NULL, NULL) ON CONFLICT (id) DO NOTHING"
            ),
            Dialect::Mysql => sql!(self.dialect;
                "INSERT IGNORE INTO ", table, " (id, owner, expires_at) VALUES (1, NULL, NULL)"
            ),
        }
    }

    /// The lock row, where it is free or its lease has run out.
    fn where_free(&self) -> RenderedSql {
        sql!(self.dialect;
            " WHERE id = 1 AND (owner IS NULL OR expires_at IS NULL OR expires_at < ", self.now(), ")"
        )
    }

    fn claim_row_sql(&self) -> RenderedSql {
        sql!(self.dialect;
            "UPDATE ", ident(&self.lock_table()), " SET owner = ", string(&self.owner),
            ", expires_at = ", &self.lease_end(), &self.where_free()
        )
    }

    fn renew_row_sql(&self) -> RenderedSql {
        sql!(self.dialect;
            "UPDATE ", ident(&self.lock_table()), " SET expires_at = ", &self.lease_end(),
            " WHERE id = 1 AND owner = ", string(&self.owner)
        )
    }

    fn release_row_sql(&self) -> RenderedSql {
        sql!(self.dialect;
            "UPDATE ", ident(&self.lock_table()), " SET owner = NULL, expires_at = NULL WHERE id = 1 AND owner = ",
            string(&self.owner)
        )
    }

    fn holder_sql(&self) -> RenderedSql {
        let expires = match self.dialect {
            Dialect::Sqlite => "expires_at",
            Dialect::Postgres => {
                "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
            }
            Dialect::Mysql => "CAST(expires_at AS CHAR)",
        };
        sql!(self.dialect;
            "SELECT owner, ", expires, " FROM ", ident(&self.lock_table()), " WHERE id = 1"
        )
    }

    /// Creates the lock table and its row when missing. The table is created only after the
    /// catalogue says it is missing: on Galera, DDL replicates in total order and aborts other
    /// nodes' open transactions even when it does nothing.
    async fn ensure_lock_table<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        let exists = self.lock_table_exists();
        let present = |rows: &[Vec<crate::backend::Value>]| first_int(rows) > 0;
        let rows = session
            .fetch("looking for the lock table", &exists, &[ValueKind::Int])
            .await?;
        if !present(&rows) {
            let create = self.create_lock_table();
            if let Err(error) = session.execute_raw(&create).await {
                // Two upgraders creating it at once (PostgreSQL reports a duplicate type):
                // fine when it exists now.
                let rows = session
                    .fetch("looking for the lock table", &exists, &[ValueKind::Int])
                    .await?;
                if !present(&rows) {
                    return Err(crate::session::database_error(
                        "creating the lock table",
                        create.as_str(),
                        error,
                    ));
                }
            }
        }
        let count = sql!(self.dialect;
            "SELECT COUNT(*) FROM ", ident(&self.lock_table()), " WHERE id = 1"
        );
        if session.fetch_int("reading the lock table", &count).await? == 0 {
            let insert = self.insert_lock_row();
            if let Err(error) = session.execute_raw(&insert).await
                && !is_contention::<DB>(&error)
            {
                return Err(crate::session::database_error(
                    "creating the lock row",
                    insert.as_str(),
                    error,
                ));
            }
        }
        Ok(())
    }

    /// Table mode: claims the lock row (an autocommitted conditional UPDATE: one row affected
    /// is the lock; none, or a conflict error, is someone else's), polling until the lock
    /// timeout, then starts renewing it.
    async fn claim_row<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
        pool: &sqlx::Pool<DB>,
    ) -> Result<(), Error> {
        let started = Instant::now();
        self.ensure_lock_table(session).await?;
        let mut backoff = Backoff::until(started, self.timeout);
        let claim = self.claim_row_sql();
        loop {
            // Counted as held before the round trip: if this future is dropped meanwhile, the
            // row may be ours, and `leave` only clears it where the owner is ours.
            self.row_held = true;
            match session.execute_raw(&claim).await {
                Ok(1) => {
                    tracing::debug!(target: "strata", owner = self.owner, waited_ms = started.elapsed().as_millis() as u64, "lock row claimed");
                    self.start_renewer(pool);
                    return Ok(());
                }
                Ok(_) => self.row_held = false,
                Err(error) if is_contention::<DB>(&error) => self.row_held = false,
                Err(error) => {
                    self.row_held = false;
                    return Err(crate::session::database_error(
                        "claiming the lock row",
                        claim.as_str(),
                        error,
                    ));
                }
            }
            // After each pause, first whether the work is done (waiters then finish side by
            // side instead of taking the lock in turn to find nothing to do), then whether the
            // row looks free: a read, where a claim is a write that contends with the holder.
            loop {
                if !backoff.wait().await {
                    return Err(self.row_timeout_error(session, started).await);
                }
                if self.up_to_date_while_waiting(session).await {
                    return Ok(());
                }
                if self.row_looks_free(session).await {
                    break;
                }
            }
        }
    }

    /// Whether the lock row is free or its lease has run out; `true` when the read fails, so
    /// the claim that follows reports the error.
    async fn row_looks_free<DB: Backend>(&self, session: &mut Session<DB>) -> bool {
        let free = sql!(self.dialect;
            "SELECT COUNT(*) FROM ", ident(&self.lock_table()), &self.where_free()
        );
        session
            .fetch_raw(&free, &[ValueKind::Int])
            .await
            .map_or(true, |rows| first_int(&rows) > 0)
    }

    /// Between polls for the lock [`Lock::enter`] takes: whether another upgrader has meanwhile
    /// brought the database up to date (the fast path's statement returns the wanted head with
    /// success). If so, [`Lock::found_up_to_date`] says so and nothing is held.
    async fn up_to_date_while_waiting<DB: Backend>(&mut self, session: &mut Session<DB>) -> bool {
        self.found_done = self.is_up_to_date(session).await;
        self.found_done
    }

    /// Whether the [`Lock::done_when`] statement returns the wanted head with success.
    async fn is_up_to_date<DB: Backend>(&self, session: &mut Session<DB>) -> bool {
        let Some((check, head)) = &self.done_when else {
            return false;
        };
        let done = session
            .fetch_raw(check, crate::bookkeeping::Sql::HEAD_KINDS)
            .await
            .is_ok_and(|rows| crate::bookkeeping::Sql::head_row_is(&rows, head));
        if done {
            tracing::debug!(target: "strata", "up to date while waiting for the lock");
        }
        done
    }

    /// The lock-timeout error of table mode, naming the holder and when its lease ends.
    async fn row_timeout_error<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        started: Instant,
    ) -> Error {
        let waited = started.elapsed();
        let holder = session
            .fetch_raw(&self.holder_sql(), &[ValueKind::Text, ValueKind::Text])
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next());
        let held = match holder.as_deref() {
            Some([owner, expires]) => match (owner.as_text(), expires.as_text()) {
                (Some(owner), Some(expires)) => {
                    format!(", held by '{owner}' with a lease until {expires} UTC")
                }
                (Some(owner), None) => format!(", held by '{owner}'"),
                _ => ", free again".to_string(),
            },
            _ => String::new(),
        };
        Error::LockTimeout {
            lock: format!(
                "(row 1 of the lock table {}{held})",
                self.quoted(&self.lock_table())
            ),
            waited,
        }
    }

    /// Renews the lease every lease/3 on a connection of its own (the operation's is busy
    /// migrating), until [`Lock::leave`] stops it. Outside a Tokio runtime nothing renews, and
    /// the lease must outlast the operation.
    fn start_renewer<DB: Backend>(&mut self, pool: &sqlx::Pool<DB>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(target: "strata", "no Tokio runtime: the lock row's lease is not renewed");
            return;
        };
        let options = pool.connect_options();
        let pool = pool.clone();
        let renew = self.renew_row_sql();
        let period = self.lease / 3;
        let owner = self.owner.clone();
        let lost = Arc::clone(&self.lost);
        self.renewer = Some(runtime.spawn(async move {
            let mut own: Option<DB::Connection> = None;
            loop {
                tokio::time::sleep(period).await;
                let renewed = match pool.try_acquire() {
                    Some(mut conn) => DB::execute(&mut conn, &renew).await,
                    None => {
                        if own.is_none() {
                            own = options.connect().await.ok();
                        }
                        match own.as_mut() {
                            Some(conn) => DB::execute(conn, &renew).await,
                            None => continue,
                        }
                    }
                };
                match renewed {
                    Ok(1) => tracing::trace!(target: "strata", owner, "lease renewed"),
                    Ok(_) => {
                        tracing::warn!(target: "strata", owner, "the lock row is no longer ours (its lease expired and another process took it)");
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(target: "strata", %error, "renewing the lock row failed; retrying");
                        own = None;
                    }
                }
            }
        }));
    }

    /// Table mode: an error once the renewer has found the row taken over (its lease ran out),
    /// checked before each migration starts.
    pub fn check_held(&self) -> Result<(), Error> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(Error::LockLost {
                lock: self.describe(),
            });
        }
        Ok(())
    }

    /// Whether [`Lock::enter`] took a lock that lasts the whole operation (MySQL `GET_LOCK`,
    /// the lock row), so nobody else writes the bookkeeping table until [`Lock::leave`].
    pub fn held_for_operation(&self) -> bool {
        self.row_held || (self.dialect == Dialect::Mysql && self.strategy == Strategy::Advisory)
    }

    /// Starts a transaction that holds the migration lock.
    pub async fn begin<DB: Backend>(&self, session: &mut Session<DB>) -> Result<(), Error> {
        self.take(session, false, None).await.map(drop)
    }

    /// [`Lock::begin`], except that while it waits it also checks the [`Lock::done_when`]
    /// statement ([`Began::UpToDate`], with no transaction open, once another upgrader has
    /// brought the database up to date), and that `read`, a query of two columns read as text
    /// and boolean, runs under the lock in the same round trip where the lock allows it.
    pub async fn begin_unless_done<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        read: Option<&RenderedSql>,
    ) -> Result<Began, Error> {
        self.take(session, true, read).await
    }

    async fn take<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        stop_when_done: bool,
        read: Option<&RenderedSql>,
    ) -> Result<Began, Error> {
        let started = Instant::now();
        match self.dialect {
            Dialect::Postgres => {
                let mut backoff = Backoff::until(started, self.timeout);
                // BEGIN ISOLATION LEVEL READ COMMITTED whatever the server's
                // default_transaction_isolation: under REPEATABLE READ or SERIALIZABLE the
                // polling statement would take the snapshot, and the state read once the lock
                // is won would miss what the previous holder committed.
                // The check interval has the server notice a vanished client within a second,
                // so a killed upgrader's statement is cancelled and its lock freed: SET LOCAL,
                // which ends with the transaction (behind a transaction pooler a session-level
                // SET would land on another client's connection), and only on PostgreSQL 14+,
                // which knows the name. BEGIN and the lock share one round trip; a waiter
                // rolls back between polls, so it pins no server connection of a pooler while
                // it sleeps. `read` follows as a statement of its own: under READ COMMITTED it
                // sees everything committed before the lock was granted.
                let check_interval = "(SELECT set_config('client_connection_check_interval', '1s', true) WHERE current_setting('server_version_num')::int >= 140000)";
                let lock = match self.strategy {
                    Strategy::Advisory => {
                        sql!(self.dialect; "pg_try_advisory_xact_lock(", &self.pg_key(), ")")
                    }
                    Strategy::Table => RenderedSql::from_static("TRUE"),
                };
                let mut take = sql!(self.dialect;
                    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT ", check_interval, ", ", &lock
                );
                if let Some(read) = read {
                    take = sql!(self.dialect; &take, ";\n", read);
                }
                loop {
                    let rows = match session
                        .begin_fetch(&take, &[ValueKind::Text, ValueKind::Bool])
                        .await
                    {
                        Ok(rows) => rows,
                        Err(e) => {
                            session.rollback().await;
                            return Err(crate::session::database_error(
                                "taking the migration lock",
                                take.as_str(),
                                e,
                            ));
                        }
                    };
                    let mut rows = rows.into_iter();
                    let taken = rows
                        .next()
                        .and_then(|row| row.get(1).and_then(|v| v.as_bool()))
                        .unwrap_or(false);
                    if taken {
                        tracing::debug!(target: "strata", waited_ms = started.elapsed().as_millis() as u64, "migration lock taken");
                        return Ok(Began::Locked(read.map(|_| rows.collect())));
                    }
                    session.rollback().await;
                    if !backoff.wait().await {
                        return Err(self.timeout_error(started));
                    }
                    if stop_when_done && self.is_up_to_date(session).await {
                        return Ok(Began::UpToDate);
                    }
                }
            }
            Dialect::Sqlite => {
                // Polled here rather than in SQLite's busy handler, which sleeps up to 100 ms
                // between tries, the same for every waiter, and cannot check whether the work
                // is done. With the setting registered by [`Lock::enter`], the busy timeout is 0
                // for the BEGIN (sent with it) and back to the operation's value once the lock
                // is taken, so the holder's COMMIT still waits for readers as configured;
                // without it, the busy handler waits.
                let mut backoff = Backoff::in_process(started, self.timeout);
                // [0, BEGIN IMMEDIATE, back to the operation's value] in one call: the last
                // runs only once the lock is taken.
                let (begin, begin_at, restore) = match self.busy_timeout_ms {
                    Some(ms) => (
                        sql!(self.dialect;
                            "PRAGMA busy_timeout = 0;\nBEGIN IMMEDIATE;\nPRAGMA busy_timeout = ", ms
                        ),
                        1,
                        Some(sql!(self.dialect; "PRAGMA busy_timeout = ", ms)),
                    ),
                    None => (RenderedSql::from_static("BEGIN IMMEDIATE"), 0, None),
                };
                loop {
                    session.in_transaction = true;
                    let outcome = session.execute_batch(&begin).await;
                    if matches!(&outcome, Err((done, _)) if *done <= begin_at) {
                        session.in_transaction = false;
                    }
                    let busy = matches!(&outcome, Err((_, e)) if DB::is_busy(e));
                    let expired = busy && !backoff.wait().await;
                    let done =
                        busy && !expired && stop_when_done && self.is_up_to_date(session).await;
                    if busy && !done && !expired {
                        continue;
                    }
                    if outcome.is_err()
                        && let Some(restore) = &restore
                    {
                        session
                            .execute("restoring the busy timeout", restore)
                            .await?;
                    }
                    return match outcome {
                        Ok(()) => Ok(Began::Locked(None)),
                        Err(_) if done => Ok(Began::UpToDate),
                        Err(_) if expired => Err(self.timeout_error(started)),
                        Err((_, e)) => Err(crate::session::database_error(
                            "taking the migration lock",
                            begin.as_str(),
                            e,
                        )),
                    };
                }
            }
            Dialect::Mysql => {
                let begin = RenderedSql::from_static("BEGIN");
                session.begin_raw(&begin).await.map_err(|e| {
                    crate::session::database_error("starting a transaction", begin.as_str(), e)
                })?;
                Ok(Began::Locked(None))
            }
        }
    }

    /// Before a no-transaction migration: takes a lock that outlasts transactions when the one
    /// in force does not (PostgreSQL advisory mode: the session lock). Returns `true` when it
    /// took one: the caller's transaction was rolled back, and the state must be read again.
    pub async fn hold_outside_transactions<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
    ) -> Result<bool, Error> {
        if self.strategy != Strategy::Advisory
            || self.dialect != Dialect::Postgres
            || session.session_locks > 0
        {
            return Ok(false);
        }
        session.rollback().await;
        self.acquire(session, false).await?;
        Ok(true)
    }

    /// After a no-transaction migration: gives back what
    /// [`Lock::hold_outside_transactions`] took.
    pub async fn end_outside_transactions<DB: Backend>(&mut self, session: &mut Session<DB>) {
        if self.strategy == Strategy::Advisory && self.dialect == Dialect::Postgres {
            self.release(session).await;
        }
    }

    /// Takes the session lock, polling until the lock timeout (PostgreSQL, MySQL; SQLite has
    /// none). Re-entrant per session: every successful call needs one [`Lock::release`].
    /// `stop_when_done` (only for the lock of a whole upgrade): stop waiting, holding nothing,
    /// once another upgrader has brought the database up to date.
    async fn acquire<DB: Backend>(
        &mut self,
        session: &mut Session<DB>,
        stop_when_done: bool,
    ) -> Result<(), Error> {
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
            let rows = session
                .fetch("taking the migration lock", &sql, kinds)
                .await?;
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
            if stop_when_done && self.up_to_date_while_waiting(session).await {
                return Ok(());
            }
        }
    }

    /// Releases one successful [`Lock::acquire`]. A failed release leaves the count, so the
    /// guard closes the connection (which frees the lock).
    async fn release<DB: Backend>(&self, session: &mut Session<DB>) {
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

impl Drop for Lock {
    fn drop(&mut self) {
        // A dropped operation (cancelled, panicked) stops renewing: its row is free once the
        // lease expires.
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
    }
}

fn first_int(rows: &[Vec<crate::backend::Value>]) -> i64 {
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_int())
        .unwrap_or(0)
}

fn first_bool(rows: &[Vec<crate::backend::Value>]) -> bool {
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}
