//! Per-dialect DDL: identifier and string quoting, type rendering, deterministic constraint and
//! index names, `CREATE TABLE` / `CREATE INDEX` / `DROP TABLE` statements, and the order in
//! which a [`Schema`]'s tables are created.
//!
//! Choices worth knowing:
//! - SQLite keeps distinguishable declared type names (`BOOLEAN`, `INT`, `BIGINT`, `DATETIME`,
//!   ..) so reflection can tell the logical types apart; its type affinity rules still store
//!   every value in the right storage class.
//! - An auto-increment primary key on SQLite is declared `INTEGER PRIMARY KEY`, the rowid alias,
//!   *without* `AUTOINCREMENT`: the keyword only forbids reusing the ids of deleted newest rows and
//!   costs a write to `sqlite_sequence` on every insert. Only a single-column primary key can be
//!   the rowid alias, so `auto_increment` on any other SQLite column is an error. A plain `i64`
//!   primary key is declared `BIGINT`, which is *not* a rowid alias, so reflection can tell the two
//!   apart.
//! - MySQL gets its indexes inside `CREATE TABLE` (MySQL 8 has no `CREATE INDEX IF NOT EXISTS`,
//!   and an inline index also serves a foreign key, so MySQL adds no implicit one).

use std::fmt::Write as _;

use crate::dialect::Dialect;
use crate::schema::{
    ColumnDefOf, DefaultValueOf, ForeignKeyDefOf, IndexDefOf, LiteralOf, Schema, SqlType, TableDef,
    TableDefOf,
};

/// Why a schema cannot be rendered as DDL for a dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DdlError {
    /// The column's type has no column type on this dialect that sqlx can bind.
    UnsupportedType {
        /// The dialect.
        dialect: Dialect,
        /// The table's name.
        table: String,
        /// The column's name.
        column: String,
        /// The Rust type family (`i8`, `u32`, ..).
        rust_type: &'static str,
        /// What to use instead.
        hint: &'static str,
    },
    /// `auto_increment` where the dialect cannot have it.
    AutoIncrement {
        /// The dialect.
        dialect: Dialect,
        /// The table's name.
        table: String,
        /// The column's name.
        column: String,
    },
    /// A MySQL index whose columns total more than 3072 bytes.
    IndexTooLong {
        /// The table's name.
        table: String,
        /// The index's name.
        index: String,
        /// Its size in bytes at 4 bytes a character.
        bytes: u64,
    },
    /// A column that cannot be part of a key or index on this dialect.
    NotIndexable {
        /// The dialect.
        dialect: Dialect,
        /// The table's name.
        table: String,
        /// The index's name.
        index: String,
        /// The column's name.
        column: String,
    },
    /// An index, key or foreign key names a column the table does not have.
    UnknownColumn {
        /// The table's name.
        table: String,
        /// The missing column.
        column: String,
    },
    /// A table or column name longer than the dialect allows (PostgreSQL would truncate it
    /// silently).
    NameTooLong {
        /// The dialect.
        dialect: Dialect,
        /// The name.
        name: String,
        /// The limit, in the dialect's unit.
        limit: usize,
    },
    /// A MySQL foreign key between integer columns of different types (MySQL refuses it with
    /// "Foreign key constraint is incorrectly formed").
    ForeignKeyTypeMismatch {
        /// The referencing column, as `table.column`.
        column: String,
        /// Its declared type.
        column_type: String,
        /// The referenced column, as `table.column`.
        referenced: String,
        /// Its declared type.
        ref_type: String,
    },
    /// A default that is not a finite number.
    InvalidDefault {
        /// The table's name.
        table: String,
        /// The column's name.
        column: String,
    },
    /// The schema fails [`Schema::validate`] (a missing table, a foreign-key cycle, ..).
    InvalidSchema(String),
}

/// The product name for messages.
fn product(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL",
    }
}

