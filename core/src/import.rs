//! Switching from another tool: [`History`] names the tools whose repositories and history
//! tables strata reads, and [`convert`]/[`write`] turn a diesel, refinery, Flyway or
//! SQLAlchemy-Migrate repository into a strata repository (`strata import`).
//!
//! Conversion is pure file-system work: it reads the source folder, renumbers its versions 1, 2,
//! … in the source tool's own order, keeps every script's bytes, and writes the scripts, an
//! `IMPORTED.md` with the mapping and a `strata.toml` whose `[imported]` section records the
//! version each migration had under the source tool (which adopting that tool's history reads).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::Dialect;
use crate::migration::{CONFIG_FILE, NO_TRANSACTION};

/// The file `strata import` writes the mapping to, for people.
pub const IMPORTED_FILE: &str = "IMPORTED.md";

/// A migration tool whose history strata can adopt (and, for all but sqlx, whose repository
/// `strata import` converts; a sqlx folder embeds unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum History {
    /// sqlx: `_sqlx_migrations`, SHA-384 checksums of the file bytes.
    Sqlx,
    /// diesel: `__diesel_schema_migrations`, versions compared as strings.
    Diesel,
    /// refinery: `refinery_schema_history`.
    Refinery,
    /// Flyway: `flyway_schema_history`.
    Flyway,
    /// SQLAlchemy-Migrate: `migrate_version`, one row holding the current version.
    SqlalchemyMigrate,
}

impl History {
    /// Every tool.
    pub const ALL: [History; 5] = [
        History::Sqlx,
        History::Diesel,
        History::Refinery,
        History::Flyway,
        History::SqlalchemyMigrate,
    ];

    /// The name used on the command line and in `strata.toml` (`sqlalchemy-migrate`).
    pub const fn name(self) -> &'static str {
        match self {
            History::Sqlx => "sqlx",
            History::Diesel => "diesel",
            History::Refinery => "refinery",
            History::Flyway => "flyway",
            History::SqlalchemyMigrate => "sqlalchemy-migrate",
        }
    }

    /// The tool's history table.
    pub const fn table(self) -> &'static str {
        match self {
            History::Sqlx => "_sqlx_migrations",
            History::Diesel => "__diesel_schema_migrations",
            History::Refinery => "refinery_schema_history",
            History::Flyway => "flyway_schema_history",
            History::SqlalchemyMigrate => "migrate_version",
        }
    }

    /// Whether two versions as this tool records them are the same version: diesel compares
    /// strings; the others compare numbers (`01` = `1`, Flyway `1.1` = `1_1` = `1.1.0`).
    pub fn same_version(self, a: &str, b: &str) -> bool {
        match self {
            History::Diesel => a == b,
            _ => match (numeric_parts(a), numeric_parts(b)) {
                (Some(a), Some(b)) => a == b,
                _ => a == b,
            },
        }
    }

    /// The names, for messages: `sqlx`, `diesel`, ….
    pub fn names() -> String {
        History::ALL
            .iter()
            .map(|h| h.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for History {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        History::ALL
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown tool `{s}`; the tools are {}", History::names()))
    }
}

/// sqlx's checksum of a script: SHA-384 of its bytes, lowercase hex (sqlx stores the 48 raw
/// bytes; `hex(checksum)` reads them back).
pub fn sqlx_checksum(sql: &[u8]) -> String {
    use sha2::{Digest, Sha384};
    Sha384::digest(sql)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The numbers of a version as the tool records it (`1.1`, `007`), without leading zeros and
/// trailing zero parts; `None` when it is not numeric.
pub fn version_numbers(version: &str) -> Option<Vec<String>> {
    numeric_parts(version)
}

/// Orders versions as `history` does: diesel as strings, the others as numbers.
pub fn version_order(history: History, a: &str, b: &str) -> std::cmp::Ordering {
    match history {
        History::Diesel => a.cmp(b),
        _ => numeric_order(a, b),
    }
}

/// A dotted or underscored version as numbers, without leading zeros and trailing zero parts.
fn numeric_parts(version: &str) -> Option<Vec<String>> {
    let mut parts: Vec<String> = version
        .split(['.', '_'])
        .map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())).then(|| {
                let trimmed = part.trim_start_matches('0');
                if trimmed.is_empty() { "0" } else { trimmed }.to_owned()
            })
        })
        .collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last().is_some_and(|p| p == "0") {
        parts.pop();
    }
    Some(parts)
}

