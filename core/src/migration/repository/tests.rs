use std::fs;

use super::*;
use crate::TransactionMode;
use Dialect::{Mysql, Postgres, Sqlite};

/// A temporary repository with `files` (name, contents).
fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, contents).unwrap();
    }
    dir
}

fn problems(files: &[(&str, &[u8])], dialects: &[Dialect]) -> Vec<String> {
    let dir = repo(files);
    match read_repository(dir.path(), dialects) {
        Err(RepositoryError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn reads_a_repository() {
    let dir = repo(&[
        ("0001_create_users.sql", b"CREATE TABLE users (id INTEGER);\n"),
        ("0001_create_users.down.sql", b"DROP TABLE users;\n"),
        ("0002_add_posts.sql", b"CREATE TABLE posts (id INTEGER);"),
        ("0002_add_posts.postgres.sql", b"CREATE TABLE posts (id BIGINT);"),
        ("0002_add_posts.down.mysql.sql", b"DROP TABLE posts;"),
        (
            "10_backfill.sql",
            b"-- Backfill in batches.\n-- strata:no-transaction\n--strata:foreign-keys-off\nUPDATE users SET id = id;",
        ),
        ("README.md", b"not a script"),
        (".0003_hidden.sql", b"garbage"),
        ("notes/0004_inside_a_folder.sql", b"ignored"),
    ]);
    let repository = read_repository(dir.path(), &Dialect::ALL).unwrap();
    let m = &repository.migrations;
    assert_eq!(
        m.migrations
            .iter()
            .map(|m| (m.version, &*m.name))
            .collect::<Vec<_>>(),
        [(1, "create_users"), (2, "add_posts"), (10, "backfill")]
    );
    assert_eq!(m.config, MigrationsConfig::DEFAULT);
    assert_eq!(m.latest(), Some(10));

    let v1 = m.get(1).unwrap();
    for d in Dialect::ALL {
        assert_eq!(v1.up(d).unwrap().file, "0001_create_users.sql");
        assert_eq!(v1.up(d).unwrap().sql, "CREATE TABLE users (id INTEGER);\n");
        assert_eq!(v1.down(d).unwrap().file, "0001_create_users.down.sql");
    }
    let v2 = m.get(2).unwrap();
    assert_eq!(v2.up(Sqlite).unwrap().file, "0002_add_posts.sql");
    assert_eq!(v2.up(Mysql).unwrap().file, "0002_add_posts.sql");
    assert_eq!(v2.up(Postgres).unwrap().file, "0002_add_posts.postgres.sql");
    assert_eq!(
        v2.up(Postgres).unwrap().checksum,
        checksum("CREATE TABLE posts (id BIGINT);")
    );
    assert_eq!(v2.down(Sqlite), None);
    assert_eq!(
        v2.down(Mysql).unwrap().file,
        "0002_add_posts.down.mysql.sql"
    );

    let v10 = m.get(10).unwrap().up(Sqlite).unwrap();
    assert!(v10.no_transaction && v10.foreign_keys_off);
    assert!(!v1.up(Sqlite).unwrap().no_transaction);
    assert!(!v1.up(Sqlite).unwrap().foreign_keys_off);

    for d in Dialect::ALL {
        let expected = head_digest(
            m.migrations
                .iter()
                .map(|m| (m.version, m.up(d).unwrap().checksum.as_ref())),
        );
        assert_eq!(m.head(d), expected);
    }
    assert_ne!(m.head(Sqlite), m.head(Postgres));
    assert_eq!(m.head(Sqlite), m.head(Mysql));

    let names: Vec<String> = repository
        .files
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "0001_create_users.down.sql",
            "0001_create_users.sql",
            "0002_add_posts.down.mysql.sql",
            "0002_add_posts.postgres.sql",
            "0002_add_posts.sql",
            "10_backfill.sql",
        ]
    );
    assert_eq!(Migrations::load(dir.path(), &Dialect::ALL).unwrap(), *m);
}

#[test]
fn versions_are_ordered_numerically_with_gaps_and_leading_zeros() {
    let dir = repo(&[
        ("9_a.sql", b"SELECT 9;"),
        ("10_b.sql", b"SELECT 10;"),
        ("0000000100_c.sql", b"SELECT 100;"),
        ("20250101120000_d.sql", b"SELECT 1;"),
    ]);
    let m = Migrations::load(dir.path(), &[Sqlite]).unwrap();
    let versions: Vec<i64> = m.migrations.iter().map(|m| m.version).collect();
    assert_eq!(versions, [9, 10, 100, 20250101120000]);
}

#[test]
fn only_enabled_dialects_get_scripts_and_heads() {
    let dir = repo(&[
        ("0001_a.sql", b"SELECT 1;"),
        ("0001_a.down.sql", b"SELECT 0;"),
    ]);
    let m = Migrations::load(dir.path(), &[Postgres]).unwrap();
    let v1 = m.get(1).unwrap();
    assert!(v1.up(Postgres).is_some() && v1.down(Postgres).is_some());
    assert_eq!(
        (v1.up(Sqlite), v1.up(Mysql), v1.down(Sqlite)),
        (None, None, None)
    );
    assert_eq!(
        m.head(Postgres),
        head_digest([(1, checksum("SELECT 1;").as_str())])
    );
    assert_eq!((m.head(Sqlite), m.head(Mysql)), ("", ""));
}

#[test]
fn an_empty_repository_has_the_empty_head() {
    let dir = repo(&[("README.md", b"")]);
    let m = Migrations::load(dir.path(), &[Sqlite]).unwrap();
    assert!(m.migrations.is_empty());
    assert_eq!(m.head(Sqlite), head_digest([]));
}

#[test]
fn bom_is_stripped_and_line_endings_do_not_change_checksums() {
    let dir = repo(&[
        (
            "1_lf.sql",
            b"-- strata:no-transaction\nSELECT 1;\nSELECT 2;\n",
        ),
        (
            "2_crlf.sql",
            b"-- strata:no-transaction\r\nSELECT 1;\r\nSELECT 2;\r\n",
        ),
        (
            "3_bom.sql",
            b"\xef\xbb\xbf-- strata:no-transaction\nSELECT 1;\nSELECT 2;\n",
        ),
    ]);
    let m = Migrations::load(dir.path(), &[Sqlite]).unwrap();
    let scripts: Vec<&Script> = m.migrations.iter().map(|m| m.up(Sqlite).unwrap()).collect();
    assert_eq!(scripts[0].checksum, scripts[1].checksum);
    assert_eq!(scripts[0].checksum, scripts[2].checksum);
    assert!(scripts[2].sql.starts_with("-- strata:"));
    assert!(scripts.iter().all(|s| s.no_transaction));
    assert_eq!(
        scripts[1].sql,
        "-- strata:no-transaction\r\nSELECT 1;\r\nSELECT 2;\r\n"
    );
}

#[test]
fn reads_strata_toml() {
    let dir = repo(&[
        (
            "strata.toml",
            b"table = \"history\"\ntransaction = \"all\"\nlock_timeout_secs = 5\n",
        ),
        ("1_a.sql", b"SELECT 1;"),
    ]);
    let repository = read_repository(dir.path(), &[Sqlite]).unwrap();
    let config = &repository.migrations.config;
    assert_eq!(config.table, "history");
    assert_eq!(config.transaction, TransactionMode::All);
    assert_eq!(config.lock_timeout_secs, 5);
    assert!(!config.out_of_order);
    assert!(repository.files.contains(&dir.path().join("strata.toml")));
}

#[test]
fn duplicate_versions_name_both_files() {
    assert_eq!(
        problems(
            &[
                ("0001_create_users.sql", b""),
                ("0001_create_accounts.sql", b""),
                ("1_create_users.down.sql", b""),
            ],
            &[Sqlite]
        ),
        [
            "duplicate version 1: `0001_create_accounts.sql` and `0001_create_users.sql`",
            "duplicate version 1: `0001_create_accounts.sql` and `1_create_users.down.sql`",
        ]
    );
}

#[test]
fn malformed_and_stray_names() {
    assert_eq!(
        problems(
            &[
                ("0001_ok.sql", b""),
                ("seed.sql", b""),
                ("0002_add posts.sql", b""),
                ("0003_x.upp.sql", b""),
                ("0_zero.sql", b""),
                ("0004_upper.SQL", b""),
            ],
            &[Sqlite]
        ),
        [
            "`0002_add posts.sql`: the name `add posts` may hold only ASCII letters, digits, `_` \
             and `-`",
            "`0003_x.upp.sql`: unknown suffix `.upp`: only `.up` or `.down` and then one of \
             `.sqlite`, `.postgres`, `.mysql` may come before `.sql`",
            "`0004_upper.SQL`: the name does not match \
             `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. \
             `0001_create_users.sql`): rename the file or move it out of the migration directory",
            "`0_zero.sql`: version 0 is not allowed; versions start at 1",
            "`seed.sql`: the name does not match \
             `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` (e.g. \
             `0001_create_users.sql`): rename the file or move it out of the migration directory",
        ]
    );
}

#[test]
fn a_sqlx_folder_embeds_unchanged() {
    let simple = repo(&[
        (
            "20220101000000_larger-commands.sql",
            b"CREATE TABLE a (id INT);",
        ),
        ("20220202000000_Add_Users.sql", b"CREATE TABLE b (id INT);"),
        (
            "20220303000000_index.sql",
            b"-- no-transaction\nCREATE INDEX CONCURRENTLY b_id ON b (id);",
        ),
    ]);
    let migrations = Migrations::load(simple.path(), &[Sqlite]).unwrap();
    let names: Vec<(i64, &str)> = migrations
        .migrations
        .iter()
        .map(|m| (m.version, m.name.as_ref()))
        .collect();
    assert_eq!(
        names,
        [
            (20220101000000, "larger-commands"),
            (20220202000000, "Add_Users"),
            (20220303000000, "index"),
        ]
    );
    // sqlx's `-- no-transaction` first line means what strata's directive means.
    assert!(migrations.migrations[2].up(Sqlite).unwrap().no_transaction);
    assert!(!migrations.migrations[0].up(Sqlite).unwrap().no_transaction);

    let reversible = repo(&[
        ("0001_create-users.up.sql", b"CREATE TABLE u (id INT);"),
        ("0001_create-users.down.sql", b"DROP TABLE u;"),
        ("0002_posts.up.sql", b"CREATE TABLE p (id INT);"),
    ]);
    let migrations = Migrations::load(reversible.path(), &[Sqlite]).unwrap();
    let first = &migrations.migrations[0];
    assert_eq!(first.name, "create-users");
    assert!(!first.up(Sqlite).unwrap().no_transaction);
    assert_eq!(first.up(Sqlite).unwrap().file, "0001_create-users.up.sql");
    assert_eq!(first.down(Sqlite).unwrap().sql, "DROP TABLE u;");
    assert!(migrations.migrations[1].down(Sqlite).is_none());
}

#[test]
fn up_sql_and_sql_together_are_a_duplicate() {
    assert_eq!(
        problems(
            &[
                ("0001_a.sql", b""),
                ("0001_a.up.sql", b""),
                ("0002_b.postgres.sql", b""),
                ("0002_b.up.postgres.sql", b""),
                ("0002_b.sql", b""),
            ],
            &[Sqlite]
        ),
        [
            "duplicate version 1: `0001_a.sql` and `0001_a.up.sql`",
            "duplicate version 2: `0002_b.postgres.sql` and `0002_b.up.postgres.sql`",
        ]
    );
}

#[test]
fn down_scripts_need_up_scripts() {
    assert_eq!(
        problems(
            &[
                ("0001_a.down.sql", b""),
                ("0002_b.sqlite.sql", b""),
                ("0002_b.down.postgres.sql", b""),
            ],
            &[Sqlite]
        ),
        [
            "`0001_a.down.sql` is a down script without an up script (`0001_a.sql`)",
            "`0002_b.down.postgres.sql` is a down script without an up script for postgres \
             (`0002_b.sql` or `0002_b.postgres.sql`)",
        ]
    );
}

#[test]
fn every_enabled_dialect_needs_an_up_script() {
    let files: &[(&str, &[u8])] = &[
        ("0001_a.sql", b"SELECT 1;"),
        ("0002_b.postgres.sql", b"SELECT 2;"),
        ("0002_b.down.sql", b"SELECT 0;"),
    ];
    assert_eq!(
        problems(files, &[Sqlite, Postgres, Mysql]),
        [
            "version 2 has no up script for sqlite: add `0002_b.sql` or `0002_b.sqlite.sql` \
             (found `0002_b.down.sql`, `0002_b.postgres.sql`)",
            "version 2 has no up script for mysql: add `0002_b.sql` or `0002_b.mysql.sql` \
             (found `0002_b.down.sql`, `0002_b.postgres.sql`)",
        ]
    );
    // With only PostgreSQL enabled the same repository is fine.
    let dir = repo(files);
    let m = Migrations::load(dir.path(), &[Postgres]).unwrap();
    assert_eq!(
        m.get(2).unwrap().down(Postgres).unwrap().file,
        "0002_b.down.sql"
    );
}

#[test]
fn unknown_directives_and_unsplittable_scripts() {
    // An error every dialect finds is reported once, naming them; one only MySQL finds (its
    // backslash escapes) names MySQL alone.
    assert_eq!(
        problems(
            &[
                ("0001_a.sql", b"-- strata:no-transactions\nSELECT 1;"),
                ("0002_b.sql", b"SELECT 'unterminated;\n"),
                (
                    "0003_c.sql",
                    b"SELECT 1;\n-- strata:later-lines-are-comments\n"
                ),
                ("0004_d.sql", b"SELECT 'x\\';\n"),
            ],
            &[Sqlite, Postgres, Mysql]
        ),
        [
            "`0001_a.sql`: unknown directive `-- strata:no-transactions`; the directives are \
             `-- strata:no-transaction` and `-- strata:foreign-keys-off`",
            "`0002_b.sql` (sqlite, postgres, mysql): unterminated string literal starting on line 1",
            "`0004_d.sql` (mysql): unterminated string literal starting on line 1",
        ]
    );
}

#[test]
fn bad_strata_toml_names_the_key() {
    assert_eq!(
        problems(
            &[
                (
                    "strata.toml",
                    b"table = \"t\"\nlock_timeout = 5\nout_of_order = 1\n"
                ),
                ("1_a.sql", b""),
            ],
            &[Sqlite]
        ),
        [
            "`strata.toml`: unknown key `lock_timeout`; the keys are `table`, `lock`, \
             `lock_timeout_secs`, `transaction`, `out_of_order`, `versions`, `database_url_env`, `require_down`, \
             `imported`",
            "`strata.toml`: `out_of_order` must be true or false, found 1",
        ]
    );
}

#[test]
fn files_that_are_not_utf8() {
    assert_eq!(
        problems(&[("1_a.sql", b"SELECT '\xff';")], &[Sqlite]),
        ["`1_a.sql` is not valid UTF-8"]
    );
}

#[test]
fn io_errors_and_the_whole_message() {
    let dir = repo(&[("1_a.down.sql", b""), ("x.sql", b""), ("file", b"")]);
    let missing = dir.path().join("missing");
    let err = Migrations::load(&missing, &[Sqlite]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("migration directory `{}` does not exist", missing.display())
    );
    let file = dir.path().join("file");
    assert_eq!(
        Migrations::load(&file, &[Sqlite]).unwrap_err().to_string(),
        format!("`{}` is not a directory", file.display())
    );
    assert_eq!(
        Migrations::load(dir.path(), &[Sqlite])
            .unwrap_err()
            .to_string(),
        format!(
            "invalid migration repository `{}`:\n\
             - `x.sql`: the name does not match `<version>_<name>[.up|.down][.sqlite|.postgres|.mysql].sql` \
             (e.g. `0001_create_users.sql`): rename the file or move it out of the migration \
             directory\n\
             - `1_a.down.sql` is a down script without an up script (`1_a.sql`)",
            dir.path().display()
        )
    );
    fs::remove_file(dir.path().join("x.sql")).unwrap();
    assert_eq!(
        Migrations::load(dir.path(), &[Sqlite])
            .unwrap_err()
            .to_string(),
        format!(
            "invalid migration repository `{}`: `1_a.down.sql` is a down script without an up \
             script (`1_a.sql`)",
            dir.path().display()
        )
    );
}

#[test]
fn check_repository_works_on_files_in_memory() {
    let files = [
        SourceFile {
            name: "2_b.sql".to_owned(),
            text: "SELECT 2;".to_owned(),
        },
        SourceFile {
            name: "1_a.sql".to_owned(),
            text: "\u{feff}SELECT 1;".to_owned(),
        },
    ];
    let m = check_repository(&files, Some("out_of_order = true"), &[Mysql]).unwrap();
    assert!(m.config.out_of_order);
    assert_eq!(m.get(1).unwrap().up(Mysql).unwrap().sql, "SELECT 1;");
    assert_eq!(m.latest(), Some(2));
}
