//! `Migrator`: upgrade, upgrade_to, downgrade, version_control, db_version and status, with
//! their options, generic over [`Backend`].

use std::time::{Duration, Instant, UNIX_EPOCH};

use strata_core::{
    Dialect, LockMode, Migrations, RenderedSql, Script, TransactionMode, head_digest,
};

use crate::backend::{Backend, ValueKind};
use crate::backoff::Backoff;
use crate::bookkeeping::{FAILED_MS, Row, Sql, State};
use crate::error::{Error, database_message};
use crate::lock::{Began, DEFAULT_LEASE, Lock, is_contention};
use crate::report::{MigrationRun, Report, VersionState, VersionStatus};
use crate::session::Session;

// A child module, so adopting another tool's history reuses the migrator's private steps.
#[path = "adopt.rs"]
pub(crate) mod adopt;

/// Applies and inspects a migration repository, with options. Every function of
/// `strata::runtime` is a `Migrator` with the repository's own settings (from `strata.toml`).
///
/// Builder methods take and return `self`; the operations take `&self` and the pool.
#[derive(Debug, Clone)]
pub struct Migrator<'m> {
    migrations: &'m Migrations,
    table: Option<String>,
    lock_timeout: Option<Duration>,
    lock_mode: Option<LockMode>,
    lock_lease: Option<Duration>,
    transaction: Option<TransactionMode>,
    out_of_order: Option<bool>,
    force: bool,
}

/// One embedded version, with its scripts for the backend in use.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    version: i64,
    name: &'a str,
    up: &'a Script,
    down: Option<&'a Script>,
}

/// The embedded versions that have an up script for one dialect, ascending.
struct Embedded<'a> {
    items: Vec<Item<'a>>,
}

impl<'a> Embedded<'a> {
    /// The embedded versions up to and including `target`, ascending.
    fn up_to(&self, target: i64) -> impl Iterator<Item = &Item<'a>> {
        self.items.iter().filter(move |i| i.version <= target)
    }

    fn new(migrations: &'a Migrations, dialect: Dialect) -> Self {
        let items = migrations
            .migrations
            .iter()
            .filter_map(|m| {
                Some(Item {
                    version: m.version,
                    name: &m.name,
                    up: m.up(dialect)?,
                    down: m.down(dialect),
                })
            })
            .collect();
        Embedded { items }
    }

    fn get(&self, version: i64) -> Option<&Item<'a>> {
        self.items
            .binary_search_by_key(&version, |i| i.version)
            .ok()
            .and_then(|i| self.items.get(i))
    }

    fn latest(&self) -> Option<i64> {
        self.items.last().map(|i| i.version)
    }

    /// The head over the embedded versions up to `target`.
    fn head_up_to(&self, target: i64) -> String {
        head_digest(
            self.items
                .iter()
                .filter(|i| i.version <= target)
                .map(|i| (i.version, i.up.checksum.as_ref())),
        )
    }

    fn unknown_target(&self, version: i64) -> Error {
        Error::UnknownTarget {
            version,
            below: self
                .items
                .iter()
                .rev()
                .find(|i| i.version < version)
                .map(|i| i.version),
            above: self
                .items
                .iter()
                .find(|i| i.version > version)
                .map(|i| i.version),
        }
    }

    /// The version before `version`: the embedded or recorded one just below it, else 0.
    fn previous(&self, state: &State, version: i64) -> i64 {
        let embedded = self
            .items
            .iter()
            .rev()
            .find(|i| i.version < version)
            .map(|i| i.version);
        let recorded = state
            .rows
            .iter()
            .rev()
            .find(|r| r.version < version)
            .map(|r| r.version);
        embedded.max(recorded).unwrap_or(0)
    }

    fn file_of(&self, row: &Row) -> String {
        match self.get(row.version) {
            Some(item) => item.up.file.to_string(),
            None => format!("{}_{}.sql", row.version, row.name),
        }
    }
}

/// SQLite's foreign keys setting, as [`Session::change_setting`] names it.
const FOREIGN_KEYS: &str = "PRAGMA foreign_keys";

/// What verifying the bookkeeping table found.
enum Verdict<'a> {
    /// Everything checks out; these versions are pending (ascending).
    Pending(Vec<Item<'a>>),
    /// SQLite: another upgrader is running a no-transaction migration; wait and read again.
    Wait,
}

/// Now, in milliseconds since the Unix epoch (0 before it).
fn unix_ms_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

async fn read_state<DB: Backend>(session: &mut Session<DB>, sql: &Sql) -> Result<State, Error> {
    let rows = session
        .fetch(
            "reading the bookkeeping table",
            &sql.select_rows(),
            Sql::ROW_KINDS,
        )
        .await?;
    sql.parse_rows(rows)
}

/// Whether the head row (the fast path's read) is `head`, applied: nobody has written the
/// table since this upgrader left it so.
async fn head_is<DB: Backend>(
    session: &mut Session<DB>,
    sql: &Sql,
    head: &str,
) -> Result<bool, Error> {
    let rows = session
        .fetch(
            "reading the bookkeeping table",
            &sql.select_head(),
            Sql::HEAD_KINDS,
        )
        .await?;
    Ok(Sql::head_row_is(&rows, head))
}

async fn table_exists<DB: Backend>(session: &mut Session<DB>, sql: &Sql) -> Result<bool, Error> {
    let rows = session
        .fetch(
            "looking for the bookkeeping table",
            &sql.table_exists(),
            &[ValueKind::Int],
        )
        .await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_int())
        .unwrap_or(0)
        > 0)
}

