use super::*;
use crate::reflect_types::reflected_type;
use crate::snapshot::IndexSnapshot;

fn column(dialect: Dialect, name: &str, db_type: &str, nullable: bool) -> ColumnSnapshot {
    let (sql_type, type_known) = reflected_type(dialect, db_type);
    ColumnSnapshot {
        name: name.to_owned(),
        sql_type,
        type_known,
        db_type: Some(db_type.to_owned()),
        nullable,
        default: None,
        auto_increment: false,
        renamed_from: None,
    }
}

fn with_default(mut c: ColumnSnapshot, default: ColumnDefault) -> ColumnSnapshot {
    c.default = Some(default);
    c
}

fn auto(mut c: ColumnSnapshot) -> ColumnSnapshot {
    c.auto_increment = true;
    c
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn index(name: &str, columns: &[&str]) -> IndexSnapshot {
    IndexSnapshot {
        name: Some(name.to_owned()),
        columns: strings(columns),
    }
}

fn fk(
    columns: &[&str],
    ref_table: &str,
    ref_columns: &[&str],
    on_delete: FkAction,
) -> ForeignKeySnapshot {
    ForeignKeySnapshot {
        name: Some(format!("{}_fkey", columns.join("_"))),
        columns: strings(columns),
        ref_table: ref_table.to_owned(),
        ref_columns: strings(ref_columns),
        on_delete: Some(on_delete),
        on_update: Some(FkAction::NoAction),
    }
}

fn table(name: &str, columns: Vec<ColumnSnapshot>, primary_key: &[&str]) -> TableSnapshot {
    TableSnapshot {
        name: name.to_owned(),
        columns,
        primary_key: strings(primary_key),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    }
}

fn postgres_shop() -> Snapshot {
    let pg = Dialect::Postgres;
    let mut order = table(
        "order",
        vec![
            auto(column(pg, "id", "bigint", false)),
            column(pg, "user", "integer", false),
            column(pg, "parent_id", "bigint", true),
            with_default(
                column(pg, "note", "character varying(64)", false),
                ColumnDefault::Str("it's \"quoted\"".into()),
            ),
            with_default(
                column(pg, "total", "numeric(10,2)", false),
                ColumnDefault::Int(0),
            ),
            column(pg, "tags", "integer[]", true),
            column(pg, "Mixed Case", "json", true),
            with_default(
                column(pg, "placed_at", "timestamp with time zone", false),
                ColumnDefault::Sql("CURRENT_TIMESTAMP".into()),
            ),
        ],
        &["id"],
    );
    order
        .uniques
        .push(index("order_user_note_key", &["user", "note"]));
    order.indexes.push(index("order_note_idx", &["note"]));
    order
        .foreign_keys
        .push(fk(&["user"], "user", &["id"], FkAction::Cascade));
    order
        .foreign_keys
        .push(fk(&["parent_id"], "order", &["id"], FkAction::SetNull));
    let mut line = table(
        "order_line",
        vec![
            column(pg, "order_id", "bigint", false),
            column(pg, "line_no", "integer", false),
            with_default(column(pg, "ratio", "real", false), ColumnDefault::Int(1)),
            with_default(
                column(pg, "gift", "boolean", false),
                ColumnDefault::Bool(false),
            ),
            column(pg, "during", "tstzrange", true),
        ],
        &["order_id", "line_no"],
    );
    line.indexes
        .push(index("order_line_idx", &["line_no", "order_id"]));
    line.foreign_keys.push(ForeignKeySnapshot {
        on_update: Some(FkAction::Restrict),
        ..fk(&["order_id"], "order", &["id"], FkAction::Cascade)
    });
    let mut user = table(
        "user",
        vec![
            auto(column(pg, "id", "integer", false)),
            column(pg, "name", "text", false),
            column(pg, "type", "mood", true),
            column(pg, "flag", "\"char\"", false),
        ],
        &["id"],
    );
    user.uniques.push(index("user_name_key", &["name"]));
    Snapshot {
        dialect: Some(pg),
        tables: vec![order, line, user],
    }
}

#[test]
fn postgres_schema_as_rust() {
    assert_eq!(
        postgres_shop().to_rust_source(),
        r#"// Written by strata from a PostgreSQL database: one struct per table.
// The field types need the crates `chrono`, `rust_decimal`, `serde_json` and strata's features of the same names.

#[derive(strata::Table)]
#[table(unique(user, note))]
pub struct Order {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(references = User, on_delete = "cascade")]
    pub user: i32,
    #[column(references = Self, on_delete = "set_null")]
    pub parent_id: Option<i64>,
    #[column(length = 64, index, default = "it's \"quoted\"")]
    pub note: String,
    // `numeric(10,2)` is outside strata's type mapping: read as `rust_decimal::Decimal`
    #[column(sql_type = "numeric(10,2)", default = 0)]
    pub total: rust_decimal::Decimal,
    // `integer[]` is outside strata's type mapping: read as `String`
    #[column(sql_type = "integer[]")]
    pub tags: Option<String>,
    #[column(rename = "Mixed Case", sql_type = "json")]
    pub mixed_case: Option<serde_json::Value>,
    #[column(default_sql = "CURRENT_TIMESTAMP")]
    pub placed_at: chrono::DateTime<chrono::Utc>,
}

#[derive(strata::Table)]
#[table(primary_key(order_id, line_no), index(line_no, order_id))]
pub struct OrderLine {
    #[column(references = Order, on_delete = "cascade", on_update = "restrict")]
    pub order_id: i64,
    pub line_no: i32,
    #[column(default = 1)]
    pub ratio: f32,
    #[column(default = false)]
    pub gift: bool,
    // `tstzrange` is outside strata's type mapping: read as `String`
    #[column(sql_type = "tstzrange")]
    pub during: Option<String>,
}

#[derive(strata::Table)]
pub struct User {
    #[column(primary_key, auto_increment)]
    pub id: i32,
    #[column(unique)]
    pub name: String,
    // `mood` is outside strata's type mapping: read as `String`
    #[column(rename = "type", sql_type = "mood")]
    pub type_: Option<String>,
    // `"char"` is read as `i16`: PostgreSQL has no column strata creates for `i8`
    #[column(sql_type = "\"char\"")]
    pub flag: i16,
}

pub static SCHEMA: strata::Schema = strata::schema![Order, OrderLine, User];
"#
    );
}

