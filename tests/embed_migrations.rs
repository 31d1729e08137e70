//! `embed_migrations!` against the run-time loader on the same repository, tests/migrations/basic.

use std::path::Path;

use strata::{Dialect, Migrations, TransactionMode};

pub static MIGRATIONS: Migrations = strata::embed_migrations!("tests/migrations/basic");

/// Also usable as a `const`, with a trailing comma.
const MIGRATIONS_CONST: Migrations = strata::embed_migrations!("tests/migrations/basic",);

/// The dialects the backend features of this build enable (the macro embeds exactly these).
fn enabled_dialects() -> Vec<Dialect> {
    Dialect::ALL
        .into_iter()
        .filter(|d| match d {
            Dialect::Sqlite => cfg!(feature = "sqlite"),
            Dialect::Postgres => cfg!(feature = "postgres"),
            Dialect::Mysql => cfg!(feature = "mysql"),
        })
        .collect()
}

fn loaded() -> Migrations {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations/basic");
    Migrations::load(&dir, &enabled_dialects()).unwrap()
}

#[test]
fn embedded_equals_loaded_at_run_time() {
    let loaded = loaded();
    // Field by field first, for readable failures, then the whole value.
    assert_eq!(MIGRATIONS.config, loaded.config);
    assert_eq!(MIGRATIONS.heads, loaded.heads);
    assert_eq!(MIGRATIONS.migrations.len(), loaded.migrations.len());
    for (embedded, loaded) in MIGRATIONS.migrations.iter().zip(loaded.migrations.iter()) {
        assert_eq!(embedded, loaded);
    }
    assert_eq!(MIGRATIONS, loaded);
    assert_eq!(MIGRATIONS_CONST, MIGRATIONS);
}

#[test]
fn versions_names_and_config() {
    let versions: Vec<(i64, &str)> = MIGRATIONS
        .migrations
        .iter()
        .map(|m| (m.version, &*m.name))
        .collect();
    assert_eq!(
        versions,
        [
            (1, "create_users"),
            (2, "add_posts"),
            (3, "crlf_index"),
            (4, "lf_twin"),
            (5, "bom"),
            (10, "after_a_gap"),
        ]
    );
    assert_eq!(MIGRATIONS.latest(), Some(10));
    assert_eq!(MIGRATIONS.config.table, "schema_history");
    assert_eq!(MIGRATIONS.config.lock_timeout_secs, 30);
    assert!(MIGRATIONS.config.out_of_order);
    assert_eq!(MIGRATIONS.config.transaction, TransactionMode::PerMigration);
    assert_eq!(MIGRATIONS.config.database_url_env, "DATABASE_URL");
}

#[test]
fn checksums_and_heads_are_computed_at_compile_time() {
    for dialect in enabled_dialects() {
        let mut rows = Vec::new();
        for migration in MIGRATIONS.migrations.iter() {
            let up = migration.up(dialect).unwrap();
            assert_eq!(up.checksum, strata::__private::core::checksum(&up.sql));
            rows.push((migration.version, up.checksum.to_string()));
        }
        let expected =
            strata::__private::core::head_digest(rows.iter().map(|(v, c)| (*v, c.as_str())));
        assert_eq!(MIGRATIONS.head(dialect), expected);
    }
}

#[test]
fn crlf_and_lf_files_have_equal_checksums() {
    let dialect = enabled_dialects()[0];
    let crlf = MIGRATIONS.get(3).unwrap().up(dialect).unwrap();
    let lf = MIGRATIONS.get(4).unwrap().up(dialect).unwrap();
    assert!(crlf.sql.contains("\r\n") && !lf.sql.contains('\r'));
    assert_eq!(crlf.sql.replace("\r\n", "\n"), lf.sql);
    assert_eq!(crlf.checksum, lf.checksum);
    assert!(crlf.no_transaction && lf.no_transaction);
    assert!(!crlf.foreign_keys_off);
}

#[test]
fn the_bom_is_stripped() {
    let dialect = enabled_dialects()[0];
    let bom = MIGRATIONS.get(5).unwrap().up(dialect).unwrap();
    let on_disk = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations/basic/0005_bom.sql"),
    )
    .unwrap();
    assert!(on_disk.starts_with(b"\xef\xbb\xbf"));
    assert_eq!(bom.sql, "INSERT INTO users (name) VALUES ('bom');\n");
    assert_eq!(bom.checksum, strata::__private::core::checksum(&bom.sql));
}

#[test]
fn variants_beat_generic_files_per_dialect() {
    let add_posts = MIGRATIONS.get(2).unwrap();
    let gap = MIGRATIONS.get(10).unwrap();
    for dialect in enabled_dialects() {
        let (expected_up, expected_gap) = match dialect {
            Dialect::Postgres => ("0002_add_posts.postgres.sql", "0010_after_a_gap.sql"),
            Dialect::Mysql => ("0002_add_posts.sql", "0010_after_a_gap.mysql.sql"),
            Dialect::Sqlite => ("0002_add_posts.sql", "0010_after_a_gap.sql"),
        };
        assert_eq!(add_posts.up(dialect).unwrap().file, expected_up);
        assert_eq!(gap.up(dialect).unwrap().file, expected_gap);
        assert!(gap.up(dialect).unwrap().foreign_keys_off);
        assert_eq!(
            add_posts.down(dialect).unwrap().file,
            "0002_add_posts.down.sql"
        );
        assert_eq!(gap.down(dialect), None);
    }
    // Dialects whose feature is off embed nothing.
    for dialect in Dialect::ALL {
        if !enabled_dialects().contains(&dialect) {
            assert_eq!(add_posts.up(dialect), None);
            assert_eq!(MIGRATIONS.head(dialect), "");
        }
    }
    #[cfg(all(feature = "sqlite", feature = "postgres"))]
    assert_ne!(
        MIGRATIONS.head(Dialect::Sqlite),
        MIGRATIONS.head(Dialect::Postgres)
    );
}