/// Runs the statements of `script` one by one. `transactional`: they run inside the caller's
/// transaction, which is rolled back on failure.
async fn run_script<DB: Backend>(
    session: &mut Session<DB>,
    item: &Item<'_>,
    script: &Script,
    down: bool,
    transactional: bool,
    previous: i64,
    tail: &[(&str, &RenderedSql)],
) -> Result<(), Error> {
    let list = match script.statements(DB::DIALECT) {
        Ok(list) => list,
        Err(error) => {
            if transactional {
                session.rollback().await;
            }
            return Err(Error::InvalidScript {
                version: item.version,
                file: script.file.to_string(),
                error,
            });
        }
    };
    // In one round trip inside a transaction, where a failure undoes the whole script anyway.
    // Outside one, a statement at a time: PostgreSQL would run a multi-statement query as one
    // implicit transaction, and MySQL runs the rest of one even after its client has died, so
    // a killed upgrader would not stop at the statement it was in.
    // `tail` (bookkeeping that follows the script in its transaction) rides along.
    let batch = transactional && list.len() + tail.len() > 1;
    let failure = if batch {
        let statements = list
            .iter()
            .map(|(_, rendered)| rendered)
            .chain(tail.iter().map(|(_, statement)| *statement));
        session
            .execute_batch(&RenderedSql::batch(statements))
            .await
            .err()
    } else {
        let mut failure = None;
        for (index, (_, rendered)) in list.iter().enumerate() {
            if let Err(source) = session.execute_raw(rendered).await {
                failure = Some((index, source));
                break;
            }
        }
        failure
    };
    if let Some((index, source)) = failure {
        if let Some((context, statement)) = index.checked_sub(list.len()).and_then(|i| tail.get(i))
        {
            if transactional {
                session.rollback().await;
            }
            return Err(crate::session::database_error(
                context,
                statement.as_str(),
                source,
            ));
        }
        let (statement, _) = &list[index.min(list.len() - 1)];
        let (message, code) = database_message(&source);
        if transactional {
            session.rollback().await;
        }
        return Err(Error::MigrationFailed {
            version: item.version,
            file: script.file.to_string(),
            down,
            ordinal: index + 1,
            statement: statement.first_line_shortened(),
            took_effect: if transactional { 0 } else { index },
            rolled_back: transactional,
            previous,
            message,
            code,
            source,
        });
    }
    Ok(())
}

/// The applied history is the binary's: no version the binary does not embed, no applied
/// script changed since. upgrade and downgrade both refuse to act on anything else.
fn check_history(state: &State, embedded: &Embedded<'_>) -> Result<(), Error> {
    let unknown: Vec<i64> = state
        .rows
        .iter()
        .filter(|r| embedded.get(r.version).is_none())
        .map(|r| r.version)
        .collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownVersions {
            versions: unknown,
            binary_latest: embedded.latest(),
        });
    }
    for row in &state.rows {
        if let Some(item) = embedded.get(row.version)
            && item.up.checksum != row.checksum
        {
            return Err(Error::ChecksumMismatch {
                version: row.version,
                file: item.up.file.to_string(),
                applied: row.checksum.clone(),
                embedded: item.up.checksum.to_string(),
            });
        }
    }
    Ok(())
}

/// Records `items` (ascending) as applied without running them, with ranks after `rank`; each
/// row carries the head of the rows written so far.
async fn write_versions<'i, DB: Backend>(
    session: &mut Session<DB>,
    sql: &Sql,
    items: impl IntoIterator<Item = &'i Item<'i>>,
    mut rank: i64,
    success: bool,
) -> Result<(), Error> {
    let mut written: Vec<(i64, &str)> = Vec::new();
    for item in items {
        written.push((item.version, &item.up.checksum));
        rank += 1;
        let head = head_digest(written.iter().copied());
        session
            .execute(
                "recording a version",
                &sql.insert_row(
                    item.version,
                    item.name,
                    &item.up.checksum,
                    rank,
                    &head,
                    0,
                    success,
                ),
            )
            .await?;
    }
    Ok(())
}

/// Runs one bookkeeping statement in its own locked transaction (`open`: the first attempt
/// joins the one already open) and commits. A conflict at any step (Galera's certification
/// failure 1213 at COMMIT) is retried, bounded, in a new transaction: the statement only
/// writes strata's own row, so running it again is safe, and a fully applied migration is not
/// left marked incomplete by a conflict.
async fn bookkeeping_transaction<DB: Backend>(
    session: &mut Session<DB>,
    lock: &Lock,
    context: &str,
    statement: &RenderedSql,
    mut open: bool,
) -> Result<(), Error> {
    const ATTEMPTS: u32 = 5;
    let mut attempt = 0;
    let begin = RenderedSql::from_static("BEGIN");
    let commit = RenderedSql::from_static("COMMIT");
    loop {
        attempt += 1;
        let result = if DB::DIALECT == Dialect::Mysql {
            // The lock is held for the whole operation: BEGIN (unless joining the open
            // transaction), the statement and COMMIT go in one round trip.
            let steps: Vec<&RenderedSql> = if open {
                vec![statement, &commit]
            } else {
                vec![&begin, statement, &commit]
            };
            session.in_transaction = true;
            match session
                .execute_batch(&RenderedSql::batch(steps.iter().copied()))
                .await
            {
                Ok(()) => {
                    session.committed();
                    Ok(())
                }
                Err((done, e)) => {
                    let failed = steps.get(done).copied().unwrap_or(statement);
                    Err((e, failed.as_str().to_string()))
                }
            }
        } else {
            if !open {
                lock.begin(session).await?;
            }
            match session.execute_raw(statement).await {
                Ok(_) => session
                    .commit_raw()
                    .await
                    .map_err(|e| (e, "COMMIT".to_string())),
                Err(e) => Err((e, statement.as_str().to_string())),
            }
        };
        open = false;
        match result {
            Ok(()) => return Ok(()),
            Err((error, _)) if attempt < ATTEMPTS && is_contention::<DB>(&error) => {
                tracing::info!(target: "strata", %error, attempt, "{context}: conflict, retrying");
                session.rollback().await;
                tokio::time::sleep(Duration::from_millis(10 << attempt)).await;
            }
            Err((error, failed)) => {
                session.rollback().await;
                return Err(crate::session::database_error(context, &failed, error));
            }
        }
    }
}