/// Orders numeric versions (`1.10` after `1.9`).
fn numeric_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |v: &str| {
        numeric_parts(v)
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.len(), p))
            .collect::<Vec<_>>()
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// One version of the source repository and the strata files it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVersion {
    /// The version as the source tool records it in its history table (`20190101000000`,
    /// `3`, `1.1`).
    pub source_version: String,
    /// Where it came from, relative to the source folder (`2019-01-01-000000_create_users`,
    /// `V3__add_posts.sql`).
    pub source: String,
    /// Its strata version.
    pub version: i64,
    /// The files written for it.
    pub files: Vec<String>,
}

/// What [`convert`] made of a source repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The source tool.
    pub from: History,
    /// Every version, in the source tool's order.
    pub versions: Vec<ImportedVersion>,
    /// Scripts strata cannot run (Python and Rust migrations): convert these by hand. Their
    /// versions keep their numbers, with no file written.
    pub by_hand: Vec<String>,
    /// Files that are not imported, with the reason (repeatable `R__` scripts, dialects strata
    /// does not support).
    pub unsupported: Vec<String>,
    /// Every file to write: name in the target folder and contents.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Imported {
    /// The mapping as text: one line per version, then what needs a hand.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for v in &self.versions {
            let files = if v.files.is_empty() {
                "(nothing written: convert by hand)".to_owned()
            } else {
                v.files.join(", ")
            };
            out.push_str(&format!(
                "{} {} ({}) -> {}: {}\n",
                self.from, v.source_version, v.source, v.version, files
            ));
        }
        for file in &self.by_hand {
            out.push_str(&format!("convert by hand: {file}\n"));
        }
        for file in &self.unsupported {
            out.push_str(&format!("not imported: {file}\n"));
        }
        out
    }
}

/// Why an import failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// `sqlx` folders need no conversion.
    #[error(
        "a sqlx migrations folder needs no import: strata embeds it unchanged; adopt its history with `strata version-control --from sqlx`"
    )]
    NothingToImport,
    /// The source folder does not exist or is not a folder.
    #[error("`{}` is not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// The target folder has files in it.
    #[error(
        "`{}` is not empty: `strata import` writes only into a new or empty folder, so nothing is overwritten",
        .0.display()
    )]
    TargetNotEmpty(PathBuf),
    /// The source folder holds no migration of that tool.
    #[error("`{}` holds no {tool} migrations{hint}", .dir.display())]
    NoMigrations {
        /// The folder.
        dir: PathBuf,
        /// The tool.
        tool: History,
        /// What such a folder looks like.
        hint: &'static str,
    },
    /// Something in the source does not follow the tool's rules.
    #[error("`{}`: {message}", .path.display())]
    Invalid {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing failed.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

fn read_error(path: &Path) -> impl FnOnce(io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    }
}

/// One script of a source version.
#[derive(Debug, Clone)]
struct SourceScript {
    path: String,
    bytes: Vec<u8>,
}

/// One version of the source repository, before renumbering.
#[derive(Debug, Default)]
struct SourceVersion {
    /// As the tool records it.
    key: String,
    /// For the mapping.
    source: Vec<String>,
    name: String,
    /// Up and down scripts per dialect; `None` is the generic script.
    up: BTreeMap<Option<Dialect>, SourceScript>,
    down: BTreeMap<Option<Dialect>, SourceScript>,
    /// Dialects whose scripts are marked to run outside a transaction.
    no_transaction: BTreeSet<Option<Dialect>>,
    /// A script strata cannot run stands for it (Python, Rust).
    by_hand: bool,
}

