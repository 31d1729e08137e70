//! The built `strata` binary against real databases: SQLite always, PostgreSQL and MariaDB when
//! `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL` are set (required under CI).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use strata_runtime::testing;

/// A temporary directory holding a migration repository (and SQLite files); removed on drop.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(files: &[(&str, &str)]) -> Workspace {
        let dir = std::env::temp_dir().join(format!("cli-{}", testing::unique_database_name()));
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        let workspace = Workspace { dir };
        for (name, text) in files {
            workspace.write(name, text);
        }
        workspace
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join("migrations").join(name), text).unwrap();
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("app.db").display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Exit code, stdout and stderr of `strata args..` run in `dir`, with no DATABASE_URL.
fn strata(dir: &Path, args: &[&str]) -> (i32, String, String) {
    strata_env(dir, args, &[])
}

fn strata_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strata"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("APP_DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Runs `strata --database-url url args..`, asserts success, returns stdout with each
/// migration line's elapsed time (checked) removed: `applied 1 create_users`.
fn ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = strata(dir, &all);
    assert_eq!(code, 0, "strata {args:?} failed: {stderr}");
    assert_eq!(stderr, "", "strata {args:?} wrote to stderr");
    without_elapsed(&stdout)
}

/// `applied 1 create_users (0.4 ms)` → `applied 1 create_users`, asserting the time's form.
fn without_elapsed(stdout: &str) -> String {
    let mut text = String::new();
    for line in stdout.lines() {
        if line.starts_with("applied ") || line.starts_with("reverted ") {
            let (head, time) = line
                .rsplit_once(" (")
                .unwrap_or_else(|| panic!("no elapsed time: {line}"));
            let time = time
                .strip_suffix(" ms)")
                .or_else(|| time.strip_suffix(" s)"));
            assert!(
                time.is_some_and(|t| t.parse::<f64>().is_ok()),
                "bad elapsed time: {line}"
            );
            text.push_str(head);
        } else {
            text.push_str(line);
        }
        text.push('\n');
    }
    text
}

/// Runs `strata --database-url url args..`, asserts exit code 1 and empty stdout, returns stderr.
fn fails(dir: &Path, url: &str, args: &[&str]) -> String {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = strata(dir, &all);
    assert_eq!(code, 1, "strata {args:?} should fail; stdout: {stdout}");
    assert_eq!(stdout, "");
    stderr
}

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n";
const POSTS: &str = "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(100));\n";
const TAGS: &str = "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n";

fn three_migrations() -> Workspace {
    Workspace::new(&[
        ("0001_create_users.sql", USERS),
        ("0001_create_users.down.sql", "DROP TABLE users;\n"),
        ("0002_create_posts.sql", POSTS),
        ("0002_create_posts.down.sql", "DROP TABLE posts;\n"),
        ("0003_create_tags.sql", TAGS),
        ("0003_create_tags.down.sql", "DROP TABLE tags;\n"),
    ])
}

/// upgrade, status, db-version, upgrade --to, downgrade: the same exact output on every backend.
fn upgrade_status_downgrade(dir: &Path, url: &str) {
    assert_eq!(ok(dir, url, &["db-version"]), "not under version control\n");
    assert_eq!(
        ok(dir, url, &["upgrade", "--to", "2"]),
        "applied 1 create_users\napplied 2 create_posts\nthe database is at version 2\n"
    );
    assert_eq!(
        ok(dir, url, &["status"]),
        "1  applied     create_users\n2  applied     create_posts\n3  pending     create_tags\n"
    );
    assert_eq!(ok(dir, url, &["db-version"]), "2\n");
    assert_eq!(
        ok(dir, url, &["upgrade"]),
        "applied 3 create_tags\nthe database is at version 3\n"
    );
    assert_eq!(
        ok(dir, url, &["upgrade"]),
        "nothing to do: the database is at version 3\n"
    );
    assert_eq!(ok(dir, url, &["db-version"]), "3\n");
    assert_eq!(
        ok(dir, url, &["downgrade", "1"]),
        "reverted 3 create_tags\nreverted 2 create_posts\nthe database is at version 1\n"
    );
    assert_eq!(
        ok(dir, url, &["status"]),
        "1  applied     create_users\n2  pending     create_posts\n3  pending     create_tags\n"
    );
    assert_eq!(
        fails(dir, url, &["downgrade", "2"]),
        "strata: cannot downgrade to version 2: it is not applied (applied: 1); pass 0 or an applied version\n"
    );
    assert_eq!(
        ok(dir, url, &["downgrade", "0"]),
        "reverted 1 create_users\nthe database is at version 0\n"
    );
    assert_eq!(ok(dir, url, &["db-version"]), "0\n");
}