/// Makes the bookkeeping table exactly `items`, applied (creating the table when `existed` is
/// false), and commits: `version_control` and `adopt`, with the lock's transaction open except
/// on MySQL, where the table's DDL commits and the lock's transaction starts after it.
async fn rewrite_bookkeeping<'i, DB: Backend>(
    session: &mut Session<DB>,
    lock: &Lock,
    sql: &Sql,
    existed: bool,
    items: impl IntoIterator<Item = &'i Item<'i>>,
) -> Result<(), Error> {
    if !existed {
        session
            .execute("creating the bookkeeping table", &sql.create_table())
            .await?;
    }
    if DB::DIALECT == Dialect::Mysql {
        lock.begin(session).await?;
    }
    let state = read_state(session, sql).await?;
    session
        .execute("rewriting the bookkeeping table", &sql.delete_all())
        .await?;
    write_versions(session, sql, items, state.max_rank(), true).await?;
    session.commit().await
}

/// Best effort: marks the started row as failed, so a waiting SQLite upgrader reports it at
/// once instead of waiting for it to finish. The row stays incomplete either way.
async fn record_failure<DB: Backend>(session: &mut Session<DB>, sql: &Sql, version: i64) {
    if let Err(error) = session.execute_raw(&sql.mark_failed(version)).await {
        tracing::warn!(target: "strata", %error, version, "could not mark the failed migration");
    }
}

impl<'m> Migrator<'m> {
    /// A migrator for `migrations`, with the settings of its `strata.toml`.
    pub fn new(migrations: &'m Migrations) -> Self {
        Migrator {
            migrations,
            table: None,
            lock_timeout: None,
            lock_mode: None,
            lock_lease: None,
            transaction: None,
            out_of_order: None,
            force: false,
        }
    }

