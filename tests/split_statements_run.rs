//! The tokenizer's statements, run one by one on the real databases, do what the whole script
//! says: literals, identifiers, comments and bodies with `;` inside stay whole.

use strata::__private::core::split_statements;
use strata::Dialect;

/// The statements of `script`, as the runner sends them.
fn statements(script: &str, dialect: Dialect) -> Vec<String> {
    split_statements(script, dialect)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_script() {
    let script = r#"-- strata:no-transaction
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, kind TEXT);
CREATE TABLE "log;" ([what;] TEXT, `when` TEXT);
/* a trigger whose body has statements; and a CASE */
CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN
  INSERT INTO "log;" ([what;], `when`)
    VALUES (CASE WHEN new.kind IS NULL THEN 'plain;' ELSE new.kind END, 'after; insert');
  UPDATE notes SET body = body || ';' WHERE id = new.id;
END;
INSERT INTO notes (body, kind) VALUES ('it''s; here', NULL); -- a comment; with a semicolon
INSERT INTO notes (body, kind) VALUES ('two', 'special')
"#;
    let statements = statements(script, Dialect::Sqlite);
    assert_eq!(statements.len(), 5, "{statements:#?}");
    let db = strata_runtime::testing::sqlite().await;
    for statement in &statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let notes: Vec<(String,)> = sqlx::query_as("SELECT body FROM notes ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(notes, [("it's; here;".to_owned(),), ("two;".to_owned(),)]);
    let log: Vec<(String, String)> =
        sqlx::query_as(r#"SELECT [what;], `when` FROM "log;" ORDER BY rowid"#)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        log,
        [
            ("plain;".to_owned(), "after; insert".to_owned()),
            ("special".to_owned(), "after; insert".to_owned())
        ]
    );
    db.close().await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_script() {
    let script = r#"CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
CREATE TABLE audit (what text);
/* outer /* nested; */ still a comment; */
CREATE FUNCTION add_note(i int, b text) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO notes VALUES (i, b || ';');
END;
$fn$;
CREATE FUNCTION sign_of(a int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 'positive;' WHEN a < 0 THEN 'negative'
              ELSE CASE WHEN a = 0 THEN 'zero' END END;
END;
CREATE RULE notes_audit AS ON INSERT TO notes
  DO ALSO (INSERT INTO audit VALUES ('one;'); INSERT INTO audit VALUES ('two'));
SELECT add_note(1, E'it\'s; escaped');
INSERT INTO notes VALUES (2, $$dollar; 'quoted'$$);
"#;
    let statements = statements(script, Dialect::Postgres);
    assert_eq!(statements.len(), 7, "{statements:#?}");
    let Some(db) = strata_runtime::testing::postgres().await else {
        return;
    };
    for statement in &statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let notes: Vec<(i32, String)> = sqlx::query_as("SELECT id, body FROM notes ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        notes,
        [
            (1, "it's; escaped;".to_owned()),
            (2, "dollar; 'quoted'".to_owned())
        ]
    );
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit WHERE what IN ('one;', 'two')")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(audit, 4);
    let signs: (String, String) = sqlx::query_as("SELECT sign_of(5), sign_of(0)")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(signs, ("positive;".to_owned(), "zero".to_owned()));
    db.close().await;
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_script() {
    let script = r#"CREATE TABLE notes (id INT PRIMARY KEY, body TEXT NOT NULL, n INT NOT NULL);
# a hash comment; with a semicolon
/*!40101 SET @strata_marker = 'set by; a version comment' */;
DELIMITER $$
CREATE PROCEDURE add_note(IN i INT, IN b TEXT)
BEGIN
  INSERT INTO notes VALUES (i, CONCAT(b, ';'), 1--1);
  UPDATE notes SET n = n + 1 WHERE id = i;
END$$
CREATE TRIGGER notes_bi BEFORE INSERT ON notes FOR EACH ROW BEGIN SET NEW.body = CONCAT(NEW.body, '!'); END $$
DELIMITER ;
CALL add_note(1, 'it\'s; "escaped"');
INSERT INTO notes VALUES (2, "double \"quoted\"; string", 0);
"#;
    let statements = statements(script, Dialect::Mysql);
    assert_eq!(statements.len(), 6, "{statements:#?}");
    let Some(db) = strata_runtime::testing::mysql().await else {
        return;
    };
    // One connection: the version comment sets a session variable.
    let mut conn = db.pool.acquire().await.unwrap();
    for statement in &statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let marker: String = sqlx::query_scalar("SELECT @strata_marker")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(marker, "set by; a version comment");
    let notes: Vec<(i32, String, i32)> =
        sqlx::query_as("SELECT id, body, n FROM notes ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        notes,
        [
            (1, r#"it's; "escaped";!"#.to_owned(), 3),
            (2, r#"double "quoted"; string!"#.to_owned(), 0)
        ]
    );
    drop(conn);
    db.close().await;
}