/// version-control on a fresh database, then again without and with --force.
fn version_control_flow(dir: &Path, url: &str) {
    assert_eq!(
        ok(dir, url, &["version-control", "2"]),
        "under version control at version 2\n"
    );
    assert_eq!(
        ok(dir, url, &["status"]),
        "1  applied     create_users\n2  applied     create_posts\n3  pending     create_tags\n"
    );
    assert_eq!(
        fails(dir, url, &["version-control", "1"]),
        "strata: the database is already under version control (table strata_migrations, version 2); use force (`strata version-control --force`) to rewrite its bookkeeping\n"
    );
    assert_eq!(ok(dir, url, &["db-version"]), "2\n");
    assert_eq!(
        ok(dir, url, &["version-control", "--force", "1"]),
        "under version control at version 1\n"
    );
    assert_eq!(ok(dir, url, &["db-version"]), "1\n");
}

#[test]
fn sqlite_upgrade_status_downgrade() {
    let workspace = three_migrations();
    // An empty file is an empty SQLite database (a missing one is refused by db-version).
    std::fs::File::create(workspace.path("app.db")).unwrap();
    upgrade_status_downgrade(&workspace.dir, &workspace.sqlite_url());
}

#[test]
fn sqlite_version_control() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    version_control_flow(&workspace.dir, &url);
    // Nothing ran: version-control records versions, it does not create their tables.
    let (code, _, stderr) = strata(&workspace.dir, &["--database-url", &url, "downgrade", "0"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("strata: down script of migration 1 (0001_create_users.down.sql) failed at statement 1 `DROP TABLE users`"),
        "{stderr}"
    );
}

#[test]
fn sqlite_version_control_without_version_starts_empty() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    assert_eq!(
        ok(&workspace.dir, &url, &["version-control"]),
        "under version control at version 0\n"
    );
    assert_eq!(ok(&workspace.dir, &url, &["db-version"]), "0\n");
}

#[test]
fn sqlite_read_only_commands_do_not_create_the_file() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    for command in ["status", "db-version"] {
        assert_eq!(
            fails(&workspace.dir, &url, &[command]),
            format!(
                "strata: the SQLite database `{}` does not exist; `strata upgrade` creates it\n",
                workspace.path("app.db").display()
            )
        );
    }
    assert!(!workspace.path("app.db").exists());
}

