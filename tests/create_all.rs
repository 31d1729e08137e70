//! `create_all`, `drop_all` and `reflect` against real SQLite, PostgreSQL and MariaDB/MySQL:
//! the catalogue read back must hold every table, column type, nullability, default, key and
//! index as declared.

use strata::sqlx::{self, Row as _};
use strata::{
    Backend, ColumnDef, ColumnDefault, Dialect, FkAction, Schema, Snapshot, SqlType, Table,
    TableDef,
};

/// A default that would do damage if it were pasted into SQL unquoted.
const INJECTION: &str = "x'); DROP TABLE \"user\"; DROP TABLE `user`; -- \\";

#[derive(Table)]
#[table(name = "user", index(name, email))]
pub struct User {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(length = 64, unique)]
    pub name: String,
    pub email: Option<String>,
    #[column(default = 0)]
    pub karma: i32,
    #[column(default = "x'); DROP TABLE \"user\"; DROP TABLE `user`; -- \\")]
    pub motto: String,
    #[column(default_sql = "(1 + 2)")]
    pub level: i64,
}

#[derive(Table)]
#[table(name = "order", unique(user_id, group))]
pub struct Order {
    #[column(primary_key, auto_increment)]
    pub id: i64,
    #[column(references = User, on_delete = "cascade", index)]
    pub user_id: i64,
    pub group: Option<String>,
    #[column(default = true)]
    pub open: bool,
    #[column(default = 1.5)]
    pub ratio: f64,
}

#[derive(Table)]
#[table(name = "group")]
pub struct Group {
    #[column(primary_key)]
    pub code: i32,
    #[column(references = Group, on_delete = "set_null")]
    pub parent: Option<i32>,
    #[column(default = "it's")]
    pub title: String,
}

// Listed children first: create_all must order them.
pub static SCHEMA: Schema = strata::schema![Order, User, Group];

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

/// Every logical type a column can have on every backend.
static TYPES: TableDef = TableDef {
    name: "types",
    rust_name: "Types",
    columns: &[
        col("t_bool", SqlType::Bool),
        col("t_small", SqlType::SmallInt),
        col("t_int", SqlType::Integer),
        col("t_big", SqlType::BigInt),
        col("t_real", SqlType::Real),
        col("t_double", SqlType::Double),
        col("t_text", SqlType::Text),
        col("t_varchar", SqlType::Varchar(20)),
        col("t_blob", SqlType::Blob),
        col("t_date", SqlType::Date),
        col("t_time", SqlType::Time),
        col("t_timestamp", SqlType::Timestamp),
        col("t_timestamptz", SqlType::TimestampTz),
        col("t_uuid", SqlType::Uuid),
        col("t_json", SqlType::Json),
        col("t_decimal", SqlType::Decimal),
    ],
    primary_key: &[],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[],
};

static TYPES_SCHEMA: Schema = Schema { tables: &[&TYPES] };

/// What each backend's catalogue reports for the columns of [`TYPES`].
fn expected_types(dialect: Dialect) -> [&'static str; 16] {
    match dialect {
        Dialect::Sqlite => [
            "BOOLEAN",
            "SMALLINT",
            "INT",
            "BIGINT",
            "REAL",
            "DOUBLE",
            "TEXT",
            "VARCHAR(20)",
            "BLOB",
            "DATE",
            "TIME",
            "DATETIME",
            "TIMESTAMPTZ",
            "BLOB",
            "TEXT",
            "DECIMAL",
        ],
        Dialect::Postgres => [
            "boolean",
            "smallint",
            "integer",
            "bigint",
            "real",
            "double precision",
            "text",
            "character varying(20)",
            "bytea",
            "date",
            "time without time zone",
            "timestamp without time zone",
            "timestamp with time zone",
            "uuid",
            "jsonb",
            "numeric",
        ],
        Dialect::Mysql => [
            "tinyint(1)",
            "smallint(6)",
            "int(11)",
            "bigint(20)",
            "float",
            "double",
            "text",
            "varchar(20)",
            "blob",
            "date",
            "time(6)",
            "datetime(6)",
            "datetime(6)",
            "binary(16)",
            "json",
            "decimal(65,30)",
        ],
    }
}

fn table<'s>(snapshot: &'s Snapshot, name: &str) -> &'s strata::TableSnapshot {
    snapshot
        .table(name)
        .unwrap_or_else(|| panic!("table `{name}` missing from {snapshot:#?}"))
}

fn column<'s>(snapshot: &'s Snapshot, t: &str, c: &str) -> &'s strata::ColumnSnapshot {
    table(snapshot, t)
        .column(c)
        .unwrap_or_else(|| panic!("column `{t}.{c}` missing"))
}

