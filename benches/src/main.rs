//! strata beside sqlx's migrator and refinery, in one run: warm start, statements and round
//! trips, cold apply, concurrent upgraders, compile time. Writes one markdown report.
//!
//! `cargo run -p strata-bench --release -- --out benches/RESULTS.md` (add `--quick` for a
//! check in a minute or two). PostgreSQL and MariaDB come from `STRATA_BENCH_POSTGRES_URL` /
//! `STRATA_BENCH_MYSQL_URL`, else `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL`, else the
//! local defaults; each run creates its own databases (`strata_bench_<pid>_<n>`) and drops them.

mod backend;
mod compile;
mod count;
mod runners;
mod scripts;
mod sections;
mod stats;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;

use backend::{Db, Server};
use runners::MigrationSet;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser, Debug)]
#[command(about = "strata beside sqlx's migrator and refinery: one run, one markdown table")]
struct Args {
    /// Where the markdown report goes (also printed).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md"))]
    out: PathBuf,
    /// Fewer runs and smaller sets: a check that everything works, not figures to quote.
    #[arg(long)]
    quick: bool,
    /// Sections to run (comma-separated): warm, cold, concurrent, compile.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "warm,cold,concurrent,compile"
    )]
    only: Vec<String>,
    /// Backends (comma-separated): sqlite, postgres, mysql.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres,mysql")]
    backends: Vec<String>,
    /// Target directory for the compile-time crates (dependencies built there once are reused
    /// by later runs).
    #[arg(long)]
    compile_target_dir: Option<PathBuf>,
}

/// How much of everything one run measures.
#[derive(Clone, Debug)]
pub struct Plan {
    pub warm_ns: Vec<u32>,
    pub warm_reps: usize,
    cold_sqlite: Vec<u32>,
    cold_postgres: Vec<u32>,
    cold_mysql: Vec<u32>,
    cold_reps: usize,
    cold_reps_large: usize,
    pub concurrent_n: u32,
    pub upgraders: usize,
    pub concurrent_reps: usize,
    pub compile_scripts: u32,
    pub compile_tables: u32,
    pub compile_reps: usize,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            warm_ns: vec![10, 100, 1000],
            warm_reps: 21,
            cold_sqlite: vec![10, 100, 1000],
            // A fresh database per run and N = 1000 on a server takes ~15 s (PostgreSQL) to a
            // minute (MariaDB DDL) per runner and run: beyond the run's budget of ~15 minutes.
            cold_postgres: vec![10, 100],
            cold_mysql: vec![10, 100],
            cold_reps: 5,
            cold_reps_large: 3,
            concurrent_n: 10,
            upgraders: 32,
            concurrent_reps: 5,
            compile_scripts: 1000,
            compile_tables: 200,
            compile_reps: 3,
        }
    }

    fn quick() -> Plan {
        Plan {
            warm_ns: vec![10, 100],
            warm_reps: 5,
            cold_sqlite: vec![10, 100],
            cold_postgres: vec![10, 100],
            cold_mysql: vec![10],
            cold_reps: 2,
            cold_reps_large: 2,
            concurrent_n: 10,
            upgraders: 32,
            concurrent_reps: 2,
            compile_scripts: 100,
            compile_tables: 20,
            compile_reps: 1,
        }
    }

    pub fn largest_warm(&self) -> u32 {
        self.warm_ns.iter().copied().max().unwrap_or(0)
    }

    pub fn cold_ns(&self, db: Db) -> &[u32] {
        match db {
            Db::Sqlite => &self.cold_sqlite,
            Db::Postgres => &self.cold_postgres,
            Db::MySql => &self.cold_mysql,
        }
    }

    pub fn cold_reps(&self, n: u32) -> usize {
        if n >= 1000 {
            self.cold_reps_large
        } else {
            self.cold_reps
        }
    }

    fn set_sizes(&self) -> Vec<u32> {
        let mut sizes: Vec<u32> = self
            .warm_ns
            .iter()
            .chain(&self.cold_sqlite)
            .chain(&self.cold_postgres)
            .chain(&self.cold_mysql)
            .chain([&self.concurrent_n])
            .copied()
            .collect();
        sizes.sort();
        sizes.dedup();
        sizes
    }
}

/// A section's markdown and the targets it decides.
pub struct Outcome {
    pub markdown: String,
    pub checks: Vec<TargetCheck>,
}

pub struct TargetCheck {
    pub name: String,
    pub value: Option<f64>,
    pub limit: f64,
    pub met: Option<bool>,
}

impl TargetCheck {
    pub fn at_most(name: String, value: Option<f64>, limit: f64) -> TargetCheck {
        TargetCheck {
            name,
            value,
            limit,
            met: value.map(|v| v <= limit),
        }
    }
}

fn url_from_env(keys: &[&str], default: &str) -> String {
    keys.iter()
        .find_map(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| default.to_string())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "?".to_string());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    format!("{cores} cores (`nproc`), {cpu}")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".to_string())
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

