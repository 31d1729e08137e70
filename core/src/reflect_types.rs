//! What a reflected column's database type stands for: strata's logical type when the type is
//! inside the mapping, else the closest one. Reflection never fails on a type it does not know.

use crate::dialect::Dialect;
use crate::schema::SqlType;
use crate::snapshot::logical_type;

/// The logical type of a column the database reports as `db_type`, and whether that is an exact
/// mapping (`false`: the type is outside strata's mapping and the logical type is the closest).
///
/// `numeric(p, s)` is outside the mapping (a Rust `Decimal` carries no precision or scale),
/// except MySQL's `decimal(65,30)`, which is how strata declares a `Decimal` there.
pub fn reflected_type(dialect: Dialect, db_type: &str) -> (SqlType, bool) {
    let lower = normalize(db_type);
    let constrained_decimal = (lower.starts_with("numeric(") || lower.starts_with("decimal("))
        && !(dialect == Dialect::Mysql && lower == "decimal(65,30)");
    match logical_type(dialect, db_type) {
        Some(SqlType::Decimal) if constrained_decimal => (SqlType::Decimal, false),
        Some(known) => (known, true),
        None => (closest_type(dialect, db_type), false),
    }
}

/// The logical type closest to a database type outside the mapping: the one whose Rust type
/// reads the column's values best (text for enums, arrays, ranges and network types, bytes for
/// spatial and bit types, SQLite's affinity rules for its free-form declared types).
pub fn closest_type(dialect: Dialect, db_type: &str) -> SqlType {
    if let Some(known) = logical_type(dialect, db_type) {
        return known;
    }
    let lower = normalize(db_type);
    if dialect == Dialect::Sqlite {
        // https://www.sqlite.org/datatype3.html, "Determination Of Column Affinity".
        return if lower.contains("int") {
            SqlType::BigInt
        } else if lower.contains("char") || lower.contains("clob") || lower.contains("text") {
            SqlType::Text
        } else if lower.contains("blob") || lower.is_empty() {
            SqlType::Blob
        } else {
            SqlType::Double
        };
    }
    let base = lower.split(['(', ' ']).next().unwrap_or("");
    if lower.ends_with(']') {
        return SqlType::Text; // a PostgreSQL array
    }
    match base {
        "numeric" | "decimal" | "dec" | "fixed" => SqlType::Decimal,
        "bigint" | "int8" | "oid" => SqlType::BigInt, // MySQL's `bigint unsigned`
        "year" => SqlType::SmallInt,
        "float" | "double" | "real" => SqlType::Double,
        "bit" | "varbit" | "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob"
        | "longblob" | "geometry" | "point" | "linestring" | "polygon" | "multipoint"
        | "multilinestring" | "multipolygon" | "geometrycollection" => SqlType::Blob,
        "timetz" => SqlType::Time,
        _ if lower.starts_with("time with time zone") => SqlType::Time,
        _ => SqlType::Text,
    }
}

