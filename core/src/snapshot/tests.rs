use super::*;

#[test]
fn reported_defaults_parse_per_dialect() {
    use ColumnDefault::*;
    let p = |d, s: &str| parse_reported_default(d, Some(s), true, false);
    assert_eq!(p(Dialect::Sqlite, "'it''s'"), Some(Str("it's".into())));
    assert_eq!(p(Dialect::Sqlite, "-7"), Some(Int(-7)));
    assert_eq!(p(Dialect::Sqlite, "1.5"), Some(Float(1.5)));
    assert_eq!(
        p(Dialect::Sqlite, "CURRENT_TIMESTAMP"),
        Some(Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(
        p(Dialect::Postgres, "'it''s'::text"),
        Some(Str("it's".into()))
    );
    assert_eq!(
        p(Dialect::Postgres, "'a::b'::character varying"),
        Some(Str("a::b".into()))
    );
    assert_eq!(p(Dialect::Postgres, "'-7'::integer"), Some(Int(-7)));
    assert_eq!(p(Dialect::Postgres, "'-7'::text"), Some(Str("-7".into())));
    assert_eq!(p(Dialect::Postgres, "(-7)"), Some(Int(-7)));
    assert_eq!(p(Dialect::Postgres, "true"), Some(Bool(true)));
    assert_eq!(
        p(Dialect::Mysql, r"'it\'s a\\b'"),
        Some(Str(r"it's a\b".into()))
    );
    assert_eq!(p(Dialect::Mysql, "'NULL'"), Some(Str("NULL".into())));
    assert_eq!(p(Dialect::Mysql, "NULL"), None);
    assert_eq!(p(Dialect::Mysql, "(1 + 1)"), Some(Sql("(1 + 1)".into())));
    assert_eq!(
        parse_reported_default(Dialect::Mysql, Some("it's"), false, false),
        Some(Str("it's".into()))
    );
    assert_eq!(
        parse_reported_default(Dialect::Mysql, Some("CURRENT_TIMESTAMP"), false, true),
        Some(Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(
        parse_reported_default(Dialect::Mysql, Some(r"_utf8mb4\'it\'\'s\'"), false, true),
        Some(Str("it's".into()))
    );
    assert_eq!(
        parse_reported_default(Dialect::Sqlite, None, false, false),
        None
    );
}

#[test]
fn database_type_names_map_to_logical_types() {
    assert_eq!(
        logical_type(Dialect::Postgres, "character varying(64)"),
        Some(SqlType::Varchar(64))
    );
    assert_eq!(
        logical_type(Dialect::Postgres, "integer"),
        Some(SqlType::Integer)
    );
    assert_eq!(
        logical_type(Dialect::Sqlite, "INTEGER"),
        Some(SqlType::BigInt)
    );
    assert_eq!(logical_type(Dialect::Sqlite, "INT"), Some(SqlType::Integer));
    assert_eq!(
        logical_type(Dialect::Mysql, "tinyint(1)"),
        Some(SqlType::Bool)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "tinyint(4)"),
        Some(SqlType::TinyInt)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "int(10) unsigned"),
        Some(SqlType::UnsignedInteger)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "datetime(6)"),
        Some(SqlType::Timestamp)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "timestamp(6)"),
        Some(SqlType::TimestampTz)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "binary(16)"),
        Some(SqlType::Uuid)
    );
    assert_eq!(
        logical_type(Dialect::Mysql, "decimal(65,30)"),
        Some(SqlType::Decimal)
    );
    assert_eq!(
        logical_type(Dialect::Postgres, "timestamp with time zone"),
        Some(SqlType::TimestampTz)
    );
    assert_eq!(logical_type(Dialect::Postgres, "integer[]"), None);
    assert_eq!(logical_type(Dialect::Mysql, "enum('a','b')"), None);
}

static USERS: TableDef = TableDef {
    name: "users",
    rust_name: "User",
    columns: &[
        crate::schema::ColumnDef {
            name: "id",
            field: "id",
            sql_type: SqlType::BigInt,
            sql_type_override: None,
            nullable: false,
            auto_increment: true,
            default: None,
            renamed_from: None,
        },
        crate::schema::ColumnDef {
            name: "email",
            field: "email",
            sql_type: SqlType::Text,
            sql_type_override: None,
            nullable: true,
            auto_increment: false,
            default: Some(DefaultValue::Literal(Literal::Str("x"))),
            renamed_from: None,
        },
    ],
    primary_key: &["id"],
    uniques: &[crate::schema::IndexDef {
        columns: &["email"],
    }],
    indexes: &[],
    foreign_keys: &[],
};

static SCHEMA: Schema = Schema { tables: &[&USERS] };

#[test]
fn matches_normalizes_through_the_dialect_and_lists_every_difference() {
    let model = SCHEMA.snapshot();
    assert_eq!(model.dialect, None);
    assert_eq!(
        model.tables[0].uniques[0].name.as_deref(),
        Some("users_email_key")
    );
    // What MariaDB reports for the model.
    let mut db = model.clone();
    db.dialect = Some(Dialect::Mysql);
    db.tables[0].columns[0].db_type = Some("bigint(20)".into());
    db.tables[0].columns[1].db_type = Some("varchar(255)".into());
    db.tables[0].columns[1].sql_type = SqlType::Varchar(255);
    db.tables[0].columns[1].default = Some(ColumnDefault::Str("x".into()));
    db.matches(&model).unwrap();
    model.matches(&db).unwrap();
    // The same on PostgreSQL is a difference: TEXT stays TEXT there.
    db.dialect = Some(Dialect::Postgres);
    db.tables[0].columns[0].db_type = Some("bigint".into());
    db.tables[0].columns[1].db_type = Some("character varying(255)".into());
    db.tables[0].columns[1].nullable = false;
    db.tables[0].uniques.clear();
    let diff = db.matches(&model).unwrap_err();
    assert_eq!(
        format!("{diff:?}"),
        "the schemas differ:\n  \
         - column `users.email`: type Varchar(255) on the left, Text on the right\n  \
         - column `users.email`: NOT NULL on the left, NULL on the right\n  \
         - table `users`: unique constraint (email) exists only on the right\n"
    );
}
