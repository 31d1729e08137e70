//! The migration sets every runner applies: the same SQL, written out in each tool's naming.

use std::io;
use std::path::{Path, PathBuf};

/// Rows each script inserts into its own table.
const ROWS: usize = 3;

/// Script `version` (1-based) of a set: a table with several columns, an index, a few rows, and
/// one row in `bench_log`, which the first script creates. `bench_log` makes "every script ran
/// exactly once" one query: `N` rows, `N` distinct versions.
///
/// The SQL is portable across SQLite, PostgreSQL and MariaDB, so every tool and every backend
/// runs the very same text.
pub fn script(version: u32) -> String {
    let mut sql = String::new();
    if version == 1 {
        sql.push_str("CREATE TABLE bench_log (version BIGINT NOT NULL);\n");
    }
    sql.push_str(&format!(
        "CREATE TABLE bench_{version} (\n    \
             id BIGINT NOT NULL PRIMARY KEY,\n    \
             name VARCHAR(64) NOT NULL,\n    \
             email VARCHAR(128),\n    \
             karma INTEGER NOT NULL DEFAULT 0,\n    \
             note VARCHAR(255)\n\
         );\n\
         CREATE INDEX bench_{version}_name ON bench_{version} (name, karma);\n\
         INSERT INTO bench_{version} (id, name, email, karma, note) VALUES\n"
    ));
    let rows: Vec<String> = (1..=ROWS)
        .map(|row| {
            format!("    ({row}, 'user{row}', 'user{row}@example.com', {row}, 'version {version}')")
        })
        .collect();
    sql.push_str(&rows.join(",\n"));
    sql.push_str(";\n");
    sql.push_str(&format!(
        "INSERT INTO bench_log (version) VALUES ({version});\n"
    ));
    sql
}

/// File name for strata and sqlx alike: both read `<digits>_<name>.sql`.
pub fn file_name(version: u32) -> String {
    format!("{version:04}_create_bench_{version}.sql")
}

/// refinery's migration name (`V<version>__<name>`), as its `embed_migrations!` passes it.
pub fn refinery_name(version: u32) -> String {
    format!("V{version}__create_bench_{version}")
}

/// Writes the `n` scripts into `dir` (created) and returns it.
pub fn write_repository(dir: &Path, n: u32) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for version in 1..=n {
        std::fs::write(dir.join(file_name(version)), script(version))?;
    }
    Ok(dir.to_path_buf())
}