impl std::fmt::Display for DdlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DdlError::UnsupportedType {
                dialect,
                table,
                column,
                rust_type,
                hint,
            } => write!(
                f,
                "column `{table}.{column}` has type {rust_type}, which {} cannot store as \
                 sqlx binds it; {hint}",
                product(*dialect)
            ),
            DdlError::AutoIncrement {
                dialect,
                table,
                column,
            } => write!(
                f,
                "column `{table}.{column}` is auto_increment, but on {} only a \
                 single-column integer primary key can be; make it the table's only primary key \
                 column or drop auto_increment",
                product(*dialect)
            ),
            DdlError::IndexTooLong {
                table,
                index,
                bytes,
            } => write!(
                f,
                "index `{index}` on table `{table}` covers {bytes} bytes at 4 bytes a character \
                 (utf8mb4), more than MySQL's 3072; give its text columns a smaller `length`"
            ),
            DdlError::NotIndexable {
                dialect,
                table,
                index,
                column,
            } => write!(
                f,
                "column `{table}.{column}` cannot be part of index `{index}` on {} \
                 (BLOB and JSON columns have no key form there)",
                product(*dialect)
            ),
            DdlError::UnknownColumn { table, column } => write!(
                f,
                "table `{table}` has no column `{column}`, but a key or index names it"
            ),
            DdlError::NameTooLong {
                dialect,
                name,
                limit,
            } => {
                let unit = if *dialect == Dialect::Postgres {
                    "bytes"
                } else {
                    "characters"
                };
                write!(
                    f,
                    "name `{name}` is longer than {}'s limit of {limit} {unit}; rename it",
                    product(*dialect)
                )
            }
            DdlError::ForeignKeyTypeMismatch {
                column,
                column_type,
                referenced,
                ref_type,
            } => write!(
                f,
                "column `{column}` ({column_type}) references `{referenced}` ({ref_type}); MySQL \
                 requires integer columns of a foreign key to have the same type: declare both \
                 with the same Rust type"
            ),
            DdlError::InvalidDefault { table, column } => write!(
                f,
                "column `{table}.{column}` has a default that is not a finite number"
            ),
            DdlError::InvalidSchema(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DdlError {}

/// Quotes an identifier for `dialect`: `"x"` with `"` doubled, or MySQL's `` `x` `` with
/// backticks doubled. Every name strata renders goes through here, so keywords (`order`, `user`)
/// and odd characters are always safe.
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    let quote = match dialect {
        Dialect::Mysql => '`',
        Dialect::Sqlite | Dialect::Postgres => '"',
    };
    let mut out = String::with_capacity(name.len() + 2);
    out.push(quote);
    for c in name.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// Quotes a string literal for `dialect`: `'it''s'`. MySQL also treats the backslash as an escape
/// character (`NO_BACKSLASH_ESCAPES` is off by default), so it is doubled there.
pub fn quote_str(dialect: Dialect, value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if dialect == Dialect::Mysql => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Renders a literal value as SQL for `dialect`; `None` for a non-finite float.
pub fn render_literal(dialect: Dialect, literal: &LiteralOf<'_>) -> Option<String> {
    Some(match literal {
        LiteralOf::Bool(b) => match (dialect, b) {
            (Dialect::Postgres, true) => "TRUE".to_owned(),
            (Dialect::Postgres, false) => "FALSE".to_owned(),
            (_, true) => "1".to_owned(),
            (_, false) => "0".to_owned(),
        },
        LiteralOf::Int(i) => i.to_string(),
        LiteralOf::Float(x) if x.is_finite() => {
            let text = x.to_string();
            if text.contains('.') {
                text
            } else {
                format!("{text}.0")
            }
        }
        LiteralOf::Float(_) => return None,
        LiteralOf::Str(s) => quote_str(dialect, s),
    })
}

/// The longest table, column, index or constraint name the dialect keeps: PostgreSQL 63 bytes
/// (it truncates longer ones silently), MySQL 64 characters; SQLite has no limit.
pub const fn name_limit(dialect: Dialect) -> Option<usize> {
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some(63),
        Dialect::Mysql => Some(64),
    }
}

fn name_len(dialect: Dialect, name: &str) -> usize {
    match dialect {
        Dialect::Mysql => name.chars().count(),
        _ => name.len(),
    }
}

/// `name` if it fits the dialect's limit, else a prefix of it plus `_` and the first 8 hex digits
/// of its SHA-256, so the result is deterministic and distinct names stay distinct.
pub fn shorten_name(dialect: Dialect, name: &str) -> String {
    let Some(limit) = name_limit(dialect) else {
        return name.to_owned();
    };
    if name_len(dialect, name) <= limit {
        return name.to_owned();
    }
    let digest = crate::migration::checksum(name);
    let suffix = &digest[..8];
    let keep = limit - suffix.len() - 1;
    let mut prefix = String::new();
    for c in name.chars() {
        if name_len(dialect, &prefix) + name_len(dialect, c.encode_utf8(&mut [0; 4])) > keep {
            break;
        }
        prefix.push(c);
    }
    format!("{prefix}_{suffix}")
}

/// The primary key's constraint name: `<table>_pkey`.
pub fn primary_key_name(dialect: Dialect, table: &str) -> String {
    shorten_name(dialect, &format!("{table}_pkey"))
}

/// A unique constraint's name: `<table>_<cols>_key`.
pub fn unique_name(dialect: Dialect, table: &str, columns: &[&str]) -> String {
    shorten_name(dialect, &format!("{table}_{}_key", columns.join("_")))
}

/// An index's name: `<table>_<cols>_idx`.
pub fn index_name(dialect: Dialect, table: &str, columns: &[&str]) -> String {
    shorten_name(dialect, &format!("{table}_{}_idx", columns.join("_")))
}

/// A foreign key's constraint name: `<table>_<cols>_fkey`.
pub fn foreign_key_name(dialect: Dialect, table: &str, columns: &[&str]) -> String {
    shorten_name(dialect, &format!("{table}_{}_fkey", columns.join("_")))
}

/// Whether the column is the rowid alias strata declares for an auto-increment primary key on
/// SQLite: auto_increment, an integer, and the table's only primary-key column.
pub fn is_sqlite_rowid(table: &TableDefOf<'_>, column: &ColumnDefOf<'_>) -> bool {
    column.auto_increment
        && column.sql_type.is_integer()
        && column.sql_type_override.is_none()
        && table.primary_key == [column.name]
}

/// Whether `column` is a key column in the MySQL sense: in the primary key, a unique constraint,
/// an index, or on either side of a foreign key (of this table, or of `schema`'s other tables
/// pointing at it).
fn is_key_column(schema_tables: &[&TableDefOf<'_>], table: &TableDefOf<'_>, column: &str) -> bool {
    table.primary_key.contains(&column)
        || table.uniques.iter().any(|u| u.columns.contains(&column))
        || table.indexes.iter().any(|i| i.columns.contains(&column))
        || table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&column))
        || schema_tables.iter().any(|other| {
            other
                .foreign_keys
                .iter()
                .any(|fk| fk.ref_table == table.name && fk.ref_columns.contains(&column))
        })
}

