//! Switching from another tool: `strata import --from <tool> <dir>` converts a repository
//! (core's `import`), and `strata version-control --from <tool>` adopts that tool's history
//! (`Migrator::adopt`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use strata_core::History;
use strata_core::import::{self, IMPORTED_FILE};
use strata_runtime::{Backend, Migrator};

/// `strata import --help`.
pub const IMPORT_HELP: &str = "\
Examples:
  strata import --from diesel migrations_diesel --into migrations
  strata import --from refinery src/sql
  strata import --from flyway db/migration
  strata import --from sqlalchemy-migrate db_repository

Versions are renumbered 1, 2, ... in the tool's own order (diesel sorts its versions as
strings); every script keeps its bytes. The mapping is printed and written to IMPORTED.md, and
strata.toml's [imported] section keeps it for `strata version-control --from <tool>`, which
then adopts the tool's history. A sqlx folder needs no import: strata embeds it unchanged.";

/// The arguments of `strata import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The tool the repository was written for: diesel, refinery, flyway, sqlalchemy-migrate.
    #[arg(long, value_name = "TOOL")]
    pub from: History,
    /// The tool's migrations folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The strata repository to write, a new or empty folder (default: --migrations, which
    /// defaults to `migrations`).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
}

/// Runs `strata import` (no database needed) into `--into`, else `migrations` (the global
/// `--migrations`); returns the text and the JSON to print.
pub fn run(args: &ImportArgs, migrations: &Path) -> Result<(String, Value), String> {
    let into = args.into.as_deref().unwrap_or(migrations);
    let imported = import::import(args.from, &args.dir, into).map_err(|e| e.to_string())?;
    let mut text = imported.summary();
    text.push_str(&format!(
        "wrote {} versions to {} (mapping in {IMPORTED_FILE}); adopt a database {} manages with `strata version-control --from {}`",
        imported.versions.len(),
        into.display(),
        args.from,
        args.from
    ));
    let versions: Vec<Value> = imported
        .versions
        .iter()
        .map(|v| {
            json!({
                "source_version": v.source_version,
                "source": v.source,
                "version": v.version,
                "files": v.files,
            })
        })
        .collect();
    let json = json!({
        "command": "import",
        "from": args.from.name(),
        "into": into.display().to_string(),
        "versions": versions,
        "convert_by_hand": imported.by_hand,
        "not_imported": imported.unsupported,
    });
    Ok((text, json))
}

/// `strata version-control --from <tool>`: adopts the tool's history.
pub async fn adopt<DB: Backend>(
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
    from: History,
) -> Result<(String, Value), strata_runtime::Error> {
    let adoption = migrator.adopt(pool, from).await?;
    let mut lines: Vec<String> = adoption
        .versions
        .iter()
        .map(|v| {
            format!(
                "adopted {from} {} as {} {}",
                v.source_version, v.version, v.name
            )
        })
        .collect();
    if let Some(note) = adoption.checksum_note() {
        lines.push(format!("note: {note}"));
    }
    let version = adoption
        .versions
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(0);
    lines.push(format!(
        "under version control at version {version}; the {} table is left as it was",
        from.table()
    ));
    let versions: Vec<Value> = adoption
        .versions
        .iter()
        .map(
            |v| json!({ "source_version": v.source_version, "version": v.version, "name": v.name }),
        )
        .collect();
    Ok((
        lines.join("\n"),
        json!({
            "command": "version-control",
            "from": from.name(),
            "versions": versions,
            "version": version,
            "checksums_verified": adoption.checksums_verified,
        }),
    ))
}
