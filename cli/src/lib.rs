//! The command line of strata: the `strata` command, and [`run`] for a project's own
//! `manage` binary (re-exported as `strata::cli` with the facade's `cli` feature).
//!
//! ```no_run
//! // src/bin/manage.rs (`strata init` writes it)
//! # mod my_app {
//! #     pub static SCHEMA: strata_core::Schema = strata_core::Schema { tables: &[] };
//! #     pub static MIGRATIONS: strata_core::Migrations = strata_core::Migrations {
//! #         migrations: std::borrow::Cow::Borrowed(&[]),
//! #         config: strata_core::MigrationsConfig::DEFAULT,
//! #         heads: [std::borrow::Cow::Borrowed(""), std::borrow::Cow::Borrowed(""), std::borrow::Cow::Borrowed("")],
//! #     };
//! # }
//! # use strata_cli as cli;
//! use my_app::{MIGRATIONS, SCHEMA};
//!
//! fn main() -> std::process::ExitCode {
//!     cli::run(&SCHEMA, &MIGRATIONS) // strata::cli::run
//! }
//! ```
//!
//! The `strata` command reads the repository from disk with the same loader
//! `embed_migrations!` uses, so a script the macro rejects is rejected here with the same
//! message; the database URL's scheme picks the backend. A manage binary runs the migrations
//! it embeds (or those in `--migrations DIR`) and adds the subcommands that need the models:
//! `create-all`, `drop-all`, `make-migration` and `check`.

// The runtime's error carries what a user needs; it is returned rarely.
#![allow(clippy::result_large_err)]

mod args;
mod database;
mod import;
mod migrate;
mod model;
mod progress;
mod scaffold;

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use serde_json::Value;
use strata_core::migration::repository::CONFIG_FILE;
use strata_core::{Migrations, MigrationsConfig, Schema};
use strata_runtime::Migrator;

use args::{Global, ManageCli, ManageCommand, StrataCli, StrataCommand};
use database::{BackendKind, Create, Pool, with_pool};
use progress::Display;

/// Runs a project's `manage` command line with its models and embedded migrations, and
/// returns the exit code: 0 on success, 1 after printing the error as one sentence on
/// stderr (`check` also exits 1 when the models drift), 2 for a usage error.
///
/// Subcommands: everything `strata` has (`init`, `new`, `upgrade`, `downgrade`,
/// `version-control`, `db-version`, `status`, `create-model`), run with `migrations` unless
/// `--migrations DIR` names a repository on disk, plus `create-all`, `drop-all` (asks unless
/// `--yes`), `make-migration <name>` (the next up and down scripts from the difference
/// between the models and the migrations or a live database) and `check`. `--help` on each
/// shows an example.
///
/// It starts its own async runtime: call it from a plain `fn main`, not from inside one
/// (`#[tokio::main]`). `--help`, `--version` and usage errors exit the process as clap does.
pub fn run(schema: &Schema, migrations: &Migrations) -> ExitCode {
    run_from(schema, migrations, std::env::args_os())
}

/// [`run`] with the arguments given (the first is the program's name).
pub fn run_from<I, T>(schema: &Schema, migrations: &Migrations, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let bin = args
        .first()
        .map(Path::new)
        .and_then(Path::file_stem)
        .and_then(|stem| stem.to_str())
        .unwrap_or("manage")
        .to_owned();
    let command = named(ManageCli::command(), &bin).mut_arg("migrations", |arg| {
        arg.help("A migration repository on disk to use instead of the migrations embedded in this binary (and where make-migration writes; default: migrations)")
    });
    let cli = match command
        .try_get_matches_from(args)
        .and_then(|matches| ManageCli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let ctx = Context::new(&cli.global, bin, Some(migrations));
    finish(&ctx, block_on(dispatch_manage(&ctx, schema, cli.command)))
}

/// The `strata` command's main.
#[doc(hidden)]
pub fn strata_main() -> ExitCode {
    let cli = <StrataCli as clap::Parser>::parse();
    let ctx = Context::new(&cli.global, "strata".to_owned(), None);
    finish(&ctx, block_on(dispatch(&ctx, &cli.command)))
}

/// The examples in `--help` show the binary's own name.
fn named(command: clap::Command, bin: &str) -> clap::Command {
    let rename = |text: String| text.replace("  strata ", &format!("  {bin} "));
    let mut command = command.name(bin.to_owned()).bin_name(bin.to_owned());
    if let Some(help) = command.get_after_help().map(ToString::to_string) {
        command = command.after_help(rename(help));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| match sub.get_after_help() {
            Some(help) => {
                let help = rename(help.to_string());
                sub.after_help(help)
            }
            None => sub,
        });
    }
    command
}