/// The column's declared type on `dialect`, without NOT NULL, default or identity clauses.
///
/// `schema_tables` are the tables being created together with `table` (for MySQL: a text column
/// another table's foreign key points at needs a key-able type).
pub fn column_type(
    dialect: Dialect,
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    column: &ColumnDefOf<'_>,
) -> Result<String, DdlError> {
    if let Some(exact) = column.sql_type_override {
        return Ok(exact.to_owned());
    }
    if dialect == Dialect::Sqlite && is_sqlite_rowid(table, column) {
        return Ok("INTEGER".to_owned());
    }
    let unsupported = |rust_type: &'static str, hint: &'static str| DdlError::UnsupportedType {
        dialect,
        table: table.name.to_owned(),
        column: column.name.to_owned(),
        rust_type,
        hint,
    };
    let text = match (dialect, column.sql_type) {
        (Dialect::Postgres, SqlType::TinyInt) => {
            return Err(unsupported(
                "i8",
                "PostgreSQL's one-byte type is \"char\"; use i16",
            ));
        }
        (Dialect::Postgres, SqlType::UnsignedTinyInt) => {
            return Err(unsupported(
                "u8",
                "PostgreSQL has no unsigned types; use i16",
            ));
        }
        (Dialect::Postgres, SqlType::UnsignedSmallInt) => {
            return Err(unsupported(
                "u16",
                "PostgreSQL has no unsigned types; use i32",
            ));
        }
        (Dialect::Postgres, SqlType::UnsignedInteger) => {
            return Err(unsupported(
                "u32",
                "PostgreSQL has no unsigned types; use i64",
            ));
        }
        (_, SqlType::Bool) => "BOOLEAN",
        (_, SqlType::TinyInt) => "TINYINT",
        (_, SqlType::SmallInt) => "SMALLINT",
        (Dialect::Postgres, SqlType::Integer) => "INTEGER",
        (_, SqlType::Integer) => "INT",
        (_, SqlType::BigInt) => "BIGINT",
        (_, SqlType::UnsignedTinyInt) => "TINYINT UNSIGNED",
        (_, SqlType::UnsignedSmallInt) => "SMALLINT UNSIGNED",
        (_, SqlType::UnsignedInteger) => "INT UNSIGNED",
        (Dialect::Mysql, SqlType::Real) => "FLOAT",
        (_, SqlType::Real) => "REAL",
        (Dialect::Postgres, SqlType::Double) => "DOUBLE PRECISION",
        (_, SqlType::Double) => "DOUBLE",
        (Dialect::Mysql, SqlType::Text) => {
            if is_key_column(schema_tables, table, column.name) {
                "VARCHAR(255)"
            } else {
                "TEXT"
            }
        }
        (_, SqlType::Text) => "TEXT",
        (_, SqlType::Varchar(n)) => return Ok(format!("VARCHAR({n})")),
        (Dialect::Postgres, SqlType::Blob) => "BYTEA",
        (_, SqlType::Blob) => "BLOB",
        (_, SqlType::Date) => "DATE",
        (Dialect::Mysql, SqlType::Time) => "TIME(6)",
        (_, SqlType::Time) => "TIME",
        (Dialect::Mysql, SqlType::Timestamp) => "DATETIME(6)",
        (Dialect::Sqlite, SqlType::Timestamp) => "DATETIME",
        (Dialect::Postgres, SqlType::Timestamp) => "TIMESTAMP",
        (Dialect::Mysql, SqlType::TimestampTz) => "TIMESTAMP(6)",
        (_, SqlType::TimestampTz) => "TIMESTAMPTZ",
        (Dialect::Postgres, SqlType::Uuid) => "UUID",
        (Dialect::Mysql, SqlType::Uuid) => "BINARY(16)",
        (Dialect::Sqlite, SqlType::Uuid) => "BLOB",
        (Dialect::Postgres, SqlType::Json) => "JSONB",
        (Dialect::Mysql, SqlType::Json) => "JSON",
        (Dialect::Sqlite, SqlType::Json) => "TEXT",
        (Dialect::Postgres, SqlType::Decimal) => "NUMERIC",
        // The widest MySQL allows: 35 integer and 30 fractional digits hold every value of
        // rust_decimal's 96-bit mantissa and scale up to 28 without rounding.
        (Dialect::Mysql, SqlType::Decimal) => "DECIMAL(65,30)",
        (Dialect::Sqlite, SqlType::Decimal) => "DECIMAL",
    };
    Ok(text.to_owned())
}

