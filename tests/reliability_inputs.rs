//! Adversarial inputs: odd migration file names, odd SQL files, model names and defaults that
//! look like SQL injection, and random schemas (property-based) applied and reflected back.
#![cfg(feature = "sqlite")]

#[path = "reliability/support.rs"]
mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use strata::{Backend, Dialect, Migrations, Table};
use strata_runtime::on_each_backend;
use support::{execute, ints, table_names, texts};

// ---------------------------------------------------------------------------------------------
// Migration repositories written to temporary directories
// ---------------------------------------------------------------------------------------------

/// A temporary directory holding the given files, removed on drop.
struct TempRepo {
    dir: PathBuf,
}

impl TempRepo {
    fn new(files: &[(&str, &[u8])]) -> TempRepo {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "strata_reliability_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        TempRepo { dir }
    }

    fn load(&self) -> Result<Migrations, strata::RepositoryError> {
        Migrations::load(&self.dir, &Dialect::ALL)
    }

    /// The error `load` reports, with the directory replaced by `<dir>`.
    fn load_error(&self) -> String {
        let err = self.load().expect_err("the repository should be rejected");
        err.to_string()
            .replace(&self.dir.display().to_string(), "<dir>")
    }
}

impl Drop for TempRepo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn versions(m: &Migrations) -> Vec<(i64, String)> {
    m.migrations
        .iter()
        .map(|m| (m.version, m.name.to_string()))
        .collect()
}

const OK: &[u8] = b"CREATE TABLE t (id INTEGER);";

#[test]
fn file_names_that_are_not_migrations_are_errors_naming_the_file() {
    let cases: &[(&str, &str)] = &[
        (
            "0001_café.sql",
            "invalid migration repository `<dir>`: `0001_café.sql`: the name `café` may hold only ASCII letters, digits, `_` and `-`",
        ),
        (
            "0001_create users.sql",
            "invalid migration repository `<dir>`: `0001_create users.sql`: the name `create users` may hold only ASCII letters, digits, `_` and `-`",
        ),
        (
            "0001 _x.sql",
            "invalid migration repository `<dir>`: `0001 _x.sql`: the name does not match `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. `0001_create_users.sql`): rename the file or move it out of the migration directory",
        ),
        (
            "١٢_arabic_digits.sql",
            "invalid migration repository `<dir>`: `١٢_arabic_digits.sql`: the name does not match `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. `0001_create_users.sql`): rename the file or move it out of the migration directory",
        ),
        (
            "99999999999999999999_huge.sql",
            "invalid migration repository `<dir>`: `99999999999999999999_huge.sql`: version 99999999999999999999 is larger than 9223372036854775807",
        ),
        (
            "009223372036854775808_just_above.sql",
            "invalid migration repository `<dir>`: `009223372036854775808_just_above.sql`: version 9223372036854775808 is larger than 9223372036854775807",
        ),
        (
            "-1_negative.sql",
            "invalid migration repository `<dir>`: `-1_negative.sql`: the name does not match `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. `0001_create_users.sql`): rename the file or move it out of the migration directory",
        ),
        (
            "0000_zero.sql",
            "invalid migration repository `<dir>`: `0000_zero.sql`: version 0 is not allowed; versions start at 1",
        ),
        (
            "0001_x.SQL",
            "invalid migration repository `<dir>`: `0001_x.SQL`: the name does not match `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. `0001_create_users.sql`): rename the file or move it out of the migration directory",
        ),
        (
            "0001_x.oracle.sql",
            "invalid migration repository `<dir>`: `0001_x.oracle.sql`: unknown suffix `.oracle`: only `.up` or `.down` and then one of `.sqlite`, `.postgres`, `.mysql` may come before `.sql`",
        ),
    ];
    for (file, expected) in cases {
        let repo = TempRepo::new(&[(file, OK)]);
        assert_eq!(repo.load_error(), *expected, "{file}");
    }
}