#[test]
fn the_same_snapshot_gives_the_same_text() {
    let snapshot = postgres_shop();
    assert_eq!(snapshot.to_rust_source(), snapshot.clone().to_rust_source());
}

#[test]
fn foreign_keys_without_an_attribute_are_left_out_with_the_reason() {
    let d = Dialect::Sqlite;
    let mut a = table(
        "a",
        vec![
            column(d, "id", "INTEGER", false),
            column(d, "b_id", "INTEGER", true),
            column(d, "x", "INTEGER", true),
            column(d, "y", "INTEGER", true),
        ],
        &["id"],
    );
    a.columns[0].auto_increment = true;
    a.foreign_keys
        .push(fk(&["b_id"], "b", &["id"], FkAction::NoAction));
    a.foreign_keys
        .push(fk(&["x", "y"], "b", &["id", "n"], FkAction::NoAction));
    a.foreign_keys
        .push(fk(&["y"], "gone", &["id"], FkAction::NoAction));
    let mut b = table(
        "b",
        vec![
            column(d, "id", "BIGINT", false),
            column(d, "n", "", true),
            column(d, "a_id", "BIGINT", true),
        ],
        &["id"],
    );
    b.foreign_keys
        .push(fk(&["a_id"], "a", &["id"], FkAction::Cascade));
    let snapshot = Snapshot {
        dialect: Some(d),
        tables: vec![a, b],
    };
    assert_eq!(
        snapshot.to_rust_source(),
        r#"// Written by strata from a SQLite database: one struct per table.

// foreign key (x, y) -> b(id, n) is left out: a foreign key over several columns has no attribute; add it in a migration
// foreign key (y) -> gone(id) is left out: table `gone` is not in this schema
#[derive(strata::Table)]
pub struct A {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(sql_type = "INTEGER", references = B)]
    pub b_id: Option<i64>,
    #[column(sql_type = "INTEGER")]
    pub x: Option<i64>,
    #[column(sql_type = "INTEGER")]
    pub y: Option<i64>,
}

// foreign key (a_id) -> a(id) is left out: it closes a cycle of foreign keys between tables, which `schema!` rejects; add it in a migration
#[derive(strata::Table)]
pub struct B {
    #[column(primary_key)]
    pub id: i64,
    // declared without a type in the database: created as BLOB, the same affinity
    pub n: Option<Vec<u8>>,
    pub a_id: Option<i64>,
}

pub static SCHEMA: strata::Schema = strata::schema![A, B];
"#
    );
}

#[test]
fn names_become_rust_identifiers() {
    assert_eq!(struct_name("order_line"), "OrderLine");
    assert_eq!(struct_name("Mixed Case"), "MixedCase");
    assert_eq!(struct_name("2fa codes"), "T2faCodes");
    assert_eq!(struct_name("option"), "OptionTable");
    assert_eq!(struct_name("self"), "SelfTable");
    assert_eq!(struct_name("---"), "Unnamed");
    assert_eq!(struct_name("SCHEMA"), "SchemaTable");
    assert_eq!(struct_name("HTTP_LOG"), "HttpLog");
    assert_eq!(struct_name("userProfile"), "UserProfile");
    assert_eq!(field_name("userId"), "user_id");
    assert_eq!(field_name("Mixed Case"), "mixed_case");
    assert_eq!(field_name("type"), "type_");
    assert_eq!(field_name("2fa"), "column_2fa");
    assert_eq!(field_name("ünïcode"), "n_code");
    assert_eq!(field_name("?"), "column");
}