async fn server_version(server: &Server) -> Result<String, BoxError> {
    use sqlx::Connection;
    let target = server.create().await?;
    let version = match server.db {
        Db::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&target.sqlx_url).await?;
            let v: String = sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            v
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(&target.sqlx_url).await?;
            let v: String = sqlx::query_scalar("SHOW server_version")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            v
        }
        Db::MySql => {
            let mut c = sqlx::MySqlConnection::connect(&target.sqlx_url).await?;
            let v: String = sqlx::query_scalar("SELECT VERSION()")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            v
        }
    };
    server.drop_database(&target).await?;
    Ok(format!("{} {version}", server.db.label()))
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("strata-bench: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let args = Args::parse();
    count::install_query_counter()?;
    let scratch = tempfile::Builder::new().prefix("strata-bench-").tempdir()?;
    let mut servers = Vec::new();
    for name in &args.backends {
        let db = Db::parse(name)
            .ok_or_else(|| format!("unknown backend `{name}` (sqlite, postgres, mysql)"))?;
        let url = match db {
            Db::Sqlite => String::new(),
            Db::Postgres => url_from_env(
                &["STRATA_BENCH_POSTGRES_URL", "STRATA_TEST_POSTGRES_URL"],
                "postgres://postgres@127.0.0.1:5432/postgres",
            ),
            Db::MySql => url_from_env(
                &["STRATA_BENCH_MYSQL_URL", "STRATA_TEST_MYSQL_URL"],
                "mysql://root@127.0.0.1:3306/mysql",
            ),
        };
        servers.push(Server::new(db, &url, scratch.path())?);
    }
    servers.sort_by_key(|s| Db::ALL.iter().position(|db| *db == s.db));
    let outcome = measure(&args, &servers, scratch.path()).await;
    // A run that failed half-way leaves nothing behind on the servers either.
    for server in &servers {
        if let Err(error) = server.drop_leftovers().await {
            eprintln!(
                "strata-bench: dropping this run's databases on {}: {error}",
                server.db.label()
            );
        }
    }
    outcome
}

async fn measure(
    args: &Args,
    servers: &[Server],
    scratch: &std::path::Path,
) -> Result<(), BoxError> {
    let plan = if args.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    let sections: Vec<&str> = args.only.iter().map(String::as_str).collect();
    for section in &sections {
        if !["warm", "cold", "concurrent", "compile"].contains(section) {
            return Err(
                format!("unknown section `{section}` (warm, cold, concurrent, compile)").into(),
            );
        }
    }

    let load_before = load_average();
    let started = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let mut versions = Vec::new();
    for server in servers {
        versions.push(server_version(server).await?);
    }

    let needs_sets = sections.iter().any(|s| *s != "compile");
    let mut sets: HashMap<u32, std::sync::Arc<MigrationSet>> = HashMap::new();
    if needs_sets {
        for n in plan.set_sizes() {
            let dir = scratch.join(format!("sets/{n}"));
            sets.insert(n, MigrationSet::generate(&dir, n).await?);
        }
    }

    let mut outcomes = Vec::new();
    if sections.contains(&"warm") {
        outcomes.push(sections::warm_start(&plan, servers, &sets).await?);
    }
    if sections.contains(&"cold") {
        outcomes.push(sections::cold_apply(&plan, servers, &sets).await?);
    }
    if sections.contains(&"concurrent") {
        let set = sets[&plan.concurrent_n].clone();
        outcomes.push(sections::concurrent(&plan, servers, set).await?);
    }
    if sections.contains(&"compile") {
        let target_dir = args
            .compile_target_dir
            .clone()
            .unwrap_or_else(compile::default_target_dir);
        outcomes.push(compile::compile_times(&plan, scratch, &target_dir).await?);
    }
    let load_after = load_average();

    let mut command = String::from("cargo run -p strata-bench --release --");
    if args.quick {
        command.push_str(" --quick");
    }
    for (flag, values, default) in [
        ("--only", &args.only, "warm,cold,concurrent,compile"),
        ("--backends", &args.backends, "sqlite,postgres,mysql"),
    ] {
        let joined = values.join(",");
        if joined != default {
            let _ = write!(command, " {flag} {joined}");
        }
    }
    let mut report = String::new();
    let _ = writeln!(
        report,
        "<!-- Written by strata-bench; rerun it to refresh. -->\n\
         ## Results{}\n\n\
         - Command: `{command}`\n\
         - Run: {started}{}\n\
         - Machine: {}; load average (1, 5, 15 min) {load_before} before, {load_after} after\n\
         - {}; {}\n",
        if args.quick {
            " (--quick: a smoke check, not figures to quote)"
        } else {
            ""
        },
        if args.quick { ", quick mode" } else { "" },
        machine(),
        command_output("rustc", &["--version"]),
        versions.join(", "),
    );
    let checks: Vec<&TargetCheck> = outcomes.iter().flat_map(|o| &o.checks).collect();
    if !checks.is_empty() {
        report.push_str("### Targets\n\n| target | measured | met |\n|---|---|---|\n");
        for check in checks {
            let measured = match check.value {
                Some(v) => format!("{v:.2}× (limit {:.1}×)", check.limit),
                None => "—".to_string(),
            };
            let met = match check.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            let _ = writeln!(report, "| {} | {measured} | {met} |", check.name);
        }
        report.push('\n');
    }
    for outcome in &outcomes {
        report.push_str(&outcome.markdown);
    }
    std::fs::write(&args.out, &report)?;
    println!("{report}");
    eprintln!("[strata-bench] written to {}", args.out.display());
    Ok(())
}
