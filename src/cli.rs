//! A project's own `manage` command (feature `cli`): every subcommand of the `strata` command,
//! run with the migrations embedded in the build, plus those that need the compiled models.
//!
//! ```no_run
//! // src/bin/manage.rs (`strata init` writes it)
//! # mod my_app {
//! #     pub static SCHEMA: strata::Schema = strata::schema![];
//! #     pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!("examples/service/migrations");
//! # }
//! use my_app::{MIGRATIONS, SCHEMA};
//!
//! fn main() -> std::process::ExitCode {
//!     strata::cli::run(&SCHEMA, &MIGRATIONS)
//! }
//! ```
//!
//! `cargo run --bin manage -- --help` lists the subcommands:
//!
//! - `init`, `new <name>`, `upgrade [--to V]`, `downgrade <V>`, `version-control [V] [--force]`,
//!   `db-version`, `status`, `create-model [--out FILE]`: as the `strata` command, with the
//!   embedded migrations (or the repository given by `--migrations DIR`);
//! - `create-all`: the models' missing tables; `drop-all` drops them (it asks, unless `--yes`);
//! - `make-migration <name>`: compares the models with the migrations (replayed into an
//!   in-memory SQLite database, or into a scratch database on the `--dev-url` server for
//!   scripts in PostgreSQL's or MySQL's SQL) or with a live database (`--database-url` on the
//!   command line), and writes the
//!   next up and down scripts into `migrations/` (`--migrations DIR`); prints the warnings and
//!   refuses a change that loses data unless `--allow-destructive`; when nothing changed it
//!   says "no changes" and writes nothing;
//! - `check`: exits with 1 when the models and the migrations (or the database) differ, for CI
//!   (`--dev-url` and `--database-url` as for `make-migration`).
//!
//! Errors are one sentence on stderr and exit code 1; `--json` prints machine-readable output.
//! `run` starts its own async runtime: call it from a plain `fn main`.

pub use strata_cli::{run, run_from};