fn block_on<F: Future<Output = Result<Output, Failure>>>(future: F) -> Result<Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(future)
}

fn finish(ctx: &Context<'_>, result: Result<Output, Failure>) -> ExitCode {
    match result {
        Ok(output) => {
            if ctx.global.json {
                println!("{}", output.json);
            } else if !output.text.is_empty() {
                println!("{}", output.text);
            }
            ExitCode::SUCCESS
        }
        Err(Failure(message)) => {
            eprintln!("{}: {message}", ctx.bin);
            ExitCode::FAILURE
        }
    }
}

/// A failure, reported as one sentence on stderr with exit code 1.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

/// What a command prints: text for people, JSON for scripts.
pub(crate) struct Output {
    pub text: String,
    pub json: Value,
}

/// What every command needs: the options, the binary's name, where migrations come from.
pub(crate) struct Context<'a> {
    pub global: &'a Global,
    /// `strata`, or the manage binary's name (in messages and examples).
    pub bin: String,
    pub display: Display,
    /// A manage binary's embedded migrations.
    pub embedded: Option<&'a Migrations>,
}

impl<'a> Context<'a> {
    fn new(global: &'a Global, bin: String, embedded: Option<&'a Migrations>) -> Context<'a> {
        Context {
            display: Display::new(global.quiet, global.json),
            global,
            bin,
            embedded,
        }
    }

    /// The repository directory on disk: `--migrations`, else `migrations`.
    pub(crate) fn repository_dir(&self) -> PathBuf {
        self.global
            .migrations
            .clone()
            .unwrap_or_else(|| PathBuf::from("migrations"))
    }

    /// The embedded migrations, unless `--migrations` names a repository on disk.
    pub(crate) fn embedded(&self) -> Option<&'a Migrations> {
        self.embedded.filter(|_| self.global.migrations.is_none())
    }

    /// The migrations to run, with scripts for `dialect`.
    pub(crate) fn migrations(
        &self,
        dialect: strata_core::Dialect,
    ) -> Result<Cow<'a, Migrations>, Failure> {
        match self.embedded() {
            Some(migrations) => Ok(Cow::Borrowed(migrations)),
            None => Migrations::load(&self.repository_dir(), &[dialect])
                .map(Cow::Owned)
                .map_err(|e| Failure(e.to_string())),
        }
    }

    /// A runtime error, worded for where the migrations come from.
    pub(crate) fn error(&self, error: strata_runtime::Error) -> Failure {
        if self.embedded().is_some() {
            migrate::reword_commands(error, &self.bin)
        } else {
            migrate::reword_for_disk(
                error,
                &self.repository_dir().display().to_string(),
                &self.bin,
            )
        }
    }

    /// `--database-url`, else the variable strata.toml names (read before the repository is
    /// loaded: the URL picks the dialect the repository is loaded for).
    pub(crate) fn database_url(&self) -> Result<String, Failure> {
        if let Some(url) = &self.global.database_url {
            return Ok(url.clone());
        }
        let variable = match self.embedded() {
            Some(migrations) => migrations.config.database_url_env.to_string(),
            None => url_variable(&self.repository_dir())?,
        };
        match std::env::var(&variable) {
            Ok(url) if !url.is_empty() => Ok(url),
            _ => Err(Failure(format!(
                "no database URL: pass --database-url or set {variable}"
            ))),
        }
    }

    /// A migrator over `migrations` with the command line's options.
    pub(crate) fn migrator<'m>(&self, migrations: &'m Migrations) -> Migrator<'m> {
        let migrator = Migrator::new(migrations);
        match self.global.lock_timeout_secs {
            Some(secs) => migrator.lock_timeout(Duration::from_secs(secs)),
            None => migrator,
        }
    }

    /// The repository's settings without its scripts: for the commands that only need the
    /// bookkeeping table's name (`create-model`), a missing repository is the defaults.
    pub(crate) fn config(&self) -> Result<MigrationsConfig, Failure> {
        if let Some(migrations) = self.embedded() {
            return Ok(migrations.config.clone());
        }
        let path = self.repository_dir().join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => strata_core::migration::parse_config(&text).map_err(|problems| {
                Failure(format!(
                    "invalid migration repository `{}`: `{CONFIG_FILE}`: {}",
                    self.repository_dir().display(),
                    problems.join("; ")
                ))
            }),
            Err(_) => Ok(MigrationsConfig::DEFAULT),
        }
    }
}

