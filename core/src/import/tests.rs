use std::fs;

use super::*;
use crate::Migrations;
use Dialect::{Mysql, Postgres, Sqlite};

/// A temporary folder with `files` (path, contents).
fn folder(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

fn file(path: impl Into<String>, contents: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (path.into(), contents.into())
}

const PLPGSQL: &str = "CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$\r\nBEGIN\r\n    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s\r\n                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);\r\nEND;\r\n$$ LANGUAGE plpgsql;\r\n";

/// A diesel repository shaped like real ones: diesel's initial setup with a PL/pgSQL body,
/// dozens of timestamped folders (with dashes, some in names), a no-transaction migration, a
/// migration without down.sql, and versions whose string order is not their numeric order.
fn diesel_repository() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        file("00000000000000_diesel_initial_setup/up.sql", PLPGSQL),
        file(
            "00000000000000_diesel_initial_setup/down.sql",
            "DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);\n",
        ),
        file(".keep", ""),
    ];
    for day in 1..=28 {
        let folder = format!("2019-02-{day:02}-101500_create_table_{day}");
        files.push(file(
            format!("{folder}/up.sql"),
            format!("\u{feff}CREATE TABLE t{day} (id SERIAL PRIMARY KEY, body TEXT NOT NULL DEFAULT 'it''s');\n"),
        ));
        if day % 5 != 0 {
            files.push(file(
                format!("{folder}/down.sql"),
                format!("DROP TABLE t{day};\n"),
            ));
        }
    }
    files.push(file(
        "2019-03-01-000000_larger-commands/up.sql",
        "CREATE INDEX CONCURRENTLY t1_body ON t1 (body);\n",
    ));
    files.push(file(
        "2019-03-01-000000_larger-commands/down.sql",
        "DROP INDEX CONCURRENTLY t1_body;\n",
    ));
    files.push(file(
        "2019-03-01-000000_larger-commands/metadata.toml",
        "run_in_transaction = false\n",
    ));
    // A shorter version: by string it sorts after 2019-03-01, and diesel runs it last.
    files.push(file("2019031_short/up.sql", "SELECT 1;\n"));
    files
}

