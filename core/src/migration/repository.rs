//! Discovery and checking of a migration repository. [`read_repository`] is the one
//! implementation behind `embed_migrations!`, [`Migrations::load`] and the command line.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::naming::{FileName, NameError, is_sql_file_name, parse_file_name};
use super::{Migration, Migrations, MigrationsConfig, Script, checksum, config, head_digest};
use crate::Dialect;
use crate::sql_split::{SplitError, split_statements};

/// The configuration file's name inside the repository.
pub const CONFIG_FILE: &str = "strata.toml";

/// The directive that runs a script outside a transaction.
pub const NO_TRANSACTION: &str = "-- strata:no-transaction";
/// sqlx's marker for the same, as the first line of a script: honoured too.
pub const SQLX_NO_TRANSACTION: &str = "-- no-transaction";
/// The directive that turns SQLite's foreign keys off around a script (table rebuilds).
pub const FOREIGN_KEYS_OFF: &str = "-- strata:foreign-keys-off";

/// One `.sql` file of a repository: its name in the directory and its text as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The file name, without directory (`0001_create_users.sql`).
    pub name: String,
    /// The file's contents; a leading BOM is still there.
    pub text: String,
}

/// A checked repository read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// What the repository holds, for the enabled dialects.
    pub migrations: Migrations,
    /// Every file read, `strata.toml` included, as `dir.join(name)`, in name order.
    pub files: Vec<PathBuf>,
    /// The `.sql` files that start with a UTF-8 BOM, by name: their scripts' text is not the
    /// file's text.
    pub bom: Vec<String>,
}

/// Something wrong in a repository; each names the file or files concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A `.sql` file whose name is not a migration file name.
    BadName {
        /// The file.
        file: String,
        /// What is wrong with the name.
        error: NameError,
    },
    /// A `.sql` file that is not UTF-8.
    NotUtf8 {
        /// The file.
        file: String,
    },
    /// Two files for one version that do not belong together (different names or digits).
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The first file (in name order) and the one that clashes with it.
        files: [String; 2],
    },
    /// A down script with no up script it could undo.
    DownWithoutUp {
        /// The down script.
        file: String,
        /// For a variant (`.postgres.down.sql`), its dialect.
        dialect: Option<Dialect>,
        /// `<digits>_<name>` of the version.
        stem: String,
    },
    /// A version without an up script for an enabled dialect.
    MissingUp {
        /// The version.
        version: i64,
        /// `<digits>_<name>` of the version.
        stem: String,
        /// The dialect without a script.
        dialect: Dialect,
        /// The files the version has.
        found: Vec<String>,
    },
    /// A `-- strata:` line strata does not know.
    UnknownDirective {
        /// The script.
        file: String,
        /// The directive's text after `strata:`.
        directive: String,
    },
    /// A script the tokenizer cannot split into statements.
    Unsplittable {
        /// The script.
        file: String,
        /// The dialects it was split for that found this error (a generic script is split once
        /// per enabled dialect; the same error is reported once, naming them all).
        dialects: Vec<Dialect>,
        /// What the tokenizer found.
        error: SplitError,
    },
    /// A problem in `strata.toml`.
    Config {
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadName { file, error } => write!(f, "`{file}`: {error}"),
            Problem::NotUtf8 { file } => write!(f, "`{file}` is not valid UTF-8"),
            Problem::DuplicateVersion {
                version,
                files: [first, second],
            } => write!(f, "duplicate version {version}: `{first}` and `{second}`"),
            Problem::DownWithoutUp {
                file,
                dialect: None,
                stem,
            } => write!(
                f,
                "`{file}` is a down script without an up script (`{stem}.sql`)"
            ),
            Problem::DownWithoutUp {
                file,
                dialect: Some(dialect),
                stem,
            } => write!(
                f,
                "`{file}` is a down script without an up script for {dialect} \
                 (`{stem}.sql` or `{stem}.{dialect}.sql`)"
            ),
            Problem::MissingUp {
                version,
                stem,
                dialect,
                found,
            } => write!(
                f,
                "version {version} has no up script for {dialect}: add `{stem}.sql` or \
                 `{stem}.{dialect}.sql` (found {})",
                found
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::UnknownDirective { file, directive } => write!(
                f,
                "`{file}`: unknown directive `-- strata:{directive}`; the directives are \
                 `{NO_TRANSACTION}` and `{FOREIGN_KEYS_OFF}`"
            ),
            Problem::Unsplittable {
                file,
                dialects,
                error,
            } => {
                let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
                write!(f, "`{file}` ({}): {error}", names.join(", "))
            }
            Problem::Config { message } => write!(f, "`{CONFIG_FILE}`: {message}"),
        }
    }
}

