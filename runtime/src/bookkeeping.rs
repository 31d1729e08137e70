//! The bookkeeping table: its DDL, the statements that read and write it, and the rows read
//! back. Every statement is rendered here from the quoted table name and literals strata
//! produces itself (versions, hex checksums, migration names), never from raw user text.

use strata_core::rendered::{ident, string};
use strata_core::{Dialect, HeadHasher, RenderedSql, head_digest, sql};

use crate::backend::{Value, ValueKind};
use crate::error::Error;

/// One row of the bookkeeping table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub version: i64,
    pub name: String,
    pub checksum: String,
    pub installed_rank: i64,
    pub success: bool,
    /// Milliseconds since the Unix epoch.
    pub applied_at_ms: Option<i64>,
    /// Milliseconds since `applied_at`, by the database's clock.
    pub age_ms: i64,
    /// Duration of the run; [`FAILED_MS`] marks a started row whose run failed.
    pub execution_ms: i64,
}

/// `execution_ms` of a row whose non-transactional run failed (as opposed to one still
/// running, which another SQLite upgrader waits for).
pub(crate) const FAILED_MS: i64 = -1;

/// The bookkeeping table as read under the lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// Rows in version order (as read; [`State::record`] appends).
    pub rows: Vec<Row>,
    /// The head of the first `.0` rows; rows only grow, through [`State::record`].
    running: Option<(usize, HeadHasher)>,
}

impl State {
    pub fn get(&self, version: i64) -> Option<&Row> {
        self.rows.iter().find(|r| r.version == version)
    }

    pub fn max_rank(&self) -> i64 {
        self.rows
            .iter()
            .map(|r| r.installed_rank)
            .max()
            .unwrap_or(0)
    }

    /// The highest successfully applied version, 0 when none.
    pub fn version(&self) -> i64 {
        self.rows
            .iter()
            .filter(|r| r.success)
            .map(|r| r.version)
            .max()
            .unwrap_or(0)
    }

    /// The head of these rows plus `(version, checksum)`: hashed on from the running head
    /// when `version` is above every row, so applying N migrations stays linear.
    pub fn head_with_next(&mut self, version: i64, checksum: &str) -> String {
        let mut next = self.running().clone();
        if next.push(version, checksum) {
            next.digest()
        } else {
            self.head_with(Some((version, checksum)), None)
        }
    }

    /// The head of these rows.
    pub fn head(&mut self) -> String {
        self.running().digest()
    }

    /// The running head, rebuilt from the rows when they have grown past it.
    fn running(&mut self) -> &HeadHasher {
        let fresh = matches!(&self.running, Some((covered, _)) if *covered == self.rows.len());
        if !fresh {
            let mut rows: Vec<(i64, &str)> = self
                .rows
                .iter()
                .map(|r| (r.version, r.checksum.as_str()))
                .collect();
            rows.sort_by_key(|(version, _)| *version);
            let mut running = HeadHasher::default();
            for (version, checksum) in rows {
                running.push(version, checksum);
            }
            self.running = Some((self.rows.len(), running));
        }
        &self.running.get_or_insert_default().1
    }

    /// Records a version this upgrader has just applied, with installed rank `rank`.
    pub fn record_applied(&mut self, version: i64, name: &str, checksum: &str, rank: i64) {
        self.record(Row {
            version,
            name: name.to_string(),
            checksum: checksum.to_string(),
            installed_rank: rank,
            success: true,
            applied_at_ms: None,
            age_ms: 0,
            execution_ms: 0,
        });
    }

    /// Adds a row just written, carrying the running head forward.
    fn record(&mut self, row: Row) {
        if let Some((covered, running)) = &mut self.running
            && *covered == self.rows.len()
            && running.push(row.version, &row.checksum)
        {
            *covered += 1;
        }
        self.rows.push(row);
    }

    /// The head of these rows plus `extra`, minus `without`.
    pub fn head_with(&self, extra: Option<(i64, &str)>, without: Option<i64>) -> String {
        head_digest(
            self.rows
                .iter()
                .filter(|r| Some(r.version) != without)
                .map(|r| (r.version, r.checksum.as_str()))
                .chain(extra),
        )
    }
}

