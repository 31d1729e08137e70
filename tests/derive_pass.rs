//! `#[derive(Table)]` on many shapes, compiled with every warning denied, and the emitted
//! definitions compared field by field with what they must be.

#![deny(warnings)]
#![deny(unused_qualifications)]

use strata::{
    ColumnDef, ColumnType, DefaultValue, FkAction, ForeignKeyDef, IndexDef, Literal, Schema,
    SqlType, Table, TableDef,
};

/// A column as the derive emits it by default; tests override what differs.
const fn col(name: &'static str, sql_type: SqlType) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        sql_type,
        sql_type_override: None,
        nullable: false,
        auto_increment: false,
        default: None,
        renamed_from: None,
    }
}

#[derive(Table)]
#[table(name = "users", index(name, email), unique(email))]
#[allow(dead_code)]
pub struct User {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(length = 64, unique)]
    pub name: String,
    pub email: Option<String>,
    #[column(default = 0)]
    pub karma: i32,
    #[column(default_sql = "CURRENT_TIMESTAMP")]
    pub created_at: String,
    #[column(skip)]
    pub cache: Vec<u8>,
}

#[derive(Table)]
#[allow(dead_code)]
pub struct Post {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(references = User, on_delete = "cascade", index)]
    pub user_id: i64,
    #[column(rename = "body_text", renamed_from = "body")]
    pub body: String,
}

#[test]
fn user_definition() {
    assert_eq!(<User as Table>::NAME, "users");
    assert_eq!(<User as Table>::PRIMARY_KEY, ["id"]);
    const EXPECTED: TableDef = TableDef {
        name: "users",
        rust_name: "User",
        columns: &[
            ColumnDef {
                auto_increment: true,
                ..col("id", SqlType::BigInt)
            },
            col("name", SqlType::Varchar(64)),
            ColumnDef {
                nullable: true,
                ..col("email", SqlType::Text)
            },
            ColumnDef {
                default: Some(DefaultValue::Literal(Literal::Int(0))),
                ..col("karma", SqlType::Integer)
            },
            ColumnDef {
                default: Some(DefaultValue::Sql("CURRENT_TIMESTAMP")),
                ..col("created_at", SqlType::Text)
            },
        ],
        primary_key: &["id"],
        uniques: &[
            IndexDef { columns: &["name"] },
            IndexDef {
                columns: &["email"],
            },
        ],
        indexes: &[IndexDef {
            columns: &["name", "email"],
        }],
        foreign_keys: &[],
    };
    assert_eq!(<User as Table>::DEF, EXPECTED);
    assert_eq!(User::COLUMNS.id, "id");
    assert_eq!(User::COLUMNS.created_at, "created_at");
}

#[test]
fn post_definition() {
    assert_eq!(<Post as Table>::NAME, "post");
    const EXPECTED: TableDef = TableDef {
        name: "post",
        rust_name: "Post",
        columns: &[
            ColumnDef {
                auto_increment: true,
                ..col("id", SqlType::BigInt)
            },
            col("user_id", SqlType::BigInt),
            ColumnDef {
                field: "body",
                renamed_from: Some("body"),
                ..col("body_text", SqlType::Text)
            },
        ],
        primary_key: &["id"],
        uniques: &[],
        indexes: &[IndexDef {
            columns: &["user_id"],
        }],
        foreign_keys: &[ForeignKeyDef {
            columns: &["user_id"],
            ref_table: "users",
            ref_columns: &["id"],
            on_delete: Some(FkAction::Cascade),
            on_update: None,
        }],
    };
    assert_eq!(<Post as Table>::DEF, EXPECTED);
    // The constant is named after the field and holds the column's name.
    assert_eq!(Post::COLUMNS.body, "body_text");
}

/// Every built-in std type, each also as `Option`.
#[derive(Table)]
#[allow(dead_code)]
pub struct AllTypes {
    pub a_bool: bool,
    pub a_i8: i8,
    pub a_i16: i16,
    pub a_i32: i32,
    pub a_i64: i64,
    pub a_u8: u8,
    pub a_u16: u16,
    pub a_u32: u32,
    pub a_f32: f32,
    pub a_f64: f64,
    pub a_string: String,
    pub a_bytes: Vec<u8>,
    pub maybe_bool: Option<bool>,
    pub maybe_i64: Option<i64>,
    pub maybe_f64: Option<f64>,
    pub maybe_string: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
    pub aliased: Id,
}