/// Why a repository could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The directory does not exist.
    #[error("migration directory `{}` does not exist", .dir.display())]
    NotFound {
        /// The directory.
        dir: PathBuf,
    },
    /// The path exists but is not a directory.
    #[error("`{}` is not a directory", .dir.display())]
    NotADirectory {
        /// The path.
        dir: PathBuf,
    },
    /// Reading the directory or a file failed.
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The repository's files break the rules; every problem found is listed.
    #[error("{}", invalid_message(.dir, .problems))]
    Invalid {
        /// The directory.
        dir: PathBuf,
        /// Everything wrong, in file name order.
        problems: Vec<Problem>,
    },
}

fn invalid_message(dir: &Path, problems: &[Problem]) -> String {
    match problems {
        [one] => format!("invalid migration repository `{}`: {one}", dir.display()),
        _ => {
            let mut message = format!("invalid migration repository `{}`:", dir.display());
            for problem in problems {
                message.push_str("\n- ");
                message.push_str(&problem.to_string());
            }
            message
        }
    }
}

impl Migrations {
    /// Reads and checks the repository in `dir` at run time, with scripts for `dialects`:
    /// the same rules and the same result as `embed_migrations!`.
    pub fn load(dir: &Path, dialects: &[Dialect]) -> Result<Migrations, RepositoryError> {
        read_repository(dir, dialects).map(|repository| repository.migrations)
    }
}

/// Reads the repository in `dir` and checks it with [`check_repository`]: `.sql` files that
/// are not dotfiles and `strata.toml`; everything else is ignored.
pub fn read_repository(dir: &Path, dialects: &[Dialect]) -> Result<Repository, RepositoryError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RepositoryError::Io { path, source }
    };
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(RepositoryError::NotADirectory {
                dir: dir.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(RepositoryError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => return Err(io_error(dir)(e)),
    }

    let mut problems = Vec::new();
    let mut sql_names = Vec::new();
    let mut config_present = false;
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let raw_name = entry.file_name();
        let lossy = raw_name.to_string_lossy().into_owned();
        let is_file = std::fs::metadata(entry.path())
            .map_err(io_error(&entry.path()))?
            .is_file();
        if !is_file {
            continue;
        }
        if lossy == CONFIG_FILE {
            config_present = true;
        } else if is_sql_file_name(&lossy) {
            match raw_name.to_str() {
                Some(name) => sql_names.push(name.to_owned()),
                None => problems.push(Problem::BadName {
                    file: lossy,
                    error: NameError::Pattern,
                }),
            }
        }
    }
    sql_names.sort();

    let mut files = Vec::new();
    let mut sources = Vec::new();
    let mut bom = Vec::new();
    for name in sql_names {
        let path = dir.join(&name);
        let bytes = std::fs::read(&path).map_err(io_error(&path))?;
        files.push(path);
        match String::from_utf8(bytes) {
            Ok(text) => {
                if text.starts_with('\u{feff}') {
                    bom.push(name.clone());
                }
                sources.push(SourceFile { name, text });
            }
            Err(_) => problems.push(Problem::NotUtf8 { file: name }),
        }
    }
    let config_text = if config_present {
        let path = dir.join(CONFIG_FILE);
        let bytes = std::fs::read(&path).map_err(io_error(&path))?;
        files.push(path);
        match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                problems.push(Problem::NotUtf8 {
                    file: CONFIG_FILE.to_owned(),
                });
                None
            }
        }
    } else {
        None
    };
    files.sort();

    match check_repository(&sources, config_text.as_deref(), dialects) {
        Ok(migrations) if problems.is_empty() => Ok(Repository {
            migrations,
            files,
            bom,
        }),
        Ok(_) => Err(RepositoryError::Invalid {
            dir: dir.to_path_buf(),
            problems,
        }),
        Err(mut more) => {
            problems.append(&mut more);
            Err(RepositoryError::Invalid {
                dir: dir.to_path_buf(),
                problems,
            })
        }
    }
}