    /// The bookkeeping table's name (default: strata.toml `table`, else `strata_migrations`).
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.table = Some(name.into());
        self
    }

    /// How long to wait for the migration lock before failing (default: strata.toml
    /// `lock_timeout_secs`, else 10 minutes).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = Some(timeout);
        self
    }

    /// How the migration lock is taken (default: strata.toml `lock`, else
    /// [`LockMode::Auto`]): the database's advisory lock, or a leased row in the table
    /// `<bookkeeping table>_lock`, which holds across a Galera cluster and for no-transaction
    /// migrations behind a transaction-mode pooler such as PgBouncer.
    pub fn lock_mode(mut self, mode: LockMode) -> Self {
        self.lock_mode = Some(mode);
        self
    }

    /// Table mode: how long a claim of the lock row lasts unless renewed (default 30 seconds).
    /// The holder renews it every third of the lease; a holder that dies is replaced once its
    /// lease has expired.
    pub fn lock_lease(mut self, lease: Duration) -> Self {
        self.lock_lease = Some(lease);
        self
    }

    /// How pending migrations are grouped into transactions.
    pub fn transaction(mut self, mode: TransactionMode) -> Self {
        self.transaction = Some(mode);
        self
    }

    /// Allow applying a pending version below the highest applied one.
    pub fn out_of_order(mut self, allow: bool) -> Self {
        self.out_of_order = Some(allow);
        self
    }

    /// Let `version_control` rewrite the bookkeeping of a database already under control, and
    /// `downgrade` run although the applied history differs from the binary's (a changed
    /// script, a version the binary does not embed).
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    fn table_name(&self) -> &str {
        self.table
            .as_deref()
            .unwrap_or(&self.migrations.config.table)
    }

    fn timeout(&self) -> Duration {
        self.lock_timeout.unwrap_or(Duration::from_secs(
            self.migrations.config.lock_timeout_secs,
        ))
    }

    fn new_lock(&self, sql: &Sql) -> Lock {
        Lock::new(
            sql.dialect,
            &sql.table,
            self.timeout(),
            self.lock_mode.unwrap_or(self.migrations.config.lock),
            self.lock_lease.unwrap_or(DEFAULT_LEASE),
        )
    }

    fn mode(&self) -> TransactionMode {
        self.transaction
            .unwrap_or(self.migrations.config.transaction)
    }

    fn allow_out_of_order(&self) -> bool {
        self.out_of_order
            .unwrap_or(self.migrations.config.out_of_order)
    }

    /// Applies every pending migration.
    pub async fn upgrade<DB: Backend>(&self, pool: &sqlx::Pool<DB>) -> Result<Report, Error> {
        self.upgrade_impl(pool, None, None).await
    }

    /// On a database with no tables at all (and so no bookkeeping table), creates `schema`
    /// with `create_all` and records every embedded version as applied without running it,
    /// under the lock (atomically on SQLite and PostgreSQL; on MySQL, where DDL commits, the
    /// rows are written first marked incomplete and marked done last, so a failure half-way
    /// is an incomplete version naming the repair). Otherwise the same as [`Migrator::upgrade`]. The report lists no migrations
    /// when the schema was created.
    pub async fn upgrade_or_create<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        schema: &strata_core::Schema,
    ) -> Result<Report, Error> {
        self.upgrade_impl(pool, None, Some(schema)).await
    }

    /// Applies the pending migrations up to and including `version`, which must be embedded
    /// and not below the database's version.
    pub async fn upgrade_to<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        version: i64,
    ) -> Result<Report, Error> {
        self.upgrade_impl(pool, Some(version), None).await
    }

    async fn upgrade_impl<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        target: Option<i64>,
        create: Option<&strata_core::Schema>,
    ) -> Result<Report, Error> {
        let started = Instant::now();
        // Listed only when needed: a start with nothing pending reads one embedded head.
        let mut embedded = None;
        let latest = self
            .migrations
            .migrations
            .iter()
            .rev()
            .find(|m| m.up(DB::DIALECT).is_some())
            .map_or(0, |m| m.version);
        let target = match target {
            Some(v) => {
                let listed = embedded.insert(Embedded::new(self.migrations, DB::DIALECT));
                if listed.get(v).is_none() {
                    return Err(listed.unknown_target(v));
                }
                v
            }
            None => latest,
        };
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let binary_head = if target == latest {
            self.migrations.head(DB::DIALECT).to_string()
        } else {
            embedded
                .get_or_insert_with(|| Embedded::new(self.migrations, DB::DIALECT))
                .head_up_to(target)
        };
        let mut session = Session::acquire(pool).await?;

        // The fast path: one statement, no lock.
        match session.fetch_raw(&sql.select_head(), Sql::HEAD_KINDS).await {
            Ok(rows) => {
                let up_to_date = if rows.is_empty() {
                    binary_head == head_digest([])
                } else {
                    Sql::head_row_is(&rows, &binary_head)
                };
                if up_to_date {
                    tracing::debug!(target: "strata", version = target, "database is up to date");
                    return Ok(Report {
                        total: started.elapsed(),
                        ..Report::default()
                    });
                }
            }
            Err(e) if DB::is_missing_table(&e) => {
                tracing::info!(target: "strata", table = sql.table, "no bookkeeping table: the database is not under version control yet");
            }
            Err(e) => {
                return Err(crate::session::database_error(
                    "reading the bookkeeping table",
                    sql.select_head().as_str(),
                    e,
                ));
            }
        }

        tracing::info!(target: "strata", target_version = target, "migrations pending: taking the migration lock");
        let embedded = embedded.unwrap_or_else(|| Embedded::new(self.migrations, DB::DIALECT));
        let mut report = Report::default();
        let mut lock = self.new_lock(&sql);
        lock.done_when(sql.select_head(), binary_head.clone());
        let mut result = self.enter(&mut session, &mut lock, pool).await;
        // Another upgrader finished the work while this one waited for the lock.
        let mut created = lock.found_up_to_date();
        if result.is_ok()
            && !created
            && let Some(schema) = create
        {
            match self
                .create_and_stamp(&mut session, &lock, &sql, &embedded, target, schema)
                .await
            {
                Ok(done) => created = done,
                Err(e) => result = Err(e),
            }
        }
        if result.is_ok() && !created {
            result = self
                .apply_pending(
                    &mut session,
                    &mut lock,
                    &sql,
                    &embedded,
                    target,
                    &mut report,
                )
                .await;
        }
        self.leave(&mut session, &mut lock).await;
        report.total = started.elapsed();
        result?;
        tracing::info!(target: "strata", applied = report.migrations.len(), total_ms = report.total.as_millis() as u64, "upgrade finished");
        Ok(report)
    }

    /// `upgrade_or_create` on an empty database: create_all and stamp, under the lock. Returns
    /// `false` (nothing done) when the database has any table.
    async fn create_and_stamp<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        target: i64,
        schema: &strata_core::Schema,
    ) -> Result<bool, Error> {
        let mysql = DB::DIALECT == Dialect::Mysql;
        if !mysql {
            lock.begin(session).await?;
        }
        let tables = session
            .fetch("counting tables", &sql.count_tables(), &[ValueKind::Int])
            .await?;
        let empty = tables
            .first()
            .and_then(|r| r.first())
            .and_then(|v| v.as_int())
            == Some(0);
        if !empty {
            session.rollback().await;
            return Ok(false);
        }
        tracing::info!(target: "strata", version = target, "empty database: creating the schema and recording every version as applied");
        // The rows first, marked incomplete, then the schema, then the rows marked done: on
        // MySQL, where each step commits, a failure half-way leaves incomplete rows that name
        // the repair instead of tables without history (SQLite, PostgreSQL: one transaction).
        session
            .execute("creating the bookkeeping table", &sql.create_table())
            .await?;
        write_versions(session, sql, embedded.up_to(target), 0, false).await?;
        crate::create::create_all_on::<DB>(session.connection(), schema).await?;
        session
            .execute("recording the versions", &sql.mark_all_success())
            .await?;
        session.commit().await?;
        Ok(true)
    }

    /// Prepares the connection and, on MySQL, takes the session lock for the whole operation.
    /// [`Migrator::leave`] must follow on every path.
    async fn enter<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &mut Lock,
        pool: &sqlx::Pool<DB>,
    ) -> Result<(), Error> {
        lock.enter(session, pool).await
    }

    /// Rolls back what is open, releases every session lock taken and restores the settings;
    /// whatever fails here makes the guard close the connection.
    async fn leave<DB: Backend>(&self, session: &mut Session<DB>, lock: &mut Lock) {
        session.rollback().await;
        lock.leave(session).await;
        // Outside the transaction, which the rollback above has ended: a failed
        // foreign-keys-off migration returns before its setting is put back.
        session.restore_settings().await;
    }

    /// Checks the bookkeeping against the binary and lists what is pending up to `target`.
    fn verify<'a>(
        &self,
        state: &State,
        embedded: &Embedded<'a>,
        target: i64,
        dialect: Dialect,
        lock_timeout: Duration,
    ) -> Result<Verdict<'a>, Error> {
        if let Some(row) = state.rows.iter().find(|r| !r.success) {
            let timeout_ms = i64::try_from(lock_timeout.as_millis()).unwrap_or(i64::MAX);
            if dialect == Dialect::Sqlite
                && row.execution_ms != FAILED_MS
                && row.age_ms < timeout_ms
            {
                return Ok(Verdict::Wait);
            }
            return Err(Error::Incomplete {
                version: row.version,
                file: embedded.file_of(row),
                previous: embedded.previous(state, row.version),
            });
        }
        check_history(state, embedded)?;
        let current = state.version();
        if target < current {
            return Err(Error::TargetBelowCurrent { target, current });
        }
        let pending: Vec<Item<'a>> = embedded
            .items
            .iter()
            .filter(|i| i.version <= target && state.get(i.version).is_none())
            .copied()
            .collect();
        if !self.allow_out_of_order()
            && let Some(item) = pending.iter().find(|i| i.version < current)
        {
            return Err(Error::OutOfOrder {
                version: item.version,
                file: item.up.file.to_string(),
                highest_applied: current,
            });
        }
        Ok(Verdict::Pending(pending))
    }

    /// The slow path of upgrade: under the lock, one transaction per migration (or one for all),
    /// the table read and verified once and the state carried from one migration to the next.
    async fn apply_pending<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &mut Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        target: i64,
        report: &mut Report,
    ) -> Result<(), Error> {
        let dialect = DB::DIALECT;
        let mode = self.mode();
        if mode == TransactionMode::All && dialect == Dialect::Mysql {
            return Err(Error::TransactionModeUnsupported {
                reason: "MySQL cannot roll back DDL, so its migrations run outside transactions"
                    .to_string(),
            });
        }
        // Created only after the catalogue says it is missing: on Galera, DDL replicates in
        // total order and aborts other nodes' open transactions even when it does nothing.
        // DDL commits implicitly on MySQL: create it outside a transaction (the operation's
        // lock is held).
        if dialect == Dialect::Mysql && !table_exists(session, sql).await? {
            session
                .execute("creating the bookkeeping table", &sql.create_table())
                .await?;
        }
        let mut table_ready = dialect == Dialect::Mysql;
        let mut foreign_keys_off = false;
        let waiting_since = Instant::now();
        let mut backoff = Backoff::until(waiting_since, lock.timeout());
        // After each commit: the state as this upgrader left it, its head, and what is still
        // pending. The next transaction reuses it when the head row is still that head (one
        // indexed read instead of every row, verified again), or without reading at all while
        // a lock held for the whole operation keeps every other upgrader out.
        let mut carried: Option<(State, String, Vec<Item<'_>>)> = None;
        loop {
            lock.check_held()?;
            // MySQL runs every migration outside a transaction: with the state carried under
            // the operation's lock there is nothing to read, and nothing to begin.
            let read_nothing =
                dialect == Dialect::Mysql && carried.is_some() && lock.held_for_operation();
            // Whether the carried state still holds, read with the lock where it can be.
            let read = (carried.is_some() && !lock.held_for_operation()).then(|| sql.select_head());
            let head_row = if read_nothing {
                None
            } else {
                match lock.begin_unless_done(session, read.as_ref()).await? {
                    Began::Locked(rows) => rows,
                    Began::UpToDate => {
                        // Another upgrader brought the database up to date while this one
                        // waited.
                        self.foreign_keys_on(session, &mut foreign_keys_off).await?;
                        return Ok(());
                    }
                }
            };
            if !table_ready {
                if !table_exists(session, sql).await? {
                    session
                        .execute("creating the bookkeeping table", &sql.create_table())
                        .await?;
                }
                table_ready = true;
            }
            let reused = match carried.take() {
                Some((state, head, pending)) => {
                    let unchanged = match &head_row {
                        _ if lock.held_for_operation() => true,
                        Some(rows) => Sql::head_row_is(rows, &head),
                        None => head_is(session, sql, &head).await?,
                    };
                    unchanged.then_some((state, pending))
                }
                None => None,
            };
            let (mut state, pending) = match reused {
                Some(reused) => reused,
                None => {
                    let state = read_state(session, sql).await?;
                    match self.verify(&state, embedded, target, dialect, lock.timeout())? {
                        Verdict::Pending(p) => (state, p),
                        Verdict::Wait => {
                            session.rollback().await;
                            if !backoff.wait().await {
                                return Err(Error::LockTimeout {
                                    lock: "(a no-transaction migration another process is running on this SQLite database)".to_string(),
                                    waited: waiting_since.elapsed(),
                                });
                            }
                            continue;
                        }
                    }
                }
            };
            let Some(item) = pending.first().copied() else {
                session.commit().await?;
                self.foreign_keys_on(session, &mut foreign_keys_off).await?;
                return Ok(());
            };

            if mode == TransactionMode::All {
                if let Some(no_tx) = pending.iter().find(|i| i.up.no_transaction) {
                    return Err(Error::TransactionModeUnsupported {
                        reason: format!(
                            "migration {} ({}) is marked `-- strata:no-transaction`",
                            no_tx.version, no_tx.up.file
                        ),
                    });
                }
                if dialect == Dialect::Sqlite
                    && !foreign_keys_off
                    && pending.iter().any(|i| i.up.foreign_keys_off)
                {
                    session.rollback().await;
                    self.foreign_keys_off(session, &mut foreign_keys_off)
                        .await?;
                    continue;
                }
                // One transaction: the rows are written together at the end, in one round trip.
                let mut rows = Vec::with_capacity(pending.len());
                for item in &pending {
                    let previous = embedded.previous(&state, item.version);
                    let run = self
                        .apply_in_transaction(
                            session,
                            sql,
                            &mut state,
                            (item, previous),
                            foreign_keys_off,
                            Some(&mut rows),
                        )
                        .await?;
                    report.migrations.push(run);
                }
                // A few hundred rows per INSERT: one statement to parse instead of one per row.
                let inserts: Vec<RenderedSql> = rows
                    .chunks(500)
                    .map(|chunk| sql.insert_rows(chunk))
                    .collect();
                if let Err((done, error)) =
                    session.execute_batch(&RenderedSql::batch(&inserts)).await
                {
                    let failed = inserts
                        .get(done)
                        .or(inserts.last())
                        .map_or("", |r| r.as_str());
                    return Err(crate::session::database_error(
                        "recording the migrations",
                        failed,
                        error,
                    ));
                }
                session.commit().await?;
                self.foreign_keys_on(session, &mut foreign_keys_off).await?;
                return Ok(());
            }

            if dialect == Dialect::Sqlite && item.up.foreign_keys_off && !foreign_keys_off {
                session.rollback().await;
                self.foreign_keys_off(session, &mut foreign_keys_off)
                    .await?;
                continue;
            }

            let transactional = dialect != Dialect::Mysql && !item.up.no_transaction;
            if transactional {
                let previous = embedded.previous(&state, item.version);
                let run = self
                    .apply_in_transaction(
                        session,
                        sql,
                        &mut state,
                        (&item, previous),
                        foreign_keys_off,
                        None,
                    )
                    .await?;
                session.commit().await?;
                self.foreign_keys_on(session, &mut foreign_keys_off).await?;
                report.migrations.push(run);
                let head = state.head();
                carried = Some((state, head, pending[1..].to_vec()));
                continue;
            }

            if lock.hold_outside_transactions(session).await? {
                // A no-transaction migration holds a lock that outlasts transactions
                // throughout; now taken, read the table again.
                continue;
            }
            let run = self
                .apply_outside_transaction(session, lock, sql, embedded, &mut state, &item)
                .await?;
            report.migrations.push(run);
            lock.end_outside_transactions(session).await;
            let head = state.head();
            carried = Some((state, head, pending[1..].to_vec()));
        }
    }

    /// SQLite table rebuilds: turns foreign keys off, remembering the value read before.
    async fn foreign_keys_off<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        off: &mut bool,
    ) -> Result<(), Error> {
        // Inside a transaction the pragma is a no-op, so it is set before BEGIN IMMEDIATE.
        let read = RenderedSql::from_static(FOREIGN_KEYS);
        let before = session
            .fetch_int("reading the foreign keys setting", &read)
            .await?;
        let restore = RenderedSql::from_static(if before == 0 {
            "PRAGMA foreign_keys = OFF"
        } else {
            "PRAGMA foreign_keys = ON"
        });
        session
            .change_setting(
                FOREIGN_KEYS,
                restore,
                &RenderedSql::from_static("PRAGMA foreign_keys = OFF"),
            )
            .await?;
        *off = true;
        Ok(())
    }

    /// Puts foreign keys back to the value [`Migrator::foreign_keys_off`] read.
    async fn foreign_keys_on<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        off: &mut bool,
    ) -> Result<(), Error> {
        if *off {
            session.restore_setting(FOREIGN_KEYS).await?;
            *off = false;
        }
        Ok(())
    }

    /// Runs `item` and writes its row inside the open, locked transaction.
    async fn apply_in_transaction<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        sql: &Sql,
        state: &mut State,
        (item, previous): (&Item<'_>, i64),
        check_foreign_keys: bool,
        deferred_rows: Option<&mut Vec<RenderedSql>>,
    ) -> Result<MigrationRun, Error> {
        let started = Instant::now();
        tracing::info!(target: "strata", version = item.version, name = item.name, file = %item.up.file, "applying migration");
        let head = state.head_with_next(item.version, &item.up.checksum);
        let rank = state.max_rank() + 1;
        if deferred_rows.is_none() && !check_foreign_keys {
            // One migration, one transaction: the script, its row and COMMIT in one round
            // trip, the row timing the script by the database's clock.
            let insert = sql.insert_row_timed(
                item.version,
                item.name,
                &item.up.checksum,
                rank,
                &head,
                &sql.elapsed_ms_since(unix_ms_now()),
            );
            let commit = RenderedSql::from_static("COMMIT");
            let tail = [
                ("recording the migration", &insert),
                ("committing", &commit),
            ];
            run_script(session, item, item.up, false, true, previous, &tail).await?;
            session.committed();
        } else {
            run_script(session, item, item.up, false, true, previous, &[]).await?;
            if check_foreign_keys {
                self.check_foreign_keys(session, item.version, &item.up.file)
                    .await?;
            }
            let values = sql.row_values(
                item.version,
                item.name,
                &item.up.checksum,
                rank,
                &head,
                elapsed_ms(started),
                true,
            );
            match deferred_rows {
                Some(rows) => rows.push(values),
                None => {
                    session
                        .execute("recording the migration", &sql.insert_rows([&values]))
                        .await?;
                }
            }
        }
        state.record_applied(item.version, item.name, &item.up.checksum, rank);
        let duration = started.elapsed();
        tracing::info!(target: "strata", version = item.version, name = item.name, duration_ms = duration.as_millis() as u64, "migration applied");
        Ok(MigrationRun {
            version: item.version,
            name: item.name.to_string(),
            duration,
        })
    }

    /// SQLite table rebuilds: any row `PRAGMA foreign_key_check` reports fails the migration.
    async fn check_foreign_keys<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        version: i64,
        file: &str,
    ) -> Result<(), Error> {
        let rows = session
            .fetch(
                "checking foreign keys",
                &RenderedSql::from_static("PRAGMA foreign_key_check"),
                &[ValueKind::Text, ValueKind::Int, ValueKind::Text],
            )
            .await?;
        if let Some(row) = rows.first() {
            session.rollback().await;
            let table = row.first().and_then(|v| v.as_text()).unwrap_or("?");
            let rowid = row
                .get(1)
                .and_then(|v| v.as_int())
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".to_string());
            let parent = row.get(2).and_then(|v| v.as_text()).unwrap_or("?");
            return Err(Error::Schema(format!(
                "migration {} ({}) was rolled back: after it, row {rowid} of table {table} references a missing row of {parent} (PRAGMA foreign_key_check); fix the data or the script and run again",
                version, file
            )));
        }
        Ok(())
    }

    /// MySQL and `-- strata:no-transaction`: a row with success = false first, the statements
    /// one by one in autocommit, then success = true. Called inside the locked transaction that
    /// has just read `state`, or on MySQL with no transaction open and `state` carried under
    /// the operation's lock.
    async fn apply_outside_transaction<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &mut Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        state: &mut State,
        item: &Item<'_>,
    ) -> Result<MigrationRun, Error> {
        let started = Instant::now();
        tracing::info!(target: "strata", version = item.version, name = item.name, file = %item.up.file, "applying migration outside a transaction");
        let head = state.head_with_next(item.version, &item.up.checksum);
        let rank = state.max_rank() + 1;
        let start = sql.insert_row(
            item.version,
            item.name,
            &item.up.checksum,
            rank,
            &head,
            0,
            false,
        );
        let open = session.in_transaction;
        bookkeeping_transaction(
            session,
            lock,
            "recording the migration's start",
            &start,
            open,
        )
        .await?;
        let previous = embedded.previous(state, item.version);
        if let Err(e) = run_script(session, item, item.up, false, false, previous, &[]).await {
            record_failure(session, sql, item.version).await;
            return Err(e);
        }
        let done = sql.mark_success(item.version, elapsed_ms(started));
        bookkeeping_transaction(session, lock, "recording the migration", &done, false).await?;
        state.record_applied(item.version, item.name, &item.up.checksum, rank);
        let duration = started.elapsed();
        tracing::info!(target: "strata", version = item.version, name = item.name, duration_ms = duration.as_millis() as u64, "migration applied");
        Ok(MigrationRun {
            version: item.version,
            name: item.name.to_string(),
            duration,
        })
    }

    /// Reverts the applied migrations above `version` (0 or an applied version) with their down
    /// scripts, newest first. Before anything runs, the applied history is verified as
    /// [`Migrator::upgrade`] does (no changed script, no version the binary does not embed,
    /// no incomplete row; [`Migrator::force`] skips the first two) and every down script is
    /// checked to exist.
    pub async fn downgrade<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        version: i64,
    ) -> Result<Report, Error> {
        let started = Instant::now();
        let embedded = Embedded::new(self.migrations, DB::DIALECT);
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let mut session = Session::acquire(pool).await?;
        let mut report = Report::downgrade();
        let mut lock = self.new_lock(&sql);
        tracing::info!(target: "strata", target_version = version, "downgrade: taking the migration lock");
        let mut result = self.enter(&mut session, &mut lock, pool).await;
        if result.is_ok() {
            result = self
                .revert(
                    &mut session,
                    &mut lock,
                    &sql,
                    &embedded,
                    version,
                    &mut report,
                )
                .await;
        }
        self.leave(&mut session, &mut lock).await;
        report.total = started.elapsed();
        result?;
        Ok(report)
    }

    async fn revert<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &mut Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        target: i64,
        report: &mut Report,
    ) -> Result<(), Error> {
        let dialect = DB::DIALECT;
        let mut checked = false;
        let mut foreign_keys_off = false;
        loop {
            lock.check_held()?;
            lock.begin(session).await?;
            if !checked && !table_exists(session, sql).await? {
                return Err(Error::NotUnderControl {
                    table: sql.table.clone(),
                });
            }
            let state = read_state(session, sql).await?;
            if let Some(row) = state.rows.iter().find(|r| !r.success) {
                return Err(Error::Incomplete {
                    version: row.version,
                    file: embedded.file_of(row),
                    previous: embedded.previous(&state, row.version),
                });
            }
            let to_revert: Vec<&Row> = state
                .rows
                .iter()
                .rev()
                .filter(|r| r.version > target)
                .collect();
            if !checked {
                // A down script written for another history would undo the wrong schema.
                if !self.force {
                    check_history(&state, embedded)?;
                }
                if target != 0 && state.get(target).is_none() {
                    return Err(Error::DowngradeTargetNotApplied {
                        target,
                        applied: state.rows.iter().map(|r| r.version).collect(),
                    });
                }
                for row in &to_revert {
                    let item = embedded.get(row.version);
                    if item.and_then(|i| i.down).is_none() {
                        return Err(Error::MissingDownScript {
                            version: row.version,
                            file: self
                                .migrations
                                .down_file_name(row.version, &row.name, dialect),
                        });
                    }
                }
                checked = true;
            }
            let Some(row) = to_revert.first() else {
                session.commit().await?;
                self.foreign_keys_on(session, &mut foreign_keys_off).await?;
                return Ok(());
            };
            let Some((item, down)) = embedded.get(row.version).and_then(|i| Some((*i, i.down?)))
            else {
                // Checked above; a row added meanwhile by a newer binary.
                return Err(Error::UnknownVersions {
                    versions: vec![row.version],
                    binary_latest: embedded.latest(),
                });
            };
            let started = Instant::now();
            let previous = embedded.previous(&state, item.version);
            let rest_head = state.head_with(None, Some(item.version));
            let new_top = state
                .rows
                .iter()
                .filter(|r| r.version != item.version)
                .max_by_key(|r| r.installed_rank)
                .map(|r| r.version);
            let rank = state.max_rank() + 1;
            tracing::info!(target: "strata", version = item.version, name = item.name, file = %down.file, "reverting migration");
            // A down script that rebuilds SQLite tables needs foreign keys off, as an up script.
            if dialect == Dialect::Sqlite && down.foreign_keys_off && !foreign_keys_off {
                session.rollback().await;
                self.foreign_keys_off(session, &mut foreign_keys_off)
                    .await?;
                continue;
            }
            let transactional = dialect != Dialect::Mysql && !down.no_transaction;
            if transactional {
                run_script(session, &item, down, true, true, previous, &[]).await?;
                if foreign_keys_off {
                    self.check_foreign_keys(session, item.version, &down.file)
                        .await?;
                }
            } else {
                if lock.hold_outside_transactions(session).await? {
                    continue;
                }
                // Mark the row as in progress (it becomes the newest row, so the fast path
                // sees it).
                let head = state.head_with(None, None);
                session
                    .execute(
                        "recording the downgrade's start",
                        &sql.restamp(item.version, rank, &head, Some(false)),
                    )
                    .await?;
                session.commit().await?;
                if let Err(e) = run_script(session, &item, down, true, false, previous, &[]).await {
                    record_failure(session, sql, item.version).await;
                    return Err(e);
                }
                lock.begin(session).await?;
            }
            session
                .execute("recording the downgrade", &sql.delete_row(item.version))
                .await?;
            if let Some(top) = new_top {
                session
                    .execute(
                        "recording the downgrade",
                        &sql.restamp(top, rank + 1, &rest_head, None),
                    )
                    .await?;
            }
            session.commit().await?;
            if !transactional {
                lock.end_outside_transactions(session).await;
            }
            self.foreign_keys_on(session, &mut foreign_keys_off).await?;
            let duration = started.elapsed();
            tracing::info!(target: "strata", version = item.version, duration_ms = duration.as_millis() as u64, "migration reverted");
            report.migrations.push(MigrationRun {
                version: item.version,
                name: item.name.to_string(),
                duration,
            });
        }
    }

    /// Puts the database under version control at `version` without running anything: records
    /// `version` and every embedded version below it as applied. `None` creates the empty table.
    /// On a database already under control this is an error unless [`Migrator::force`] is set;
    /// forced, the table becomes exactly the embedded versions up to `version`.
    pub async fn version_control<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
        version: Option<i64>,
    ) -> Result<(), Error> {
        let embedded = Embedded::new(self.migrations, DB::DIALECT);
        if let Some(v) = version
            && embedded.get(v).is_none()
        {
            return Err(embedded.unknown_target(v));
        }
        let target = version.unwrap_or(0);
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let mut session = Session::acquire(pool).await?;
        let mut lock = self.new_lock(&sql);
        let mut result = self.enter(&mut session, &mut lock, pool).await;
        if result.is_ok() {
            result = self
                .stamp(&mut session, &mut lock, &sql, &embedded, target)
                .await;
        }
        self.leave(&mut session, &mut lock).await;
        result
    }

    /// Whether the bookkeeping table exists; an error naming the current version when it does,
    /// unless forced (`version_control` and `adopt` only take over an uncontrolled database).
    async fn refuse_if_under_control<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        sql: &Sql,
    ) -> Result<bool, Error> {
        let existed = table_exists(session, sql).await?;
        if existed && !self.force {
            let current = read_state(session, sql).await?.version();
            return Err(Error::AlreadyUnderControl {
                table: sql.table.clone(),
                current,
            });
        }
        Ok(existed)
    }

    async fn stamp<DB: Backend>(
        &self,
        session: &mut Session<DB>,
        lock: &mut Lock,
        sql: &Sql,
        embedded: &Embedded<'_>,
        target: i64,
    ) -> Result<(), Error> {
        let mysql = DB::DIALECT == Dialect::Mysql;
        if !mysql {
            lock.begin(session).await?;
        }
        let existed = self.refuse_if_under_control(session, sql).await?;
        rewrite_bookkeeping(session, lock, sql, existed, embedded.up_to(target)).await?;
        tracing::info!(target: "strata", version = target, forced = existed, "database put under version control");
        Ok(())
    }

    /// The database's version: `None` when it is not under version control, `Some(0)` when
    /// nothing is applied, else the highest successfully applied version.
    pub async fn db_version<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
    ) -> Result<Option<i64>, Error> {
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let mut session = Session::acquire(pool).await?;
        match session
            .fetch_raw(&sql.select_db_version(), &[ValueKind::Int])
            .await
        {
            Ok(rows) => Ok(Some(
                rows.first()
                    .and_then(|r| r.first())
                    .and_then(|v| v.as_int())
                    .unwrap_or(0),
            )),
            Err(e) if DB::is_missing_table(&e) => Ok(None),
            Err(e) => Err(crate::session::database_error(
                "reading the database version",
                sql.select_db_version().as_str(),
                e,
            )),
        }
    }

    /// Reads the database's schema like `strata::runtime::reflect`, leaving out this
    /// migrator's bookkeeping table (which may be configured by [`Migrator::table`]).
    pub async fn reflect<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
    ) -> Result<strata_core::Snapshot, Error> {
        let mut session = Session::acquire(pool).await?;
        crate::reflect::reflect_on::<DB>(session.connection(), self.table_name()).await
    }

    /// Every version the binary embeds or the database records, ascending, with its state.
    /// Reads only (no lock, no DDL), so it works for roles without DDL rights.
    pub async fn status<DB: Backend>(
        &self,
        pool: &sqlx::Pool<DB>,
    ) -> Result<Vec<VersionStatus>, Error> {
        let embedded = Embedded::new(self.migrations, DB::DIALECT);
        let sql = Sql::new(DB::DIALECT, self.table_name());
        let mut session = Session::acquire(pool).await?;
        let state = match session.fetch_raw(&sql.select_rows(), Sql::ROW_KINDS).await {
            Ok(rows) => sql.parse_rows(rows)?,
            Err(e) if DB::is_missing_table(&e) => State::default(),
            Err(e) => {
                return Err(crate::session::database_error(
                    "reading the bookkeeping table",
                    sql.select_rows().as_str(),
                    e,
                ));
            }
        };
        drop(session);
        let mut versions: Vec<i64> = embedded
            .items
            .iter()
            .map(|i| i.version)
            .chain(state.rows.iter().map(|r| r.version))
            .collect();
        versions.sort_unstable();
        versions.dedup();
        Ok(versions
            .into_iter()
            .map(|version| {
                let item = embedded.get(version);
                let row = state.get(version);
                let state = match (item, row) {
                    (_, Some(r)) if !r.success => VersionState::Incomplete,
                    (None, Some(_)) => VersionState::Unknown,
                    (Some(i), Some(r)) if *i.up.checksum != *r.checksum => VersionState::Changed,
                    (Some(_), Some(_)) => VersionState::Applied,
                    _ => VersionState::Pending,
                };
                VersionStatus {
                    version,
                    name: item
                        .map(|i| i.name.to_string())
                        .or_else(|| row.map(|r| r.name.clone()))
                        .unwrap_or_default(),
                    state,
                    applied_at: row
                        .and_then(|r| r.applied_at_ms)
                        .and_then(|ms| u64::try_from(ms).ok())
                        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms)),
                    applied_checksum: row.map(|r| r.checksum.clone()),
                    embedded_checksum: item.map(|i| i.up.checksum.to_string()),
                }
            })
            .collect())
    }
}