/// A type alias works: the derive only names the type.
pub type Id = i64;

#[test]
fn every_std_type() {
    let types: Vec<(&str, SqlType, bool)> = <AllTypes as Table>::DEF
        .columns
        .iter()
        .map(|c| (c.name, c.sql_type, c.nullable))
        .collect();
    assert_eq!(
        types,
        [
            ("a_bool", SqlType::Bool, false),
            ("a_i8", SqlType::TinyInt, false),
            ("a_i16", SqlType::SmallInt, false),
            ("a_i32", SqlType::Integer, false),
            ("a_i64", SqlType::BigInt, false),
            ("a_u8", SqlType::UnsignedTinyInt, false),
            ("a_u16", SqlType::UnsignedSmallInt, false),
            ("a_u32", SqlType::UnsignedInteger, false),
            ("a_f32", SqlType::Real, false),
            ("a_f64", SqlType::Double, false),
            ("a_string", SqlType::Text, false),
            ("a_bytes", SqlType::Blob, false),
            ("maybe_bool", SqlType::Bool, true),
            ("maybe_i64", SqlType::BigInt, true),
            ("maybe_f64", SqlType::Double, true),
            ("maybe_string", SqlType::Text, true),
            ("maybe_bytes", SqlType::Blob, true),
            ("aliased", SqlType::BigInt, false),
        ]
    );
    // No primary key declared: none emitted.
    assert_eq!(<AllTypes as Table>::PRIMARY_KEY, [] as [&str; 0]);
    assert_eq!(<AllTypes as Table>::DEF.primary_key, [] as [&str; 0]);
    assert_eq!(<AllTypes as Table>::NAME, "all_types");
}

/// A user's newtype, stored as a decimal-free integer amount of cents.
pub struct Cents(pub i64);

impl ColumnType for Cents {
    const SQL: SqlType = SqlType::BigInt;
}

/// A newtype that is always nullable (a user's choice, honoured by the derive).
pub struct Note(pub Option<String>);

impl ColumnType for Note {
    const SQL: SqlType = SqlType::Text;
    const NULLABLE: bool = true;
}

#[derive(Table)]
#[allow(dead_code)]
pub struct Invoice {
    #[column(primary_key)]
    pub id: i64,
    #[column(default = 0)]
    pub total: Cents,
    pub discount: Option<Cents>,
    pub note: Note,
}

#[test]
fn newtypes_with_their_own_column_type() {
    let columns = <Invoice as Table>::DEF.columns;
    assert_eq!(
        columns[1],
        ColumnDef {
            default: Some(DefaultValue::Literal(Literal::Int(0))),
            ..col("total", SqlType::BigInt)
        }
    );
    assert_eq!(
        columns[2],
        ColumnDef {
            nullable: true,
            ..col("discount", SqlType::BigInt)
        }
    );
    assert_eq!(
        columns[3],
        ColumnDef {
            nullable: true,
            ..col("note", SqlType::Text)
        }
    );
}

/// A tree: a table that references itself, by name and as `Self`.
#[derive(Table)]
#[table(name = "categories")]
#[allow(dead_code)]
pub struct Category {
    #[column(primary_key, auto_increment)]
    pub id: i32,
    #[column(references = Category, on_delete = "set_null", on_update = "cascade")]
    pub parent_id: Option<i32>,
    #[column(references = Self, on_delete = "restrict", on_update = "no_action")]
    pub merged_into: Option<i32>,
}

#[test]
fn self_reference() {
    assert_eq!(
        <Category as Table>::DEF.foreign_keys,
        [
            ForeignKeyDef {
                columns: &["parent_id"],
                ref_table: "categories",
                ref_columns: &["id"],
                on_delete: Some(FkAction::SetNull),
                on_update: Some(FkAction::Cascade),
            },
            ForeignKeyDef {
                columns: &["merged_into"],
                ref_table: "categories",
                ref_columns: &["id"],
                on_delete: Some(FkAction::Restrict),
                on_update: Some(FkAction::NoAction),
            },
        ]
    );
}

/// SQL keywords as table and column names, raw identifiers as fields.
#[derive(Table)]
#[allow(dead_code)]
pub struct Order {
    #[column(primary_key, rename = "order")]
    pub id: i64,
    #[column(rename = "user")]
    pub user_name: String,
    pub group: String,
    pub r#type: String,
    pub r#match: Option<bool>,
}

