//! The bookkeeping table: its DDL, the statements that read and write it, and the rows read
//! back. Every statement is rendered here from the quoted table name and literals strata
//! produces itself (versions, hex checksums, migration names), never from raw user text.

use strata_core::ddl::{quote_ident, quote_str};
use strata_core::{Dialect, head_digest};

use crate::backend::{Value, ValueKind};

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
    /// Rows in version order.
    pub rows: Vec<Row>,
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
    /// The table name quoted for `dialect`.
    quoted: String,
}

impl Sql {
    pub fn new(dialect: Dialect, table: &str) -> Sql {
        Sql {
            dialect,
            table: table.to_string(),
            quoted: quote_ident(dialect, table),
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

    fn literal(&self, value: &str) -> String {
        quote_str(self.dialect, value)
    }

    pub fn create_table(&self) -> String {
        let t = &self.quoted;
        match self.dialect {
            Dialect::Sqlite => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum TEXT NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head TEXT NOT NULL,\n  applied_at TEXT NOT NULL,\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n)"
            ),
            Dialect::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name TEXT NOT NULL,\n  checksum VARCHAR(64) NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head VARCHAR(64) NOT NULL,\n  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n)"
            ),
            Dialect::Mysql => format!(
                "CREATE TABLE IF NOT EXISTS {t} (\n  version BIGINT NOT NULL PRIMARY KEY,\n  name VARCHAR(255) NOT NULL,\n  checksum VARCHAR(64) NOT NULL,\n  installed_rank BIGINT NOT NULL UNIQUE,\n  head VARCHAR(64) NOT NULL,\n  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n  execution_ms BIGINT NOT NULL,\n  success BOOLEAN NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            ),
        }
    }

    /// The fast path: the head row. One statement, one index lookup.
    pub fn select_head(&self) -> String {
        format!(
            "SELECT head, success FROM {} ORDER BY installed_rank DESC LIMIT 1",
            self.quoted
        )
    }

    pub const HEAD_KINDS: &'static [ValueKind] = &[ValueKind::Text, ValueKind::Bool];

    /// 1 when the table exists, else 0 (a catalogue query, so it never fails inside a
    /// transaction).
    pub fn table_exists(&self) -> String {
        let name = self.literal(&self.table);
        match self.dialect {
            Dialect::Sqlite => {
                format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {name}")
            }
            Dialect::Postgres => format!(
                "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = {name}"
            ),
            Dialect::Mysql => format!(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {name}"
            ),
        }
    }

    /// The number of tables in the database (its current schema on PostgreSQL).
    pub fn count_tables(&self) -> String {
        match self.dialect {
            Dialect::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'".to_string(),
            Dialect::Postgres => "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()".to_string(),
            Dialect::Mysql => "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()".to_string(),
        }
    }

    pub fn select_db_version(&self) -> String {
        format!(
            "SELECT MAX(version) FROM {} WHERE success = {}",
            self.quoted,
            self.bool(true)
        )
    }

    pub fn select_rows(&self) -> String {
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
                "CAST(UNIX_TIMESTAMP(applied_at) * 1000 AS SIGNED)",
                "CAST(TIMESTAMPDIFF(MICROSECOND, applied_at, CURRENT_TIMESTAMP(6)) / 1000 AS SIGNED)",
            ),
        };
        format!(
            "SELECT version, name, checksum, installed_rank, success, {applied_ms}, {age_ms}, execution_ms FROM {} ORDER BY version",
            self.quoted
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

    pub fn parse_rows(rows: Vec<Vec<Value>>) -> State {
        let rows = rows
            .into_iter()
            .map(|r| {
                let get = |i: usize| r.get(i).cloned().unwrap_or(Value::Null);
                Row {
                    version: get(0).as_int().unwrap_or(0),
                    name: get(1).as_text().unwrap_or("").to_string(),
                    checksum: get(2).as_text().unwrap_or("").to_string(),
                    installed_rank: get(3).as_int().unwrap_or(0),
                    success: get(4).as_bool().unwrap_or(false),
                    applied_at_ms: get(5).as_int(),
                    age_ms: get(6).as_int().unwrap_or(0),
                    execution_ms: get(7).as_int().unwrap_or(0),
                }
            })
            .collect();
        State { rows }
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
    ) -> String {
        format!(
            "INSERT INTO {} (version, name, checksum, installed_rank, head, applied_at, execution_ms, success) VALUES ({version}, {}, {}, {rank}, {}, {}, {execution_ms}, {})",
            self.quoted,
            self.literal(name),
            self.literal(checksum),
            self.literal(head),
            self.now(),
            self.bool(success)
        )
    }

    /// Marks a started (success = false) row as done.
    pub fn mark_success(&self, version: i64, execution_ms: i64) -> String {
        format!(
            "UPDATE {} SET success = {}, execution_ms = {execution_ms} WHERE version = {version}",
            self.quoted,
            self.bool(true)
        )
    }

    /// Marks a started row as failed (it stays incomplete).
    pub fn mark_failed(&self, version: i64) -> String {
        format!(
            "UPDATE {} SET execution_ms = {FAILED_MS} WHERE version = {version}",
            self.quoted
        )
    }

    /// Makes `version` the newest row, carrying `head`; `success` changes its flag too.
    pub fn restamp(&self, version: i64, rank: i64, head: &str, success: Option<bool>) -> String {
        let success = match success {
            Some(s) => format!(", success = {}", self.bool(s)),
            None => String::new(),
        };
        format!(
            "UPDATE {} SET installed_rank = {rank}, head = {}{success} WHERE version = {version}",
            self.quoted,
            self.literal(head),
        )
    }

    pub fn delete_row(&self, version: i64) -> String {
        format!("DELETE FROM {} WHERE version = {version}", self.quoted)
    }

    pub fn delete_all(&self) -> String {
        format!("DELETE FROM {}", self.quoted)
    }
}
