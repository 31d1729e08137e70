//! Compile time: generated crates under a temporary directory, built by cargo with a dedicated
//! target directory whose dependencies are built once, before the clock runs.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::scripts;
use crate::sections::rotated;
use crate::stats::{self, Summary};
use crate::{BoxError, Outcome, Plan, TargetCheck};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Crate {
    /// The same dependencies and a one-line library: what cargo and rustc cost anyway.
    Floor,
    StrataEmbed,
    SqlxEmbed,
    StrataDerive,
}

impl Crate {
    const ALL: [Crate; 4] = [
        Crate::Floor,
        Crate::StrataEmbed,
        Crate::SqlxEmbed,
        Crate::StrataDerive,
    ];

    fn package(self) -> &'static str {
        match self {
            Crate::Floor => "floor",
            Crate::StrataEmbed => "strata_embed",
            Crate::SqlxEmbed => "sqlx_embed",
            Crate::StrataDerive => "strata_derive",
        }
    }

    /// The file whose edit is timed: one script, or the floor's source.
    fn edited_file(self, plan: &Plan) -> Option<String> {
        let middle = (plan.compile_scripts / 2).max(1);
        match self {
            Crate::Floor => Some("src/lib.rs".to_string()),
            Crate::StrataEmbed | Crate::SqlxEmbed => {
                Some(format!("migrations/{}", scripts::file_name(middle)))
            }
            Crate::StrataDerive => None,
        }
    }
}

pub async fn compile_times(
    plan: &Plan,
    scratch: &Path,
    target_dir: &Path,
) -> Result<Outcome, BoxError> {
    let plan = plan.clone();
    let scratch = scratch.to_path_buf();
    let target_dir = target_dir.to_path_buf();
    // Blocking work (cargo child processes): off the runtime's workers.
    tokio::task::spawn_blocking(move || compile_times_blocking(&plan, &scratch, &target_dir))
        .await?
}

fn compile_times_blocking(
    plan: &Plan,
    scratch: &Path,
    target_dir: &Path,
) -> Result<Outcome, BoxError> {
    let root = scratch.join("compile");
    generate(plan, &root)?;
    eprintln!(
        "[strata-bench] compile: building the dependencies once (target dir {})",
        target_dir.display()
    );
    cargo(&root, target_dir, &["build", "--workspace"])?;
    let mut clean: HashMap<Crate, Vec<Duration>> = HashMap::new();
    let mut rebuild: HashMap<Crate, Vec<Duration>> = HashMap::new();
    for rep in 0..plan.compile_reps {
        eprintln!(
            "[strata-bench] compile: run {} of {}",
            rep + 1,
            plan.compile_reps
        );
        for krate in rotated(&Crate::ALL, rep) {
            cargo(&root, target_dir, &["clean", "-p", krate.package()])?;
            let start = Instant::now();
            cargo(&root, target_dir, &["build", "-p", krate.package()])?;
            clean.entry(krate).or_default().push(start.elapsed());
        }
        for krate in rotated(&Crate::ALL, rep) {
            let Some(file) = krate.edited_file(plan) else {
                continue;
            };
            let path = root.join(krate.package()).join(file);
            let mut text = std::fs::read_to_string(&path)?;
            let _ = writeln!(text, "-- edit {rep}");
            if krate == Crate::Floor {
                text = text.replace("-- edit", "// edit");
            }
            std::fs::write(&path, text)?;
            let start = Instant::now();
            cargo(&root, target_dir, &["build", "-p", krate.package()])?;
            rebuild.entry(krate).or_default().push(start.elapsed());
        }
    }
    let summarize = |samples: &HashMap<Crate, Vec<Duration>>| -> HashMap<Crate, Summary> {
        samples
            .iter()
            .filter_map(|(k, v)| Some((*k, stats::summarize(v)?)))
            .collect()
    };
    let (clean, rebuild) = (summarize(&clean), summarize(&rebuild));
    let floor = clean.get(&Crate::Floor).map(|s| s.median);
    let above_floor = |krate: Crate| match (clean.get(&krate), floor) {
        _ if krate == Crate::Floor => "—".to_string(),
        (Some(s), Some(floor)) => stats::millis(s.median.saturating_sub(floor)),
        _ => "—".to_string(),
    };
    let scripts = plan.compile_scripts;
    let tables = plan.compile_tables;
    let mut table = String::from(
        "| crate | clean build of the crate | median above the floor | rebuild after editing one file |\n|---|---|---|---|\n",
    );
    let rows = [
        (
            Crate::Floor,
            "floor: same dependencies, one-line library (edit: its lib.rs)".to_string(),
        ),
        (
            Crate::StrataEmbed,
            format!("strata `embed_migrations!`, {scripts} scripts (edit: one script)"),
        ),
        (
            Crate::SqlxEmbed,
            format!("sqlx `migrate!`, {scripts} scripts (edit: one script)"),
        ),
        (
            Crate::StrataDerive,
            format!("strata `#[derive(Table)]` × {tables} + `schema!`"),
        ),
    ];
    for (krate, label) in rows {
        let _ = writeln!(
            table,
            "| {label} | {} | {} | {} |",
            stats::cell(clean.get(&krate)),
            above_floor(krate),
            if krate == Crate::StrataDerive {
                "—".to_string()
            } else {
                stats::cell(rebuild.get(&krate))
            },
        );
    }
    let _ = writeln!(
        table,
        "\nstrata `embed_migrations!` / sqlx `migrate!`: clean build {}, rebuild after an edit {}.",
        stats::ratio(clean.get(&Crate::StrataEmbed), clean.get(&Crate::SqlxEmbed)),
        stats::ratio(
            rebuild.get(&Crate::StrataEmbed),
            rebuild.get(&Crate::SqlxEmbed)
        ),
    );
    let checks = vec![
        TargetCheck::at_most(
            format!(
                "embedding {scripts} scripts compiles no slower than sqlx's migrate! (clean build)"
            ),
            stats::ratio_value(clean.get(&Crate::StrataEmbed), clean.get(&Crate::SqlxEmbed)),
            1.0,
        ),
        TargetCheck::at_most(
            format!(
                "rebuild after editing one of {scripts} scripts no slower than sqlx's migrate!"
            ),
            stats::ratio_value(
                rebuild.get(&Crate::StrataEmbed),
                rebuild.get(&Crate::SqlxEmbed),
            ),
            1.0,
        ),
    ];
    let markdown = format!(
        "### Compile time\n\n\
         Generated crates, each depending on strata (feature `sqlite`) and sqlx 0.9 (`sqlite`, \
         `migrate`, `macros`), built by `cargo build` (dev profile) with a dedicated target \
         directory (`{}`) whose dependencies are built before the clock runs. Clean build: \
         `cargo clean -p <crate>`, then `cargo build -p <crate>`, timed as a whole (cargo's own \
         start-up included, as in the floor). Milliseconds: median (min–max) of {} runs, crates \
         in rotating order.\n\n{table}\n",
        target_dir.display(),
        plan.compile_reps
    );
    Ok(Outcome { markdown, checks })
}