/// The column's default clause value on `dialect` (`None`: no default), for a column declared
/// as `declared_type`.
pub fn render_default(
    dialect: Dialect,
    table: &TableDefOf<'_>,
    column: &ColumnDefOf<'_>,
    declared_type: &str,
) -> Result<Option<String>, DdlError> {
    let Some(default) = column.default else {
        return Ok(None);
    };
    match default {
        DefaultValueOf::Sql(expression) => Ok(Some(expression.to_owned())),
        DefaultValueOf::Literal(literal) => {
            let rendered =
                render_literal(dialect, &literal).ok_or_else(|| DdlError::InvalidDefault {
                    table: table.name.to_owned(),
                    column: column.name.to_owned(),
                })?;
            // MySQL 8 accepts a default on TEXT, BLOB and JSON columns only as an expression.
            let upper = declared_type.to_ascii_uppercase();
            let needs_parens = dialect == Dialect::Mysql
                && (upper.ends_with("TEXT") || upper.ends_with("BLOB") || upper == "JSON");
            Ok(Some(if needs_parens {
                format!("({rendered})")
            } else {
                rendered
            }))
        }
    }
}

fn check_name(dialect: Dialect, name: &str) -> Result<(), DdlError> {
    match name_limit(dialect) {
        Some(limit) if name_len(dialect, name) > limit => Err(DdlError::NameTooLong {
            dialect,
            name: name.to_owned(),
            limit,
        }),
        _ => Ok(()),
    }
}

