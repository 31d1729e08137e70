//! [`Snapshot`]: an owned IR of a whole schema, built from a model ([`Schema::snapshot`]) or
//! reflected from a live database, and [`Snapshot::matches`], the semantic comparison of two.

use std::fmt;

use crate::dialect::Dialect;
use crate::schema::{DefaultValue, FkAction, Literal, Schema, SqlType, TableDef};

/// A whole schema: tables, columns, keys and indexes in strata's logical types.
///
/// `dialect` is `Some` when reflected from a database and `None` for a model's
/// [`Schema::snapshot`]. `PartialEq` is structural; [`Snapshot::matches`] is the semantic
/// comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The database the snapshot was reflected from; `None` for a model.
    pub dialect: Option<Dialect>,
    /// The tables (a model's in `schema!` order; a database's by name).
    pub tables: Vec<TableSnapshot>,
}

/// One table of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableSnapshot {
    /// The table's name.
    pub name: String,
    /// The columns, in declaration order.
    pub columns: Vec<ColumnSnapshot>,
    /// The primary key's columns, in key order (empty: none).
    pub primary_key: Vec<String>,
    /// Unique constraints and unique indexes (not the primary key).
    pub uniques: Vec<IndexSnapshot>,
    /// Non-unique indexes.
    pub indexes: Vec<IndexSnapshot>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKeySnapshot>,
}

/// One column of a [`TableSnapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSnapshot {
    /// The column's name.
    pub name: String,
    /// The logical type; for a database type outside strata's mapping, the closest one (the
    /// one whose Rust type reads its values best: `Text` for enums, arrays and ranges, `Blob`
    /// for spatial types, a domain's base type, `Decimal` for `numeric(10,2)`), with
    /// `type_known` false.
    pub sql_type: SqlType,
    /// Whether `sql_type` is an exact mapping of `db_type`.
    pub type_known: bool,
    /// The exact type: as the database reports it (`character varying(64)`, `int(11)`,
    /// `VARCHAR(64)`), or a model's `#[column(sql_type = "..")]`; `None` for a model column
    /// without one.
    pub db_type: Option<String>,
    /// NULL allowed.
    pub nullable: bool,
    /// The default, as the model declares it or as parsed from what the database reports.
    pub default: Option<ColumnDefault>,
    /// Filled in by the database (identity, `AUTO_INCREMENT`, SQLite's rowid alias, `serial`).
    pub auto_increment: bool,
    /// A model's `#[column(renamed_from = "..")]`: the name this column had before, so the diff
    /// planner renames it instead of dropping and adding it. `None` when reflected;
    /// [`Snapshot::matches`] ignores it.
    pub renamed_from: Option<String>,
}

/// A column default.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnDefault {
    /// A boolean literal.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal (unquoted).
    Str(String),
    /// An SQL expression, as written or as the database reprints it.
    Sql(String),
}

/// A unique constraint or an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSnapshot {
    /// Its name, where the database keeps one (SQLite does not name unique constraints).
    pub name: Option<String>,
    /// The columns, in order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeySnapshot {
    /// Its name, where the database keeps one (SQLite does not).
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// `ON DELETE` (`None` in a model that gives none: the database's default, NO ACTION).
    pub on_delete: Option<FkAction>,
    /// `ON UPDATE`.
    pub on_update: Option<FkAction>,
}

impl Snapshot {
    /// The table with this name.
    pub fn table(&self, name: &str) -> Option<&TableSnapshot> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Compares two snapshots semantically: both are normalized through the dialect either one
    /// names (type aliases, how the backend spells defaults, what it stores for a type), and the
    /// order of tables, columns, constraints and indexes is ignored. `Err` lists every difference.
    pub fn matches(&self, other: &Snapshot) -> Result<(), SnapshotDiff> {
        let dialect = self.dialect.or(other.dialect);
        let mut differences = Vec::new();
        for table in &self.tables {
            match other.table(&table.name) {
                None => differences.push(format!("table `{}` exists only on the left", table.name)),
                Some(theirs) => {
                    compare_tables(dialect, self, table, other, theirs, &mut differences)
                }
            }
        }
        for table in &other.tables {
            if self.table(&table.name).is_none() {
                differences.push(format!("table `{}` exists only on the right", table.name));
            }
        }
        if differences.is_empty() {
            Ok(())
        } else {
            Err(SnapshotDiff { differences })
        }
    }
}

