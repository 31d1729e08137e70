//! `init` (a crate set up for migrations) and `new` (the next version's empty scripts), and
//! the next-version rule `make-migration` shares.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use strata_core::VersionScheme;
use strata_core::migration::naming::{is_sql_file_name, parse_file_name};
use strata_core::migration::parse_config;
use strata_core::migration::repository::CONFIG_FILE;

use crate::{Failure, Output};

/// The line that makes cargo rebuild when a migration file is added (editing one already
/// rebuilds: each is `include_str!`ed).
pub(crate) const RERUN_LINE: &str = "cargo:rerun-if-changed=migrations";

pub(crate) const STRATA_TOML: &str = r#"# Settings of this migration repository. Every key is optional: the values shown are the
# defaults. An unknown key is an error.

# The bookkeeping table, one row per applied version.
# table = "strata_migrations"

# How long an upgrade waits for another process's migration lock, in seconds.
# lock_timeout_secs = 600

# How the migration lock is taken: "advisory" (the database's own lock), "table" (a leased row
# in <table>_lock: for Galera clusters and no-transaction migrations behind PgBouncer), or
# "auto" (table on a Galera node, else advisory).
# lock = "auto"

# "per-migration": each migration in its own transaction; "all": every pending migration in
# one transaction (SQLite and PostgreSQL only).
# transaction = "per-migration"

# Apply a pending version that is lower than the highest applied one instead of failing.
# out_of_order = false

# How `strata new` numbers scripts: "sequential" (0001, 0002, ...) or "timestamp" (the UTC
# time, YYYYMMDDHHMMSS: fewer clashes between branches).
# versions = "sequential"

# The environment variable holding the database URL.
# database_url_env = "DATABASE_URL"

# Make `strata::testing::assert_reversible` fail on a version without a down script.
# require_down = false
"#;

const BUILD_RS: &str = r#"fn main() {
    // Rebuild when a migration file is added: `embed_migrations!` tracks the files it
    // read, but only this line makes cargo look at the folder for new ones.
    println!("cargo:rerun-if-changed=migrations");
}
"#;

