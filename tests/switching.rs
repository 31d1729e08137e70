//! Switching from another tool through the facade: a sqlx-style repository (`.up.sql`, dashes
//! and capitals in names) with an `[imported]` section embeds as the loader reads it, and a
//! diesel history is adopted through `strata::Migrator::adopt`.

use std::path::Path;

use strata::{Dialect, History, Migrations, Migrator};

static IMPORTED: Migrations = strata::embed_migrations!("tests/migrations/imported");

#[test]
fn an_imported_repository_embeds_its_mapping() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/migrations/imported");
    // The macro embeds a script for every backend this build enables: load the same ones.
    let dialects: Vec<Dialect> = [
        (cfg!(feature = "sqlite"), Dialect::Sqlite),
        (cfg!(feature = "postgres"), Dialect::Postgres),
        (cfg!(feature = "mysql"), Dialect::Mysql),
    ]
    .into_iter()
    .filter_map(|(enabled, dialect)| enabled.then_some(dialect))
    .collect();
    let loaded = Migrations::load(&dir, &dialects).unwrap();
    assert_eq!(IMPORTED.config, loaded.config);
    assert_eq!(IMPORTED.migrations[0], loaded.migrations[0]);
    let first = &IMPORTED.migrations[0];
    assert_eq!(first.name, "create-users");
    assert_eq!(
        first.up(Dialect::Sqlite).unwrap().file,
        "0001_create-users.up.sql"
    );
    assert!(first.down(Dialect::Sqlite).is_some());
    assert_eq!(IMPORTED.migrations[1].name, "AddPosts");
    let imported = IMPORTED.config.imported.as_ref().unwrap();
    assert_eq!(imported.from, History::Diesel);
    assert_eq!(imported.version_of("20200202000000"), Some(2));
}

#[cfg(feature = "sqlite")]
#[strata::test]
async fn diesel_history_is_adopted_through_the_facade(pool: strata::sqlx::SqlitePool) {
    for sql in [
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('20200101000000')",
    ] {
        strata::sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    }
    let adoption = Migrator::new(&IMPORTED)
        .adopt(&pool, History::Diesel)
        .await
        .unwrap();
    assert_eq!(adoption.versions.len(), 1);
    assert_eq!(adoption.versions[0].source_version, "20200101000000");
    assert_eq!(adoption.versions[0].version, 1);
    assert_eq!(
        adoption.checksum_note(),
        Some("diesel keeps no checksums, so there was nothing to compare")
    );
    let report = strata::runtime::upgrade(&pool, &IMPORTED).await.unwrap();
    assert_eq!(report.versions(), [2]);
}