#[test]
fn versions_parse_with_leading_zeros_up_to_i64_max() {
    let repo = TempRepo::new(&[
        ("000000000000000000000000001_first.sql", OK),
        ("2_second.sql", OK),
        ("0009223372036854775807_last.sql", OK),
        // Not migrations: ignored.
        ("README.md", b"notes"),
        (".0003_hidden.sql", b"not SQL at all"),
    ]);
    let m = repo.load().unwrap();
    assert_eq!(
        versions(&m),
        vec![
            (1, "first".to_string()),
            (2, "second".to_string()),
            (i64::MAX, "last".to_string())
        ]
    );
    assert_eq!(
        m.migrations[0].up(Dialect::Sqlite).unwrap().file,
        "000000000000000000000000001_first.sql"
    );
}

#[test]
fn duplicate_versions_name_both_files_and_every_problem_is_listed() {
    let repo = TempRepo::new(&[
        ("0001_a.sql", OK),
        ("1_a.sql", OK),
        ("0002_b.sql", OK),
        ("0002_c.sql", OK),
        ("0003_Bad+.sql", OK),
    ]);
    assert_eq!(
        repo.load_error(),
        // In file name order (`1_a.sql` sorts after `0003_Bad+.sql`).
        "invalid migration repository `<dir>`:\n- duplicate version 2: `0002_b.sql` and `0002_c.sql`\n- `0003_Bad+.sql`: the name `Bad+` may hold only ASCII letters, digits, `_` and `-`\n- duplicate version 1: `0001_a.sql` and `1_a.sql`"
    );
}

#[test]
fn a_script_that_is_not_utf8_is_named() {
    let repo = TempRepo::new(&[("0001_a.sql", &[0x43, 0xff, 0xfe, 0x3b])]);
    assert_eq!(
        repo.load_error(),
        "invalid migration repository `<dir>`: `0001_a.sql` is not valid UTF-8"
    );
}

/// CRLF line endings and a BOM do not change a script's checksum: a checkout with
/// `core.autocrlf` or an editor that writes a BOM deploys without a checksum error.
#[test]
fn crlf_and_bom_keep_the_checksum() {
    let lf = TempRepo::new(&[("0001_a.sql", b"CREATE TABLE a (\n  id INTEGER\n);\n")]);
    let crlf = TempRepo::new(&[("0001_a.sql", b"CREATE TABLE a (\r\n  id INTEGER\r\n);\r\n")]);
    let bom = TempRepo::new(&[(
        "0001_a.sql",
        b"\xef\xbb\xbfCREATE TABLE a (\r\n  id INTEGER\r\n);\r\n",
    )]);
    let checksum = |r: &TempRepo| {
        r.load().unwrap().migrations[0]
            .up(Dialect::Postgres)
            .unwrap()
            .checksum
            .to_string()
    };
    assert_eq!(checksum(&lf), checksum(&crlf));
    assert_eq!(checksum(&lf), checksum(&bom));
    assert_eq!(checksum(&lf).len(), 64);
}

/// Odd but valid scripts, applied on every backend: CRLF and a BOM, an empty script, a script
/// of comments only, a semicolon inside a string, and (PostgreSQL) a dollar-quoted function
/// body with semicolons; then a later deploy of the same repository with LF endings is a no-op.
async fn odd_scripts_apply<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let files: Vec<(&str, &[u8])> = vec![
        (
            "0001_crlf_bom.sql",
            b"\xef\xbb\xbf-- a BOM, then CRLF\r\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(200) NOT NULL);\r\nINSERT INTO notes (id, body) VALUES (1, 'line');\r\n",
        ),
        ("0002_empty.sql", b""),
        (
            "0003_comments.sql",
            b"-- nothing to do here\n/* a block comment; with a semicolon */\n-- DROP TABLE notes;\n",
        ),
        (
            "0004_semicolons.sql",
            b"INSERT INTO notes (id, body) VALUES (2, 'a; b'); INSERT INTO notes (id, body) VALUES (3, 'it''s; -- not a comment');\nINSERT INTO notes (id, body) VALUES (4, '/* not; a comment */');",
        ),
        (
            "0005_function.postgres.sql",
            b"CREATE FUNCTION add_one(i integer) RETURNS integer AS $$\nBEGIN\n  -- a semicolon; inside the body\n  RETURN i + 1;\nEND;\n$$ LANGUAGE plpgsql;\nCREATE FUNCTION tagged() RETURNS text AS $body$ SELECT 'x;y'::text $body$ LANGUAGE sql;\nINSERT INTO notes (id, body) VALUES (5, tagged());",
        ),
        (
            "0005_function.sql",
            b"INSERT INTO notes (id, body) VALUES (5, 'x;y');",
        ),
    ];
    let repo = TempRepo::new(&files);
    let m = repo.load().unwrap();
    let report = strata::runtime::upgrade(pool, &m).await.unwrap();
    assert_eq!(report.versions(), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        texts(pool, "SELECT body FROM notes ORDER BY id").await,
        vec![
            "line",
            "a; b",
            "it's; -- not a comment",
            "/* not; a comment */",
            "x;y"
        ]
    );
    assert_eq!(table_names(pool).await, vec!["notes", "strata_migrations"]);
    if DB::DIALECT == Dialect::Postgres {
        assert_eq!(ints(pool, "SELECT add_one(41)").await, vec![42]);
    }
    // The same repository checked out with LF endings and no BOM: nothing to do, no checksum
    // error.
    let lf: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
            (*name, text.into_bytes())
        })
        .collect();
    let lf: Vec<(&str, &[u8])> = lf.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let lf_repo = TempRepo::new(&lf);
    let lf_m = lf_repo.load().unwrap();
    assert!(
        strata::runtime::upgrade(pool, &lf_m)
            .await
            .unwrap()
            .is_empty()
    );
    let states: Vec<strata::VersionState> = strata::runtime::status(pool, &lf_m)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(states, vec![strata::VersionState::Applied; 5]);
}