/// Reads the repository in `dir` written for `from` and converts it, without writing.
pub fn convert(from: History, dir: &Path) -> Result<Imported, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::NotAFolder(dir.to_path_buf()));
    }
    let mut by_hand = Vec::new();
    let mut unsupported = Vec::new();
    let (versions, hint) = match from {
        History::Sqlx => return Err(ImportError::NothingToImport),
        History::Diesel => (
            read_diesel(dir, &mut by_hand, &mut unsupported)?,
            ": diesel keeps one folder per version, `<version>_<name>/up.sql`",
        ),
        History::Refinery | History::Flyway => (
            read_versioned(from, dir, &mut by_hand, &mut unsupported)?,
            ": expected `V<version>__<name>.sql` files",
        ),
        History::SqlalchemyMigrate => (
            read_sqlalchemy_migrate(dir, &mut by_hand, &mut unsupported)?,
            ": expected `versions/<nnn>_<description>[_<dialect>]_upgrade.sql` or `.py` files",
        ),
    };
    if versions.is_empty() {
        return Err(ImportError::NoMigrations {
            dir: dir.to_path_buf(),
            tool: from,
            hint,
        });
    }
    Ok(renumber(from, versions, by_hand, unsupported))
}

/// Writes `imported` into `into`, which must not exist or be empty.
pub fn write(imported: &Imported, into: &Path) -> Result<(), ImportError> {
    match std::fs::read_dir(into) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ImportError::TargetNotEmpty(into.to_path_buf()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(read_error(into)(e)),
    }
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImportError::Io {
            action: "write",
            path,
            source,
        }
    };
    std::fs::create_dir_all(into).map_err(write_error(into))?;
    for (name, bytes) in &imported.files {
        let path = into.join(name);
        std::fs::write(&path, bytes).map_err(write_error(&path))?;
    }
    Ok(())
}

/// [`convert`], then [`write`].
pub fn import(from: History, dir: &Path, into: &Path) -> Result<Imported, ImportError> {
    let imported = convert(from, dir)?;
    write(&imported, into)?;
    Ok(imported)
}

/// Folder names of per-backend layouts (`migrations/postgres/<version>_<name>/up.sql`).
fn dialect_of_folder(name: &str) -> Option<Dialect> {
    match name.to_ascii_lowercase().as_str() {
        "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
        "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
        "mysql" | "mariadb" => Some(Dialect::Mysql),
        _ => None,
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, ImportError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error(dir))? {
        let entry = entry.map_err(read_error(dir))?;
        let path = entry.path();
        let is_dir = path.is_dir();
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push((name, path, is_dir));
    }
    entries.sort();
    Ok(entries)
}

fn read_file(path: &Path, shown: String) -> Result<SourceScript, ImportError> {
    Ok(SourceScript {
        path: shown,
        bytes: std::fs::read(path).map_err(read_error(path))?,
    })
}

/// A name strata accepts: letters, digits, `_` and `-`; anything else becomes `_`.
fn strata_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "migration".to_owned()
    } else {
        cleaned
    }
}

/// diesel: `<version>_<name>/{up.sql,down.sql,metadata.toml}`, in one folder or one per backend.
/// The version is the text before the first `_` with `-` removed; versions sort as strings.
fn read_diesel(
    dir: &Path,
    by_hand: &mut Vec<String>,
    unsupported: &mut Vec<String>,
) -> Result<Vec<SourceVersion>, ImportError> {
    let entries = sorted_entries(dir)?;
    let backends: Vec<(Dialect, String, PathBuf)> = entries
        .iter()
        .filter(|(_, _, is_dir)| *is_dir)
        .filter_map(|(name, path, _)| Some((dialect_of_folder(name)?, name.clone(), path.clone())))
        .collect();
    let mut versions: BTreeMap<String, SourceVersion> = BTreeMap::new();
    if backends.is_empty() {
        read_diesel_folder(dir, None, "", &mut versions, by_hand, unsupported)?;
    } else {
        for (dialect, name, path) in &backends {
            read_diesel_folder(
                path,
                Some(*dialect),
                &format!("{name}/"),
                &mut versions,
                by_hand,
                unsupported,
            )?;
        }
    }
    // BTreeMap<String, _>: diesel's own order, versions compared as strings.
    Ok(versions.into_values().collect())
}

