//! The command line: the options every subcommand takes, the `strata` subcommands, and the
//! ones a project's `manage` binary adds. A new subcommand is a variant here, its arguments in
//! its own module, and one arm in `lib.rs`'s dispatch.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub(crate) const ABOUT: &str =
    "Create, apply, revert and inspect the numbered SQL migrations of a strata repository.";

pub(crate) const MAIN_EXAMPLES: &str = "\
Examples:
  strata init
  strata new create_users
  strata --database-url sqlite://app.db upgrade
  DATABASE_URL=postgres://app@localhost/app strata status
  strata --json db-version

The database URL comes from --database-url, else from the environment variable named by the
repository's strata.toml `database_url_env` (default DATABASE_URL). Its scheme picks the
backend: sqlite:, postgres:/postgresql:, mysql:/mariadb:.";

pub(crate) const MANAGE_ABOUT: &str = "This project's migrations and models: every `strata` subcommand, run with the migrations embedded in this build, plus create-all, drop-all, make-migration and check.";

pub(crate) const MANAGE_EXAMPLES: &str = "\
Examples:
  strata make-migration add_email
  strata check
  strata --database-url sqlite://app.db upgrade
  strata --database-url sqlite://dev.db create-all

Without --migrations, the migrations are the ones embedded in this binary (rebuild after adding
a script); make-migration writes into --migrations (default: migrations).";

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The database URL (default: the environment variable named by strata.toml
    /// `database_url_env`, else DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// The migration repository: numbered `.sql` scripts and an optional strata.toml
    /// (default: migrations).
    #[arg(long, global = true, value_name = "DIR")]
    pub migrations: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// Print only the result: no line per migration, no progress bar.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// How long to wait for the migration lock (default: strata.toml `lock_timeout_secs`).
    #[arg(long, global = true, value_name = "SECS")]
    pub lock_timeout_secs: Option<u64>,
}

#[derive(Debug, Parser)]
#[command(name = "strata", version, about = ABOUT, after_help = MAIN_EXAMPLES)]
pub(crate) struct StrataCli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: StrataCommand,
}

/// The subcommands of `strata`, which a `manage` binary has too.
#[derive(Debug, Subcommand)]
pub(crate) enum StrataCommand {
    /// Set up a crate for migrations: migrations/ with a commented strata.toml, the build.rs
    /// line that makes cargo see new scripts, and a src/bin/manage.rs template.
    #[command(after_help = "\
Examples:
  strata init              # in the crate's directory
  strata init crates/app   # another crate

Running it again changes nothing that exists and says so.")]
    Init {
        /// The crate's directory, holding its Cargo.toml.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
    /// Create the next migration's empty up and down scripts and print their paths.
    #[command(after_help = "\
Examples:
  strata new create_users     # migrations/0001_create_users.sql and .down.sql
  strata new add-email-index

The version is the highest one in the folder plus one, zero-padded like it, or a UTC timestamp
(YYYYMMDDHHMMSS) when strata.toml says versions = \"timestamp\".")]
    New {
        /// The migration's name: letters, digits, `_` and `-`.
        #[arg(value_name = "NAME")]
        name: String,
    },
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
        from: Option<strata_core::History>,
    },
    /// Convert a diesel, refinery, Flyway or SQLAlchemy-Migrate repository into a strata one.
    #[command(after_help = crate::import::IMPORT_HELP)]
    Import(crate::import::ImportArgs),
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
    /// Print the Rust source of a live database's tables: structs with #[derive(Table)].
    #[command(after_help = "\
Examples:
  strata --database-url postgres://app@localhost/app create-model
  strata create-model --out src/models.rs")]
    CreateModel {
        /// Write the source to FILE instead of stdout (an existing file is kept unless --force).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite the --out file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
}

#[derive(Debug, Parser)]
#[command(version, about = MANAGE_ABOUT, after_help = MANAGE_EXAMPLES)]
pub(crate) struct ManageCli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: ManageCommand,
}

/// The subcommands of a project's `manage` binary: those of `strata` and those that need
/// the compiled models.
#[derive(Debug, Subcommand)]
pub(crate) enum ManageCommand {
    #[command(flatten)]
    Strata(StrataCommand),
    /// Create the models' tables that do not exist yet (CREATE TABLE IF NOT EXISTS), in
    /// foreign-key order, creating a missing SQLite file.
    #[command(after_help = "Example:\n  strata --database-url sqlite://dev.db create-all")]
    CreateAll,
    /// Drop the models' tables, and so their rows (asks first unless --yes).
    #[command(
        after_help = "Examples:\n  strata drop-all\n  strata drop-all --yes   # no question, for scripts"
    )]
    DropAll {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Write the next migration from the difference between the models and the migrations
    /// (replayed into a scratch database), or a live database with --database-url.
    #[command(after_help = "\
Examples:
  strata make-migration add_email
  strata make-migration drop_legacy --allow-destructive
  strata --database-url postgres://app@localhost/app make-migration add_email
  strata make-migration add_email --dev-url postgres://app@localhost/scratch

Offline (no --database-url on the command line: DATABASE_URL alone does not count, so a
developer's database is never compared by accident), the migrations are replayed into an in-memory
SQLite database, or into a new database on the --dev-url server, and the scripts are written in
that database's dialect. Warnings are printed; when the models already match, nothing is
written.")]
    MakeMigration {
        /// The new migration's name: letters, digits, `_` and `-`.
        #[arg(value_name = "NAME")]
        name: String,
        /// Write the scripts even when they drop or narrow something (data would be lost).
        #[arg(long)]
        allow_destructive: bool,
        /// Also drop the tables the database has and the models do not (left alone by
        /// default: other applications' tables, tables made by hand).
        #[arg(long)]
        include_unmanaged: bool,
        /// Replay the migrations on this server instead of in-memory SQLite (a scratch
        /// database is created there and dropped afterwards).
        #[arg(long, value_name = "URL")]
        dev_url: Option<String>,
    },
    /// Fail (exit 1) when the models differ from the migrations, or from a live database
    /// with --database-url; for CI.
    #[command(after_help = "\
Examples:
  strata check
  strata check --dev-url postgres://app@localhost/scratch
  strata --database-url postgres://app@localhost/app check

Without --database-url on the command line, the models are compared with the migrations
replayed into an in-memory SQLite database (or a scratch database on the --dev-url server).")]
    Check {
        /// Replay the migrations on this server instead of in-memory SQLite.
        #[arg(long, value_name = "URL")]
        dev_url: Option<String>,
    },
}