impl TableSnapshot {
    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&ColumnSnapshot> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `column` is in a key, unique constraint, index or foreign key of this table, or is
    /// referenced by a foreign key of another table in `snapshot`.
    fn is_key_column(&self, snapshot: &Snapshot, column: &str) -> bool {
        let has = |cols: &Vec<String>| cols.iter().any(|c| c == column);
        has(&self.primary_key)
            || self.uniques.iter().any(|u| has(&u.columns))
            || self.indexes.iter().any(|i| has(&i.columns))
            || self.foreign_keys.iter().any(|fk| has(&fk.columns))
            || snapshot.tables.iter().any(|t| {
                t.foreign_keys
                    .iter()
                    .any(|fk| fk.ref_table == self.name && has(&fk.ref_columns))
            })
    }
}

/// The differences [`Snapshot::matches`] found, one readable line each. `Debug` prints the same
/// list, so `.unwrap()` shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SnapshotDiff {
    /// Every difference, one sentence each.
    pub differences: Vec<String>,
}

impl fmt::Display for SnapshotDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the schemas differ:")?;
        for d in &self.differences {
            writeln!(f, "  - {d}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SnapshotDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for SnapshotDiff {}

/// The logical type a database type name stands for on `dialect`, or `None` when it is outside
/// strata's mapping. Accepts what each backend reports (`int4`, `character varying(20)`,
/// `int(11)`, `tinyint(1)`, SQLite's declared names).
pub fn logical_type(dialect: Dialect, db_type: &str) -> Option<SqlType> {
    let lower = db_type.trim().to_ascii_lowercase();
    let (base, args) = match lower.find('(') {
        Some(open) => {
            let close = lower.rfind(')').unwrap_or(lower.len());
            let args = lower.get(open + 1..close).unwrap_or("").trim().to_owned();
            let rest = lower.get(close + 1..).unwrap_or("").trim().to_owned();
            let base = lower[..open].trim().to_owned();
            (
                if rest.is_empty() {
                    base
                } else {
                    format!("{base} {rest}")
                },
                Some(args),
            )
        }
        None => (lower.clone(), None),
    };
    let length = || args.as_deref().and_then(|a| a.parse::<u32>().ok());
    Some(match (dialect, base.as_str()) {
        (_, "boolean" | "bool") => SqlType::Bool,
        (Dialect::Mysql, "tinyint") if args.as_deref() == Some("1") => SqlType::Bool,
        (Dialect::Postgres, "\"char\"") => SqlType::TinyInt,
        (_, "tinyint" | "int1") => SqlType::TinyInt,
        (_, "smallint" | "int2" | "smallserial") => SqlType::SmallInt,
        (_, "int" | "int4" | "mediumint" | "serial") => SqlType::Integer,
        (Dialect::Postgres | Dialect::Mysql, "integer") => SqlType::Integer,
        (Dialect::Sqlite, "integer") => SqlType::BigInt,
        (_, "bigint" | "int8" | "bigserial") => SqlType::BigInt,
        (_, "tinyint unsigned") => SqlType::UnsignedTinyInt,
        (_, "smallint unsigned") => SqlType::UnsignedSmallInt,
        (_, "int unsigned" | "integer unsigned" | "mediumint unsigned") => SqlType::UnsignedInteger,
        (Dialect::Mysql, "float") => SqlType::Real,
        (_, "real" | "float4") => SqlType::Real,
        (_, "double" | "double precision" | "float8" | "float") => SqlType::Double,
        (_, "text" | "clob") => SqlType::Text,
        (_, "varchar" | "character varying" | "nvarchar") => match length() {
            Some(n) => SqlType::Varchar(n),
            None => SqlType::Text,
        },
        (Dialect::Postgres, "bytea") => SqlType::Blob,
        (_, "blob" | "longblob" | "mediumblob") => SqlType::Blob,
        (_, "date") => SqlType::Date,
        (_, "time" | "time without time zone") => SqlType::Time,
        (Dialect::Mysql, "datetime") => SqlType::Timestamp,
        (Dialect::Mysql, "timestamp") => SqlType::TimestampTz,
        (_, "datetime" | "timestamp" | "timestamp without time zone") => SqlType::Timestamp,
        (_, "timestamptz" | "timestamp with time zone") => SqlType::TimestampTz,
        (Dialect::Postgres, "uuid") => SqlType::Uuid,
        (Dialect::Mysql, "binary") if length() == Some(16) => SqlType::Uuid,
        (_, "json" | "jsonb") => SqlType::Json,
        (_, "numeric" | "decimal") => SqlType::Decimal,
        _ => return None,
    })
}

impl ColumnDefault {
    fn from_literal(literal: &Literal) -> ColumnDefault {
        match literal {
            Literal::Bool(b) => ColumnDefault::Bool(*b),
            Literal::Int(i) => ColumnDefault::Int(*i),
            Literal::Float(x) => ColumnDefault::Float(*x),
            Literal::Str(s) => ColumnDefault::Str((*s).to_owned()),
        }
    }
}

impl Schema {
    /// The model as a [`Snapshot`] (`dialect: None`), to compare with a reflected database:
    /// `reflect(&pool).await?.matches(&SCHEMA.snapshot())`.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            dialect: None,
            tables: self.tables.iter().map(|t| table_snapshot(t)).collect(),
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn table_snapshot(table: &TableDef) -> TableSnapshot {
    TableSnapshot {
        name: table.name.to_owned(),
        columns: table
            .columns
            .iter()
            .map(|c| ColumnSnapshot {
                name: c.name.to_owned(),
                sql_type: c.sql_type,
                type_known: true,
                db_type: c.sql_type_override.map(str::to_owned),
                nullable: c.nullable,
                default: c.default.map(|d| match d {
                    DefaultValue::Literal(l) => ColumnDefault::from_literal(&l),
                    DefaultValue::Sql(s) => ColumnDefault::Sql(s.to_owned()),
                }),
                auto_increment: c.auto_increment,
                renamed_from: c.renamed_from.map(str::to_owned),
            })
            .collect(),
        primary_key: strings(table.primary_key),
        uniques: table
            .uniques
            .iter()
            .map(|u| IndexSnapshot {
                name: Some(format!("{}_{}_key", table.name, u.columns.join("_"))),
                columns: strings(u.columns),
            })
            .collect(),
        indexes: table
            .indexes
            .iter()
            .map(|i| IndexSnapshot {
                name: Some(format!("{}_{}_idx", table.name, i.columns.join("_"))),
                columns: strings(i.columns),
            })
            .collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .map(|fk| ForeignKeySnapshot {
                name: Some(format!("{}_{}_fkey", table.name, fk.columns.join("_"))),
                columns: strings(fk.columns),
                ref_table: fk.ref_table.to_owned(),
                ref_columns: strings(fk.ref_columns),
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            })
            .collect(),
    }
}

/// The type as `dialect` stores it, so both sides of a comparison speak the same language.
pub(crate) fn stored_type(
    dialect: Option<Dialect>,
    snapshot: &Snapshot,
    table: &TableSnapshot,
    column: &ColumnSnapshot,
) -> String {
    let logical = match (&column.db_type, dialect) {
        (Some(exact), Some(d)) => match logical_type(d, exact) {
            Some(t) => t,
            None => return exact.to_ascii_lowercase().replace(' ', ""),
        },
        _ => column.sql_type,
    };
    let rowid = table.primary_key.len() == 1
        && table.primary_key[0] == column.name
        && column.auto_increment
        && logical.is_integer();
    let stored = match (dialect, logical) {
        (Some(Dialect::Sqlite), _) if rowid => SqlType::BigInt,
        (Some(Dialect::Sqlite), SqlType::Uuid) => SqlType::Blob,
        (Some(Dialect::Sqlite), SqlType::Json) => SqlType::Text,
        (Some(Dialect::Mysql), SqlType::Text) if table.is_key_column(snapshot, &column.name) => {
            SqlType::Varchar(255)
        }
        (_, other) => other,
    };
    format!("{stored:?}")
}

/// A default in one canonical spelling, for comparison.
pub(crate) fn canonical_default(
    default: &Option<ColumnDefault>,
    sql_type: SqlType,
) -> Option<String> {
    let default = default.as_ref()?;
    let numeric = sql_type.is_integer()
        || matches!(
            sql_type,
            SqlType::Bool | SqlType::Real | SqlType::Double | SqlType::Decimal
        );
    Some(match default {
        ColumnDefault::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        ColumnDefault::Int(i) => i.to_string(),
        ColumnDefault::Float(x) => canonical_number(&x.to_string()),
        ColumnDefault::Str(s) if numeric => canonical_number(s),
        ColumnDefault::Str(s) => format!("'{s}'"),
        ColumnDefault::Sql(s) => canonical_expression(s),
    })
}

fn canonical_number(text: &str) -> String {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => return "1".to_owned(),
        "false" => return "0".to_owned(),
        _ => {}
    }
    match text.trim().parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => format!("{}", x as i64),
        Ok(x) => x.to_string(),
        Err(_) => text.trim().to_owned(),
    }
}

fn canonical_expression(expression: &str) -> String {
    let mut e: String = expression
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    while e.starts_with('(') && e.ends_with(')') && balanced(&e[1..e.len() - 1]) {
        e = e[1..e.len() - 1].to_owned();
    }
    match e.as_str() {
        "current_timestamp"
        | "current_timestamp()"
        | "now()"
        | "localtimestamp"
        | "localtimestamp()" => "current_timestamp".to_owned(),
        _ if e.starts_with("current_timestamp(") => "current_timestamp".to_owned(),
        "current_date" | "curdate()" | "current_date()" => "current_date".to_owned(),
        "true" => "1".to_owned(),
        "false" => "0".to_owned(),
        _ => e,
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

pub(crate) fn canonical_action(dialect: Option<Dialect>, action: Option<FkAction>) -> FkAction {
    match action {
        None | Some(FkAction::NoAction) => FkAction::NoAction,
        // InnoDB checks both immediately: the same behavior, reported either way.
        Some(FkAction::Restrict) if dialect == Some(Dialect::Mysql) => FkAction::NoAction,
        Some(other) => other,
    }
}

fn compare_tables(
    dialect: Option<Dialect>,
    left: &Snapshot,
    ours: &TableSnapshot,
    right: &Snapshot,
    theirs: &TableSnapshot,
    out: &mut Vec<String>,
) {
    let t = &ours.name;
    for column in &ours.columns {
        let Some(other) = theirs.column(&column.name) else {
            out.push(format!(
                "column `{t}.{}` exists only on the left",
                column.name
            ));
            continue;
        };
        let c = &column.name;
        let (a, b) = (
            stored_type(dialect, left, ours, column),
            stored_type(dialect, right, theirs, other),
        );
        if a != b {
            out.push(format!(
                "column `{t}.{c}`: type {a} on the left, {b} on the right"
            ));
        }
        let rowid = |table: &TableSnapshot, col: &ColumnSnapshot| {
            dialect == Some(Dialect::Sqlite)
                && col.auto_increment
                && table.primary_key.len() == 1
                && table.primary_key[0] == col.name
        };
        let nullable_a = column.nullable && !rowid(ours, column);
        let nullable_b = other.nullable && !rowid(theirs, other);
        if nullable_a != nullable_b {
            let says = |n: bool| if n { "NULL" } else { "NOT NULL" };
            out.push(format!(
                "column `{t}.{c}`: {} on the left, {} on the right",
                says(nullable_a),
                says(nullable_b)
            ));
        }
        if column.auto_increment != other.auto_increment {
            out.push(format!(
                "column `{t}.{c}`: auto_increment {} on the left, {} on the right",
                column.auto_increment, other.auto_increment
            ));
        }
        let da = canonical_default(&column.default, column.sql_type);
        let db = canonical_default(&other.default, other.sql_type);
        if da != db {
            out.push(format!(
                "column `{t}.{c}`: default {} on the left, {} on the right",
                da.as_deref().unwrap_or("none"),
                db.as_deref().unwrap_or("none")
            ));
        }
    }
    for column in &theirs.columns {
        if ours.column(&column.name).is_none() {
            out.push(format!(
                "column `{t}.{}` exists only on the right",
                column.name
            ));
        }
    }
    if ours.primary_key != theirs.primary_key {
        out.push(format!(
            "table `{t}`: primary key ({}) on the left, ({}) on the right",
            ours.primary_key.join(", "),
            theirs.primary_key.join(", ")
        ));
    }
    compare_sets(
        t,
        "unique constraint",
        &column_sets(&ours.uniques),
        &column_sets(&theirs.uniques),
        out,
    );
    // MySQL adds an index for a foreign key that has none; it is the database's, not the model's.
    let implicit = |table: &TableSnapshot, other: &TableSnapshot| -> Vec<Vec<String>> {
        column_sets(&table.indexes)
            .into_iter()
            .filter(|cols| {
                !(dialect == Some(Dialect::Mysql)
                    && table.foreign_keys.iter().any(|fk| &fk.columns == cols)
                    && !column_sets(&other.indexes).contains(cols))
            })
            .collect()
    };
    compare_sets(
        t,
        "index",
        &implicit(ours, theirs),
        &implicit(theirs, ours),
        out,
    );
    let fk_set = |table: &TableSnapshot| -> Vec<String> {
        let mut v: Vec<String> = table
            .foreign_keys
            .iter()
            .map(|fk| {
                format!(
                    "({}) -> {}({}) on delete {} on update {}",
                    fk.columns.join(", "),
                    fk.ref_table,
                    fk.ref_columns.join(", "),
                    canonical_action(dialect, fk.on_delete).sql(),
                    canonical_action(dialect, fk.on_update).sql()
                )
            })
            .collect();
        v.sort();
        v
    };
    let (fa, fb) = (fk_set(ours), fk_set(theirs));
    for fk in &fa {
        if !fb.contains(fk) {
            out.push(format!(
                "table `{t}`: foreign key {fk} exists only on the left"
            ));
        }
    }
    for fk in &fb {
        if !fa.contains(fk) {
            out.push(format!(
                "table `{t}`: foreign key {fk} exists only on the right"
            ));
        }
    }
}

fn column_sets(indexes: &[IndexSnapshot]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = indexes.iter().map(|i| i.columns.clone()).collect();
    v.sort();
    v
}

fn compare_sets(
    table: &str,
    what: &str,
    a: &[Vec<String>],
    b: &[Vec<String>],
    out: &mut Vec<String>,
) {
    for cols in a {
        if !b.contains(cols) {
            out.push(format!(
                "table `{table}`: {what} ({}) exists only on the left",
                cols.join(", ")
            ));
        }
    }
    for cols in b {
        if !a.contains(cols) {
            out.push(format!(
                "table `{table}`: {what} ({}) exists only on the right",
                cols.join(", ")
            ));
        }
    }
}

/// Parses a default as `dialect` reports it in its catalogue into a [`ColumnDefault`]; `None`
/// for no default (SQL `NULL`). `mariadb` tells MariaDB's quoted spelling from MySQL 8's raw
/// values; `mysql_expression` is MySQL 8's `DEFAULT_GENERATED` flag.
pub fn parse_reported_default(
    dialect: Dialect,
    reported: Option<&str>,
    mariadb: bool,
    mysql_expression: bool,
) -> Option<ColumnDefault> {
    let text = reported?.trim();
    if dialect == Dialect::Mysql && !mariadb {
        // MySQL 8 reports literal defaults unquoted and flags expressions. A TEXT column's
        // literal default is an expression there, reprinted with a charset introducer and
        // escaped quotes: `_utf8mb4\'it\'\'s\'`.
        if mysql_expression {
            let string = text
                .strip_prefix("_utf8mb4")
                .or_else(|| text.strip_prefix("_utf8mb3"))
                .and_then(|rest| rest.strip_prefix("\\'"))
                .and_then(|rest| rest.strip_suffix("\\'"))
                .and_then(|inner| {
                    unquote(Dialect::Mysql, &format!("'{}'", inner.replace("\\'", "'")))
                });
            return Some(match string {
                Some(s) => ColumnDefault::Str(s),
                None => ColumnDefault::Sql(text.to_owned()),
            });
        }
        return Some(number_or(text, || ColumnDefault::Str(text.to_owned())));
    }
    if text.eq_ignore_ascii_case("null") {
        return None;
    }
    // PostgreSQL appends casts: `'x'::text`, `'-7'::integer`.
    let uncast = if dialect == Dialect::Postgres {
        strip_casts(text)
    } else {
        text
    };
    if let Some(s) = unquote(dialect, uncast) {
        // PostgreSQL prints a negative number as a string cast to its type: `'-7'::integer`.
        let cast = text
            .rsplit_once("::")
            .map(|(_, t)| t.trim().to_ascii_lowercase());
        let numeric_cast = cast.as_deref().is_some_and(|t| {
            matches!(
                t,
                "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision"
            )
        });
        if numeric_cast {
            return Some(number_or(&s, || ColumnDefault::Str(s.clone())));
        }
        return Some(ColumnDefault::Str(s));
    }
    if uncast.eq_ignore_ascii_case("true") {
        return Some(ColumnDefault::Bool(true));
    }
    if uncast.eq_ignore_ascii_case("false") {
        return Some(ColumnDefault::Bool(false));
    }
    Some(number_or(uncast, || ColumnDefault::Sql(text.to_owned())))
}

fn number_or(text: &str, otherwise: impl FnOnce() -> ColumnDefault) -> ColumnDefault {
    let inner = text.trim_start_matches('(').trim_end_matches(')');
    if let Ok(i) = inner.parse::<i64>() {
        ColumnDefault::Int(i)
    } else if inner.contains(['.', 'e', 'E'])
        && inner.parse::<f64>().is_ok_and(f64::is_finite)
        && inner
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
    {
        ColumnDefault::Float(inner.parse().unwrap_or(0.0))
    } else {
        otherwise()
    }
}

fn strip_casts(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        if t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
            t = t[1..t.len() - 1].trim();
            continue;
        }
        let Some(pos) = t.rfind("::") else {
            return t;
        };
        let head = t[..pos].trim();
        // Only a cast of a whole quoted string, parenthesized value or number.
        if head.ends_with('\'') || head.ends_with(')') || head.parse::<f64>().is_ok() {
            t = head;
        } else {
            return t;
        }
    }
}

/// The content of a single string literal spanning all of `text`, or `None`.
fn unquote(dialect: Dialect, text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                if chars.next() != Some('\'') {
                    return None;
                }
                out.push('\'');
            }
            '\\' if dialect == Dialect::Mysql => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'Z' => out.push('\u{1a}'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