fn read_diesel_folder(
    dir: &Path,
    dialect: Option<Dialect>,
    prefix: &str,
    versions: &mut BTreeMap<String, SourceVersion>,
    by_hand: &mut Vec<String>,
    unsupported: &mut Vec<String>,
) -> Result<(), ImportError> {
    for (folder, path, is_dir) in sorted_entries(dir)? {
        if !is_dir || folder.starts_with('.') {
            continue;
        }
        let shown = format!("{prefix}{folder}");
        let Some((raw_version, name)) = folder.split_once('_') else {
            unsupported.push(format!(
                "{shown}: not a diesel migration folder (`<version>_<name>`)"
            ));
            continue;
        };
        let key = raw_version.replace('-', "");
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
            unsupported.push(format!(
                "{shown}: not a diesel migration folder (`<version>_<name>`)"
            ));
            continue;
        }
        let up_path = path.join("up.sql");
        let entry = versions
            .entry(key.clone())
            .or_insert_with(|| SourceVersion {
                key: key.clone(),
                name: strata_name(name),
                ..SourceVersion::default()
            });
        entry.source.push(shown.clone());
        if !up_path.is_file() {
            if path.join("up.rs").is_file() {
                by_hand.push(format!("{shown}/up.rs"));
                entry.by_hand = true;
            } else {
                return Err(ImportError::Invalid {
                    path,
                    message: "a diesel migration folder without `up.sql`".to_owned(),
                });
            }
            continue;
        }
        entry
            .up
            .insert(dialect, read_file(&up_path, format!("{shown}/up.sql"))?);
        let down_path = path.join("down.sql");
        if down_path.is_file() {
            entry
                .down
                .insert(dialect, read_file(&down_path, format!("{shown}/down.sql"))?);
        }
        let metadata = path.join("metadata.toml");
        if metadata.is_file() {
            let text = std::fs::read_to_string(&metadata).map_err(read_error(&metadata))?;
            let table: toml::Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ImportError::Invalid {
                        path: metadata.clone(),
                        message: e.to_string().trim_end().to_owned(),
                    })?;
            if table
                .get("run_in_transaction")
                .and_then(toml::Value::as_bool)
                == Some(false)
            {
                entry.no_transaction.insert(dialect);
            }
        }
    }
    Ok(())
}