#[test]
fn missing_database_url() {
    let workspace = three_migrations();
    let (code, stdout, stderr) = strata(&workspace.dir, &["status"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "strata: no database URL: pass --database-url or set DATABASE_URL\n"
    );
}

#[test]
fn database_url_from_the_variable_strata_toml_names() {
    let workspace = three_migrations();
    workspace.write("strata.toml", "database_url_env = \"APP_DATABASE_URL\"\n");
    let (code, _, stderr) = strata_env(
        &workspace.dir,
        &["upgrade"],
        &[("DATABASE_URL", "sqlite::memory:")],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "strata: no database URL: pass --database-url or set APP_DATABASE_URL\n"
    );
    let url = workspace.sqlite_url();
    let (code, stdout, stderr) =
        strata_env(&workspace.dir, &["upgrade"], &[("APP_DATABASE_URL", &url)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        without_elapsed(&stdout),
        "applied 1 create_users\napplied 2 create_posts\napplied 3 create_tags\nthe database is at version 3\n"
    );
}

#[test]
fn quiet_prints_only_the_result() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    let dir = &workspace.dir;
    let (code, stdout, stderr) = strata(dir, &["--database-url", &url, "-q", "upgrade"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, "the database is at version 3\n");
    let (code, stdout, stderr) =
        strata(dir, &["--database-url", &url, "--quiet", "downgrade", "1"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, "the database is at version 1\n");
}

#[test]
fn unknown_scheme() {
    let workspace = three_migrations();
    assert_eq!(
        fails(&workspace.dir, "redis://secret@localhost/0", &["status"]),
        "strata: unsupported database URL scheme `redis:`; use sqlite:, postgres:, postgresql:, mysql: or mariadb:\n"
    );
}

#[test]
fn broken_repository_names_the_file() {
    let workspace = three_migrations();
    workspace.write("0004_create_tags_again.sql", TAGS);
    workspace.write("0004_create_more.sql", TAGS);
    let url = workspace.sqlite_url();
    let stderr = fails(&workspace.dir, &url, &["upgrade"]);
    assert_eq!(
        stderr,
        "strata: invalid migration repository `migrations`: duplicate version 4: `0004_create_more.sql` and `0004_create_tags_again.sql`\n"
    );
    assert!(!workspace.path("app.db").exists());
}

#[test]
fn missing_repository() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    let stderr = fails(
        &workspace.dir,
        &url,
        &["--migrations", "db/migrations", "upgrade"],
    );
    assert_eq!(
        stderr,
        "strata: migration directory `db/migrations` does not exist\n"
    );
}

#[test]
fn help_lists_every_subcommand_with_examples() {
    let workspace = three_migrations();
    let (code, stdout, _) = strata(&workspace.dir, &["--help"]);
    assert_eq!(code, 0);
    for command in [
        "upgrade",
        "downgrade",
        "version-control",
        "db-version",
        "status",
        "--database-url",
        "--migrations",
        "--json",
        "--lock-timeout-secs",
    ] {
        assert!(stdout.contains(command), "--help lacks {command}: {stdout}");
    }
    for (command, example) in [
        ("upgrade", "strata upgrade --to 3"),
        ("downgrade", "strata downgrade 2"),
        ("version-control", "strata version-control --force 3"),
        ("db-version", "strata db-version"),
        ("status", "strata status"),
    ] {
        let (code, stdout, _) = strata(&workspace.dir, &[command, "--help"]);
        assert_eq!(code, 0);
        assert!(stdout.contains(example), "{command} --help: {stdout}");
    }
}

#[test]
fn usage_errors_exit_with_2() {
    let workspace = three_migrations();
    let (code, _, stderr) = strata(&workspace.dir, &["frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: unrecognized subcommand 'frobnicate'"),
        "{stderr}"
    );
    let (code, _, _) = strata(&workspace.dir, &["downgrade"]);
    assert_eq!(code, 2);
}

#[test]
fn json_output_parses() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    let dir = &workspace.dir;
    let parse = |args: &[&str]| -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&ok(dir, &url, &all)).unwrap()
    };
    let upgrade = parse(&["upgrade", "--to", "2"]);
    assert_eq!(upgrade["command"], "upgrade");
    assert_eq!(upgrade["version"], 2);
    let runs = upgrade["migrations"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["version"], 1);
    assert_eq!(runs[0]["name"], "create_users");
    assert!(runs[0]["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(upgrade["total_ms"].as_f64().unwrap() >= 0.0);

    let status = parse(&["status"]);
    let versions = status["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["state"], "applied");
    assert_eq!(
        versions[1]["applied_checksum"],
        versions[1]["embedded_checksum"]
    );
    assert!(versions[1]["applied_at"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(versions[2]["state"], "pending");
    assert_eq!(versions[2]["applied_at"], Value::Null);

    assert_eq!(parse(&["db-version"])["version"], 2);
    assert_eq!(parse(&["downgrade", "1"])["version"], 1);
    assert_eq!(parse(&["version-control", "--force", "3"])["version"], 3);
    assert_eq!(parse(&["db-version"])["version"], 3);
}

#[tokio::test]
async fn postgres_upgrade_status_downgrade() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let workspace = three_migrations();
    upgrade_status_downgrade(&workspace.dir, &db.url);
    db.close().await;
}

#[tokio::test]
async fn postgres_version_control() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let workspace = three_migrations();
    let url = db.url.replacen("postgres:", "postgresql:", 1);
    version_control_flow(&workspace.dir, &url);
    db.close().await;
}

#[tokio::test]
async fn mysql_upgrade_status_downgrade() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    let workspace = three_migrations();
    upgrade_status_downgrade(&workspace.dir, &db.url);
    db.close().await;
}

#[tokio::test]
async fn mariadb_scheme_version_control() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    let workspace = three_migrations();
    let url = db.url.replacen("mysql:", "mariadb:", 1);
    version_control_flow(&workspace.dir, &url);
    db.close().await;
}

