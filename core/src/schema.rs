//! The schema IR: what `#[derive(Table)]` emits as `static` data and what DDL is rendered from.
//!
//! Everything here is `'static` slices, `&'static str` and enums so that a table definition is
//! built in const context (`pub static SCHEMA: strata::Schema = strata::schema![..]`).

/// A logical SQL type, rendered per dialect by the DDL module.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SqlType {
    /// `bool`.
    Bool,
    /// `i8`: `TINYINT`; PostgreSQL has no such column type for sqlx to bind.
    TinyInt,
    /// `i16`.
    SmallInt,
    /// `i32`.
    Integer,
    /// `i64`.
    BigInt,
    /// `u8`: unsigned; refused on PostgreSQL.
    UnsignedTinyInt,
    /// `u16`: unsigned; refused on PostgreSQL.
    UnsignedSmallInt,
    /// `u32`: unsigned; refused on PostgreSQL.
    UnsignedInteger,
    /// `f32`.
    Real,
    /// `f64`.
    Double,
    /// `String` without a length: `TEXT` (MySQL: `VARCHAR(255)` where a key needs it).
    Text,
    /// `String` with `#[column(length = n)]`: `VARCHAR(n)`.
    Varchar(u32),
    /// `Vec<u8>`.
    Blob,
    /// A calendar date (chrono `NaiveDate`, time `Date`).
    Date,
    /// A time of day (chrono `NaiveTime`, time `Time`).
    Time,
    /// A date and time without zone (chrono `NaiveDateTime`, time `PrimitiveDateTime`).
    Timestamp,
    /// A date and time with zone (chrono `DateTime<Utc>`, time `OffsetDateTime`).
    TimestampTz,
    /// A UUID (uuid `Uuid`).
    Uuid,
    /// JSON (serde_json `Value`, sqlx `Json<T>`).
    Json,
    /// An exact decimal (rust_decimal `Decimal`).
    Decimal,
}

impl SqlType {
    /// The type with `#[column(length = n)]` applied: a text column becomes `VARCHAR(n)`.
    /// Other types keep their own type (the derive rejects `length` on them).
    pub const fn with_length(self, length: u32) -> SqlType {
        match self {
            SqlType::Text | SqlType::Varchar(_) => SqlType::Varchar(length),
            other => other,
        }
    }

    /// Whether this is a text type (`Text` or `Varchar`): the only kind `length` applies to.
    pub const fn is_text(self) -> bool {
        matches!(self, SqlType::Text | SqlType::Varchar(_))
    }

    /// Whether this is an integer type (the only kind `auto_increment` accepts).
    pub const fn is_integer(self) -> bool {
        matches!(
            self,
            SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Integer
                | SqlType::BigInt
                | SqlType::UnsignedTinyInt
                | SqlType::UnsignedSmallInt
                | SqlType::UnsignedInteger
        )
    }
}

/// A literal value for `#[column(default = ..)]`, quoted per dialect when rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal (rendered as a quoted SQL string, never as SQL).
    Str(&'static str),
}

impl Literal {
    /// Whether a column of type `sql_type` can take this literal as its default: booleans
    /// for `Bool`, integers for integer and numeric types, floats for `Real`, `Double` and
    /// `Decimal`, strings for every type that is not a boolean or a number (text, dates,
    /// UUIDs, JSON, ...). The derive checks it at compile time.
    pub const fn suits(self, sql_type: SqlType) -> bool {
        let numeric = sql_type.is_integer()
            || matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal);
        match self {
            Literal::Bool(_) => matches!(sql_type, SqlType::Bool),
            Literal::Int(_) => numeric,
            Literal::Float(_) => {
                matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal)
            }
            Literal::Str(_) => !numeric && !matches!(sql_type, SqlType::Bool),
        }
    }
}

/// A column default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// `#[column(default = <literal>)]`: a value, quoted per dialect.
    Literal(Literal),
    /// `#[column(default_sql = "<expression>")]`: emitted verbatim.
    Sql(&'static str),
}

/// A foreign-key action (`on_delete`, `on_update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    /// `CASCADE`.
    Cascade,
    /// `RESTRICT`.
    Restrict,
    /// `SET NULL`.
    SetNull,
    /// `NO ACTION`.
    NoAction,
}

impl FkAction {
    /// The SQL keywords.
    pub const fn sql(self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::Restrict => "RESTRICT",
            FkAction::SetNull => "SET NULL",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnDef {
    /// The column's name in the database (after `rename`).
    pub name: &'static str,
    /// The Rust field's name.
    pub field: &'static str,
    /// The logical type.
    pub sql_type: SqlType,
    /// `#[column(sql_type = "..")]`: the exact type to declare instead of rendering `sql_type`.
    pub sql_type_override: Option<&'static str>,
    /// NULL allowed (the field is an `Option<T>`).
    pub nullable: bool,
    /// `#[column(auto_increment)]`.
    pub auto_increment: bool,
    /// The default, if any.
    pub default: Option<DefaultValue>,
    /// `#[column(renamed_from = "..")]`: the column's previous name, for the diff planner.
    pub renamed_from: Option<&'static str>,
}

/// An index or a unique constraint over one or more columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexDef {
    /// The columns, in order.
    pub columns: &'static [&'static str],
}

/// A foreign key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForeignKeyDef {
    /// The referencing columns of this table.
    pub columns: &'static [&'static str],
    /// The referenced table's name.
    pub ref_table: &'static str,
    /// The referenced columns.
    pub ref_columns: &'static [&'static str],
    /// `ON DELETE`, if given.
    pub on_delete: Option<FkAction>,
    /// `ON UPDATE`, if given.
    pub on_update: Option<FkAction>,
}

/// A table, as `#[derive(Table)]` describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableDef {
    /// The table's name in the database.
    pub name: &'static str,
    /// The Rust type's name (for messages).
    pub rust_name: &'static str,
    /// The columns, in field order (skipped fields are absent).
    pub columns: &'static [ColumnDef],
    /// The primary key's columns (empty: no primary key).
    pub primary_key: &'static [&'static str],
    /// Unique constraints (column-level `unique` and table-level `unique(..)`).
    pub uniques: &'static [IndexDef],
    /// Non-unique indexes (column-level `index` and table-level `index(..)`).
    pub indexes: &'static [IndexDef],
    /// Foreign keys.
    pub foreign_keys: &'static [ForeignKeyDef],
}

impl TableDef {
    /// The column with this database name.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A set of tables: what `strata::schema![..]` builds and `create_all` creates.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The tables, in the order `schema!` lists them.
    pub tables: &'static [&'static TableDef],
}
