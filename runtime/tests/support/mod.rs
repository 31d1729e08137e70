//! Repositories built by hand (what `embed_migrations!` embeds) and small per-backend helpers.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::borrow::Cow;

use strata_core::{Migration, Migrations, MigrationsConfig, Script, checksum, head_digest};
#[allow(unused_imports)] // not every suite uses every helper
pub use strata_runtime::testing::{execute, ints, table_names, texts as query};

/// One version: (version, name, up script, optional down script); the same SQL for every
/// dialect.
pub type Spec<'a> = (i64, &'a str, &'a str, Option<&'a str>);

fn script(file: String, sql: &str) -> Script {
    Script {
        file: Cow::Owned(file),
        sql: Cow::Owned(sql.to_string()),
        checksum: Cow::Owned(checksum(sql)),
        no_transaction: sql.starts_with("-- strata:no-transaction"),
        foreign_keys_off: sql.contains("-- strata:foreign-keys-off"),
    }
}

pub fn repo(specs: &[Spec<'_>]) -> Migrations {
    let migrations: Vec<Migration> = specs
        .iter()
        .map(|(version, name, up, down)| {
            let up = script(format!("{version:04}_{name}.sql"), up);
            let down = down.map(|d| script(format!("{version:04}_{name}.down.sql"), d));
            Migration {
                version: *version,
                name: Cow::Owned(name.to_string()),
                up: [Some(up.clone()), Some(up.clone()), Some(up)],
                down: [down.clone(), down.clone(), down],
            }
        })
        .collect();
    let head = head_digest(migrations.iter().map(|m| {
        (
            m.version,
            m.up[0].as_ref().map(|s| s.checksum.as_ref()).unwrap_or(""),
        )
    }));
    Migrations {
        migrations: Cow::Owned(migrations),
        config: MigrationsConfig::DEFAULT,
        heads: [
            Cow::Owned(head.clone()),
            Cow::Owned(head.clone()),
            Cow::Owned(head),
        ],
    }
}

/// `n` migrations, each creating table `t<v>`.
pub fn tables(n: i64) -> Migrations {
    let sql: Vec<String> = (1..=n)
        .map(|v| format!("CREATE TABLE t{v} (id INTEGER PRIMARY KEY, name VARCHAR(50));"))
        .collect();
    let downs: Vec<String> = (1..=n).map(|v| format!("DROP TABLE t{v};")).collect();
    let names: Vec<String> = (1..=n).map(|v| format!("create_t{v}")).collect();
    let specs: Vec<Spec<'_>> = (0..n as usize)
        .map(|i| {
            (
                i as i64 + 1,
                names[i].as_str(),
                sql[i].as_str(),
                Some(downs[i].as_str()),
            )
        })
        .collect();
    repo(&specs)
}

/// The database name in a test URL.
pub fn database_name(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or("").to_string()
}