/// A MySQL migration whose second statement fails after its first (DDL, auto-committed) took
/// effect: upgrade names the statement, status shows it incomplete, and the documented repair
/// (`version-control --force` to the previous version, fix, upgrade) brings the database up.
#[tokio::test]
async fn mysql_incomplete_migration_repair() {
    let Some(db) = testing::mysql().await else {
        return;
    };
    let workspace = three_migrations();
    workspace.write(
        "0003_create_tags.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tag_typo (id) VALUES (1);\n",
    );
    let dir = &workspace.dir;
    let url = &db.url;

    // The migrations that ran are printed as they finish, before the error.
    let (code, stdout, stderr) = strata(dir, &["--database-url", url, "upgrade"]);
    assert_eq!(code, 1);
    assert_eq!(
        without_elapsed(&stdout),
        "applied 1 create_users\napplied 2 create_posts\n"
    );
    assert!(
        stderr.starts_with(
            "strata: migration 3 (0003_create_tags.sql) failed at statement 2 `INSERT INTO tag_typo (id) VALUES (1)`: "
        ),
        "{stderr}"
    );
    assert_eq!(
        ok(dir, url, &["status"]),
        "1  applied     create_users\n2  applied     create_posts\n3  incomplete  create_tags\n"
    );
    assert_eq!(
        fails(dir, url, &["upgrade"]),
        "strata: migration 3 (0003_create_tags.sql) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force 3` if it is now fully applied, or `strata version-control --force 2` to run it again\n"
    );

    // The repair: undo the statement that took effect, mark version 2 as the last applied,
    // fix the script, run it again.
    strata::sqlx::raw_sql("DROP TABLE tags")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        ok(dir, url, &["version-control", "--force", "2"]),
        "under version control at version 2\n"
    );
    workspace.write(
        "0003_create_tags.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tags (id) VALUES (1);\n",
    );
    assert_eq!(
        ok(dir, url, &["upgrade"]),
        "applied 3 create_tags\nthe database is at version 3\n"
    );
    let ids: Vec<i32> = strata::sqlx::query_scalar("SELECT id FROM tags")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(ids, vec![1]);
    assert_eq!(
        ok(dir, url, &["status"]),
        "1  applied     create_users\n2  applied     create_posts\n3  applied     create_tags\n"
    );
    db.close().await;
}