/// The manage binary: its models and migrations from the crate's library when it has both.
fn manage_rs(library: Option<&str>) -> String {
    let statics = match library {
        Some(krate) => format!("use {krate}::{{MIGRATIONS, SCHEMA}};\n"),
        None => "\
// The models (`#[derive(strata::Table)]` structs) and the migrations. When they live in this
// crate's library, import them instead: `use my_crate::{MIGRATIONS, SCHEMA};`.
static SCHEMA: strata::Schema = strata::schema![];
static MIGRATIONS: strata::Migrations = strata::embed_migrations!(\"migrations\");
"
        .to_owned(),
    };
    format!(
        "\
//! This project's migration command: every `strata` subcommand, with the migrations embedded
//! in this build, plus what needs the models: create-all, drop-all, make-migration, check.
//!
//!     cargo run --bin manage -- --help
//!     cargo run --bin manage -- make-migration add_email
//!
//! It needs strata's `cli` feature: `strata = {{ version = \"0.1\", features = [\"cli\"] }}`.

use std::process::ExitCode;

{statics}
fn main() -> ExitCode {{
    strata::cli::run(&SCHEMA, &MIGRATIONS)
}}
"
    )
}

/// What `init` did to one path.
enum Step {
    Created(PathBuf),
    Updated(PathBuf),
    Unchanged(PathBuf),
}

/// `strata init [dir]`.
pub(crate) fn init(dir: &Path) -> Result<Output, Failure> {
    let manifest_path = dir.join("Cargo.toml");
    let manifest = match fs::read_to_string(&manifest_path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Failure(format!(
                "no Cargo.toml in `{}`: run `strata init` in the crate's directory, or pass it (`strata init path/to/crate`)",
                dir.display()
            )));
        }
        Err(e) => return Err(io_failure(&manifest_path, e)),
    };
    let manifest: toml::Table = manifest.parse().map_err(|e: toml::de::Error| {
        Failure(format!(
            "cannot read `{}`: {}",
            shown(&manifest_path),
            e.message()
        ))
    })?;
    let Some(package) = manifest.get("package").and_then(toml::Value::as_table) else {
        return Err(Failure(format!(
            "`{}` has no [package] (a workspace root?): run `strata init` in the directory of the crate that embeds the migrations",
            shown(&manifest_path)
        )));
    };
    let build_file = match package.get("build") {
        Some(toml::Value::String(path)) => dir.join(path),
        Some(toml::Value::Boolean(false)) => {
            return Err(Failure(format!(
                "`{}` says `build = false`: remove it so `build.rs` can tell cargo about new migration files",
                shown(&manifest_path)
            )));
        }
        _ => dir.join("build.rs"),
    };

    // Everything is checked before anything is written.
    let build = match fs::read_to_string(&build_file) {
        Ok(text) if text.contains(RERUN_LINE) => None,
        Ok(text) => match patch_build_rs(&text) {
            Some(patched) => Some(patched),
            None => {
                return Err(Failure(format!(
                    "`{}` has no `fn main() {{`: add `println!(\"{RERUN_LINE}\");` to its main function by hand",
                    shown(&build_file)
                )));
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(BUILD_RS.to_owned()),
        Err(e) => return Err(io_failure(&build_file, e)),
    };
    let build_existed = build_file.exists();

    let mut steps = Vec::new();
    let migrations = dir.join("migrations");
    if migrations.is_dir() {
        steps.push(Step::Unchanged(migrations.clone()));
    } else {
        fs::create_dir_all(&migrations).map_err(|e| io_failure(&migrations, e))?;
        steps.push(Step::Created(migrations.clone()));
    }
    steps.push(write_new(&migrations.join(CONFIG_FILE), STRATA_TOML)?);
    match build {
        None => steps.push(Step::Unchanged(build_file)),
        Some(text) => {
            fs::write(&build_file, text).map_err(|e| io_failure(&build_file, e))?;
            steps.push(if build_existed {
                Step::Updated(build_file)
            } else {
                Step::Created(build_file)
            });
        }
    }
    let krate = package
        .get("name")
        .and_then(toml::Value::as_str)
        .map(|name| name.replace('-', "_"));
    let library = krate.filter(|_| library_exports_statics(dir));
    let bin = dir.join("src").join("bin");
    fs::create_dir_all(&bin).map_err(|e| io_failure(&bin, e))?;
    steps.push(write_new(
        &bin.join("manage.rs"),
        &manage_rs(library.as_deref()),
    )?);

    let mut lines = Vec::new();
    let mut changed = Vec::new();
    let mut kept = Vec::new();
    for step in &steps {
        match step {
            Step::Created(path) => {
                lines.push(format!("created {}", shown(path)));
                changed.push(json!({"path": shown(path), "action": "created"}));
            }
            Step::Updated(path) => {
                lines.push(format!("updated {} ({RERUN_LINE})", shown(path)));
                changed.push(json!({"path": shown(path), "action": "updated"}));
            }
            Step::Unchanged(path) => kept.push(shown(path)),
        }
    }
    if changed.is_empty() {
        lines.push(format!(
            "nothing to do: `{}` is already set up ({})",
            dir.display(),
            kept.join(", ")
        ));
    } else if !kept.is_empty() {
        lines.push(format!("kept {}", kept.join(", ")));
    }
    if !changed.is_empty() && !has_cli_feature(&manifest) {
        lines.push(
            "next: give the strata dependency the `cli` feature for src/bin/manage.rs: strata = { version = \"0.1\", features = [\"cli\"] }"
                .to_owned(),
        );
    }
    Ok(Output {
        text: lines.join("\n"),
        json: json!({ "command": "init", "changed": changed, "unchanged": kept }),
    })
}

/// `fn main() {` … gets the rerun line as its first statement; `None` without a main.
fn patch_build_rs(text: &str) -> Option<String> {
    let start = text.find("fn main()")?;
    let brace = start + text[start..].find('{')?;
    let mut patched = String::with_capacity(text.len() + 64);
    patched.push_str(&text[..=brace]);
    patched.push_str("\n    println!(\"");
    patched.push_str(RERUN_LINE);
    patched.push_str("\");");
    patched.push_str(&text[brace + 1..]);
    Some(patched)
}

/// Whether `src/lib.rs` defines `SCHEMA` and `MIGRATIONS` for the manage binary to import.
fn library_exports_statics(dir: &Path) -> bool {
    fs::read_to_string(dir.join("src").join("lib.rs"))
        .is_ok_and(|lib| lib.contains("pub static SCHEMA") && lib.contains("pub static MIGRATIONS"))
}

fn has_cli_feature(manifest: &toml::Table) -> bool {
    let features = manifest
        .get("dependencies")
        .and_then(|deps| deps.get("strata"))
        .and_then(|strata| strata.get("features"))
        .and_then(toml::Value::as_array);
    features.is_some_and(|features| features.iter().any(|f| f.as_str() == Some("cli")))
}

/// Creates `path` with `text` unless it exists (an existing file is the user's: kept).
fn write_new(path: &Path, text: &str) -> Result<Step, Failure> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .map_err(|e| io_failure(path, e))?;
            Ok(Step::Created(path.to_path_buf()))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Ok(Step::Unchanged(path.to_path_buf()))
        }
        Err(e) => Err(io_failure(path, e)),
    }
}