/// Renders the bookkeeping statements for one dialect and table.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub dialect: Dialect,
    /// The table name as given.
    pub table: String,
}

impl Sql {
    pub fn new(dialect: Dialect, table: &str) -> Sql {
        Sql {
            dialect,
            table: table.to_string(),
        }
    }

    fn bool(&self, value: bool) -> &'static str {
        match (self.dialect, value) {
            (Dialect::Sqlite, true) => "1",
            (Dialect::Sqlite, false) => "0",
            (_, true) => "TRUE",
            (_, false) => "FALSE",
        }
    }

    fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
            Dialect::Postgres => "now()",
            Dialect::Mysql => "CURRENT_TIMESTAMP(6)",
        }
    }

    pub fn create_table(&self) -> RenderedSql {
        let columns = match self.dialect {
            Dialect::Sqlite => {
                " (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum TEXT NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head TEXT NOT NULL,\n  applied_at TEXT NOT NULL,\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n)"
            }
            Dialect::Postgres => {
                " (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum VARCHAR(64) NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head VARCHAR(64) NOT NULL,\n  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n)"
            }
            // DATETIME, not TIMESTAMP: MariaDB's TIMESTAMP ends in 2038. The value is UTC (the
            // session time zone sqlx sets); tables made with TIMESTAMP(6) keep working.
            Dialect::Mysql => {
                " (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name VARCHAR(255) NOT NULL,\n  checksum VARCHAR(64) NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head VARCHAR(64) NOT NULL,\n  applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            }
        };
        sql!(self.dialect; "CREATE TABLE IF NOT EXISTS ", ident(&self.table), columns)
    }

    /// The fast path: the head row. One statement, one index lookup.
    pub fn select_head(&self) -> RenderedSql {
        sql!(self.dialect;
            "SELECT head, success FROM ",
            ident(&self.table),
            " ORDER BY installed_rank DESC LIMIT 1"
        )
    }

    pub const HEAD_KINDS: &'static [ValueKind] = &[ValueKind::Text, ValueKind::Bool];

    /// Whether `rows`, as [`Sql::select_head`] returns them, say the head is `head`, applied.
    pub fn head_row_is(rows: &[Vec<Value>], head: &str) -> bool {
        rows.first().is_some_and(|row| {
            row.first().and_then(|v| v.as_text()) == Some(head)
                && row.get(1).and_then(|v| v.as_bool()) == Some(true)
        })
    }

    /// 1 when the table exists, else 0 (a catalogue query, so it never fails inside a
    /// transaction).
    pub fn table_exists(&self) -> RenderedSql {
        let name = string(&self.table);
        match self.dialect {
            Dialect::Sqlite => sql!(self.dialect;
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ", name
            ),
            Dialect::Postgres => sql!(self.dialect;
                "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ",
                name
            ),
            Dialect::Mysql => sql!(self.dialect;
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
                name
            ),
        }
    }

    /// The number of tables in the database (its current schema on PostgreSQL), leaving out
    /// the lock table of `lock = "table"`, which the lock creates first.
    pub fn count_tables(&self) -> RenderedSql {
        let lock_table = crate::lock::lock_table_name(&self.table);
        let lock = string(&lock_table);
        match self.dialect {
            Dialect::Sqlite => sql!(self.dialect;
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ",
                lock
            ),
            Dialect::Postgres => sql!(self.dialect;
                "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename <> ",
                lock
            ),
            Dialect::Mysql => sql!(self.dialect;
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ",
                lock
            ),
        }
    }

    pub fn select_db_version(&self) -> RenderedSql {
        sql!(self.dialect;
            "SELECT MAX(version) FROM ",
            ident(&self.table),
            " WHERE success = ",
            self.bool(true)
        )
    }

    pub fn select_rows(&self) -> RenderedSql {
        let (applied_ms, age_ms) = match self.dialect {
            Dialect::Sqlite => (
                "CAST((julianday(applied_at) - 2440587.5) * 86400000 AS INTEGER)",
                "CAST((julianday('now') - julianday(applied_at)) * 86400000 AS INTEGER)",
            ),
            Dialect::Postgres => (
                "CAST(EXTRACT(EPOCH FROM applied_at) * 1000 AS BIGINT)",
                "CAST(EXTRACT(EPOCH FROM (clock_timestamp() - applied_at)) * 1000 AS BIGINT)",
            ),
            Dialect::Mysql => (
                // Not UNIX_TIMESTAMP: MariaDB before 11.5 returns NULL after 2038.
                "CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', applied_at) DIV 1000 AS SIGNED)",
                "CAST(TIMESTAMPDIFF(MICROSECOND, applied_at, CURRENT_TIMESTAMP(6)) / 1000 AS SIGNED)",
            ),
        };
        sql!(self.dialect;
            "SELECT version, name, checksum, installed_rank, success, ",
            applied_ms,
            ", ",
            age_ms,
            ", execution_ms FROM ",
            ident(&self.table),
            " ORDER BY version"
        )
    }

    pub const ROW_KINDS: &'static [ValueKind] = &[
        ValueKind::Int,
        ValueKind::Text,
        ValueKind::Text,
        ValueKind::Int,
        ValueKind::Bool,
        ValueKind::Int,
        ValueKind::Int,
        ValueKind::Int,
    ];

    /// The rows [`Sql::select_rows`] read. A NULL or a value of the wrong kind is an error
    /// naming the column and the row's version: nothing is guessed.
    pub fn parse_rows(&self, rows: Vec<Vec<Value>>) -> Result<State, Error> {
        let rows = rows
            .into_iter()
            .map(|r| {
                // `index`: the column's position in the query (two are read from applied_at).
                let bad = |version: Option<i64>, index: usize, expected: &'static str| {
                    let found = match r.get(index) {
                        None | Some(Value::Null) => "NULL".to_string(),
                        Some(Value::Int(v)) => v.to_string(),
                        Some(Value::Text(t)) => format!("{t:?}"),
                        Some(Value::Bool(b)) => b.to_string(),
                        Some(Value::Float(x)) => x.to_string(),
                        Some(Value::Unreadable(what)) => what.clone(),
                    };
                    Error::BadBookkeeping {
                        table: self.table.clone(),
                        column: COLUMNS[index],
                        version,
                        found,
                        expected,
                    }
                };
                let int = |index: usize, version: Option<i64>| match r.get(index) {
                    Some(Value::Int(v)) => Ok(*v),
                    _ => Err(bad(version, index, "an integer")),
                };
                let number = int(0, None)?;
                let version = Some(number);
                let text = |index: usize, expected: &'static str| match r.get(index) {
                    Some(Value::Text(t)) => Ok(t.clone()),
                    _ => Err(bad(version, index, expected)),
                };
                Ok(Row {
                    version: number,
                    name: text(1, "the migration's name")?,
                    checksum: text(2, "a SHA-256 checksum")?,
                    installed_rank: int(3, version)?,
                    success: match r.get(4).and_then(Value::as_bool) {
                        Some(b) => b,
                        None => return Err(bad(version, 4, "a boolean")),
                    },
                    applied_at_ms: Some(int(5, version)?),
                    age_ms: int(6, version)?,
                    execution_ms: int(7, version)?,
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(State {
            rows,
            running: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_row(
        &self,
        version: i64,
        name: &str,
        checksum: &str,
        rank: i64,
        head: &str,
        execution_ms: i64,
        success: bool,
    ) -> RenderedSql {
        let values = self.row_values(version, name, checksum, rank, head, execution_ms, success);
        self.insert_rows([&values])
    }

    /// One row's values for [`Sql::insert_rows`], in its column order.
    #[allow(clippy::too_many_arguments)] // one per column
    pub fn row_values(
        &self,
        version: i64,
        name: &str,
        checksum: &str,
        rank: i64,
        head: &str,
        execution_ms: i64,
        success: bool,
    ) -> RenderedSql {
        let execution_ms = sql!(self.dialect; execution_ms);
        self.values(version, name, checksum, rank, head, &execution_ms, success)
    }

    /// [`Sql::row_values`] with `execution_ms` an SQL expression.
    #[allow(clippy::too_many_arguments)] // one per column
    fn values(
        &self,
        version: i64,
        name: &str,
        checksum: &str,
        rank: i64,
        head: &str,
        execution_ms: &RenderedSql,
        success: bool,
    ) -> RenderedSql {
        sql!(self.dialect;
            "(", version, ", ", string(name), ", ", string(checksum), ", ", rank, ", ", string(head), ", ",
            self.now(), ", ", execution_ms, ", ", self.bool(success), ")"
        )
    }

    /// One INSERT of the rows [`Sql::row_values`] rendered.
    pub fn insert_rows<'a>(&self, rows: impl IntoIterator<Item = &'a RenderedSql>) -> RenderedSql {
        sql!(self.dialect;
            "INSERT INTO ",
            ident(&self.table),
            " (version, name, checksum, installed_rank, head, applied_at, execution_ms, success) VALUES ",
            &RenderedSql::join(rows, ", ")
        )
    }

    /// [`Sql::insert_row`] of an applied migration whose `execution_ms` is the expression
    /// `execution_ms` (see [`Sql::elapsed_ms_since`]), evaluated when the row is written.
    pub fn insert_row_timed(
        &self,
        version: i64,
        name: &str,
        checksum: &str,
        rank: i64,
        head: &str,
        execution_ms: &RenderedSql,
    ) -> RenderedSql {
        let values = self.values(version, name, checksum, rank, head, execution_ms, true);
        self.insert_rows([&values])
    }

    /// The milliseconds since `started_unix_ms`, by the database's clock when the row is
    /// written: PostgreSQL's `statement_timestamp()` is when the round trip carrying the
    /// script arrived; SQLite runs in this process, on this clock.
    pub fn elapsed_ms_since(&self, started_unix_ms: i64) -> RenderedSql {
        match self.dialect {
            Dialect::Postgres => RenderedSql::from_static(
                "CAST(EXTRACT(EPOCH FROM clock_timestamp() - statement_timestamp()) * 1000 AS BIGINT)",
            ),
            Dialect::Sqlite => sql!(self.dialect;
                "MAX(0, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - ", started_unix_ms, ")"
            ),
            Dialect::Mysql => sql!(self.dialect;
                "GREATEST(0, CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000 AS SIGNED) - ", started_unix_ms, ")"
            ),
        }
    }

    /// Marks a started (success = false) row as done.
    pub fn mark_success(&self, version: i64, execution_ms: i64) -> RenderedSql {
        sql!(self.dialect;
            "UPDATE ", ident(&self.table), " SET success = ", self.bool(true),
            ", execution_ms = ", execution_ms, " WHERE version = ", version
        )
    }

    /// Marks every row as done (after `upgrade_or_create` has created the schema).
    pub fn mark_all_success(&self) -> RenderedSql {
        sql!(self.dialect; "UPDATE ", ident(&self.table), " SET success = ", self.bool(true))
    }

    /// Marks a started row as failed (it stays incomplete).
    pub fn mark_failed(&self, version: i64) -> RenderedSql {
        sql!(self.dialect;
            "UPDATE ", ident(&self.table), " SET execution_ms = ", FAILED_MS,
            " WHERE version = ", version
        )
    }

    /// Makes `version` the newest row, carrying `head`; `success` changes its flag too.
    pub fn restamp(
        &self,
        version: i64,
        rank: i64,
        head: &str,
        success: Option<bool>,
    ) -> RenderedSql {
        let success = match success {
            Some(true) => sql!(self.dialect; ", success = ", self.bool(true)),
            Some(false) => sql!(self.dialect; ", success = ", self.bool(false)),
            None => RenderedSql::from_static(""),
        };
        sql!(self.dialect;
            "UPDATE ", ident(&self.table), " SET installed_rank = ", rank, ", head = ",
            string(head), &success, " WHERE version = ", version
        )
    }

    pub fn delete_row(&self, version: i64) -> RenderedSql {
        sql!(self.dialect; "DELETE FROM ", ident(&self.table), " WHERE version = ", version)
    }

    pub fn delete_all(&self) -> RenderedSql {
        sql!(self.dialect; "DELETE FROM ", ident(&self.table))
    }
}

/// The columns [`Sql::select_rows`] reads, in order, as named in errors.
const COLUMNS: [&str; 8] = [
    "version",
    "name",
    "checksum",
    "installed_rank",
    "success",
    "applied_at",
    "applied_at",
    "execution_ms",
];
