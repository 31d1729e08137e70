//! `strata import` and `strata version-control --from` with the built binary, on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::path::{Path, PathBuf};
use std::process::Command;

use strata::sqlx;
use strata_runtime::testing;

/// A temporary directory, removed on drop.
struct Workspace(PathBuf);

impl Workspace {
    fn new() -> Workspace {
        let dir =
            std::env::temp_dir().join(format!("cli-switch-{}", testing::unique_database_name()));
        std::fs::create_dir_all(dir.join("sql")).unwrap();
        Workspace(dir)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn strata(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

async fn run_sql(url: &str, statements: &[&str]) {
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
    let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true))
        .await
        .unwrap();
    for sql in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn import_then_adopt_refinery_history() {
    let ws = Workspace::new();
    let dir = &ws.0;
    for (name, sql) in [
        (
            "V1__users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V2__posts.sql",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "V3__tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n",
        ),
    ] {
        std::fs::write(dir.join("sql").join(name), sql).unwrap();
    }

    let (code, stdout, stderr) = strata(dir, &["import", "--from", "refinery", "sql"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "refinery 1 (V1__users.sql) -> 1: 0001_users.sql\n\
         refinery 2 (V2__posts.sql) -> 2: 0002_posts.sql\n\
         refinery 3 (V3__tags.sql) -> 3: 0003_tags.sql\n\
         wrote 3 versions to migrations (mapping in IMPORTED.md); adopt a database refinery manages with `strata version-control --from refinery`\n"
    );
    assert_eq!(
        std::fs::read(dir.join("migrations/0002_posts.sql")).unwrap(),
        b"CREATE TABLE posts (id INTEGER PRIMARY KEY);\n"
    );

    let (code, stdout, _) = strata(
        dir,
        &[
            "--json", "import", "--from", "refinery", "sql", "--into", "as_json",
        ],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["from"], "refinery");
    assert_eq!(json["versions"][2]["source_version"], "3");
    assert_eq!(json["versions"][2]["files"][0], "0003_tags.sql");
    assert_eq!(json["convert_by_hand"], serde_json::json!([]));

    // Never into a folder with files.
    let (code, stdout, stderr) = strata(
        dir,
        &[
            "import",
            "--from",
            "refinery",
            "sql",
            "--into",
            "migrations",
        ],
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "strata: `migrations` is not empty: `strata import` writes only into a new or empty folder, so nothing is overwritten\n"
    );
    let (code, _, stderr) = strata(
        dir,
        &["--migrations", "other", "import", "--from", "sqlx", "sql"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "strata: a sqlx migrations folder needs no import: strata embeds it unchanged; adopt its history with `strata version-control --from sqlx`\n"
    );

    // The database refinery migrated to version 2.
    let url = format!("sqlite://{}", dir.join("app.db").display());
    run_sql(
        &url,
        &[
            "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))",
            "INSERT INTO refinery_schema_history VALUES (1, 'users', '2024-01-01T00:00:00Z', '123'), (2, 'posts', '2024-01-01T00:00:00Z', '456')",
            "CREATE TABLE users (id INTEGER PRIMARY KEY)",
            "CREATE TABLE posts (id INTEGER PRIMARY KEY)",
        ],
    )
    .await;
    let (code, stdout, stderr) = strata(
        dir,
        &[
            "--database-url",
            &url,
            "version-control",
            "--from",
            "refinery",
        ],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "adopted refinery 1 as 1 users\n\
         adopted refinery 2 as 2 posts\n\
         note: refinery's checksums (SipHash-1-3 over name, version and SQL) are not reproduced, so the scripts were not compared with what refinery applied\n\
         under version control at version 2; the refinery_schema_history table is left as it was\n"
    );
    let (code, stdout, _) = strata(dir, &["--database-url", &url, "upgrade"]);
    assert_eq!(code, 0);
    // Exactly the new migration runs; its line ends in the time it took.
    let (applied, rest) = stdout.split_once('\n').unwrap_or_default();
    assert!(
        applied.starts_with("applied 3 tags (") && applied.ends_with(" ms)"),
        "{stdout}"
    );
    assert_eq!(rest, "the database is at version 3\n");

    let (code, _, stderr) = strata(
        dir,
        &[
            "--database-url",
            &url,
            "version-control",
            "--from",
            "diesel",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "strata: this repository was imported from refinery, not diesel (strata.toml [imported]): adopt with History::Refinery / `--from refinery`; nothing was written\n"
    );
}