/// A path as the user gave it (without a leading `./`); a directory ends with `/`.
fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    let text = text.strip_prefix("./").map(str::to_owned).unwrap_or(text);
    if path.is_dir() && !text.ends_with('/') {
        format!("{text}/")
    } else {
        text
    }
}

pub(crate) fn io_failure(path: &Path, error: io::Error) -> Failure {
    Failure(format!("cannot write `{}`: {error}", shown(path)))
}

/// The files of a new version: `<dir>/<digits>_<name>.sql` and `.down.sql`.
pub(crate) struct NewVersion {
    pub version: i64,
    pub up: PathBuf,
    pub down: PathBuf,
}

/// Picks the next version in `dir` for a migration called `name`, without writing.
pub(crate) fn next_version(dir: &Path, name: &str, bin: &str) -> Result<NewVersion, Failure> {
    check_name(name)?;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Failure(format!(
                "migration directory `{}` does not exist; `{bin} init` creates it",
                shown(dir)
            )));
        }
        Err(e) => return Err(Failure(format!("cannot read `{}`: {e}", shown(dir)))),
    };
    let scheme = match fs::read_to_string(dir.join(CONFIG_FILE)) {
        Ok(text) => match parse_config(&text) {
            Ok(config) => config.versions,
            Err(problems) => {
                return Err(Failure(format!(
                    "invalid migration repository `{}`: `{CONFIG_FILE}`: {}",
                    shown(dir),
                    problems.join("; ")
                )));
            }
        },
        Err(_) => VersionScheme::Sequential,
    };
    // The highest version and how its number is written (its zero padding).
    let mut highest: Option<(i64, String)> = None;
    for entry in entries {
        let entry = entry.map_err(|e| Failure(format!("cannot read `{}`: {e}", shown(dir))))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if !is_sql_file_name(file_name) {
            continue;
        }
        // A misnamed file is the loader's to report; numbering goes by the valid ones.
        if let Ok(parsed) = parse_file_name(file_name)
            && highest.as_ref().is_none_or(|(v, _)| parsed.version > *v)
        {
            highest = Some((parsed.version, parsed.digits));
        }
    }
    let (version, digits) = match scheme {
        VersionScheme::Sequential => {
            let (version, width) = match &highest {
                Some((v, digits)) => (next(*v)?, digits.len()),
                None => (1, 4),
            };
            (version, format!("{version:0width$}"))
        }
        VersionScheme::Timestamp => {
            let now = utc_timestamp(SystemTime::now());
            // Two scripts in one second, or a clock behind the folder: still increasing.
            let version = match &highest {
                Some((v, _)) if *v >= now => next(*v)?,
                _ => now,
            };
            (version, version.to_string())
        }
    };
    let stem = format!("{digits}_{name}");
    Ok(NewVersion {
        version,
        up: dir.join(format!("{stem}.sql")),
        down: dir.join(format!("{stem}.down.sql")),
    })
}