#[test]
fn broken_strata_toml_is_reported_before_the_url_is_looked_up() {
    let workspace = three_migrations();
    workspace.write("strata.toml", "database_url_env = 5\n");
    let (code, stdout, stderr) = strata(&workspace.dir, &["status"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "strata: invalid migration repository `migrations`: `strata.toml`: `database_url_env` must be a string, found 5\n"
    );
}

#[test]
fn unreachable_server() {
    let workspace = three_migrations();
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    assert_eq!(
        fails(
            &workspace.dir,
            "postgres://app@127.0.0.1:1/app",
            &["status"]
        ),
        "strata: cannot connect to the database: error communicating with database: Connection refused (os error 111)\n"
    );
    assert_eq!(
        fails(
            &workspace.dir,
            "mariadb://app@127.0.0.1:1/app",
            &["db-version"]
        ),
        "strata: cannot connect to the database: error communicating with database: Connection refused (os error 111)\n"
    );
}

/// The runtime's advice for a binary ("is this binary older…", build.rs) is reworded for a
/// repository on disk.
#[test]
fn errors_name_the_repository_on_disk() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    let dir = &workspace.dir;
    ok(dir, &url, &["upgrade"]);

    workspace.write(
        "0002_create_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
    );
    let stderr = fails(dir, &url, &["upgrade"]);
    assert!(
        stderr.starts_with("strata: migration 2 (0002_create_posts.sql) was changed after it was applied: the database recorded checksum "),
        "{stderr}"
    );
    assert!(
        stderr.contains(", the file in `migrations` has ")
            && stderr
                .ends_with("; restore the original script and put the change in a new migration\n"),
        "{stderr}"
    );
    workspace.write("0002_create_posts.sql", POSTS);

    std::fs::remove_file(workspace.dir.join("migrations/0003_create_tags.sql")).unwrap();
    std::fs::remove_file(workspace.dir.join("migrations/0003_create_tags.down.sql")).unwrap();
    assert_eq!(
        fails(dir, &url, &["upgrade"]),
        "strata: the database has version 3 applied that the repository `migrations` does not contain (its latest is 2): restore their scripts, or point --migrations at the repository the database was migrated with\n"
    );
    assert_eq!(
        fails(dir, &url, &["upgrade", "--to", "7"]),
        "strata: version 7 is not a migration of the repository `migrations`: the latest is 2\n"
    );
}

/// Each migration's line is printed when it finishes, so the ones that ran are on stdout
/// even when a later one fails.
#[test]
fn lines_are_printed_as_migrations_finish() {
    let workspace = three_migrations();
    workspace.write(
        "0003_create_tags.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nINSERT INTO tag_typo VALUES (1);\n",
    );
    let url = workspace.sqlite_url();
    let (code, stdout, stderr) = strata(&workspace.dir, &["--database-url", &url, "upgrade"]);
    assert_eq!(code, 1);
    assert_eq!(
        without_elapsed(&stdout),
        "applied 1 create_users\napplied 2 create_posts\n"
    );
    assert!(
        stderr.starts_with("strata: migration 3 (0003_create_tags.sql) failed at statement 2 `INSERT INTO tag_typo VALUES (1)`: "),
        "{stderr}"
    );
}

/// On a terminal, a bar on stderr counts the migrations (`[2/3]`) and shows the one running;
/// `-q` leaves it out. The terminal is `script`'s pseudo-terminal (util-linux).
#[test]
fn progress_bar_on_a_terminal() {
    let workspace = three_migrations();
    let url = workspace.sqlite_url();
    let on_terminal = |args: &str| -> String {
        let command = format!(
            "{} --database-url {url} {args}",
            env!("CARGO_BIN_EXE_strata")
        );
        let output = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(&workspace.dir)
            .env_remove("DATABASE_URL")
            .output()
            .expect("`script` (util-linux) runs the command on a pseudo-terminal");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let shown = on_terminal("upgrade");
    for expected in [
        "[0/3] applying 1 create_users",
        "[1/3] applying 2 create_posts",
        "[2/3] applying 3 create_tags",
        "applied 3 create_tags (",
        "the database is at version 3",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from {shown:?}"
        );
    }
    let quiet = on_terminal("-q downgrade 0");
    assert_eq!(quiet.trim_end(), "the database is at version 0");
}