/// Every file of one version.
#[derive(Default)]
struct VersionFiles<'a> {
    /// The first file in name order; every other file must share its stem.
    first: Option<(&'a SourceFile, FileName)>,
    /// Up scripts: generic, then one per dialect (by [`Dialect::index`]).
    up: Option<&'a SourceFile>,
    up_variant: [Option<&'a SourceFile>; 3],
    down: Option<&'a SourceFile>,
    down_variant: [Option<&'a SourceFile>; 3],
    names: Vec<&'a str>,
}

/// Checks a repository's files and builds what it holds for `dialects`: the one set of rules
/// for naming, versions, up and down scripts, variants, directives and `strata.toml`. Returns
/// every problem found (`strata.toml`'s first, then by file name and version), if there is any.
pub fn check_repository(
    files: &[SourceFile],
    config_text: Option<&str>,
    dialects: &[Dialect],
) -> Result<Migrations, Vec<Problem>> {
    let mut problems = Vec::new();

    let config = match config_text.map(config::parse_config) {
        None => MigrationsConfig::DEFAULT,
        Some(Ok(config)) => config,
        Some(Err(messages)) => {
            problems.extend(
                messages
                    .into_iter()
                    .map(|message| Problem::Config { message }),
            );
            MigrationsConfig::DEFAULT
        }
    };

    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));

    let mut versions: BTreeMap<i64, VersionFiles<'_>> = BTreeMap::new();
    for file in sorted {
        let parsed = match parse_file_name(&file.name) {
            Ok(parsed) => parsed,
            Err(error) => {
                problems.push(Problem::BadName {
                    file: file.name.clone(),
                    error,
                });
                continue;
            }
        };
        let entry = versions.entry(parsed.version).or_default();
        if let Some((first, first_name)) = &entry.first
            && first_name.stem() != parsed.stem()
        {
            problems.push(Problem::DuplicateVersion {
                version: parsed.version,
                files: [first.name.clone(), file.name.clone()],
            });
            continue;
        }
        let slot = match (parsed.down, parsed.dialect) {
            (false, None) => &mut entry.up,
            (false, Some(d)) => &mut entry.up_variant[d.index()],
            (true, None) => &mut entry.down,
            (true, Some(d)) => &mut entry.down_variant[d.index()],
        };
        // `0001_a.sql` and `0001_a.up.sql` are the same script twice.
        if let Some(taken) = slot {
            problems.push(Problem::DuplicateVersion {
                version: parsed.version,
                files: [taken.name.clone(), file.name.clone()],
            });
            continue;
        }
        *slot = Some(file);
        entry.names.push(&file.name);
        if entry.first.is_none() {
            entry.first = Some((file, parsed));
        }
    }

    let mut migrations = Vec::with_capacity(versions.len());
    for (version, files) in versions {
        let Some((_, first_name)) = &files.first else {
            continue;
        };
        let stem = first_name.stem();
        let up_for = |d: Dialect| files.up_variant[d.index()].or(files.up);
        let has_up = files.up.is_some() || files.up_variant.iter().any(Option::is_some);

        let mut version_ok = true;
        if let Some(down) = files.down
            && !has_up
        {
            problems.push(Problem::DownWithoutUp {
                file: down.name.clone(),
                dialect: None,
                stem: stem.clone(),
            });
            version_ok = false;
        }
        for d in Dialect::ALL {
            if let Some(down) = files.down_variant[d.index()]
                && up_for(d).is_none()
            {
                problems.push(Problem::DownWithoutUp {
                    file: down.name.clone(),
                    dialect: Some(d),
                    stem: stem.clone(),
                });
                version_ok = false;
            }
        }
        if !has_up {
            continue;
        }

        let mut up: [Option<Script>; 3] = [None, None, None];
        let mut down: [Option<Script>; 3] = [None, None, None];
        for &d in dialects {
            let Some(up_file) = up_for(d) else {
                problems.push(Problem::MissingUp {
                    version,
                    stem: stem.clone(),
                    dialect: d,
                    found: files.names.iter().map(|name| (*name).to_owned()).collect(),
                });
                version_ok = false;
                continue;
            };
            up[d.index()] = Some(script(up_file, d, &mut problems));
            if let Some(down_file) = files.down_variant[d.index()].or(files.down) {
                down[d.index()] = Some(script(down_file, d, &mut problems));
            }
        }
        if version_ok {
            migrations.push(Migration {
                version,
                name: Cow::Owned(first_name.name.clone()),
                up,
                down,
            });
        }
    }

    if !problems.is_empty() {
        // A generic script checked for several dialects reports the same problem once.
        let mut unique: Vec<Problem> = Vec::with_capacity(problems.len());
        for problem in problems {
            if !unique.contains(&problem) {
                unique.push(problem);
            }
        }
        return Err(unique);
    }

    let heads = Dialect::ALL.map(|d| {
        if dialects.contains(&d) {
            Cow::Owned(head_digest(migrations.iter().filter_map(|m| {
                m.up(d).map(|script| (m.version, script.checksum.as_ref()))
            })))
        } else {
            Cow::Borrowed("")
        }
    });
    Ok(Migrations {
        migrations: Cow::Owned(migrations),
        config,
        heads,
    })
}