/// Lowercase, trimmed, with runs of spaces made one and no space around parentheses and commas.
fn normalize(db_type: &str) -> String {
    let lower = db_type.trim().to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut pending_space = false;
    for c in lower.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() && !"(),".contains(c) && !out.ends_with(['(', ',']) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Whether a column the database reports as `db_type` is declared exactly that way when strata
/// creates `sql_type` on `dialect` (so a model needs no `sql_type` to reproduce it). Spellings
/// are compared as each backend reports them: PostgreSQL's `format_type`, MySQL's
/// `COLUMN_TYPE` (integer display widths ignored), SQLite's declared names (case ignored).
pub fn declared_as_strata_declares(
    dialect: Dialect,
    sql_type: SqlType,
    db_type: &str,
    mysql_key_column: bool,
) -> bool {
    let reported = normalize(db_type);
    let expected: String = match dialect {
        Dialect::Postgres => match sql_type {
            SqlType::Bool => "boolean".into(),
            SqlType::SmallInt => "smallint".into(),
            SqlType::Integer => "integer".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::Real => "real".into(),
            SqlType::Double => "double precision".into(),
            SqlType::Text => "text".into(),
            SqlType::Varchar(n) => format!("character varying({n})"),
            SqlType::Blob => "bytea".into(),
            SqlType::Date => "date".into(),
            SqlType::Time => "time without time zone".into(),
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::TimestampTz => "timestamp with time zone".into(),
            SqlType::Uuid => "uuid".into(),
            SqlType::Json => "jsonb".into(),
            SqlType::Decimal => "numeric".into(),
            // No column strata creates on PostgreSQL has these.
            SqlType::TinyInt
            | SqlType::UnsignedTinyInt
            | SqlType::UnsignedSmallInt
            | SqlType::UnsignedInteger => return false,
        },
        Dialect::Mysql => {
            let expected = match sql_type {
                SqlType::Bool => "tinyint(1)".into(),
                SqlType::TinyInt => "tinyint".into(),
                SqlType::SmallInt => "smallint".into(),
                SqlType::Integer => "int".into(),
                SqlType::BigInt => "bigint".into(),
                SqlType::UnsignedTinyInt => "tinyint unsigned".into(),
                SqlType::UnsignedSmallInt => "smallint unsigned".into(),
                SqlType::UnsignedInteger => "int unsigned".into(),
                SqlType::Real => "float".into(),
                SqlType::Double => "double".into(),
                SqlType::Text if mysql_key_column => "varchar(255)".into(),
                SqlType::Text => "text".into(),
                SqlType::Varchar(n) => format!("varchar({n})"),
                SqlType::Blob => "blob".into(),
                SqlType::Date => "date".into(),
                SqlType::Time => "time(6)".into(),
                SqlType::Timestamp => "datetime(6)".into(),
                SqlType::TimestampTz => "timestamp(6)".into(),
                SqlType::Uuid => "binary(16)".into(),
                SqlType::Json => "json".into(),
                SqlType::Decimal => "decimal(65,30)".into(),
            };
            return without_display_width(&reported) == expected;
        }
        Dialect::Sqlite => match sql_type {
            SqlType::Bool => "boolean".into(),
            SqlType::TinyInt => "tinyint".into(),
            SqlType::SmallInt => "smallint".into(),
            SqlType::Integer => "int".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::UnsignedTinyInt => "tinyint unsigned".into(),
            SqlType::UnsignedSmallInt => "smallint unsigned".into(),
            SqlType::UnsignedInteger => "int unsigned".into(),
            SqlType::Real => "real".into(),
            SqlType::Double => "double".into(),
            SqlType::Text | SqlType::Json => "text".into(),
            SqlType::Varchar(n) => format!("varchar({n})"),
            SqlType::Blob | SqlType::Uuid => "blob".into(),
            SqlType::Date => "date".into(),
            SqlType::Time => "time".into(),
            SqlType::Timestamp => "datetime".into(),
            SqlType::TimestampTz => "timestamptz".into(),
            SqlType::Decimal => "decimal".into(),
        },
    };
    reported == expected
}

/// `int(11)` → `int`, `int(10) unsigned` → `int unsigned`; `tinyint(1)` (MySQL's boolean) stays.
fn without_display_width(reported: &str) -> String {
    for base in ["tinyint", "smallint", "mediumint", "int", "bigint"] {
        if let Some(rest) = reported
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('('))
            && let Some((width, tail)) = rest.split_once(')')
            && width.chars().all(|c| c.is_ascii_digit())
            && !(base == "tinyint" && width == "1")
        {
            return format!("{base}{tail}");
        }
    }
    reported.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_outside_the_mapping_get_the_closest_logical_type() {
        let pg = |t| reflected_type(Dialect::Postgres, t);
        assert_eq!(pg("integer"), (SqlType::Integer, true));
        assert_eq!(pg("numeric"), (SqlType::Decimal, true));
        assert_eq!(pg("numeric(10,2)"), (SqlType::Decimal, false));
        assert_eq!(pg("integer[]"), (SqlType::Text, false));
        assert_eq!(pg("int4range"), (SqlType::Text, false));
        assert_eq!(pg("mood"), (SqlType::Text, false));
        assert_eq!(pg("character(3)"), (SqlType::Text, false));
        let my = |t| reflected_type(Dialect::Mysql, t);
        assert_eq!(my("decimal(65,30)"), (SqlType::Decimal, true));
        assert_eq!(my("decimal(10,2)"), (SqlType::Decimal, false));
        assert_eq!(my("int(10) unsigned"), (SqlType::UnsignedInteger, true));
        assert_eq!(my("bigint(20) unsigned"), (SqlType::BigInt, false));
        assert_eq!(my("enum('a','b')"), (SqlType::Text, false));
        assert_eq!(my("set('x','y')"), (SqlType::Text, false));
        assert_eq!(my("point"), (SqlType::Blob, false));
        assert_eq!(my("year(4)"), (SqlType::SmallInt, false));
        let lite = |t| reflected_type(Dialect::Sqlite, t);
        assert_eq!(lite(""), (SqlType::Blob, false));
        assert_eq!(lite("UNSIGNED BIG INT"), (SqlType::BigInt, false));
        assert_eq!(lite("NATIVE CHARACTER(70)"), (SqlType::Text, false));
        // SQLite's rules look for INT first: this is an integer column there.
        assert_eq!(lite("FLOATING POINT"), (SqlType::BigInt, false));
        assert_eq!(lite("DOUBLE(10)"), (SqlType::Double, true));
        assert_eq!(lite("FLOAT64"), (SqlType::Double, false));
        assert_eq!(lite("NUMERIC"), (SqlType::Decimal, true));
    }

    #[test]
    fn strata_declared_spellings_are_recognized() {
        use Dialect::*;
        assert!(declared_as_strata_declares(
            Postgres,
            SqlType::Varchar(64),
            "character varying(64)",
            false
        ));
        assert!(!declared_as_strata_declares(
            Postgres,
            SqlType::Json,
            "json",
            false
        ));
        assert!(declared_as_strata_declares(
            Mysql,
            SqlType::Integer,
            "int(11)",
            false
        ));
        assert!(declared_as_strata_declares(
            Mysql,
            SqlType::Bool,
            "tinyint(1)",
            false
        ));
        assert!(!declared_as_strata_declares(
            Mysql,
            SqlType::TinyInt,
            "tinyint(1)",
            false
        ));
        assert!(declared_as_strata_declares(
            Mysql,
            SqlType::UnsignedInteger,
            "int(10) unsigned",
            false
        ));
        assert!(!declared_as_strata_declares(
            Mysql,
            SqlType::Timestamp,
            "datetime",
            false
        ));
        assert!(declared_as_strata_declares(
            Mysql,
            SqlType::Text,
            "varchar(255)",
            true
        ));
        assert!(declared_as_strata_declares(
            Sqlite,
            SqlType::Varchar(10),
            "VARCHAR(10)",
            false
        ));
        assert!(!declared_as_strata_declares(
            Sqlite,
            SqlType::BigInt,
            "INTEGER",
            false
        ));
    }
}