/// A script that fails in its last statement: on SQLite and PostgreSQL nothing of it is left;
/// on MySQL what ran before is reported, and the version is incomplete.
async fn failure_in_the_last_statement<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    let repo = TempRepo::new(&[
        ("0001_a.sql", b"CREATE TABLE a (id INTEGER PRIMARY KEY);"),
        (
            "0002_b.sql",
            b"CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO b (id) VALUES (1);\nINSERT INTO a (id) VALUES (1);\nUPDATE nosuch SET x = 1;",
        ),
    ]);
    let m = repo.load().unwrap();
    let err = strata::runtime::upgrade(pool, &m).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "migration 2 (0002_b.sql) failed at statement 4 `UPDATE nosuch SET x = 1`: "
        ),
        "{text}"
    );
    assert_eq!(
        strata::runtime::db_version(pool, &m).await.unwrap(),
        Some(1)
    );
    if DB::DIALECT == Dialect::Mysql {
        assert!(
            text.contains("the 3 statements before it took effect and cannot be rolled back, so version 2 is marked incomplete"),
            "{text}"
        );
        assert_eq!(table_names(pool).await, vec!["a", "b", "strata_migrations"]);
        assert_eq!(ints(pool, "SELECT id FROM a").await, vec![1]);
    } else {
        assert!(
            text.ends_with(
                "; it was rolled back, so the database is unchanged: fix the script and run again"
            ),
            "{text}"
        );
        assert_eq!(table_names(pool).await, vec!["a", "strata_migrations"]);
        assert!(ints(pool, "SELECT id FROM a").await.is_empty());
    }
}

on_each_backend!(odd_scripts_apply, failure_in_the_last_statement);

// ---------------------------------------------------------------------------------------------
// Names and defaults that look like SQL injection
// ---------------------------------------------------------------------------------------------

/// Every name and default is quoted, never executed: the catalogue shows the literal text and
/// the table `victims` survives.
#[derive(Table)]
#[table(name = "evil\"; DROP TABLE victims; --", index(note))]
pub struct Evil {
    #[column(primary_key)]
    pub id: i64,
    #[column(
        rename = "note'); DROP TABLE victims; --",
        length = 100,
        default = "'); DROP TABLE victims; --"
    )]
    pub note: String,
    #[column(rename = "back`tick]x", default = "it's \\ \"quoted\" `back` $$ $1 ?")]
    pub other: String,
    #[column(rename = "select", default = 7)]
    pub order: i32,
}

#[derive(Table)]
#[table(name = "victims")]
pub struct Victim {
    #[column(primary_key)]
    pub id: i64,
}

static EVIL: strata::Schema = strata::schema![Victim, Evil];