#[test]
fn diesel_round_trip_keeps_every_byte_in_diesels_order() {
    let source = folder(&diesel_repository());
    let target = tempfile::tempdir().unwrap();
    let into = target.path().join("migrations");
    let imported = import(History::Diesel, source.path(), &into).unwrap();

    let mut expected_order: Vec<String> = diesel_repository()
        .iter()
        .filter_map(|(path, _)| path.split_once('/').map(|(dir, _)| dir.to_owned()))
        .collect();
    expected_order.dedup();
    // diesel's order: the version (before the first `_`, dashes removed) as a string.
    expected_order.sort_by_key(|dir| dir.split('_').next().unwrap().replace('-', ""));
    let sources: Vec<&str> = imported
        .versions
        .iter()
        .map(|v| v.source.as_str())
        .collect();
    assert_eq!(sources, expected_order);
    assert_eq!(imported.versions.len(), 31);
    assert_eq!(
        imported
            .versions
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>(),
        (1..=31).collect::<Vec<_>>()
    );
    // `2019031` sorts after `20190301000000` though it is the smaller number, as diesel sorts: strings, not numbers.
    let short = &imported.versions[30];
    assert_eq!(
        (short.source_version.as_str(), short.version),
        ("2019031", 31)
    );
    assert_eq!(
        imported.versions[29].source,
        "2019-03-01-000000_larger-commands"
    );
    assert_eq!(imported.versions[29].source_version, "20190301000000");
    assert_eq!(
        imported.versions[0].files,
        [
            "0001_diesel_initial_setup.sql",
            "0001_diesel_initial_setup.down.sql"
        ]
    );

    // Every script's bytes, BOM and CRLF included; the no-transaction directive first.
    for (path, bytes) in diesel_repository() {
        let Some((dir, script)) = path.split_once('/') else {
            continue;
        };
        if script == "metadata.toml" {
            continue;
        }
        let v = imported.versions.iter().find(|v| v.source == dir).unwrap();
        let down = script == "down.sql";
        let written = v
            .files
            .iter()
            .find(|f| f.contains(".down.") == down)
            .unwrap();
        let on_disk = fs::read(into.join(written)).unwrap();
        if dir.ends_with("larger-commands") {
            let mut marked = b"-- strata:no-transaction\n".to_vec();
            marked.extend_from_slice(&bytes);
            assert_eq!(on_disk, marked, "{written}");
        } else {
            assert_eq!(on_disk, bytes, "{written}");
        }
    }

    let migrations = Migrations::load(&into, &[Postgres]).unwrap();
    assert_eq!(migrations.migrations.len(), 31);
    let larger = migrations.get(30).unwrap();
    assert_eq!(larger.name, "larger-commands");
    assert!(larger.up(Postgres).unwrap().no_transaction);
    assert!(larger.down(Postgres).unwrap().no_transaction);
    assert!(migrations.get(6).unwrap().down(Postgres).is_none()); // day 5: no down.sql
    let imported_from = migrations.config.imported.unwrap();
    assert_eq!(imported_from.from, History::Diesel);
    assert_eq!(imported_from.version_of("00000000000000"), Some(1));
    assert_eq!(imported_from.version_of("2019031"), Some(31));

    let md = fs::read_to_string(into.join(IMPORTED_FILE)).unwrap();
    assert!(
        md.contains("| 20190301000000 | `2019-03-01-000000_larger-commands` | 30 | `0030_larger-commands.sql`, `0030_larger-commands.down.sql` |"),
        "{md}"
    );
    assert!(
        imported
            .summary()
            .starts_with("diesel 00000000000000 (00000000000000_diesel_initial_setup) -> 1: 0001_diesel_initial_setup.sql, 0001_diesel_initial_setup.down.sql\n"),
        "{}",
        imported.summary()
    );
}

#[test]
fn diesel_per_backend_folders_get_empty_variants() {
    let source = folder(&[
        file("postgres/2020-01-01-000000_users/up.sql", PLPGSQL),
        file(
            "postgres/2020-01-01-000000_users/down.sql",
            "DROP FUNCTION f;",
        ),
        file(
            "postgresql/2020-02-01-000000_pg_only/up.sql",
            "CREATE EXTENSION citext;",
        ),
        file(
            "mysql/2020-01-01-000000_users/up.sql",
            "CREATE TABLE users (id INT) ENGINE=InnoDB;",
        ),
        file(
            "sqlite/2020-01-01-000000_users/up.sql",
            "CREATE TABLE users (id INTEGER);",
        ),
        file(
            "sqlite/2020-03-01-000000_sqlite_only/up.sql",
            "PRAGMA user_version = 3;",
        ),
        file(
            "sqlite/2020-03-01-000000_sqlite_only/metadata.toml",
            "run_in_transaction = false",
        ),
    ]);
    let target = tempfile::tempdir().unwrap();
    let imported = import(History::Diesel, source.path(), target.path()).unwrap();
    let layout: Vec<(i64, Vec<String>)> = imported
        .versions
        .iter()
        .map(|v| (v.version, v.files.clone()))
        .collect();
    assert_eq!(
        layout,
        [
            (
                1,
                vec![
                    "0001_users.sqlite.sql".to_owned(),
                    "0001_users.postgres.sql".to_owned(),
                    "0001_users.down.postgres.sql".to_owned(),
                    "0001_users.mysql.sql".to_owned(),
                ]
            ),
            (
                2,
                vec![
                    "0002_pg_only.postgres.sql".to_owned(),
                    "0002_pg_only.sqlite.sql".to_owned(),
                    "0002_pg_only.mysql.sql".to_owned(),
                ]
            ),
            (
                3,
                vec![
                    "0003_sqlite_only.sqlite.sql".to_owned(),
                    "0003_sqlite_only.postgres.sql".to_owned(),
                    "0003_sqlite_only.mysql.sql".to_owned(),
                ]
            ),
        ]
    );
    assert_eq!(
        imported.versions[0].source,
        "mysql/2020-01-01-000000_users, postgres/2020-01-01-000000_users, sqlite/2020-01-01-000000_users"
    );
    // Every dialect has every version, and the empty variants run nothing.
    let migrations = Migrations::load(target.path(), &[Sqlite, Postgres, Mysql]).unwrap();
    for m in migrations.migrations.iter() {
        for d in [Sqlite, Postgres, Mysql] {
            assert!(m.up(d).is_some(), "{} {d}", m.version);
        }
    }
    let empty = migrations.get(2).unwrap().up(Mysql).unwrap();
    assert_eq!(
        empty.sql,
        "-- strata import: diesel had no mysql script for this version.\n"
    );
    assert!(
        crate::split_statements(&empty.sql, Mysql)
            .unwrap()
            .is_empty()
    );
    let sqlite_only = migrations.get(3).unwrap();
    assert!(sqlite_only.up(Sqlite).unwrap().no_transaction);
    assert!(!sqlite_only.up(Postgres).unwrap().no_transaction);
    assert_eq!(
        fs::read(target.path().join("0001_users.postgres.sql")).unwrap(),
        PLPGSQL.as_bytes()
    );
}

