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