#[test]
fn tables_whose_names_collide_as_structs_keep_their_names() {
    let d = Dialect::Sqlite;
    let snapshot = Snapshot {
        dialect: Some(d),
        tables: vec![
            table(
                "UserLog",
                vec![
                    column(d, "a b", "TEXT", false),
                    column(d, "a_b", "TEXT", false),
                ],
                &[],
            ),
            table("user_log", vec![column(d, "id", "BIGINT", false)], &[]),
        ],
    };
    assert_eq!(
        snapshot.to_rust_source(),
        r#"// Written by strata from a SQLite database: one struct per table.

#[derive(strata::Table)]
#[table(name = "UserLog")]
pub struct UserLog {
    #[column(rename = "a b")]
    pub a_b: String,
    #[column(rename = "a_b")]
    pub a_b2: String,
}

#[derive(strata::Table)]
#[table(name = "user_log")]
pub struct UserLog2 {
    pub id: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![UserLog, UserLog2];
"#
    );
}

#[test]
fn mysql_types_and_implicit_foreign_key_indexes() {
    let d = Dialect::Mysql;
    let mut parent = table(
        "parent",
        vec![auto(column(d, "id", "bigint(20) unsigned", false))],
        &["id"],
    );
    parent.columns[0].auto_increment = true;
    let mut child = table(
        "child",
        vec![
            auto(column(d, "id", "int(11)", false)),
            column(d, "parent_id", "bigint(20) unsigned", false),
            with_default(
                column(d, "kind", "enum('a','b')", false),
                ColumnDefault::Str("a".into()),
            ),
            with_default(column(d, "on", "tinyint(1)", false), ColumnDefault::Int(1)),
            column(d, "at", "datetime", true),
            column(d, "spot", "point", true),
            column(d, "small", "tinyint(3) unsigned", true),
            column(d, "note", "text", true),
            column(d, "label", "text", true),
        ],
        &["id"],
    );
    // MariaDB keeps a unique TEXT column as TEXT (a hash index); strata would declare a
    // String key column VARCHAR(255).
    child.uniques.push(index("note", &["note"]));
    child.indexes.push(index("parent_id_fkey", &["parent_id"]));
    child
        .foreign_keys
        .push(fk(&["parent_id"], "parent", &["id"], FkAction::Restrict));
    let snapshot = Snapshot {
        dialect: Some(d),
        tables: vec![child, parent],
    };
    assert_eq!(
        snapshot.to_rust_source(),
        r#"// Written by strata from a MySQL/MariaDB database: one struct per table.
// The field types need the crates `chrono` and strata's features of the same names.

#[derive(strata::Table)]
pub struct Child {
    #[column(primary_key, auto_increment)]
    pub id: i32,
    // `bigint(20) unsigned` is outside strata's type mapping: read as `i64`, which holds values up to i64::MAX only
    #[column(sql_type = "bigint(20) unsigned", references = Parent)]
    pub parent_id: i64,
    // `enum('a','b')` is outside strata's type mapping: read as `String`
    #[column(sql_type = "enum('a','b')", default = "a")]
    pub kind: String,
    #[column(default = true)]
    pub on: bool,
    #[column(sql_type = "datetime")]
    pub at: Option<chrono::NaiveDateTime>,
    // `point` is outside strata's type mapping: read as `Vec<u8>`
    #[column(sql_type = "point")]
    pub spot: Option<Vec<u8>>,
    pub small: Option<u8>,
    #[column(sql_type = "text", unique)]
    pub note: Option<String>,
    pub label: Option<String>,
}

#[derive(strata::Table)]
pub struct Parent {
    // `bigint(20) unsigned` is outside strata's type mapping: read as `i64`, which holds values up to i64::MAX only
    #[column(primary_key, auto_increment, sql_type = "bigint(20) unsigned")]
    pub id: i64,
}

pub static SCHEMA: strata::Schema = strata::schema![Child, Parent];
"#
    );
}

#[test]
fn a_model_snapshot_is_written_with_its_own_types() {
    use crate::schema::{ColumnDef, DefaultValue, IndexDef, Literal, Schema, TableDef};
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
    static TAGS: TableDef = TableDef {
        name: "tags",
        rust_name: "Tag",
        columns: &[
            ColumnDef {
                auto_increment: true,
                ..col("id", SqlType::BigInt)
            },
            ColumnDef {
                sql_type_override: Some("CITEXT"),
                ..col("label", SqlType::Text)
            },
            ColumnDef {
                default: Some(DefaultValue::Literal(Literal::Int(3))),
                nullable: true,
                ..col("weight", SqlType::UnsignedTinyInt)
            },
        ],
        primary_key: &["id"],
        uniques: &[IndexDef {
            columns: &["label"],
        }],
        indexes: &[],
        foreign_keys: &[],
    };
    static SCHEMA: Schema = Schema { tables: &[&TAGS] };
    let schema = SCHEMA;
    assert_eq!(
        schema.snapshot().to_rust_source(),
        r#"// Written by strata: one struct per table.

#[derive(strata::Table)]
pub struct Tags {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(sql_type = "CITEXT", unique)]
    pub label: String,
    #[column(default = 3)]
    pub weight: Option<u8>,
}

pub static SCHEMA: strata::Schema = strata::schema![Tags];
"#
    );
}
