//! `ColumnType`: which SQL type a Rust field type is stored as.

use strata_core::SqlType;

/// Maps a Rust type to a logical SQL type, for `#[derive(Table)]`.
///
/// The derive names only the field's type (`<T as ColumnType>::SQL`), so type aliases work and
/// your own types can be columns: implement this trait for them. It has associated consts only,
/// so table definitions are built at compile time.
///
/// # Built-in mapping
///
/// How each logical type is declared by `create_all` (the DDL renderer of `strata-core`):
///
/// | Rust type | [`SqlType`] | SQLite | PostgreSQL | MySQL / MariaDB |
/// |---|---|---|---|---|
/// | `bool` | `Bool` | `BOOLEAN` | `BOOLEAN` | `BOOLEAN` |
/// | `i8` | `TinyInt` | `TINYINT` | refused¹ | `TINYINT` |
/// | `i16` | `SmallInt` | `SMALLINT` | `SMALLINT` | `SMALLINT` |
/// | `i32` | `Integer` | `INTEGER` | `INTEGER` | `INT` |
/// | `i64` | `BigInt` | `BIGINT`² | `BIGINT` | `BIGINT` |
/// | `u8`, `u16`, `u32` | `Unsigned…` | `… UNSIGNED` types | refused¹ | `TINYINT`/`SMALLINT`/`INT UNSIGNED` |
/// | `f32` | `Real` | `REAL` | `REAL` | `FLOAT` |
/// | `f64` | `Double` | `DOUBLE PRECISION` | `DOUBLE PRECISION` | `DOUBLE` |
/// | `String` | `Text` | `TEXT` | `TEXT` | `TEXT`³ |
/// | `String` + `#[column(length = n)]` | `Varchar(n)` | `VARCHAR(n)` | `VARCHAR(n)` | `VARCHAR(n)` |
/// | `Vec<u8>` | `Blob` | `BLOB` | `BYTEA` | `BLOB` |
/// | `Option<T>` | `T`'s, NULL allowed | | | |
/// | chrono `NaiveDate`, time `Date` | `Date` | `DATE` | `DATE` | `DATE` |
/// | chrono `NaiveTime`, time `Time` | `Time` | `TIME` | `TIME` | `TIME` |
/// | chrono `NaiveDateTime`, time `PrimitiveDateTime` | `Timestamp` | `DATETIME` | `TIMESTAMP` | `DATETIME` |
/// | chrono `DateTime<Utc>`, time `OffsetDateTime` | `TimestampTz` | `DATETIME` | `TIMESTAMPTZ` | `TIMESTAMP` |
/// | uuid `Uuid` | `Uuid` | `BLOB` | `UUID` | `BINARY(16)` |
/// | serde_json `Value`, `sqlx::types::Json<T>` | `Json` | `TEXT` | `JSONB` | `JSON` |
/// | rust_decimal `Decimal` | `Decimal` | `NUMERIC` | `NUMERIC` | `DECIMAL` |
///
/// ¹ PostgreSQL has no unsigned types and sqlx binds `i8` only to `"char"`, so `create_all`
/// refuses such a column there with an error naming it. ² `INTEGER PRIMARY KEY` (the rowid
/// alias) with `primary_key, auto_increment`. ³ `VARCHAR(255)` when the column is a key, unique,
/// indexed or on either side of a foreign key (MySQL cannot index `TEXT`).
///
/// The chrono, time, uuid, JSON and decimal types need the `strata` features of the same names
/// (`serde_json` for JSON). `u64` has no portable SQL type and is rejected, as is any type
/// without an implementation: the error is on the field's type and names this trait.
/// `#[column(sql_type = "..")]` changes the declared type but still needs the field's type to
/// implement `ColumnType` (for nullability and the logical type that reflection compares).
///
/// # Your own types
///
/// A newtype stored as one of the types above implements the trait with that type's constants
/// (`NULLABLE` defaults to `false`):
///
/// ```
/// use strata::{ColumnType, SqlType, Table};
///
/// pub struct Email(pub String);
///
/// impl ColumnType for Email {
///     const SQL: SqlType = SqlType::Varchar(320);
/// }
///
/// #[derive(Table)]
/// pub struct Subscriber {
///     #[column(primary_key)]
///     pub id: i64,
///     pub email: Email,
///     pub backup: Option<Email>,
/// }
///
/// let columns = <Subscriber as Table>::DEF.columns;
/// assert_eq!(columns[1].sql_type, SqlType::Varchar(320));
/// assert!(!columns[1].nullable);
/// assert!(columns[2].nullable);
/// ```
///
/// For sqlx to read and write the newtype, also implement (or derive, with `#[sqlx(transparent)]`)
/// sqlx's `Type`, `Encode` and `Decode` as usual.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a column type: it does not implement `strata::ColumnType`",
    label = "no SQL type for `{Self}`",
    note = "built in: bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, String, Vec<u8>, Option<T>, and with \
            strata's features chrono, time, uuid, serde_json and rust_decimal types; u64 has no portable SQL type",
    note = "for your own type, implement `strata::ColumnType` (see its documentation)"
)]
pub trait ColumnType {
    /// The logical SQL type.
    const SQL: SqlType;
    /// Whether the column allows NULL: `true` only for `Option<T>`.
    const NULLABLE: bool = false;
}

macro_rules! column_types {
    ($($ty:ty => $sql:expr),* $(,)?) => {
        $(
            impl ColumnType for $ty {
                const SQL: SqlType = $sql;
            }
        )*
    };
}

column_types! {
    bool => SqlType::Bool,
    i8 => SqlType::TinyInt,
    i16 => SqlType::SmallInt,
    i32 => SqlType::Integer,
    i64 => SqlType::BigInt,
    u8 => SqlType::UnsignedTinyInt,
    u16 => SqlType::UnsignedSmallInt,
    u32 => SqlType::UnsignedInteger,
    f32 => SqlType::Real,
    f64 => SqlType::Double,
    String => SqlType::Text,
    Vec<u8> => SqlType::Blob,
}

/// `Option<T>`: `T`'s type, NULL allowed.
impl<T: ColumnType> ColumnType for Option<T> {
    const SQL: SqlType = T::SQL;
    const NULLABLE: bool = true;
}

#[cfg(feature = "chrono")]
column_types! {
    chrono::NaiveDate => SqlType::Date,
    chrono::NaiveTime => SqlType::Time,
    chrono::NaiveDateTime => SqlType::Timestamp,
    chrono::DateTime<chrono::Utc> => SqlType::TimestampTz,
}

#[cfg(feature = "time")]
column_types! {
    time::Date => SqlType::Date,
    time::Time => SqlType::Time,
    time::PrimitiveDateTime => SqlType::Timestamp,
    time::OffsetDateTime => SqlType::TimestampTz,
}

#[cfg(feature = "uuid")]
column_types! {
    uuid::Uuid => SqlType::Uuid,
}

#[cfg(feature = "serde_json")]
column_types! {
    serde_json::Value => SqlType::Json,
}

/// sqlx's JSON wrapper: any `T` it can (de)serialize, stored as JSON.
#[cfg(feature = "serde_json")]
impl<T> ColumnType for sqlx::types::Json<T> {
    const SQL: SqlType = SqlType::Json;
}

#[cfg(feature = "rust_decimal")]
column_types! {
    rust_decimal::Decimal => SqlType::Decimal,
}
