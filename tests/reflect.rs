//! `reflect` on schemas strata did not create: hand-written DDL, legacy forms and types outside
//! the mapping. Reflection never fails on them, and leaves out the bookkeeping table.

use strata::sqlx;
use strata::{Backend, ColumnDefault, FkAction, SqlType};
use strata_runtime::testing;

async fn run<DB: Backend>(pool: &sqlx::Pool<DB>, sql: &str)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn sqlite_hand_written_schema() {
    let db = testing::sqlite().await;
    run(
        &db.pool,
        "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY);
         CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE);
         CREATE TABLE child (
             a INTEGER, b varchar(10) DEFAULT 'it''s', c, d BOOLEAN DEFAULT TRUE,
             parent_id INTEGER REFERENCES parent ON DELETE SET NULL,
             PRIMARY KEY (b, a));
         CREATE UNIQUE INDEX child_c_uniq ON child (c);
         CREATE INDEX child_d ON child (d);",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["child", "parent"]);
    let parent = live.table("parent").unwrap();
    assert!(parent.column("id").unwrap().auto_increment);
    assert!(!parent.column("id").unwrap().nullable);
    assert_eq!(parent.uniques.len(), 1);
    assert_eq!(parent.uniques[0].columns, ["code"]);
    assert_eq!(parent.uniques[0].name, None);
    let child = live.table("child").unwrap();
    assert_eq!(child.primary_key, ["b", "a"]);
    // A composite key's INTEGER column is not the rowid alias.
    assert!(!child.column("a").unwrap().auto_increment);
    let b = child.column("b").unwrap();
    assert_eq!(b.sql_type, SqlType::Varchar(10));
    assert_eq!(b.default, Some(ColumnDefault::Str("it's".to_owned())));
    // A column without a declared type is outside the mapping: it appears, marked unknown,
    // with the type of its affinity (BLOB, "none").
    let c = child.column("c").unwrap();
    assert_eq!(
        (c.sql_type, c.type_known, c.db_type.as_deref()),
        (SqlType::Blob, false, Some(""))
    );
    assert_eq!(
        child.column("d").unwrap().default,
        Some(ColumnDefault::Bool(true))
    );
    assert_eq!(child.uniques[0].name.as_deref(), Some("child_c_uniq"));
    assert_eq!(child.indexes[0].name.as_deref(), Some("child_d"));
    assert_eq!(child.indexes[0].columns, ["d"]);
    // `REFERENCES parent` without columns means the parent's primary key.
    let fk = &child.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.clone()),
        ("parent", vec!["id".to_owned()])
    );
    assert_eq!(fk.on_delete, Some(FkAction::SetNull));
    assert_eq!(fk.on_update, Some(FkAction::NoAction));
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_hand_written_schema() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    run(
        &db.pool,
        "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY);
         CREATE TABLE legacy (
             id serial PRIMARY KEY, tags text[], note varchar DEFAULT 'a::b',
             n int DEFAULT -7, r real DEFAULT 1.5, at timestamptz DEFAULT now(),
             \"Mixed Case\" int4 NOT NULL);
         CREATE TABLE child (legacy_id int REFERENCES legacy ON DELETE CASCADE ON UPDATE RESTRICT);
         CREATE UNIQUE INDEX child_uniq ON child (legacy_id);",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["child", "legacy"]);
    let legacy = live.table("legacy").unwrap();
    let id = legacy.column("id").unwrap();
    assert!(id.auto_increment, "serial is auto-increment");
    assert_eq!(id.default, None);
    assert_eq!(id.sql_type, SqlType::Integer);
    let tags = legacy.column("tags").unwrap();
    assert_eq!(
        (tags.type_known, tags.db_type.as_deref()),
        (false, Some("text[]"))
    );
    let note = legacy.column("note").unwrap();
    assert_eq!(note.sql_type, SqlType::Text);
    assert_eq!(note.default, Some(ColumnDefault::Str("a::b".to_owned())));
    assert_eq!(
        legacy.column("n").unwrap().default,
        Some(ColumnDefault::Int(-7))
    );
    assert_eq!(
        legacy.column("r").unwrap().default,
        Some(ColumnDefault::Float(1.5))
    );
    assert_eq!(
        legacy.column("at").unwrap().default,
        Some(ColumnDefault::Sql("now()".to_owned()))
    );
    assert!(!legacy.column("Mixed Case").unwrap().nullable);
    let child = live.table("child").unwrap();
    assert_eq!(child.uniques[0].name.as_deref(), Some("child_uniq"));
    let fk = &child.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("child_legacy_id_fkey"));
    assert_eq!(fk.ref_columns, ["id"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (Some(FkAction::Cascade), Some(FkAction::Restrict))
    );
    db.close().await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_hand_written_schema() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    run(
        &db.pool,
        "CREATE TABLE strata_migrations (version BIGINT PRIMARY KEY);
         CREATE TABLE t (
             id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
             kind ENUM('a', 'b') NOT NULL DEFAULT 'a',
             word VARCHAR(10) DEFAULT 'NULL',
             nothing VARCHAR(10) DEFAULT NULL,
             quoted TEXT DEFAULT 'it''s \\\\ here',
             doc JSON,
             flag BOOLEAN DEFAULT TRUE,
             at DATETIME DEFAULT CURRENT_TIMESTAMP,
             sum INT DEFAULT (1 + 1)
         );",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["t"]);
    let t = live.table("t").unwrap();
    let id = t.column("id").unwrap();
    assert!(id.auto_increment);
    assert_eq!(id.sql_type, SqlType::UnsignedInteger);
    let kind = t.column("kind").unwrap();
    assert_eq!(
        (kind.type_known, kind.db_type.as_deref()),
        (false, Some("enum('a','b')"))
    );
    assert_eq!(kind.default, Some(ColumnDefault::Str("a".to_owned())));
    assert_eq!(
        t.column("word").unwrap().default,
        Some(ColumnDefault::Str("NULL".to_owned()))
    );
    assert_eq!(t.column("nothing").unwrap().default, None);
    assert_eq!(
        t.column("quoted").unwrap().default,
        Some(ColumnDefault::Str("it's \\ here".to_owned()))
    );
    assert_eq!(t.column("doc").unwrap().sql_type, SqlType::Json);
    assert_eq!(t.column("flag").unwrap().sql_type, SqlType::Bool);
    assert_eq!(
        t.column("flag").unwrap().default,
        Some(ColumnDefault::Int(1))
    );
    assert!(matches!(
        &t.column("at").unwrap().default,
        Some(ColumnDefault::Sql(e)) if e.to_ascii_lowercase().starts_with("current_timestamp")
    ));
    assert!(matches!(
        &t.column("sum").unwrap().default,
        Some(ColumnDefault::Sql(e)) if e.replace(' ', "") == "(1+1)"
    ));
    db.close().await;
}

/// Asserts a reflected column's closest logical type, exactness, exact type and auto-increment.
fn assert_column(
    snapshot: &strata::Snapshot,
    table: &str,
    column: &str,
    expected: (SqlType, bool, &str, bool),
) {
    let c = snapshot
        .table(table)
        .and_then(|t| t.column(column))
        .unwrap_or_else(|| panic!("no column {table}.{column} in {snapshot:#?}"));
    assert_eq!(
        (
            c.sql_type,
            c.type_known,
            c.db_type.as_deref().unwrap_or_default(),
            c.auto_increment
        ),
        expected,
        "{table}.{column}"
    );
}

fn unmanaged(objects: &[strata::UnmanagedObject]) -> Vec<String> {
    objects.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn sqlite_types_outside_the_mapping_and_unmanaged_objects() {
    let db = testing::sqlite().await;
    run(
        &db.pool,
        "CREATE TABLE t (
             id INTEGER PRIMARY KEY AUTOINCREMENT, big UNSIGNED BIG INT, name NATIVE CHARACTER(70),
             price DECIMAL(10,5), raw, ratio FLOAT64, at DATETIME,
             twice INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL);
         CREATE TABLE w (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID;
         CREATE INDEX t_lower ON t (lower(name));
         CREATE INDEX t_partial ON t (big) WHERE big > 0;
         CREATE INDEX t_at ON t (at);
         CREATE INDEX t_at_desc ON t (at DESC);
         CREATE VIEW v AS SELECT id FROM t;
         CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN SELECT 1; END;",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    assert_column(&live, "t", "id", (SqlType::BigInt, true, "INTEGER", true));
    // A WITHOUT ROWID table has no rowid for its INTEGER key to alias: nothing numbers it.
    assert_column(&live, "w", "id", (SqlType::BigInt, true, "INTEGER", false));
    assert_column(
        &live,
        "t",
        "big",
        (SqlType::BigInt, false, "UNSIGNED BIG INT", false),
    );
    assert_column(
        &live,
        "t",
        "name",
        (SqlType::Text, false, "NATIVE CHARACTER(70)", false),
    );
    assert_column(
        &live,
        "t",
        "price",
        (SqlType::Decimal, false, "DECIMAL(10,5)", false),
    );
    assert_column(&live, "t", "raw", (SqlType::Blob, false, "", false));
    assert_column(
        &live,
        "t",
        "ratio",
        (SqlType::Double, false, "FLOAT64", false),
    );
    // Partial and expression indexes are not in the snapshot: they are listed instead.
    let t = live.table("t").unwrap();
    let indexes: Vec<_> = t.indexes.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(indexes, [Some("t_at")]);
    let objects = strata::runtime::unmanaged_objects(&db.pool).await.unwrap();
    assert_eq!(
        unmanaged(&objects),
        [
            "view `v`",
            "trigger `t_touch` on table `t`",
            "index `t_at_desc` on table `t`",
            "index `t_lower` on table `t`",
            "index `t_partial` on table `t`",
            "generated column `twice` on table `t`"
        ]
    );
    assert!(t.column("twice").is_none());
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_types_outside_the_mapping_and_unmanaged_objects() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    run(
        &db.pool,
        "CREATE TYPE mood AS ENUM ('sad', 'happy');
         CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
         CREATE SEQUENCE ticket_numbers;
         CREATE TABLE t (
             id serial PRIMARY KEY,
             big bigserial,
             tags integer[], names text[][],
             feeling mood DEFAULT 'happy', amount positive,
             during tstzrange, seats int4range,
             price numeric(10,2) CHECK (price >= 0), plain numeric, code character(3),
             addr inet, doc json, twice bigint GENERATED ALWAYS AS (id * 2) STORED,
             CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&),
             ident bigint GENERATED ALWAYS AS IDENTITY);
         CREATE INDEX t_lower ON t (lower(code));
         CREATE INDEX t_partial ON t (price) WHERE price > 0;
         CREATE INDEX t_tags ON t USING gin (tags);
         CREATE INDEX t_plain ON t (plain);
         CREATE INDEX t_plain_desc ON t (plain DESC);
         CREATE VIEW v AS SELECT id FROM t;
         CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    assert_column(&live, "t", "id", (SqlType::Integer, true, "integer", true));
    assert_column(&live, "t", "big", (SqlType::BigInt, true, "bigint", true));
    assert_column(&live, "t", "ident", (SqlType::BigInt, true, "bigint", true));
    assert_column(
        &live,
        "t",
        "tags",
        (SqlType::Text, false, "integer[]", false),
    );
    assert_column(&live, "t", "names", (SqlType::Text, false, "text[]", false));
    assert_column(&live, "t", "feeling", (SqlType::Text, false, "mood", false));
    assert_column(
        &live,
        "t",
        "amount",
        (SqlType::Integer, false, "positive", false),
    );
    assert_column(
        &live,
        "t",
        "during",
        (SqlType::Text, false, "tstzrange", false),
    );
    assert_column(
        &live,
        "t",
        "seats",
        (SqlType::Text, false, "int4range", false),
    );
    assert_column(
        &live,
        "t",
        "price",
        (SqlType::Decimal, false, "numeric(10,2)", false),
    );
    assert_column(
        &live,
        "t",
        "plain",
        (SqlType::Decimal, true, "numeric", false),
    );
    assert_column(
        &live,
        "t",
        "code",
        (SqlType::Text, false, "character(3)", false),
    );
    assert_column(&live, "t", "addr", (SqlType::Text, false, "inet", false));
    assert_column(&live, "t", "doc", (SqlType::Json, true, "json", false));
    let t = live.table("t").unwrap();
    assert_eq!(
        t.column("feeling").unwrap().default,
        Some(ColumnDefault::Str("happy".to_owned()))
    );
    assert_eq!(t.column("big").unwrap().default, None);
    // A generated column's expression is not a default.
    assert_eq!(t.column("twice").unwrap().default, None);
    let indexes: Vec<_> = t.indexes.iter().map(|i| i.name.clone()).collect();
    assert_eq!(indexes, [Some("t_plain".to_owned())]);
    // citext ships with PostgreSQL's contrib package, which a server may lack.
    let citext = sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS citext")
        .execute(&db.pool)
        .await;
    match citext {
        Ok(_) => {
            run(&db.pool, "CREATE TABLE c (email citext)").await;
            let live = strata::runtime::reflect(&db.pool).await.unwrap();
            assert_column(&live, "c", "email", (SqlType::Text, false, "citext", false));
            run(&db.pool, "DROP TABLE c; DROP EXTENSION citext").await;
        }
        Err(e) => eprintln!("citext not checked: the extension is not available here ({e})"),
    }
    let objects = strata::runtime::unmanaged_objects(&db.pool).await.unwrap();
    assert_eq!(
        unmanaged(&objects),
        [
            "view `v`",
            "materialized view `mv`",
            "trigger `t_touch` on table `t`",
            "sequence `ticket_numbers`",
            "index `t_lower` on table `t`",
            "index `t_partial` on table `t`",
            "index `t_plain_desc` on table `t`",
            "index `t_tags` on table `t`",
            "check constraint `t_price_check` on table `t`",
            "exclusion constraint `no_overlap` on table `t`",
            "generated column `twice` on table `t`"
        ]
    );
    db.close().await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_types_outside_the_mapping_and_unmanaged_objects() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    run(
        &db.pool,
        "CREATE TABLE t (
             id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
             small TINYINT UNSIGNED, mid SMALLINT UNSIGNED, normal INT UNSIGNED,
             kind ENUM('a', 'b') NOT NULL DEFAULT 'b', tags SET('x', 'y'),
             spot POINT, area POLYGON, shape GEOMETRY,
             price DECIMAL(10,2), yr YEAR, code CHAR(3), body LONGTEXT, at DATETIME, doc JSON,
             twice BIGINT GENERATED ALWAYS AS (id * 2) VIRTUAL,
             CONSTRAINT positive_price CHECK (price >= 0),
             INDEX body_prefix (body(10)), FULLTEXT INDEX code_words (code), INDEX t_at (at),
             INDEX t_at_desc (at DESC));
         CREATE VIEW v AS SELECT id FROM t;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW SET NEW.small = 1;",
    )
    .await;
    let live = strata::runtime::reflect(&db.pool).await.unwrap();
    let exact = |column: &str| {
        live.table("t")
            .and_then(|t| t.column(column))
            .and_then(|c| c.db_type.clone())
            .unwrap_or_default()
    };
    // MariaDB reports display widths (`bigint(20) unsigned`), MySQL 8 does not.
    assert_column(
        &live,
        "t",
        "id",
        (SqlType::BigInt, false, &exact("id"), true),
    );
    assert!(exact("id").ends_with("unsigned"), "{}", exact("id"));
    assert_column(
        &live,
        "t",
        "small",
        (SqlType::UnsignedTinyInt, true, &exact("small"), false),
    );
    assert_column(
        &live,
        "t",
        "mid",
        (SqlType::UnsignedSmallInt, true, &exact("mid"), false),
    );
    assert_column(
        &live,
        "t",
        "normal",
        (SqlType::UnsignedInteger, true, &exact("normal"), false),
    );
    assert_column(
        &live,
        "t",
        "kind",
        (SqlType::Text, false, "enum('a','b')", false),
    );
    assert_column(
        &live,
        "t",
        "tags",
        (SqlType::Text, false, "set('x','y')", false),
    );
    assert_column(&live, "t", "spot", (SqlType::Blob, false, "point", false));
    assert_column(&live, "t", "area", (SqlType::Blob, false, "polygon", false));
    assert_column(
        &live,
        "t",
        "shape",
        (SqlType::Blob, false, "geometry", false),
    );
    assert_column(
        &live,
        "t",
        "price",
        (SqlType::Decimal, false, "decimal(10,2)", false),
    );
    assert_column(
        &live,
        "t",
        "yr",
        (SqlType::SmallInt, false, &exact("yr"), false),
    );
    assert_column(&live, "t", "code", (SqlType::Text, false, "char(3)", false));
    assert_column(
        &live,
        "t",
        "body",
        (SqlType::Text, false, "longtext", false),
    );
    assert_column(
        &live,
        "t",
        "at",
        (SqlType::Timestamp, true, "datetime", false),
    );
    assert_eq!(
        live.table("t").unwrap().column("kind").unwrap().default,
        Some(ColumnDefault::Str("b".to_owned()))
    );
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["t"], "the view is not a table");
    let objects = strata::runtime::unmanaged_objects(&db.pool).await.unwrap();
    assert_eq!(
        unmanaged(&objects),
        [
            "view `v`",
            "trigger `t_touch` on table `t`",
            "index `body_prefix` on table `t`",
            "index `code_words` on table `t`",
            "index `t_at_desc` on table `t`",
            "check constraint `positive_price` on table `t`",
            "generated column `twice` on table `t`"
        ]
    );
    let indexes: Vec<_> = live
        .table("t")
        .unwrap()
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(indexes, [Some("t_at".to_owned())]);
    db.close().await;
}