fn column_list(dialect: Dialect, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(dialect, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bytes a MySQL index entry for this column may take, at 4 bytes a character.
fn mysql_key_bytes(
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    column: &ColumnDefOf<'_>,
    index: &str,
) -> Result<u64, DdlError> {
    if column.sql_type_override.is_some() {
        return Ok(0);
    }
    Ok(match column.sql_type {
        SqlType::Bool | SqlType::TinyInt | SqlType::UnsignedTinyInt => 1,
        SqlType::SmallInt | SqlType::UnsignedSmallInt => 2,
        SqlType::Integer | SqlType::UnsignedInteger | SqlType::Real => 4,
        SqlType::BigInt | SqlType::Double | SqlType::Timestamp | SqlType::TimestampTz => 8,
        SqlType::Date => 3,
        SqlType::Time => 6,
        SqlType::Uuid => 16,
        SqlType::Decimal => 30,
        SqlType::Varchar(n) => 4 * u64::from(n),
        SqlType::Text if is_key_column(schema_tables, table, column.name) => 4 * 255,
        SqlType::Text | SqlType::Blob | SqlType::Json => {
            return Err(DdlError::NotIndexable {
                dialect: Dialect::Mysql,
                table: table.name.to_owned(),
                index: index.to_owned(),
                column: column.name.to_owned(),
            });
        }
    })
}

fn lookup<'t, 'a>(
    table: &'t TableDefOf<'a>,
    column: &str,
) -> Result<&'t ColumnDefOf<'a>, DdlError> {
    table.column(column).ok_or_else(|| DdlError::UnknownColumn {
        table: table.name.to_owned(),
        column: column.to_owned(),
    })
}

/// Checks an index (or key) over `columns` against MySQL's 3072-byte limit.
fn check_mysql_index(
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    index: &str,
    columns: &[&str],
) -> Result<(), DdlError> {
    let mut bytes = 0;
    for name in columns {
        let column = lookup(table, name)?;
        bytes += mysql_key_bytes(schema_tables, table, column, index)?;
    }
    if bytes > 3072 {
        return Err(DdlError::IndexTooLong {
            table: table.name.to_owned(),
            index: index.to_owned(),
            bytes,
        });
    }
    Ok(())
}

/// MySQL needs integer columns on both sides of a foreign key to have the same type.
fn check_mysql_foreign_key_types(
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    fk: &ForeignKeyDefOf<'_>,
) -> Result<(), DdlError> {
    let Some(parent) = schema_tables.iter().find(|t| t.name == fk.ref_table) else {
        return Ok(());
    };
    for (name, ref_name) in fk.columns.iter().zip(fk.ref_columns) {
        let column = lookup(table, name)?;
        let referenced = lookup(parent, ref_name)?;
        if !(column.sql_type.is_integer() && referenced.sql_type.is_integer()) {
            continue;
        }
        let ref_type = column_type(Dialect::Mysql, schema_tables, parent, referenced)?;
        let column_type = column_type(Dialect::Mysql, schema_tables, table, column)?;
        if column_type != ref_type {
            return Err(DdlError::ForeignKeyTypeMismatch {
                column: format!("{}.{}", table.name, column.name),
                column_type,
                referenced: format!("{}.{}", parent.name, referenced.name),
                ref_type,
            });
        }
    }
    Ok(())
}

/// One column's definition as `CREATE TABLE` declares it (`"name" TYPE NOT NULL DEFAULT ..`),
/// also what `ALTER TABLE .. ADD COLUMN` and MySQL's `MODIFY COLUMN` take.
pub fn column_definition(
    dialect: Dialect,
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    column: &ColumnDefOf<'_>,
) -> Result<String, DdlError> {
    check_name(dialect, column.name)?;
    let declared_type = column_type(dialect, schema_tables, table, column)?;
    let mut line = format!("{} {}", quote_ident(dialect, column.name), declared_type);
    let sqlite_rowid = dialect == Dialect::Sqlite && is_sqlite_rowid(table, column);
    if sqlite_rowid {
        line.push_str(" PRIMARY KEY");
    } else {
        if column.auto_increment && dialect == Dialect::Sqlite {
            return Err(DdlError::AutoIncrement {
                dialect,
                table: table.name.to_owned(),
                column: column.name.to_owned(),
            });
        }
        if !column.nullable {
            line.push_str(" NOT NULL");
        }
        if let Some(default) = render_default(dialect, table, column, &declared_type)? {
            let _ = write!(line, " DEFAULT {default}");
        }
        if column.auto_increment {
            line.push_str(match dialect {
                Dialect::Postgres => " GENERATED BY DEFAULT AS IDENTITY",
                _ => " AUTO_INCREMENT",
            });
        }
    }
    Ok(line)
}

/// A foreign key as `CREATE TABLE` and `ALTER TABLE .. ADD` declare it:
/// `CONSTRAINT "<table>_<cols>_fkey" FOREIGN KEY (..) REFERENCES .. (..) [ON DELETE ..]`.
pub fn foreign_key_clause(
    dialect: Dialect,
    table: &TableDefOf<'_>,
    fk: &ForeignKeyDefOf<'_>,
) -> String {
    let name = foreign_key_name(dialect, table.name, fk.columns);
    let mut line = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(dialect, &name),
        column_list(dialect, fk.columns),
        quote_ident(dialect, fk.ref_table),
        column_list(dialect, fk.ref_columns)
    );
    if let Some(action) = fk.on_delete {
        let _ = write!(line, " ON DELETE {}", action.sql());
    }
    if let Some(action) = fk.on_update {
        let _ = write!(line, " ON UPDATE {}", action.sql());
    }
    line
}

/// A unique constraint as `CREATE TABLE` and `ALTER TABLE .. ADD` declare it:
/// `CONSTRAINT "<table>_<cols>_key" UNIQUE (..)`.
pub fn unique_clause(dialect: Dialect, table: &TableDefOf<'_>, unique: &IndexDefOf<'_>) -> String {
    format!(
        "CONSTRAINT {} UNIQUE ({})",
        quote_ident(dialect, &unique_name(dialect, table.name, unique.columns)),
        column_list(dialect, unique.columns)
    )
}

/// `CREATE INDEX "<table>_<cols>_idx" ON .. (..)` for one non-unique index.
pub fn create_index(
    dialect: Dialect,
    table: &TableDefOf<'_>,
    index: &IndexDefOf<'_>,
    if_not_exists: bool,
) -> String {
    format!(
        "CREATE INDEX {}{} ON {} ({})",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        quote_ident(dialect, &index_name(dialect, table.name, index.columns)),
        quote_ident(dialect, table.name),
        column_list(dialect, index.columns)
    )
}

/// The `CREATE TABLE` statement for `table` on `dialect`, with its primary key, unique
/// constraints and foreign keys inline (and, on MySQL, its indexes). `if_not_exists` adds
/// `IF NOT EXISTS`. `schema_tables` are the tables created together with it (see
/// [`column_type`]).
pub fn create_table(
    dialect: Dialect,
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
    if_not_exists: bool,
) -> Result<String, DdlError> {
    check_name(dialect, table.name)?;
    let mut lines: Vec<String> = Vec::new();
    for column in table.columns {
        lines.push(column_definition(dialect, schema_tables, table, column)?);
    }
    let sqlite_rowid_pk = dialect == Dialect::Sqlite
        && table
            .columns
            .iter()
            .any(|column| is_sqlite_rowid(table, column));
    if !table.primary_key.is_empty() && !sqlite_rowid_pk {
        for column in table.primary_key {
            lookup(table, column)?;
        }
        let name = primary_key_name(dialect, table.name);
        if dialect == Dialect::Mysql {
            check_mysql_index(schema_tables, table, "PRIMARY", table.primary_key)?;
            // MySQL names every primary key PRIMARY and ignores a given name.
            lines.push(format!(
                "PRIMARY KEY ({})",
                column_list(dialect, table.primary_key)
            ));
        } else {
            lines.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                quote_ident(dialect, &name),
                column_list(dialect, table.primary_key)
            ));
        }
    }
    for unique in table.uniques {
        for column in unique.columns {
            lookup(table, column)?;
        }
        let name = unique_name(dialect, table.name, unique.columns);
        if dialect == Dialect::Mysql {
            check_mysql_index(schema_tables, table, &name, unique.columns)?;
        }
        lines.push(unique_clause(dialect, table, unique));
    }
    if dialect == Dialect::Mysql {
        for index in table.indexes {
            let name = index_name(dialect, table.name, index.columns);
            check_mysql_index(schema_tables, table, &name, index.columns)?;
            lines.push(format!(
                "INDEX {} ({})",
                quote_ident(dialect, &name),
                column_list(dialect, index.columns)
            ));
        }
    }
    for fk in table.foreign_keys {
        for column in fk.columns {
            lookup(table, column)?;
        }
        if dialect == Dialect::Mysql {
            check_mysql_foreign_key_types(schema_tables, table, fk)?;
        }
        lines.push(foreign_key_clause(dialect, table, fk));
    }
    let mut sql = format!(
        "CREATE TABLE {}{} (\n  {}\n)",
        if if_not_exists { "IF NOT EXISTS " } else { "" },
        quote_ident(dialect, table.name),
        lines.join(",\n  ")
    );
    if dialect == Dialect::Mysql {
        sql.push_str(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    }
    Ok(sql)
}

