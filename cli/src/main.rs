//! The `strata` command: apply, revert and inspect a migration repository from the shell.
//!
//! The repository is read from disk with the same loader `embed_migrations!` uses, so a script
//! the macro rejects is rejected here with the same message; the database URL's scheme picks
//! the backend.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use strata::sqlx::{self, mysql::MySqlPoolOptions, postgres::PgPoolOptions, sqlite};
use strata::{Backend, Dialect, Migrations, Migrator, Report, VersionStatus};

mod import;

const ABOUT: &str = "Apply, revert and inspect the numbered SQL migrations of a strata repository.";

const MAIN_EXAMPLES: &str = "\
Examples:
  strata --database-url sqlite://app.db upgrade
  DATABASE_URL=postgres://app@localhost/app strata status
  strata --json db-version

The database URL comes from --database-url, else from the environment variable named by the
repository's strata.toml `database_url_env` (default DATABASE_URL). Its scheme picks the
backend: sqlite:, postgres:/postgresql:, mysql:/mariadb:.";

#[derive(Debug, Parser)]
#[command(name = "strata", version, about = ABOUT, after_help = MAIN_EXAMPLES)]
struct Cli {
    /// The database URL (default: the environment variable named by strata.toml
    /// `database_url_env`, else DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,

    /// The migration repository: numbered `.sql` scripts and an optional strata.toml.
    #[arg(long, global = true, value_name = "DIR", default_value = "migrations")]
    migrations: PathBuf,

    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// How long to wait for the migration lock (default: strata.toml `lock_timeout_secs`).
    #[arg(long, global = true, value_name = "SECS")]
    lock_timeout_secs: Option<u64>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply every pending migration (or those up to --to), creating a missing SQLite file.
    #[command(after_help = "Examples:\n  strata upgrade\n  strata upgrade --to 3")]
    Upgrade {
        /// Stop after this version (it must be a migration of the repository).
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
    },
    /// Revert the applied migrations above VERSION with their down scripts, newest first.
    #[command(
        after_help = "Examples:\n  strata downgrade 2\n  strata downgrade 0   # revert everything"
    )]
    Downgrade {
        /// The version to go back to: 0 or an applied version.
        #[arg(value_name = "VERSION")]
        version: i64,
    },
    /// Record VERSION and every version below it as applied without running anything.
    #[command(after_help = "\
Examples:
  strata version-control          # start bookkeeping on an empty database
  strata version-control 4        # adopt a database whose schema is already at version 4
  strata version-control --force 3  # after a repair: rewrite the bookkeeping to version 3
  strata version-control --from sqlx  # adopt the history sqlx (or diesel, refinery, ...) wrote")]
    VersionControl {
        /// The version the database's schema is at (default: none applied).
        #[arg(value_name = "VERSION")]
        version: Option<i64>,
        /// Rewrite the bookkeeping of a database already under version control.
        #[arg(long)]
        force: bool,
        /// Adopt the history this tool wrote instead: sqlx, diesel, refinery, flyway or
        /// sqlalchemy-migrate (its table is left as it is).
        #[arg(long, value_name = "TOOL", conflicts_with = "version")]
        from: Option<strata::History>,
    },
    /// Convert a diesel, refinery, Flyway or SQLAlchemy-Migrate repository into a strata one.
    #[command(after_help = import::IMPORT_HELP)]
    Import(import::ImportArgs),
    /// Print the database's version, or that it is not under version control.
    #[command(after_help = "Example:\n  strata db-version")]
    DbVersion,
    /// List every version of the repository and the database with its state.
    #[command(after_help = "\
Example:
  strata status

States: applied, pending, changed (script edited after it was applied), unknown (applied but
not in the repository), incomplete (a run stopped part-way; see version-control --force).")]
    Status,
}

impl Command {
    /// Whether a missing SQLite file may be created: only by the commands that build a schema.
    fn creates_database(&self) -> bool {
        matches!(
            self,
            Command::Upgrade { .. } | Command::VersionControl { .. }
        )
    }
}

