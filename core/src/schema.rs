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
pub type Literal = LiteralOf<'static>;

/// [`Literal`] borrowing its string for `'a`: the diff planner renders owned snapshots through
/// the same DDL functions as the `'static` model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiteralOf<'a> {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal (rendered as a quoted SQL string, never as SQL).
    Str(&'a str),
}

impl LiteralOf<'_> {
    /// Whether a column of type `sql_type` can take this literal as its default: booleans
    /// for `Bool`, integers for integer and numeric types, floats for `Real`, `Double` and
    /// `Decimal`, strings for every type that is not a boolean or a number (text, dates,
    /// UUIDs, JSON, ...). The derive checks it at compile time.
    pub const fn suits(self, sql_type: SqlType) -> bool {
        let numeric = sql_type.is_integer()
            || matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal);
        match self {
            Self::Bool(_) => matches!(sql_type, SqlType::Bool),
            Self::Int(_) => numeric,
            Self::Float(_) => {
                matches!(sql_type, SqlType::Real | SqlType::Double | SqlType::Decimal)
            }
            Self::Str(_) => !numeric && !matches!(sql_type, SqlType::Bool),
        }
    }
}

/// A column default.
pub type DefaultValue = DefaultValueOf<'static>;

/// [`DefaultValue`] borrowing its text for `'a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValueOf<'a> {
    /// `#[column(default = <literal>)]`: a value, quoted per dialect.
    Literal(LiteralOf<'a>),
    /// `#[column(default_sql = "<expression>")]`: emitted verbatim.
    Sql(&'a str),
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
pub type ColumnDef = ColumnDefOf<'static>;

/// [`ColumnDef`] borrowing its text for `'a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnDefOf<'a> {
    /// The column's name in the database (after `rename`).
    pub name: &'a str,
    /// The Rust field's name.
    pub field: &'a str,
    /// The logical type.
    pub sql_type: SqlType,
    /// `#[column(sql_type = "..")]`: the exact type to declare instead of rendering `sql_type`.
    pub sql_type_override: Option<&'a str>,
    /// NULL allowed (the field is an `Option<T>`).
    pub nullable: bool,
    /// `#[column(auto_increment)]`.
    pub auto_increment: bool,
    /// The default, if any.
    pub default: Option<DefaultValueOf<'a>>,
    /// `#[column(renamed_from = "..")]`: the column's previous name, for the diff planner.
    pub renamed_from: Option<&'a str>,
}

/// An index or a unique constraint over one or more columns.
pub type IndexDef = IndexDefOf<'static>;

/// [`IndexDef`] borrowing its columns for `'a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexDefOf<'a> {
    /// The columns, in order.
    pub columns: &'a [&'a str],
}

/// A foreign key.
pub type ForeignKeyDef = ForeignKeyDefOf<'static>;

/// [`ForeignKeyDef`] borrowing its names for `'a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForeignKeyDefOf<'a> {
    /// The referencing columns of this table.
    pub columns: &'a [&'a str],
    /// The referenced table's name.
    pub ref_table: &'a str,
    /// The referenced columns.
    pub ref_columns: &'a [&'a str],
    /// `ON DELETE`, if given.
    pub on_delete: Option<FkAction>,
    /// `ON UPDATE`, if given.
    pub on_update: Option<FkAction>,
}

/// A table, as `#[derive(Table)]` describes it.
pub type TableDef = TableDefOf<'static>;

/// [`TableDef`] borrowing its names for `'a`: what the DDL renderers take, so a table built at
/// run time (from a [`Snapshot`](crate::Snapshot)) renders exactly like a model's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableDefOf<'a> {
    /// The table's name in the database.
    pub name: &'a str,
    /// The Rust type's name (for messages).
    pub rust_name: &'a str,
    /// The columns, in field order (skipped fields are absent).
    pub columns: &'a [ColumnDefOf<'a>],
    /// The primary key's columns (empty: no primary key).
    pub primary_key: &'a [&'a str],
    /// Unique constraints (column-level `unique` and table-level `unique(..)`).
    pub uniques: &'a [IndexDefOf<'a>],
    /// Non-unique indexes (column-level `index` and table-level `index(..)`).
    pub indexes: &'a [IndexDefOf<'a>],
    /// Foreign keys.
    pub foreign_keys: &'a [ForeignKeyDefOf<'a>],
}

impl<'a> TableDefOf<'a> {
    /// The column with this database name.
    pub fn column(&self, name: &str) -> Option<&ColumnDefOf<'a>> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A set of tables: what `strata::schema![..]` builds and `create_all` creates.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The tables, in the order `schema!` lists them.
    pub tables: &'static [&'static TableDef],
}