/// refinery and Flyway: `V<version>__<name>.sql`, anywhere below `dir`. refinery's `U` files are
/// unversioned up migrations; Flyway's `U` files undo their version; Flyway's `R__` scripts
/// are repeatable.
fn read_versioned(
    tool: History,
    dir: &Path,
    by_hand: &mut Vec<String>,
    unsupported: &mut Vec<String>,
) -> Result<Vec<SourceVersion>, ImportError> {
    let mut files = Vec::new();
    collect_files(dir, "", &mut files)?;
    let mut versions: Vec<SourceVersion> = Vec::new();
    let mut undo: Vec<(String, SourceScript, PathBuf)> = Vec::new();
    for (shown, path) in files {
        let file = shown.rsplit('/').next().unwrap_or(&shown).to_owned();
        let (stem, extension) = match file.rsplit_once('.') {
            Some((stem, ext)) => (stem, ext.to_ascii_lowercase()),
            None => continue,
        };
        if !matches!(extension.as_str(), "sql" | "rs" | "java" | "py") {
            continue;
        }
        if stem.starts_with("R__") {
            unsupported.push(format!(
                "{shown}: a repeatable migration; strata has no repeatable scripts"
            ));
            continue;
        }
        let Some((prefix, name)) = stem.split_once("__") else {
            if extension == "sql" {
                unsupported.push(format!("{shown}: not named `V<version>__<name>.sql`"));
            }
            continue;
        };
        let kind = prefix.chars().next().unwrap_or(' ');
        let raw_version = &prefix[kind.len_utf8().min(prefix.len())..];
        let Some(parts) = numeric_parts(raw_version) else {
            unsupported.push(format!("{shown}: not named `V<version>__<name>.sql`"));
            continue;
        };
        let key = if tool == History::Refinery {
            parts.join(".")
        } else {
            raw_version.replace('_', ".")
        };
        // refinery's own pattern is `^([U|V])(\d+(?:\.\d+)?)__(\w+)`: it skips other names.
        if tool == History::Refinery && !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            unsupported.push(format!(
                "{shown}: refinery skips it (its name is not letters, digits and `_`)"
            ));
            continue;
        }
        if extension != "sql" {
            by_hand.push(shown.clone());
        }
        match (tool, kind) {
            (_, 'V') | (History::Refinery, 'U') => {
                if let Some(existing) = versions.iter().find(|v| tool.same_version(&v.key, &key)) {
                    return Err(ImportError::Invalid {
                        path,
                        message: format!("version {key} is also `{}`", existing.source.join(", ")),
                    });
                }
                let mut version = SourceVersion {
                    key,
                    source: vec![shown.clone()],
                    name: strata_name(name),
                    ..SourceVersion::default()
                };
                if extension == "sql" {
                    version.up.insert(None, read_file(&path, shown)?);
                } else {
                    version.by_hand = true;
                }
                versions.push(version);
            }
            (History::Flyway, 'U') if extension == "sql" => {
                let script = read_file(&path, shown)?;
                undo.push((key, script, path));
            }
            (History::Flyway, 'B') => unsupported.push(format!(
                "{shown}: a Flyway baseline migration; strata's `version-control` plays that part"
            )),
            _ => {
                if extension == "sql" {
                    unsupported.push(format!("{shown}: not named `V<version>__<name>.sql`"));
                }
            }
        }
    }
    for (key, script, path) in undo {
        match versions
            .iter_mut()
            .find(|v| tool.same_version(&v.key, &key))
        {
            Some(version) => {
                version.source.push(script.path.clone());
                version.down.insert(None, script);
            }
            None => {
                return Err(ImportError::Invalid {
                    path,
                    message: format!("an undo script for version {key}, which has no `V` script"),
                });
            }
        }
    }
    versions.sort_by(|a, b| numeric_order(&a.key, &b.key));
    Ok(versions)
}

fn collect_files(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), ImportError> {
    for (name, path, is_dir) in sorted_entries(dir)? {
        if name.starts_with('.') {
            continue;
        }
        let shown = format!("{prefix}{name}");
        if is_dir {
            collect_files(&path, &format!("{shown}/"), out)?;
        } else {
            out.push((shown, path));
        }
    }
    Ok(())
}

/// SQLAlchemy-Migrate dialect names (`engine.name`).
fn sqlalchemy_dialect(name: &str) -> Option<Option<Dialect>> {
    match name {
        "default" => Some(None),
        "sqlite" => Some(Some(Dialect::Sqlite)),
        "postgresql" | "postgres" => Some(Some(Dialect::Postgres)),
        "mysql" => Some(Some(Dialect::Mysql)),
        _ => None,
    }
}

/// Dialects SQLAlchemy-Migrate knows and strata does not.
const OTHER_SQLALCHEMY_DIALECTS: [&str; 4] = ["oracle", "mssql", "firebird", "ibm_db_sa"];