#[test]
fn refinery_versions_in_numeric_order_rust_migrations_by_hand() {
    let mut files = Vec::new();
    for n in 1..=24 {
        let sub = if n > 12 { "later/" } else { "" };
        files.push(file(
            format!("{sub}V{n}__step_{n}.sql"),
            format!("CREATE TABLE s{n} (id INT);\n"),
        ));
    }
    files.push(file(
        "V25__seed.rs",
        "fn migration() -> String { String::new() }",
    ));
    files.push(file("U26__unversioned.sql", "CREATE TABLE u (id INT);"));
    files.push(file("README.md", "docs"));
    files.push(file("V27__not-refinery.sql", "SELECT 1;"));
    let source = folder(&files);
    let target = tempfile::tempdir().unwrap();
    let imported = import(History::Refinery, source.path(), target.path()).unwrap();
    let keys: Vec<&str> = imported
        .versions
        .iter()
        .map(|v| v.source_version.as_str())
        .collect();
    let expected: Vec<String> = (1..=26).map(|n| n.to_string()).collect();
    assert_eq!(keys, expected);
    assert_eq!(imported.versions[12].source, "later/V13__step_13.sql");
    assert_eq!(imported.versions[12].files, ["0013_step_13.sql"]);
    assert!(imported.versions[24].files.is_empty());
    assert_eq!(imported.by_hand, ["V25__seed.rs"]);
    assert_eq!(imported.versions[25].files, ["0026_unversioned.sql"]);
    assert_eq!(
        imported.unsupported,
        ["V27__not-refinery.sql: refinery skips it (its name is not letters, digits and `_`)"]
    );
    assert_eq!(
        fs::read(target.path().join("0013_step_13.sql")).unwrap(),
        b"CREATE TABLE s13 (id INT);\n"
    );
    let migrations = Migrations::load(target.path(), &[Sqlite]).unwrap();
    assert_eq!(migrations.migrations.len(), 25);
    assert!(migrations.get(25).is_none());
    assert_eq!(
        migrations.config.imported.unwrap().version_of("013"),
        Some(13)
    );
}