async fn injection_looking_names_are_quoted<DB: Backend>(pool: &sqlx::Pool<DB>, _url: &str) {
    strata::runtime::create_all(pool, &EVIL).await.unwrap();
    assert_eq!(
        table_names(pool).await,
        vec!["evil\"; DROP TABLE victims; --", "victims"]
    );
    strata::runtime::reflect(pool)
        .await
        .unwrap()
        .matches(&EVIL.snapshot())
        .unwrap();
    execute(pool, "INSERT INTO victims (id) VALUES (1)").await;
    let q = |name: &str| match DB::DIALECT {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    };
    let table = q("evil\"; DROP TABLE victims; --");
    execute(
        pool,
        sqlx::AssertSqlSafe(format!("INSERT INTO {table} (id) VALUES (1)")),
    )
    .await;
    let row = texts(
        pool,
        sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {table} UNION ALL SELECT {} FROM {table} UNION ALL SELECT CAST({} AS CHAR(10)) FROM {table}",
            q("note'); DROP TABLE victims; --"),
            q("back`tick]x"),
            q("select"),
        )),
    )
    .await;
    assert_eq!(
        row,
        vec![
            "'); DROP TABLE victims; --",
            "it's \\ \"quoted\" `back` $$ $1 ?",
            "7"
        ]
    );
    assert_eq!(ints(pool, "SELECT id FROM victims").await, vec![1]);
    strata::runtime::drop_all(pool, &EVIL).await.unwrap();
    assert!(table_names(pool).await.is_empty());
}

on_each_backend!(injection_looking_names_are_quoted);

// ---------------------------------------------------------------------------------------------
// Random schemas, applied and reflected back (SQLite)
// ---------------------------------------------------------------------------------------------

mod random_schemas {
    use proptest::prelude::*;
    use strata::{ColumnDef, DefaultValue, IndexDef, Literal, Schema, SqlType, TableDef};

    /// Name fragments: keywords, quotes of every dialect, spaces, non-ASCII.
    const FRAGMENTS: &[&str] = &[
        "select",
        "order",
        "group",
        "table",
        "from",
        "where",
        "index",
        "key",
        "default",
        "a\"b",
        "it's",
        "back`tick",
        "[br]",
        "with space",
        "Mixed",
        "ünï",
        "semi;colon",
        "dash-dash --",
        "x",
    ];