/// The versions of the migration files in `dir` (none when it does not exist).
pub(crate) fn disk_versions(dir: &Path) -> std::collections::BTreeSet<i64> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Default::default();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter(|name| is_sql_file_name(name))
        .filter_map(|name| parse_file_name(&name).ok())
        .map(|parsed| parsed.version)
        .collect()
}

fn next(version: i64) -> Result<i64, Failure> {
    version.checked_add(1).ok_or_else(|| {
        Failure(format!(
            "version {version} is the largest possible: no next version"
        ))
    })
}

/// A name the file name rule accepts as a plain up script's name.
fn check_name(name: &str) -> Result<(), Failure> {
    let file = format!("1_{name}.sql");
    match parse_file_name(&file) {
        Ok(parsed) if parsed.name == name && !parsed.down && parsed.dialect.is_none() => Ok(()),
        Ok(_) => Err(Failure(format!(
            "invalid migration name `{name}`: use letters, digits, `_` and `-` only"
        ))),
        Err(error) => Err(Failure(format!("invalid migration name `{name}`: {error}"))),
    }
}

/// Writes both scripts, refusing to overwrite anything.
pub(crate) fn write_version(new: &NewVersion, up: &str, down: &str) -> Result<(), Failure> {
    for (path, text) in [(&new.up, up), (&new.down, down)] {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut file) => file
                .write_all(text.as_bytes())
                .map_err(|e| io_failure(path, e))?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(Failure(format!("`{}` already exists", shown(path))));
            }
            Err(e) => return Err(io_failure(path, e)),
        }
    }
    Ok(())
}

/// `strata new <name>`.
pub(crate) fn new(dir: &Path, name: &str, bin: &str) -> Result<Output, Failure> {
    let new = next_version(dir, name, bin)?;
    write_version(&new, "", "")?;
    Ok(new_output("new", &new))
}

pub(crate) fn new_output(command: &str, new: &NewVersion) -> Output {
    Output {
        text: format!("created {}\ncreated {}", shown(&new.up), shown(&new.down)),
        json: json!({
            "command": command,
            "version": new.version,
            "up": shown(&new.up),
            "down": shown(&new.down),
        }),
    }
}

/// `YYYYMMDDHHMMSS` in UTC, as a number.
fn utc_timestamp(time: SystemTime) -> i64 {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    ((((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute) * 100 + second
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps_are_utc_calendar_times() {
        let at = |secs: u64| utc_timestamp(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), 19700101000000);
        assert_eq!(at(951_782_400), 20000229000000); // a leap day
        assert_eq!(at(1_767_225_599), 20251231235959);
        assert_eq!(at(1_767_225_600), 20260101000000);
    }

    #[test]
    fn the_strata_toml_template_is_valid_and_names_every_key() {
        let config = parse_config(STRATA_TOML).unwrap();
        assert_eq!(config, strata_core::MigrationsConfig::DEFAULT);
        // `[imported]` is written by `strata import`, never by hand.
        for key in strata_core::migration::CONFIG_KEYS
            .into_iter()
            .filter(|k| *k != "imported")
        {
            assert!(STRATA_TOML.contains(&format!("# {key} = ")), "{key}");
        }
        // Uncommented, every line still parses: the shown values are real values.
        let uncommented: String = STRATA_TOML
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| line.contains(" = "))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(
            parse_config(&uncommented).unwrap(),
            strata_core::MigrationsConfig::DEFAULT
        );
    }

    #[test]
    fn build_rs_is_patched_at_the_start_of_main() {
        let text = "use std::env;\n\nfn main() {\n    let _ = env::var(\"OUT_DIR\");\n}\n";
        assert_eq!(
            patch_build_rs(text).unwrap(),
            "use std::env;\n\nfn main() {\n    println!(\"cargo:rerun-if-changed=migrations\");\n    let _ = env::var(\"OUT_DIR\");\n}\n"
        );
        assert_eq!(patch_build_rs("// nothing\n"), None);
    }
}