fn names(list: &[strata::IndexSnapshot]) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = list.iter().map(|i| i.columns.clone()).collect();
    v.sort();
    v
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The whole scenario on one backend.
async fn create_reflect_drop<DB: Backend>(pool: &sqlx::Pool<DB>)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let dialect = DB::DIALECT;
    let q = |name: &str| strata::__private::core::ddl::quote_ident(dialect, name);

    strata::runtime::create_all(pool, &SCHEMA).await.unwrap();
    let live = strata::runtime::reflect(pool).await.unwrap();
    assert_eq!(live.dialect, Some(dialect));
    live.matches(&SCHEMA.snapshot()).unwrap();

    // The catalogue, fact by fact.
    let tables: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["group", "order", "user"]);

    let id = column(&live, "user", "id");
    let (id_type, name_type, text_key_type) = match dialect {
        Dialect::Sqlite => ("INTEGER", "VARCHAR(64)", "TEXT"),
        Dialect::Postgres => ("bigint", "character varying(64)", "text"),
        Dialect::Mysql => ("bigint(20)", "varchar(64)", "varchar(255)"),
    };
    assert_eq!(id.db_type.as_deref(), Some(id_type));
    assert!(id.auto_increment);
    assert!(!id.nullable);
    let name = column(&live, "user", "name");
    assert_eq!(name.db_type.as_deref(), Some(name_type));
    assert_eq!(name.sql_type, SqlType::Varchar(64));
    assert!(!name.nullable);
    assert_eq!(name.default, None);
    // `email` is in an index: VARCHAR(255) on MySQL, TEXT elsewhere.
    let email = column(&live, "user", "email");
    assert!(email.nullable);
    assert_eq!(email.db_type.as_deref(), Some(text_key_type));
    let karma = column(&live, "user", "karma");
    assert_eq!(karma.sql_type, SqlType::Integer);
    assert!(!karma.nullable);
    assert_eq!(karma.default, Some(ColumnDefault::Int(0)));
    assert_eq!(
        column(&live, "user", "motto").default,
        Some(ColumnDefault::Str(INJECTION.to_owned()))
    );
    assert!(matches!(
        &column(&live, "user", "level").default,
        Some(ColumnDefault::Sql(e)) if e.replace(' ', "").contains("1+2")
    ));
    let user = table(&live, "user");
    assert_eq!(user.primary_key, ["id"]);
    assert_eq!(names(&user.uniques), [strings(&["name"])]);
    assert_eq!(names(&user.indexes), [strings(&["name", "email"])]);
    if dialect != Dialect::Sqlite {
        assert_eq!(user.uniques[0].name.as_deref(), Some("user_name_key"));
    }
    assert_eq!(user.indexes[0].name.as_deref(), Some("user_name_email_idx"));

    let order = table(&live, "order");
    assert_eq!(order.primary_key, ["id"]);
    assert_eq!(names(&order.uniques), [strings(&["user_id", "group"])]);
    assert_eq!(names(&order.indexes), [strings(&["user_id"])]);
    assert_eq!(order.indexes[0].name.as_deref(), Some("order_user_id_idx"));
    assert_eq!(order.foreign_keys.len(), 1);
    let fk = &order.foreign_keys[0];
    assert_eq!(
        (
            fk.columns.clone(),
            fk.ref_table.as_str(),
            fk.ref_columns.clone()
        ),
        (strings(&["user_id"]), "user", strings(&["id"]))
    );
    assert_eq!(fk.on_delete, Some(FkAction::Cascade));
    if dialect != Dialect::Sqlite {
        assert_eq!(fk.name.as_deref(), Some("order_user_id_fkey"));
    }
    let open = column(&live, "order", "open");
    assert_eq!(open.sql_type, SqlType::Bool);
    let expected_true = match dialect {
        Dialect::Postgres => ColumnDefault::Bool(true),
        _ => ColumnDefault::Int(1),
    };
    assert_eq!(open.default, Some(expected_true));
    assert_eq!(
        column(&live, "order", "ratio").default,
        Some(ColumnDefault::Float(1.5))
    );
    assert!(column(&live, "order", "group").nullable);

    let group = table(&live, "group");
    assert_eq!(group.primary_key, ["code"]);
    assert!(!column(&live, "group", "code").auto_increment);
    let fk = &group.foreign_keys[0];
    assert_eq!(
        (
            fk.columns.clone(),
            fk.ref_table.as_str(),
            fk.ref_columns.clone()
        ),
        (strings(&["parent"]), "group", strings(&["code"]))
    );
    assert_eq!(fk.on_delete, Some(FkAction::SetNull));
    // MySQL adds an index for a foreign key without one, named after the constraint;
    // `matches` above knows it is the database's own.
    if dialect == Dialect::Mysql {
        assert_eq!(names(&group.indexes), [strings(&["parent"])]);
        assert_eq!(group.indexes[0].name.as_deref(), Some("group_parent_fkey"));
    } else {
        assert!(group.indexes.is_empty());
    }
    assert_eq!(
        column(&live, "group", "title").default,
        Some(ColumnDefault::Str("it's".to_owned()))
    );

    // The injection-looking default is stored as a string: the row gets it, the table survives.
    let insert = format!("INSERT INTO {} ({}) VALUES ('alice')", q("user"), q("name"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(insert))
        .execute(pool)
        .await
        .unwrap();
    let select = format!(
        "SELECT {}, {}, {} FROM {}",
        q("motto"),
        q("karma"),
        q("level"),
        q("user")
    );
    let row = sqlx::raw_sql(sqlx::AssertSqlSafe(select))
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(row.try_get::<String, _>(0).unwrap(), INJECTION);
    assert_eq!(row.try_get::<i64, _>(2).unwrap(), 3);

    // A second create_all changes nothing.
    strata::runtime::create_all(pool, &SCHEMA).await.unwrap();
    assert_eq!(strata::runtime::reflect(pool).await.unwrap(), live);

    // drop_all removes every table, children first.
    strata::runtime::drop_all(pool, &SCHEMA).await.unwrap();
    assert!(
        strata::runtime::reflect(pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
    // ... and is idempotent too.
    strata::runtime::drop_all(pool, &SCHEMA).await.unwrap();

    // Every logical type, declared as the mapping says.
    strata::runtime::create_all(pool, &TYPES_SCHEMA)
        .await
        .unwrap();
    let live = strata::runtime::reflect(pool).await.unwrap();
    let declared: Vec<&str> = table(&live, "types")
        .columns
        .iter()
        .map(|c| c.db_type.as_deref().unwrap())
        .collect();
    assert_eq!(declared, expected_types(dialect));
    live.matches(&TYPES_SCHEMA.snapshot()).unwrap();
    strata::runtime::drop_all(pool, &TYPES_SCHEMA)
        .await
        .unwrap();
}

#[strata::test]
async fn sqlite(pool: strata::sqlx::SqlitePool) {
    create_reflect_drop(&pool).await;
}

#[cfg(feature = "postgres")]
#[strata::test]
async fn postgres(pool: strata::sqlx::PgPool) {
    create_reflect_drop(&pool).await;
}

#[cfg(feature = "mysql")]
#[strata::test]
async fn mysql(pool: strata::sqlx::MySqlPool) {
    create_reflect_drop(&pool).await;
}

#[derive(Table)]
pub struct Counter {
    #[column(primary_key)]
    pub id: i64,
    pub hits: u32,
}

#[derive(Table)]
pub struct Tiny {
    #[column(primary_key)]
    pub id: i64,
    pub level: i8,
}

static UNSIGNED: Schema = strata::schema![User, Counter];
static TINY: Schema = strata::schema![Tiny];

#[cfg(feature = "postgres")]
#[strata::test]
async fn postgres_refuses_unsigned_and_i8_columns_and_creates_nothing(pool: strata::sqlx::PgPool) {
    let err = strata::runtime::create_all(&pool, &UNSIGNED)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `counter.hits` has type u32, which PostgreSQL cannot store as sqlx binds it; \
         PostgreSQL has no unsigned types; use i64"
    );
    let err = strata::runtime::create_all(&pool, &TINY).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `tiny.level` has type i8, which PostgreSQL cannot store as sqlx binds it; \
         PostgreSQL's one-byte type is \"char\"; use i16"
    );
    assert!(
        strata::runtime::reflect(&pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

#[strata::test]
async fn sqlite_stores_unsigned_and_i8_columns(pool: strata::sqlx::SqlitePool) {
    strata::runtime::create_all(&pool, &TINY).await.unwrap();
    let live = strata::runtime::reflect(&pool).await.unwrap();
    assert_eq!(
        column(&live, "tiny", "level").db_type.as_deref(),
        Some("TINYINT")
    );
    live.matches(&TINY.snapshot()).unwrap();
}

#[derive(Table)]
#[table(name = "bad")]
pub struct Bad {
    #[column(primary_key)]
    pub id: i64,
    #[column(default_sql = "no_such_function()")]
    pub value: i64,
}

static BAD: Schema = strata::schema![Bad];

#[strata::test]
async fn a_failing_statement_names_the_table_and_the_statement(pool: strata::sqlx::SqlitePool) {
    let err = strata::runtime::create_all(&pool, &BAD).await.unwrap_err();
    // SQLite wants a function-call default in parentheses: the database's own message.
    assert_eq!(
        err.to_string(),
        "create_all: table `bad`: statement `CREATE TABLE IF NOT EXISTS \"bad\" ( …` failed: \
         error returned from database: (code: 1) near \"(\": syntax error"
    );
    assert!(
        strata::runtime::reflect(&pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

/// A schema built by hand (not by `schema!`, which checks at compile time) is checked at the
/// first call, with the same message, before anything is sent.
static DANGLING_POST: TableDef = TableDef {
    name: "posts",
    rust_name: "Post",
    columns: &[strata::ColumnDef {
        name: "author_id",
        field: "author_id",
        sql_type: strata::SqlType::BigInt,
        sql_type_override: None,
        nullable: false,
        auto_increment: false,
        default: None,
        renamed_from: None,
    }],
    primary_key: &[],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[strata::ForeignKeyDef {
        columns: &["author_id"],
        ref_table: "authors",
        ref_columns: &["id"],
        on_delete: None,
        on_update: None,
    }],
};
static DANGLING: Schema = Schema {
    tables: &[&DANGLING_POST],
};

#[strata::test]
async fn a_hand_built_schema_with_a_missing_table_is_refused_before_anything_runs(
    pool: strata::sqlx::SqlitePool,
) {
    let err = strata::runtime::create_all(&pool, &DANGLING)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `posts` references table `authors`, which is not in this schema"
    );
    assert!(
        strata::runtime::reflect(&pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

/// Names that break SQL built by pasting: quotes of both kinds, a keyword, a semicolon.
static ODD: TableDef = TableDef {
    name: "we\"ird`; select",
    rust_name: "Odd",
    columns: &[
        ColumnDef {
            auto_increment: true,
            ..col("id", SqlType::BigInt)
        },
        col("co\"l`umn", SqlType::Varchar(30)),
        col("group", SqlType::Integer),
    ],
    primary_key: &["id"],
    uniques: &[strata::IndexDef {
        columns: &["co\"l`umn"],
    }],
    indexes: &[strata::IndexDef {
        columns: &["group", "co\"l`umn"],
    }],
    foreign_keys: &[],
};

/// Long enough that every constraint name is past PostgreSQL's 63 bytes.
static LONG: TableDef = TableDef {
    name: "a_table_with_a_name_long_enough_to_need_shortening",
    rust_name: "Long",
    columns: &[
        col("id", SqlType::BigInt),
        col("the_first_column_with_a_long_name", SqlType::BigInt),
    ],
    primary_key: &["id"],
    uniques: &[strata::IndexDef {
        columns: &["the_first_column_with_a_long_name", "id"],
    }],
    indexes: &[strata::IndexDef {
        columns: &["the_first_column_with_a_long_name"],
    }],
    foreign_keys: &[strata::ForeignKeyDef {
        columns: &["the_first_column_with_a_long_name"],
        ref_table: "a_table_with_a_name_long_enough_to_need_shortening",
        ref_columns: &["id"],
        on_delete: None,
        on_update: None,
    }],
};

static ODD_SCHEMA: Schema = Schema {
    tables: &[&ODD, &LONG],
};

async fn odd_and_long_names<DB: Backend>(pool: &sqlx::Pool<DB>) {
    let dialect = DB::DIALECT;
    strata::runtime::create_all(pool, &ODD_SCHEMA)
        .await
        .unwrap();
    let live = strata::runtime::reflect(pool).await.unwrap();
    live.matches(&ODD_SCHEMA.snapshot()).unwrap();
    let odd = table(&live, "we\"ird`; select");
    let columns: Vec<&str> = odd.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "co\"l`umn", "group"]);
    assert_eq!(names(&odd.uniques), [strings(&["co\"l`umn"])]);
    assert_eq!(names(&odd.indexes), [strings(&["group", "co\"l`umn"])]);
    assert_eq!(
        odd.indexes[0].name.as_deref(),
        Some("we\"ird`; select_group_co\"l`umn_idx")
    );

    let long = table(&live, LONG.name);
    let full =
        "a_table_with_a_name_long_enough_to_need_shortening_the_first_column_with_a_long_name_idx";
    let expected_index = match dialect {
        Dialect::Sqlite => full.to_owned(),
        _ => strata::__private::core::ddl::shorten_name(dialect, full),
    };
    assert_eq!(
        long.indexes[0].name.as_deref(),
        Some(expected_index.as_str())
    );
    if dialect == Dialect::Postgres {
        assert_eq!(
            expected_index,
            "a_table_with_a_name_long_enough_to_need_shortening_the_ec9b9d07"
        );
        assert_eq!(long.foreign_keys[0].name.as_deref().map(str::len), Some(63));
    }
    // The model's snapshot names each constraint as the DDL does: its name, put through the
    // backend's limit, is the one the database reports.
    if dialect != Dialect::Sqlite {
        let model = ODD_SCHEMA.snapshot();
        let model = table(&model, LONG.name);
        let in_database = |name: &Option<String>| {
            let name = name.as_deref().expect("the model names every constraint");
            Some(strata::__private::core::ddl::shorten_name(dialect, name))
        };
        assert_eq!(long.uniques.len(), 1);
        assert_eq!(long.uniques[0].name, in_database(&model.uniques[0].name));
        assert_eq!(long.indexes[0].name, in_database(&model.indexes[0].name));
        assert_eq!(
            long.foreign_keys[0].name,
            in_database(&model.foreign_keys[0].name)
        );
    }
    // Shortened names are deterministic, so IF NOT EXISTS finds them the second time.
    strata::runtime::create_all(pool, &ODD_SCHEMA)
        .await
        .unwrap();
    assert_eq!(strata::runtime::reflect(pool).await.unwrap(), live);
    strata::runtime::drop_all(pool, &ODD_SCHEMA).await.unwrap();
    assert!(
        strata::runtime::reflect(pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

#[strata::test]
async fn sqlite_odd_and_long_names(pool: strata::sqlx::SqlitePool) {
    odd_and_long_names(&pool).await;
}

#[cfg(feature = "postgres")]
#[strata::test]
async fn postgres_odd_and_long_names(pool: strata::sqlx::PgPool) {
    odd_and_long_names(&pool).await;
}

#[cfg(feature = "mysql")]
#[strata::test]
async fn mysql_odd_and_long_names(pool: strata::sqlx::MySqlPool) {
    odd_and_long_names(&pool).await;
}

/// `user` is fine; `half_bad` fails on every backend (SQLite wants a call in parentheses; the
/// others know no such function).
static HALF_BAD: TableDef = TableDef {
    name: "half_bad",
    rust_name: "HalfBad",
    columns: &[ColumnDef {
        default: Some(strata::DefaultValue::Sql("no_such_function()")),
        ..col("value", SqlType::BigInt)
    }],
    primary_key: &[],
    uniques: &[],
    indexes: &[],
    foreign_keys: &[],
};

static USER_THEN_HALF_BAD: Schema = Schema {
    tables: &[&<User as Table>::DEF, &HALF_BAD],
};

/// On SQLite and PostgreSQL create_all runs in one transaction: a failure creates nothing.
async fn create_all_is_atomic<DB: Backend>(pool: &sqlx::Pool<DB>) {
    let err = strata::runtime::create_all(pool, &USER_THEN_HALF_BAD)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("create_all: table `half_bad`: statement `CREATE TABLE IF NOT EXISTS"),
        "{err}"
    );
    assert!(
        strata::runtime::reflect(pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

#[strata::test]
async fn sqlite_create_all_is_atomic(pool: strata::sqlx::SqlitePool) {
    create_all_is_atomic(&pool).await;
}

#[cfg(feature = "postgres")]
#[strata::test]
async fn postgres_create_all_is_atomic(pool: strata::sqlx::PgPool) {
    create_all_is_atomic(&pool).await;
}

#[derive(Table)]
#[table(name = "wide", index(a, b))]
pub struct Wide {
    #[column(length = 500)]
    pub a: String,
    #[column(length = 300)]
    pub b: String,
}

static WIDE: Schema = strata::schema![Wide];

#[cfg(feature = "mysql")]
#[strata::test]
async fn mysql_refuses_an_index_over_3072_bytes_naming_it(pool: strata::sqlx::MySqlPool) {
    let err = strata::runtime::create_all(&pool, &WIDE).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "index `wide_a_b_idx` on table `wide` covers 3200 bytes at 4 bytes a character (utf8mb4), \
         more than MySQL's 3072; give its text columns a smaller `length`"
    );
    assert!(
        strata::runtime::reflect(&pool)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
}

#[cfg(feature = "postgres")]
#[strata::test]
async fn postgres_takes_the_wide_index(pool: strata::sqlx::PgPool) {
    strata::runtime::create_all(&pool, &WIDE).await.unwrap();
    let live = strata::runtime::reflect(&pool).await.unwrap();
    assert_eq!(names(&table(&live, "wide").indexes), [strings(&["a", "b"])]);
}