#[derive(Table)]
#[table(name = "group")]
#[allow(dead_code)]
pub struct Group {
    #[column(primary_key)]
    pub select: String,
    #[column(references = "order(order)")]
    pub order: i64,
}

#[test]
fn keyword_names() {
    assert_eq!(<Order as Table>::NAME, "order");
    let def = <Order as Table>::DEF;
    let names: Vec<(&str, &str)> = def.columns.iter().map(|c| (c.name, c.field)).collect();
    assert_eq!(
        names,
        [
            ("order", "id"),
            ("user", "user_name"),
            ("group", "group"),
            ("type", "type"),
            ("match", "match"),
        ]
    );
    assert_eq!(def.primary_key, ["order"]);
    assert_eq!(Order::COLUMNS.r#type, "type");
    assert_eq!(Order::COLUMNS.id, "order");
    assert_eq!(<Group as Table>::NAME, "group");
    assert_eq!(
        <Group as Table>::DEF.foreign_keys,
        [ForeignKeyDef {
            columns: &["order"],
            ref_table: "order",
            ref_columns: &["order"],
            on_delete: None,
            on_update: None,
        }]
    );
}

/// Composite keys, several table-level indexes, every default kind, `sql_type`.
#[derive(Table)]
#[table(
    name = "document_versions",
    primary_key(document_id, version),
    index(created_by),
    index(r#kind, version),
    unique(slug, version),
    unique(checksum)
)]
#[allow(dead_code)]
pub struct DocumentVersion {
    pub document_id: i64,
    pub version: i32,
    #[column(rename = "kind_name")]
    pub r#kind: String,
    pub slug: String,
    pub checksum: String,
    pub created_by: i64,
    #[column(default = true)]
    pub published: bool,
    #[column(default = -1)]
    pub priority: i16,
    #[column(default = -2.5)]
    pub score: f64,
    #[column(default = 3)]
    pub weight: f32,
    #[column(default = "it's \"draft\"")]
    pub status: String,
    #[column(sql_type = "NUMERIC(10, 2)", default = 0.5)]
    pub price: f64,
    #[column(default = 9223372036854775807)]
    pub big: i64,
    #[column(default = -9223372036854775808)]
    pub small: i64,
    #[column(length = 3, default = "eur")]
    pub currency: Option<String>,
}

#[test]
fn composite_keys_and_defaults() {
    let def = <DocumentVersion as Table>::DEF;
    assert_eq!(
        <DocumentVersion as Table>::PRIMARY_KEY,
        ["document_id", "version"]
    );
    assert_eq!(def.primary_key, ["document_id", "version"]);
    assert_eq!(
        def.indexes,
        [
            IndexDef {
                columns: &["created_by"]
            },
            IndexDef {
                columns: &["kind_name", "version"]
            },
        ]
    );
    assert_eq!(
        def.uniques,
        [
            IndexDef {
                columns: &["slug", "version"]
            },
            IndexDef {
                columns: &["checksum"]
            },
        ]
    );
    let defaults: Vec<(&str, Option<DefaultValue>)> =
        def.columns.iter().map(|c| (c.name, c.default)).collect();
    let literal = |l| Some(DefaultValue::Literal(l));
    assert_eq!(
        defaults,
        [
            ("document_id", None),
            ("version", None),
            ("kind_name", None),
            ("slug", None),
            ("checksum", None),
            ("created_by", None),
            ("published", literal(Literal::Bool(true))),
            ("priority", literal(Literal::Int(-1))),
            ("score", literal(Literal::Float(-2.5))),
            ("weight", literal(Literal::Int(3))),
            ("status", literal(Literal::Str("it's \"draft\""))),
            ("price", literal(Literal::Float(0.5))),
            ("big", literal(Literal::Int(i64::MAX))),
            ("small", literal(Literal::Int(i64::MIN))),
            ("currency", literal(Literal::Str("eur"))),
        ]
    );
    let price = def.column("price").unwrap();
    assert_eq!(price.sql_type, SqlType::Double);
    assert_eq!(price.sql_type_override, Some("NUMERIC(10, 2)"));
    assert_eq!(
        *def.column("currency").unwrap(),
        ColumnDef {
            nullable: true,
            default: Some(DefaultValue::Literal(Literal::Str("eur"))),
            ..col("currency", SqlType::Varchar(3))
        }
    );
    assert_eq!(DocumentVersion::COLUMNS.r#kind, "kind_name");
}

/// A private struct with private fields in a module: constants keep working.
mod private {
    use strata::Table;

    #[derive(Table)]
    #[allow(dead_code)]
    struct AuditEntry {
        #[column(primary_key, auto_increment)]
        id: i64,
        #[column(references = "users(id)", on_delete = "cascade")]
        user_id: i64,
    }

    pub fn names() -> (&'static str, &'static str, &'static str) {
        (
            <AuditEntry as Table>::NAME,
            AuditEntry::COLUMNS.id,
            AuditEntry::COLUMNS.user_id,
        )
    }
}

#[test]
fn private_struct() {
    assert_eq!(private::names(), ("audit_entry", "id", "user_id"));
}

pub static SCHEMA: Schema = strata::schema![
    Post,
    User,
    AllTypes,
    Invoice,
    Category,
    Order,
    Group,
    DocumentVersion,
];

#[test]
fn schema_in_a_static() {
    let names: Vec<&str> = SCHEMA.tables.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "post",
            "users",
            "all_types",
            "invoice",
            "categories",
            "order",
            "group",
            "document_versions",
        ]
    );
    assert_eq!(*SCHEMA.tables[1], <User as Table>::DEF);
    assert_eq!(SCHEMA.validate(), Ok(()));
    // Also usable as a local value; still checked at compile time.
    let local = strata::schema![User];
    assert_eq!(local.tables.len(), 1);
    let empty = strata::schema![];
    assert!(empty.tables.is_empty());
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use strata::{SqlType, Table};

    #[derive(Table)]
    #[allow(dead_code)]
    pub struct Event {
        #[column(primary_key)]
        pub id: i64,
        pub day: chrono::NaiveDate,
        pub at: chrono::NaiveTime,
        #[column(default_sql = "CURRENT_TIMESTAMP")]
        pub local: chrono::NaiveDateTime,
        pub utc: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[test]
    fn chrono_types() {
        let types: Vec<(SqlType, bool)> = <Event as Table>::DEF
            .columns
            .iter()
            .map(|c| (c.sql_type, c.nullable))
            .collect();
        assert_eq!(
            types,
            [
                (SqlType::BigInt, false),
                (SqlType::Date, false),
                (SqlType::Time, false),
                (SqlType::Timestamp, false),
                (SqlType::TimestampTz, true),
            ]
        );
    }
}