/// The `CREATE INDEX` statements for `table`'s non-unique indexes on SQLite and PostgreSQL
/// (`IF NOT EXISTS` when asked); empty on MySQL, where [`create_table`] declares them inline.
pub fn create_indexes(
    dialect: Dialect,
    table: &TableDefOf<'_>,
    if_not_exists: bool,
) -> Result<Vec<String>, DdlError> {
    if dialect == Dialect::Mysql {
        return Ok(Vec::new());
    }
    table
        .indexes
        .iter()
        .map(|index| {
            for column in index.columns {
                lookup(table, column)?;
            }
            Ok(create_index(dialect, table, index, if_not_exists))
        })
        .collect()
}

/// Every statement that creates `table`: `CREATE TABLE IF NOT EXISTS`, then its indexes with
/// `CREATE INDEX IF NOT EXISTS` (inline on MySQL). Running them twice changes nothing.
pub fn create_table_statements(
    dialect: Dialect,
    schema_tables: &[&TableDefOf<'_>],
    table: &TableDefOf<'_>,
) -> Result<Vec<String>, DdlError> {
    let mut statements = vec![create_table(dialect, schema_tables, table, true)?];
    statements.extend(create_indexes(dialect, table, true)?);
    Ok(statements)
}

/// `DROP TABLE IF EXISTS <table>`.
pub fn drop_table(dialect: Dialect, table: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", quote_ident(dialect, table))
}

/// The schema's tables in an order where every foreign key points at a table created earlier
/// (or at its own table), whatever order `schema!` lists them in; ties keep the listed order.
/// Drop in the reverse order.
pub fn creation_order(schema: &Schema) -> Result<Vec<&'static TableDef>, DdlError> {
    // One set of rules and messages for the schema, shared with `schema!`'s compile-time check.
    schema.validate().map_err(DdlError::InvalidSchema)?;
    let tables = schema.tables;
    let mut placed: Vec<&'static TableDef> = Vec::with_capacity(tables.len());
    let mut remaining: Vec<&'static TableDef> = tables.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|table| {
            table.foreign_keys.iter().all(|fk| {
                fk.ref_table == table.name || placed.iter().any(|p| p.name == fk.ref_table)
            })
        });
        match ready {
            Some(i) => placed.push(remaining.remove(i)),
            // `validate` rejects cycles, so this is only a guard.
            None => {
                return Err(DdlError::InvalidSchema(
                    "the schema's foreign keys form a cycle".to_owned(),
                ));
            }
        }
    }
    Ok(placed)
}

/// The statements that create one table, with the table's name for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStatements {
    /// The table's name.
    pub table: &'static str,
    /// `CREATE TABLE IF NOT EXISTS ..`, then `CREATE INDEX IF NOT EXISTS ..`.
    pub statements: Vec<String>,
}

/// Every statement `create_all` runs for `schema` on `dialect`, table by table in
/// [`creation_order`]. Idempotent: running them on a database that has the tables changes nothing.
pub fn create_all_statements(
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<TableStatements>, DdlError> {
    let order = creation_order(schema)?;
    let tables: Vec<&TableDef> = schema.tables.to_vec();
    order
        .into_iter()
        .map(|table| {
            Ok(TableStatements {
                table: table.name,
                statements: create_table_statements(dialect, &tables, table)?,
            })
        })
        .collect()
}

/// `DROP TABLE IF EXISTS` for every table of `schema`, in reverse [`creation_order`].
pub fn drop_all_statements(
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<TableStatements>, DdlError> {
    let mut order = creation_order(schema)?;
    order.reverse();
    Ok(order
        .into_iter()
        .map(|table| TableStatements {
            table: table.name,
            statements: vec![drop_table(dialect, table.name)],
        })
        .collect())
}

#[cfg(test)]
mod tests;