#[test]
fn flyway_undo_becomes_down_and_repeatables_are_listed() {
    let source = folder(&[
        file("V1__init.sql", "CREATE TABLE a (id INT);"),
        file("V1_1__add-b.sql", "CREATE TABLE b (id INT);"),
        file("V1_10__add_c.sql", "CREATE TABLE c (id INT);"),
        file("V1_9__add_d.sql", "CREATE TABLE d (id INT);"),
        file("V2__drop.sql", "DROP TABLE a;"),
        file("U2__drop.sql", "CREATE TABLE a (id INT);"),
        file("R__views.sql", "CREATE VIEW v AS SELECT 1;"),
    ]);
    let target = tempfile::tempdir().unwrap();
    let imported = import(History::Flyway, source.path(), target.path()).unwrap();
    let mapping: Vec<(&str, i64, Vec<String>)> = imported
        .versions
        .iter()
        .map(|v| (v.source_version.as_str(), v.version, v.files.clone()))
        .collect();
    assert_eq!(
        mapping,
        [
            ("1", 1, vec!["0001_init.sql".to_owned()]),
            ("1.1", 2, vec!["0002_add-b.sql".to_owned()]),
            ("1.9", 3, vec!["0003_add_d.sql".to_owned()]),
            ("1.10", 4, vec!["0004_add_c.sql".to_owned()]),
            (
                "2",
                5,
                vec!["0005_drop.sql".to_owned(), "0005_drop.down.sql".to_owned()]
            ),
        ]
    );
    assert_eq!(
        imported.unsupported,
        ["R__views.sql: a repeatable migration; strata has no repeatable scripts"]
    );
    assert_eq!(
        fs::read(target.path().join("0005_drop.down.sql")).unwrap(),
        b"CREATE TABLE a (id INT);"
    );
    let md = fs::read_to_string(target.path().join(IMPORTED_FILE)).unwrap();
    assert!(
        md.contains("## Not imported\n\n- R__views.sql: a repeatable migration"),
        "{md}"
    );
}

#[test]
fn sqlalchemy_migrate_dialect_variants_and_python_scripts() {
    let source = folder(&[
        file("migrate.cfg", "[db_settings]\nrepository_id=app\n"),
        file("versions/__init__.py", ""),
        file(
            "versions/001_initial_default_upgrade.sql",
            "CREATE TABLE a (id INT);",
        ),
        file(
            "versions/001_initial_default_downgrade.sql",
            "DROP TABLE a;",
        ),
        file(
            "versions/002_add_index_postgresql_upgrade.sql",
            "CREATE INDEX a_id ON a USING btree (id);",
        ),
        file(
            "versions/002_add_index_sqlite_upgrade.sql",
            "CREATE INDEX a_id ON a (id);",
        ),
        file(
            "versions/002_add_index_mysql_upgrade.sql",
            "CREATE INDEX a_id ON a (id);",
        ),
        file(
            "versions/003_backfill.py",
            "def upgrade(migrate_engine):\n    pass\n",
        ),
        file(
            "versions/004_more_postgresql_upgrade.sql",
            "ALTER TABLE a ADD b INT;",
        ),
        file(
            "versions/004_more_sqlite_upgrade.sql",
            "ALTER TABLE a ADD b INT;",
        ),
        file("versions/005_x_default_upgrade.sql", "SELECT 1;"),
        file("versions/005_x_oracle_upgrade.sql", "SELECT 1 FROM dual;"),
    ]);
    let target = tempfile::tempdir().unwrap();
    let imported = import(History::SqlalchemyMigrate, source.path(), target.path()).unwrap();
    let mapping: Vec<(&str, i64, Vec<String>)> = imported
        .versions
        .iter()
        .map(|v| (v.source_version.as_str(), v.version, v.files.clone()))
        .collect();
    assert_eq!(
        mapping,
        [
            (
                "1",
                1,
                vec![
                    "0001_initial.sql".to_owned(),
                    "0001_initial.down.sql".to_owned()
                ]
            ),
            (
                "2",
                2,
                vec![
                    "0002_add_index.sqlite.sql".to_owned(),
                    "0002_add_index.postgres.sql".to_owned(),
                    "0002_add_index.mysql.sql".to_owned(),
                ]
            ),
            ("3", 3, vec![]),
            (
                "4",
                4,
                vec![
                    "0004_more.sqlite.sql".to_owned(),
                    "0004_more.postgres.sql".to_owned(),
                    "0004_more.mysql.sql".to_owned(),
                ]
            ),
            ("5", 5, vec!["0005_x.sql".to_owned()]),
        ]
    );
    assert_eq!(imported.by_hand, ["versions/003_backfill.py"]);
    assert_eq!(
        imported.unsupported,
        ["versions/005_x_oracle_upgrade.sql: strata does not support oracle"]
    );
    let summary = imported.summary();
    assert!(
        summary.contains("sqlalchemy-migrate 3 (versions/003_backfill.py) -> 3: (nothing written: convert by hand)\n"),
        "{summary}"
    );
    assert!(
        summary.contains("convert by hand: versions/003_backfill.py\n"),
        "{summary}"
    );
    let migrations = Migrations::load(target.path(), &[Sqlite, Postgres, Mysql]).unwrap();
    assert_eq!(
        migrations
            .migrations
            .iter()
            .map(|m| m.version)
            .collect::<Vec<_>>(),
        [1, 2, 4, 5]
    );
}