#[cfg(all(
    feature = "time",
    feature = "uuid",
    feature = "serde_json",
    feature = "rust_decimal"
))]
mod with_other_features {
    use strata::{SqlType, Table};

    #[derive(Table)]
    #[allow(dead_code)]
    pub struct Everything {
        #[column(primary_key)]
        pub id: uuid::Uuid,
        pub day: time::Date,
        pub at: time::Time,
        pub local: time::PrimitiveDateTime,
        pub utc: time::OffsetDateTime,
        pub payload: serde_json::Value,
        pub typed: sqlx::types::Json<Vec<String>>,
        pub amount: Option<rust_decimal::Decimal>,
    }

    #[test]
    fn feature_types() {
        let types: Vec<(SqlType, bool)> = <Everything as Table>::DEF
            .columns
            .iter()
            .map(|c| (c.sql_type, c.nullable))
            .collect();
        assert_eq!(
            types,
            [
                (SqlType::Uuid, false),
                (SqlType::Date, false),
                (SqlType::Time, false),
                (SqlType::Timestamp, false),
                (SqlType::TimestampTz, false),
                (SqlType::Json, false),
                (SqlType::Json, false),
                (SqlType::Decimal, true),
            ]
        );
    }
}

/// Local items named like what the expansion uses do not break it: it names only absolute paths.
mod shadowing {
    #![allow(dead_code, non_camel_case_types)]

    use ::strata::Table;

    mod strata {}
    mod core {}
    struct Option;
    struct Some;
    struct None;
    struct ColumnDef;
    struct TableDef;
    trait ColumnType {}

    #[derive(Table)]
    pub struct Shadowed {
        #[column(primary_key, auto_increment)]
        pub id: i64,
        #[column(
            default = "x",
            length = 8,
            references = "other(code)",
            on_delete = "cascade"
        )]
        pub code: ::std::option::Option<::std::string::String>,
    }

    #[test]
    fn expansion_is_hygienic() {
        let def = <Shadowed as Table>::DEF;
        assert_eq!(def.name, "shadowed");
        assert!(def.columns[1].nullable);
        assert_eq!(def.foreign_keys[0].ref_table, "other");
        assert_eq!(Shadowed::COLUMNS.code, "code");
    }
}