/// SQLAlchemy-Migrate: `versions/<nnn>_<description>.py` or
/// `versions/<nnn>_<description>[_<dialect>]_{upgrade,downgrade}.sql`, in `dir` (the repository,
/// with `migrate.cfg`) or `dir` itself when it is the `versions` folder.
fn read_sqlalchemy_migrate(
    dir: &Path,
    by_hand: &mut Vec<String>,
    unsupported: &mut Vec<String>,
) -> Result<Vec<SourceVersion>, ImportError> {
    let (versions_dir, prefix) = if dir.join("versions").is_dir() {
        (dir.join("versions"), "versions/")
    } else {
        (dir.to_path_buf(), "")
    };
    let mut versions: BTreeMap<u64, SourceVersion> = BTreeMap::new();
    for (file, path, is_dir) in sorted_entries(&versions_dir)? {
        if is_dir || file.starts_with('.') || file == "__init__.py" {
            continue;
        }
        let shown = format!("{prefix}{file}");
        let (stem, extension) = match file.rsplit_once('.') {
            Some((stem, "sql")) => (stem, "sql"),
            Some((stem, "py")) => (stem, "py"),
            _ => continue,
        };
        let Some((digits, rest)) = stem.split_once('_') else {
            unsupported.push(format!("{shown}: not named `<nnn>_<description>...`"));
            continue;
        };
        let Ok(number) = digits.parse::<u64>() else {
            unsupported.push(format!("{shown}: not named `<nnn>_<description>...`"));
            continue;
        };
        let entry = versions.entry(number).or_insert_with(|| SourceVersion {
            key: number.to_string(),
            ..SourceVersion::default()
        });
        entry.source.push(shown.clone());
        if extension == "py" {
            by_hand.push(shown);
            entry.by_hand = true;
            if entry.name.is_empty() {
                entry.name = strata_name(rest);
            }
            continue;
        }
        // `<description>[_<dialect>]_<operation>`: the operation is the last part, the
        // dialect the one before it when it is one (SQLAlchemy-Migrate's own parse).
        let Some((before, operation)) = rest.rsplit_once('_') else {
            unsupported.push(format!(
                "{shown}: not named `<nnn>_<description>[_<dialect>]_upgrade.sql`"
            ));
            continue;
        };
        let down = match operation {
            "upgrade" => false,
            "downgrade" => true,
            _ => {
                unsupported.push(format!(
                    "{shown}: not named `<nnn>_<description>[_<dialect>]_upgrade.sql`"
                ));
                continue;
            }
        };
        let (description, dialect) = match before.rsplit_once('_') {
            Some((description, last)) if sqlalchemy_dialect(last).is_some() => {
                (description, sqlalchemy_dialect(last).flatten())
            }
            Some((_, last)) if OTHER_SQLALCHEMY_DIALECTS.contains(&last) => {
                unsupported.push(format!("{shown}: strata does not support {last}"));
                continue;
            }
            _ if before.ends_with("ibm_db_sa") => {
                unsupported.push(format!("{shown}: strata does not support ibm_db_sa"));
                continue;
            }
            _ => (before, None),
        };
        if entry.name.is_empty() {
            entry.name = strata_name(description);
        }
        let script = read_file(&path, shown)?;
        if down {
            entry.down.insert(dialect, script);
        } else {
            entry.up.insert(dialect, script);
        }
    }
    for version in versions.values_mut() {
        // A Python script runs only where no SQL script exists for the dialect; with SQL for
        // every dialect strata knows, nothing is left for it to do.
        if version.by_hand && version.up.contains_key(&None) {
            version.by_hand = false;
        }
    }
    Ok(versions.into_values().collect())
}

/// A comment for the empty variant written where a per-backend repository has no script for a
/// dialect at some version.
fn empty_variant(tool: History, dialect: Dialect) -> Vec<u8> {
    format!("-- strata import: {tool} had no {dialect} script for this version.\n").into_bytes()
}