#[test]
fn refusals_name_the_folder() {
    let source = folder(&[file("V1__a.sql", "SELECT 1;")]);
    let target = folder(&[file("0001_mine.sql", "SELECT 1;")]);
    let error = import(History::Refinery, source.path(), target.path()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is not empty: `strata import` writes only into a new or empty folder, so nothing is overwritten",
            target.path().display()
        )
    );
    assert_eq!(
        fs::read(target.path().join("0001_mine.sql")).unwrap(),
        b"SELECT 1;"
    );
    assert_eq!(fs::read_dir(target.path()).unwrap().count(), 1);

    assert_eq!(
        convert(History::Sqlx, source.path())
            .unwrap_err()
            .to_string(),
        "a sqlx migrations folder needs no import: strata embeds it unchanged; adopt its history with `strata version-control --from sqlx`"
    );
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        convert(History::Diesel, empty.path())
            .unwrap_err()
            .to_string(),
        format!(
            "`{}` holds no diesel migrations: diesel keeps one folder per version, `<version>_<name>/up.sql`",
            empty.path().display()
        )
    );
    let missing = empty.path().join("nope");
    assert_eq!(
        convert(History::Flyway, &missing).unwrap_err().to_string(),
        format!("`{}` is not a folder", missing.display())
    );
    let duplicate = folder(&[file("V1__a.sql", ""), file("V01__b.sql", "")]);
    assert_eq!(
        convert(History::Refinery, duplicate.path())
            .unwrap_err()
            .to_string(),
        format!(
            "`{}`: version 1 is also `V01__b.sql`",
            duplicate.path().join("V1__a.sql").display()
        )
    );
}

#[test]
fn tool_names_and_versions() {
    assert_eq!("sqlalchemy-migrate".parse(), Ok(History::SqlalchemyMigrate));
    assert_eq!("Diesel".parse(), Ok(History::Diesel));
    assert_eq!(
        "alembic".parse::<History>(),
        Err("unknown tool `alembic`; the tools are sqlx, diesel, refinery, flyway, sqlalchemy-migrate".to_owned())
    );
    assert!(History::Flyway.same_version("1.1", "1_1"));
    assert!(History::Flyway.same_version("1.0", "1"));
    assert!(History::Refinery.same_version("007", "7"));
    assert!(!History::Flyway.same_version("1.1", "1.10"));
    assert!(!History::Diesel.same_version("0001", "1"));
    assert_eq!(
        version_order(History::Flyway, "1.10", "1.9"),
        std::cmp::Ordering::Greater
    );
    assert_eq!(
        version_order(History::Diesel, "2019031", "20190301000000"),
        std::cmp::Ordering::Greater
    );
    // sha384("abc")
    assert_eq!(
        sqlx_checksum(b"abc"),
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    );
}