/// A failure, reported as one sentence on stderr.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("strata: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Import(args) = &cli.command {
        let (text, json) = import::run(args, &cli.migrations).map_err(Failure)?;
        println!("{}", if cli.json { json.to_string() } else { text });
        return Ok(());
    }
    let url = database_url(&cli)?;
    let backend = BackendKind::from_url(&url)?;
    let migrations = Migrations::load(&cli.migrations, &[backend.dialect()])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the async runtime: {e}")))?;
    let output = runtime.block_on(dispatch(&cli, backend, &url, &migrations))?;
    if cli.json {
        println!("{}", output.json);
    } else {
        println!("{}", output.text);
    }
    Ok(())
}

/// `--database-url`, else the variable strata.toml names (read before the repository is
/// loaded: the URL picks the dialect the repository is loaded for).
fn database_url(cli: &Cli) -> Result<String, Failure> {
    if let Some(url) = &cli.database_url {
        return Ok(url.clone());
    }
    let variable = url_variable(&cli.migrations)?;
    match std::env::var(&variable) {
        Ok(url) if !url.is_empty() => Ok(url),
        _ => Err(Failure(format!(
            "no database URL: pass --database-url or set {variable}"
        ))),
    }
}

fn url_variable(dir: &Path) -> Result<String, Failure> {
    let path = dir.join(strata_core::migration::repository::CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // No strata.toml (or no repository, which the loader reports later): the default.
        Err(_) => {
            return Ok(strata::MigrationsConfig::DEFAULT
                .database_url_env
                .into_owned());
        }
    };
    match strata_core::migration::parse_config(&text) {
        Ok(config) => Ok(config.database_url_env.into_owned()),
        // The loader's message names the file and every problem.
        Err(problems) => match Migrations::load(dir, &[Dialect::Sqlite]) {
            Err(error) => Err(error.into()),
            Ok(_) => Err(Failure(format!(
                "{}: {}",
                path.display(),
                problems.join("; ")
            ))),
        },
    }
}

#[derive(Debug, Clone, Copy)]
enum BackendKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl BackendKind {
    fn from_url(url: &str) -> Result<BackendKind, Failure> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme);
        match scheme.map(str::to_ascii_lowercase).as_deref() {
            Some("sqlite") => Ok(BackendKind::Sqlite),
            Some("postgres" | "postgresql") => Ok(BackendKind::Postgres),
            Some("mysql" | "mariadb") => Ok(BackendKind::Mysql),
            // The URL itself may hold a password: name only the scheme.
            Some(other) if !other.is_empty() => Err(Failure(format!(
                "unsupported database URL scheme `{other}:`; use sqlite:, postgres:, postgresql:, mysql: or mariadb:"
            ))),
            _ => Err(Failure(
                "the database URL has no scheme; it must start with sqlite:, postgres:, postgresql:, mysql: or mariadb:".to_owned(),
            )),
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            BackendKind::Sqlite => Dialect::Sqlite,
            BackendKind::Postgres => Dialect::Postgres,
            BackendKind::Mysql => Dialect::Mysql,
        }
    }
}

/// What a command prints: text for people, JSON for scripts.
struct Output {
    text: String,
    json: Value,
}