/// Renumbers `versions` (already in the tool's order) 1, 2, … and lays out the strata files.
fn renumber(
    from: History,
    versions: Vec<SourceVersion>,
    by_hand: Vec<String>,
    unsupported: Vec<String>,
) -> Imported {
    let width = versions.len().to_string().len().max(4);
    // The dialects a per-backend layout has: each version gets a script for every one of them.
    let dialects: BTreeSet<Dialect> = versions
        .iter()
        .flat_map(|v| v.up.keys().chain(v.down.keys()))
        .filter_map(|d| *d)
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut imported = Vec::new();
    for (index, source) in versions.into_iter().enumerate() {
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        let stem = format!("{version:0width$}_{}", source.name);
        let mut written = Vec::new();
        let mut emit = |file: String, bytes: Vec<u8>, no_transaction: bool| {
            let bytes = if no_transaction {
                let mut marked = format!("{NO_TRANSACTION}\n").into_bytes();
                marked.extend_from_slice(&bytes);
                marked
            } else {
                bytes
            };
            written.push(file.clone());
            files.push((file, bytes));
        };
        let suffix = |dialect: Option<Dialect>| match dialect {
            Some(d) => format!(".{d}"),
            None => String::new(),
        };
        for (dialect, script) in &source.up {
            let no_tx = source.no_transaction.contains(dialect);
            emit(
                format!("{stem}{}.sql", suffix(*dialect)),
                script.bytes.clone(),
                no_tx,
            );
            if let Some(down) = source.down.get(dialect) {
                emit(
                    format!("{stem}.down{}.sql", suffix(*dialect)),
                    down.bytes.clone(),
                    no_tx,
                );
            }
        }
        // Down scripts of a dialect whose up script is the generic one.
        for (dialect, script) in &source.down {
            if dialect.is_some()
                && !source.up.contains_key(dialect)
                && source.up.contains_key(&None)
            {
                emit(
                    format!("{stem}.down{}.sql", suffix(*dialect)),
                    script.bytes.clone(),
                    false,
                );
            }
        }
        if !source.up.is_empty() && !source.up.contains_key(&None) && !source.by_hand {
            let has_down = !source.down.is_empty();
            for &dialect in &dialects {
                if source.up.contains_key(&Some(dialect)) {
                    continue;
                }
                emit(
                    format!("{stem}.{dialect}.sql"),
                    empty_variant(from, dialect),
                    false,
                );
                if has_down && !source.down.contains_key(&Some(dialect)) {
                    emit(
                        format!("{stem}.down.{dialect}.sql"),
                        empty_variant(from, dialect),
                        false,
                    );
                }
            }
        }
        imported.push(ImportedVersion {
            source_version: source.key,
            source: source.source.join(", "),
            version,
            files: written,
        });
    }
    let mut result = Imported {
        from,
        versions: imported,
        by_hand,
        unsupported,
        files,
    };
    result
        .files
        .push((CONFIG_FILE.to_owned(), config_text(&result).into_bytes()));
    result
        .files
        .push((IMPORTED_FILE.to_owned(), imported_md(&result).into_bytes()));
    result
}

/// `strata.toml` with the `[imported]` section adopting the tool's history reads.
fn config_text(imported: &Imported) -> String {
    let from = imported.from;
    let mut text = format!(
        "# `strata import --from {from}` wrote the [imported] section: the version each migration\n\
         # had under {from}, which `Migrator::adopt(&pool, History::…)` and\n\
         # `strata version-control --from {from}` map to strata's versions. Keep it.\n\
         [imported]\nfrom = \"{from}\"\n\n[imported.versions]\n"
    );
    for v in &imported.versions {
        text.push_str(&format!("\"{}\" = {}\n", v.source_version, v.version));
    }
    text
}

fn imported_md(imported: &Imported) -> String {
    let from = imported.from;
    let mut text = format!(
        "# Imported from {from}\n\n`strata import --from {from}` wrote this repository. Versions \
         were renumbered 1, 2, … in {from}'s own order; every script's bytes are as they were \
         (a diesel `run_in_transaction = false` became a first line `{NO_TRANSACTION}`).\n\n\
         | {from} version | from | strata version | files |\n|---|---|---|---|\n"
    );
    for v in &imported.versions {
        let files = if v.files.is_empty() {
            "convert by hand".to_owned()
        } else {
            v.files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            v.source_version, v.source, v.version, files
        ));
    }
    if !imported.by_hand.is_empty() {
        text.push_str("\n## Convert by hand\n\nstrata runs only SQL scripts. Write these as SQL under the strata version above:\n\n");
        for file in &imported.by_hand {
            text.push_str(&format!("- `{file}`\n"));
        }
    }
    if !imported.unsupported.is_empty() {
        text.push_str("\n## Not imported\n\n");
        for line in &imported.unsupported {
            text.push_str(&format!("- {line}\n"));
        }
    }
    text.push_str(&format!(
        "\nAdopt a database {from} manages with `strata version-control --from {from}`: it \
         reads `{}` and records the same versions in strata's table.\n",
        from.table()
    ));
    text
}

#[cfg(test)]
mod tests;