fn url_variable(dir: &Path) -> Result<String, Failure> {
    let path = dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // No strata.toml (or no repository, which the loader reports later): the default.
        Err(_) => return Ok(MigrationsConfig::DEFAULT.database_url_env.into_owned()),
    };
    match strata_core::migration::parse_config(&text) {
        Ok(config) => Ok(config.database_url_env.into_owned()),
        // The loader's message names the file and every problem.
        Err(problems) => match Migrations::load(dir, &[strata_core::Dialect::Sqlite]) {
            Err(error) => Err(Failure(error.to_string())),
            Ok(_) => Err(Failure(format!(
                "{}: {}",
                path.display(),
                problems.join("; ")
            ))),
        },
    }
}

/// The subcommands of `strata`.
async fn dispatch(ctx: &Context<'_>, command: &StrataCommand) -> Result<Output, Failure> {
    match *command {
        StrataCommand::Init { ref dir } => scaffold::init(dir),
        StrataCommand::New { ref name } => scaffold::new(&ctx.repository_dir(), name, &ctx.bin),
        StrataCommand::CreateModel { ref out, force } => {
            model::create_model(ctx, out.as_deref(), force).await
        }
        StrataCommand::Upgrade { to } => migration_command(ctx, Operation::Upgrade { to }).await,
        StrataCommand::Downgrade { version } => {
            migration_command(ctx, Operation::Downgrade { version }).await
        }
        StrataCommand::VersionControl {
            from: Some(from),
            force,
            ..
        } => migration_command(ctx, Operation::Adopt { from, force }).await,
        StrataCommand::VersionControl { version, force, .. } => {
            migration_command(ctx, Operation::VersionControl { version, force }).await
        }
        StrataCommand::Import(ref args) => import::run(args, &ctx.repository_dir())
            .map(|(text, json)| Output { text, json })
            .map_err(Failure),
        StrataCommand::DbVersion => migration_command(ctx, Operation::DbVersion).await,
        StrataCommand::Status => migration_command(ctx, Operation::Status).await,
    }
}

/// What runs or reads the migrations on a database.
#[derive(Debug, Clone, Copy)]
enum Operation {
    Upgrade {
        to: Option<i64>,
    },
    Downgrade {
        version: i64,
    },
    VersionControl {
        version: Option<i64>,
        force: bool,
    },
    Adopt {
        from: strata_core::History,
        force: bool,
    },
    DbVersion,
    Status,
}

async fn migration_command(ctx: &Context<'_>, operation: Operation) -> Result<Output, Failure> {
    let url = ctx.database_url()?;
    let dialect = BackendKind::from_url(&url)?.dialect();
    let migrations = ctx.migrations(dialect)?;
    // Only the commands that build a schema may create a missing SQLite file.
    let create = match operation {
        Operation::Upgrade { .. } | Operation::VersionControl { .. } => Create::IfMissing,
        _ => Create::No,
    };
    let db = Pool::connect(&url, create, &ctx.bin).await?;
    let migrator = ctx.migrator(&migrations);
    let output = with_pool!(&db, |pool| match operation {
        Operation::Upgrade { to } => migrate::upgrade(ctx, &migrator, pool, to).await,
        Operation::Downgrade { version } => migrate::downgrade(ctx, &migrator, pool, version).await,
        Operation::VersionControl { version, force } => {
            migrate::version_control(ctx, migrator, pool, version, force).await
        }
        Operation::Adopt { from, force } => import::adopt(&migrator.force(force), pool, from)
            .await
            .map(|(text, json)| Output { text, json })
            .map_err(|e| ctx.error(e)),
        Operation::DbVersion => migrate::db_version(ctx, &migrator, pool).await,
        Operation::Status => migrate::status(ctx, &migrator, pool).await,
    });
    db.close().await;
    output
}

/// The subcommands of a manage binary.
async fn dispatch_manage(
    ctx: &Context<'_>,
    schema: &Schema,
    command: ManageCommand,
) -> Result<Output, Failure> {
    match command {
        ManageCommand::Strata(command) => dispatch(ctx, &command).await,
        ManageCommand::CreateAll => model::create_all(ctx, schema).await,
        ManageCommand::DropAll { yes } => model::drop_all(ctx, schema, yes).await,
        ManageCommand::MakeMigration {
            name,
            allow_destructive,
            include_unmanaged,
            dev_url,
        } => {
            model::make_migration(
                ctx,
                schema,
                &name,
                allow_destructive,
                include_unmanaged,
                dev_url.as_deref(),
            )
            .await
        }
        ManageCommand::Check { dev_url } => model::check(ctx, schema, dev_url.as_deref()).await,
    }
}