async fn dispatch(
    cli: &Cli,
    backend: BackendKind,
    url: &str,
    migrations: &Migrations,
) -> Result<Output, Failure> {
    let connect_error = |e: sqlx::Error| Failure(format!("cannot connect to the database: {e}"));
    match backend {
        BackendKind::Sqlite => {
            let mut options = sqlite::SqliteConnectOptions::from_str(url)
                .map_err(|e| Failure(format!("invalid SQLite URL: {e}")))?;
            if cli.command.creates_database() {
                options = options.create_if_missing(true);
            } else if !is_in_memory(url) && !options.get_filename().exists() {
                return Err(Failure(format!(
                    "the SQLite database `{}` does not exist; `strata upgrade` creates it",
                    options.get_filename().display()
                )));
            }
            let pool = sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await
                .map_err(connect_error)?;
            let output = execute(cli, &pool, migrations).await;
            pool.close().await;
            output
        }
        BackendKind::Postgres => {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .map_err(connect_error)?;
            let output = execute(cli, &pool, migrations).await;
            pool.close().await;
            output
        }
        BackendKind::Mysql => {
            // sqlx knows MariaDB by the mysql: scheme.
            let url = match url.split_once(':') {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                    format!("mysql:{rest}")
                }
                _ => url.to_owned(),
            };
            let pool = MySqlPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .map_err(connect_error)?;
            let output = execute(cli, &pool, migrations).await;
            pool.close().await;
            output
        }
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

async fn execute<DB: Backend>(
    cli: &Cli,
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
) -> Result<Output, Failure> {
    let mut migrator = Migrator::new(migrations);
    if let Some(secs) = cli.lock_timeout_secs {
        migrator = migrator.lock_timeout(Duration::from_secs(secs));
    }
    match &cli.command {
        Command::Upgrade { to } => {
            let report = match to {
                Some(version) => migrator.upgrade_to(pool, *version).await?,
                None => migrator.upgrade(pool).await?,
            };
            let version = migrator.db_version(pool).await?.unwrap_or(0);
            Ok(report_output("upgrade", "applied", &report, version))
        }
        Command::Downgrade { version } => {
            let report = migrator.downgrade(pool, *version).await?;
            let now = migrator.db_version(pool).await?.unwrap_or(0);
            Ok(report_output("downgrade", "reverted", &report, now))
        }
        Command::VersionControl {
            from: Some(from),
            force,
            ..
        } => {
            let (text, json) = import::adopt(&migrator.force(*force), pool, *from).await?;
            Ok(Output { text, json })
        }
        Command::VersionControl { version, force, .. } => {
            let migrator = migrator.force(*force);
            migrator.version_control(pool, *version).await?;
            let now = version.unwrap_or(0);
            Ok(Output {
                text: format!("under version control at version {now}"),
                json: json!({ "command": "version-control", "version": now }),
            })
        }
        Command::DbVersion => {
            let version = migrator.db_version(pool).await?;
            Ok(Output {
                text: match version {
                    Some(v) => v.to_string(),
                    None => "not under version control".to_owned(),
                },
                json: json!({ "command": "db-version", "version": version }),
            })
        }
        Command::Status => {
            let versions = migrator.status(pool).await?;
            Ok(status_output(&versions))
        }
        Command::Import(_) => Err(Failure("import needs no database".to_owned())),
    }
}

fn report_output(command: &str, verb: &str, report: &Report, version: i64) -> Output {
    let mut lines: Vec<String> = report
        .migrations
        .iter()
        .map(|m| format!("{verb} {} {}", m.version, m.name))
        .collect();
    if report.is_empty() {
        lines.push(format!(
            "nothing to do: the database is at version {version}"
        ));
    } else {
        lines.push(format!("the database is at version {version}"));
    }
    let migrations: Vec<Value> = report
        .migrations
        .iter()
        .map(|m| {
            json!({
                "version": m.version,
                "name": m.name,
                "duration_ms": millis(m.duration),
            })
        })
        .collect();
    Output {
        text: lines.join("\n"),
        json: json!({
            "command": command,
            "migrations": migrations,
            "total_ms": millis(report.total),
            "version": version,
        }),
    }
}

fn status_output(versions: &[VersionStatus]) -> Output {
    let width = versions
        .iter()
        .map(|v| v.version.to_string().len())
        .max()
        .unwrap_or(1);
    let text = if versions.is_empty() {
        "no migrations".to_owned()
    } else {
        versions
            .iter()
            .map(|v| {
                format!(
                    "{:>width$}  {:<10}  {}",
                    v.version,
                    v.state.to_string(),
                    v.name
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let rows: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "name": v.name,
                "state": v.state.to_string(),
                "applied_at": v.applied_at.and_then(unix_seconds),
                "applied_checksum": v.applied_checksum,
                "embedded_checksum": v.embedded_checksum,
            })
        })
        .collect();
    Output {
        text,
        json: json!({ "command": "status", "versions": rows }),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn unix_seconds(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}