fn generate(plan: &Plan, root: &Path) -> Result<(), BoxError> {
    let strata_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the bench crate has no parent directory")?
        .to_path_buf();
    if root.exists() {
        std::fs::remove_dir_all(root)?;
    }
    std::fs::create_dir_all(root)?;
    let members: Vec<String> = Crate::ALL
        .iter()
        .map(|c| format!("\"{}\"", c.package()))
        .collect();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\nresolver = \"3\"\n",
            members.join(", ")
        ),
    )?;
    // The project's lock file: the same dependency versions the project builds with.
    std::fs::copy(strata_path.join("Cargo.lock"), root.join("Cargo.lock"))?;
    for krate in Crate::ALL {
        let dir = root.join(krate.package());
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nstrata = {{ path = {:?} }}\n\
                 sqlx = {{ version = \"0.9\", default-features = false, features = [\"runtime-tokio\", \"sqlite\", \"migrate\", \"macros\"] }}\n",
                krate.package(),
                strata_path.display().to_string(),
            ),
        )?;
        let source = match krate {
            Crate::Floor => "pub fn answer() -> usize {\n    42\n}\n".to_string(),
            Crate::StrataEmbed => {
                scripts::write_repository(&dir.join("migrations"), plan.compile_scripts)?;
                "pub static MIGRATIONS: strata::Migrations = strata::embed_migrations!(\"migrations\");\n"
                    .to_string()
            }
            Crate::SqlxEmbed => {
                scripts::write_repository(&dir.join("migrations"), plan.compile_scripts)?;
                "pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!(\"./migrations\");\n"
                    .to_string()
            }
            Crate::StrataDerive => derive_source(plan.compile_tables),
        };
        std::fs::write(dir.join("src/lib.rs"), source)?;
    }
    Ok(())
}

fn derive_source(tables: u32) -> String {
    let mut source = String::from("#![allow(dead_code)]\nuse strata::Table;\n\n");
    for i in 1..=tables {
        let _ = write!(
            source,
            "#[derive(Table)]\n#[table(name = \"bench_{i}\", index(name, karma))]\n\
             pub struct Bench{i} {{\n    #[column(primary_key)]\n    pub id: i64,\n    \
             #[column(length = 64)]\n    pub name: String,\n    pub email: Option<String>,\n    \
             #[column(default = 0)]\n    pub karma: i32,\n    pub note: Option<String>,\n}}\n\n"
        );
    }
    let names: Vec<String> = (1..=tables).map(|i| format!("Bench{i}")).collect();
    let _ = writeln!(
        source,
        "pub static SCHEMA: strata::Schema = strata::schema![{}];",
        names.join(", ")
    );
    source
}

fn cargo(root: &Path, target_dir: &Path, args: &[&str]) -> Result<(), BoxError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .arg("--quiet")
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // `cargo run` describes the bench crate to it; the generated crates are not that crate.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_BIN_",
            "CARGO_CRATE_",
            "CARGO_PRIMARY_",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
        {
            command.env_remove(&key);
        }
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {}` in {} failed:\n{}",
            args.join(" "),
            root.display(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

/// The dedicated target directory: `--compile-target-dir`, else `bench-compile` under the
/// project's target directory, so dependencies built by one run serve the next.
pub fn default_target_dir() -> PathBuf {
    let project_target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    project_target.join("bench-compile")
}