    fn leak<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }

    fn leak_str(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    /// A name from a fragment, made unique (also case-insensitively) by its position.
    fn name(fragment: usize, position: usize) -> &'static str {
        leak_str(format!(
            "{}_{position}",
            FRAGMENTS[fragment % FRAGMENTS.len()]
        ))
    }

    #[derive(Debug, Clone)]
    struct ColumnSpec {
        fragment: usize,
        kind: usize,
        nullable: bool,
        default: Option<usize>,
    }

    const TYPES: &[SqlType] = &[
        SqlType::Bool,
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Double,
        SqlType::Text,
        SqlType::Varchar(40),
        SqlType::Blob,
        SqlType::Date,
        SqlType::Timestamp,
    ];

    const STRINGS: &[&str] = &["", "it's", "a\"b", "'; DROP TABLE x; --", "ünï", "NULL"];

    fn default_for(sql_type: SqlType, pick: usize) -> Option<DefaultValue> {
        let literal = match sql_type {
            SqlType::Bool => Literal::Bool(pick.is_multiple_of(2)),
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => {
                Literal::Int([0, 1, -1, 42, i16::MAX as i64][pick % 5])
            }
            SqlType::Double => Literal::Float([0.5, -2.25, 1e3][pick % 3]),
            SqlType::Text | SqlType::Varchar(_) => Literal::Str(STRINGS[pick % STRINGS.len()]),
            SqlType::Date => Literal::Str("2024-02-29"),
            SqlType::Timestamp => return Some(DefaultValue::Sql("CURRENT_TIMESTAMP")),
            _ => return None,
        };
        Some(DefaultValue::Literal(literal))
    }

    #[derive(Debug, Clone)]
    struct TableSpec {
        fragment: usize,
        primary_key: bool,
        columns: Vec<ColumnSpec>,
        unique: Vec<usize>,
        indexes: Vec<(usize, Option<usize>)>,
    }

    fn column_spec() -> impl Strategy<Value = ColumnSpec> {
        (
            0..FRAGMENTS.len(),
            0..TYPES.len(),
            any::<bool>(),
            proptest::option::of(0usize..10),
        )
            .prop_map(|(fragment, kind, nullable, default)| ColumnSpec {
                fragment,
                kind,
                nullable,
                default,
            })
    }

    fn table_spec() -> impl Strategy<Value = TableSpec> {
        (
            0..FRAGMENTS.len(),
            any::<bool>(),
            proptest::collection::vec(column_spec(), 1..6),
            proptest::collection::vec(0usize..6, 0..2),
            proptest::collection::vec((0usize..6, proptest::option::of(0usize..6)), 0..3),
        )
            .prop_map(
                |(fragment, primary_key, columns, unique, indexes)| TableSpec {
                    fragment,
                    primary_key,
                    columns,
                    unique,
                    indexes,
                },
            )
    }

    fn build(specs: &[TableSpec]) -> Schema {
        let mut tables = Vec::new();
        for (t, spec) in specs.iter().enumerate() {
            let mut columns = Vec::new();
            if spec.primary_key {
                columns.push(ColumnDef {
                    name: "id",
                    field: "id",
                    sql_type: SqlType::BigInt,
                    sql_type_override: None,
                    nullable: false,
                    auto_increment: false,
                    default: None,
                    renamed_from: None,
                });
            }
            for (c, col) in spec.columns.iter().enumerate() {
                let sql_type = TYPES[col.kind];
                let name = name(col.fragment, c);
                columns.push(ColumnDef {
                    name,
                    field: name,
                    sql_type,
                    sql_type_override: None,
                    nullable: col.nullable,
                    auto_increment: false,
                    default: col.default.and_then(|pick| default_for(sql_type, pick)),
                    renamed_from: None,
                });
            }
            let user_columns: Vec<&'static str> = columns
                .iter()
                .filter(|c| c.name != "id")
                .map(|c| c.name)
                .collect();
            let pick = |i: usize| user_columns[i % user_columns.len()];
            let mut uniques: Vec<IndexDef> = Vec::new();
            for &u in &spec.unique {
                let cols = leak(vec![pick(u)]);
                if !uniques.iter().any(|x| x.columns == cols) {
                    uniques.push(IndexDef { columns: cols });
                }
            }
            let mut indexes: Vec<IndexDef> = Vec::new();
            for &(a, b) in &spec.indexes {
                let mut cols = vec![pick(a)];
                if let Some(b) = b
                    && pick(b) != pick(a)
                {
                    cols.push(pick(b));
                }
                let cols = leak(cols);
                if !indexes.iter().any(|x| x.columns == cols)
                    && !uniques.iter().any(|x| x.columns == cols)
                {
                    indexes.push(IndexDef { columns: cols });
                }
            }
            let table_name = name(spec.fragment, t);
            tables.push(&*Box::leak(Box::new(TableDef {
                name: table_name,
                rust_name: table_name,
                columns: leak(columns),
                primary_key: if spec.primary_key { &["id"] } else { &[] },
                uniques: leak(uniques),
                indexes: leak(indexes),
                foreign_keys: &[],
            })));
        }
        Schema {
            tables: leak(tables),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// `create_all` of any schema, then `reflect`, gives back what was declared; `drop_all`
        /// leaves nothing.
        #[test]
        fn random_schemas_round_trip_on_sqlite(specs in proptest::collection::vec(table_spec(), 1..4)) {
            let schema = build(&specs);
            schema.validate().unwrap();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let pool = sqlx::pool::PoolOptions::<sqlx::Sqlite>::new()
                    .max_connections(1)
                    .connect("sqlite::memory:")
                    .await
                    .unwrap();
                strata::runtime::create_all(&pool, &schema).await.unwrap();
                let reflected = strata::runtime::reflect(&pool).await.unwrap();
                let columns = |s: &strata::Snapshot| s.tables.iter().map(|t| t.columns.len()).sum::<usize>();
                assert_eq!(reflected.tables.len(), specs.len());
                assert_eq!(columns(&reflected), columns(&schema.snapshot()));
                if let Err(diff) = reflected.matches(&schema.snapshot()) {
                    panic!("{diff:?}\nschema: {schema:#?}");
                }
                strata::runtime::drop_all(&pool, &schema).await.unwrap();
                assert!(strata::runtime::reflect(&pool).await.unwrap().tables.is_empty());
                pool.close().await;
            });
        }
    }
}