/// Builds the script of `file` for `dialect`: BOM stripped, directives read, checksum computed,
/// and split once to find what the tokenizer cannot split.
fn script(file: &SourceFile, dialect: Dialect, problems: &mut Vec<Problem>) -> Script {
    let sql = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    // sqlx's own marker, so a sqlx folder embeds unchanged and means the same.
    let mut no_transaction = sql.starts_with(SQLX_NO_TRANSACTION);
    let mut foreign_keys_off = false;
    for line in sql.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let Some(directive) = comment.trim_start().strip_prefix("strata:") else {
            continue;
        };
        match directive.trim() {
            "no-transaction" => no_transaction = true,
            "foreign-keys-off" => foreign_keys_off = true,
            other => problems.push(Problem::UnknownDirective {
                file: file.name.clone(),
                directive: other.to_owned(),
            }),
        }
    }
    if let Err(error) = split_statements(sql, dialect) {
        let same = problems.iter_mut().find_map(|problem| match problem {
            Problem::Unsplittable {
                file: other,
                dialects,
                error: found,
            } if *other == file.name && *found == error => Some(dialects),
            _ => None,
        });
        match same {
            Some(dialects) if !dialects.contains(&dialect) => dialects.push(dialect),
            Some(_) => {}
            None => problems.push(Problem::Unsplittable {
                file: file.name.clone(),
                dialects: vec![dialect],
                error,
            }),
        }
    }
    Script {
        file: Cow::Owned(file.name.clone()),
        sql: Cow::Owned(sql.to_owned()),
        checksum: Cow::Owned(checksum(sql)),
        no_transaction,
        foreign_keys_off,
    }
}

#[cfg(test)]
mod tests;
