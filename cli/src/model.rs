//! What works with models: `create-model` (Rust source of a live database), and the manage
//! binary's `create-all`, `drop-all`, `make-migration` and `check`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use serde_json::json;
use strata_core::{Dialect, DiffOptions, Migrations, Schema, Snapshot};

use crate::database::{BackendKind, Create, Pool, with_pool};
use crate::scaffold;
use crate::{Context, Failure, Output};

/// `create-model [--out FILE]`.
pub(crate) async fn create_model(
    ctx: &Context<'_>,
    out: Option<&Path>,
    force: bool,
) -> Result<Output, Failure> {
    if let Some(out) = out
        && out.exists()
        && !force
    {
        return Err(Failure(format!(
            "`{}` already exists; pass --force to overwrite it",
            out.display()
        )));
    }
    let url = ctx.database_url()?;
    BackendKind::from_url(&url)?;
    let config = ctx.config()?;
    let db = Pool::connect(&url, Create::No, &ctx.bin).await?;
    let migrations = Migrations {
        migrations: Vec::new().into(),
        config,
        heads: Default::default(),
    };
    let migrator = ctx.migrator(&migrations);
    let reflected = with_pool!(&db, |pool| async {
        let snapshot = migrator.reflect(pool).await?;
        let left_out = strata_runtime::unmanaged_objects(pool).await?;
        Ok::<_, strata_runtime::Error>((snapshot, left_out))
    }
    .await);
    db.close().await;
    let (snapshot, left_out) = reflected.map_err(|e| ctx.error(e))?;
    let source = snapshot.to_rust_source();
    let tables: Vec<&str> = snapshot.tables.iter().map(|t| t.name.as_str()).collect();
    // Views, triggers and indexes a model cannot describe: said, not silently dropped.
    let left_out: Vec<String> = left_out.iter().map(ToString::to_string).collect();
    if !left_out.is_empty() && !ctx.global.quiet && !ctx.global.json {
        eprintln!("note: not written as Rust: {}", left_out.join(", "));
    }
    match out {
        Some(out) => {
            std::fs::write(out, &source).map_err(|e| scaffold::io_failure(out, e))?;
            Ok(Output {
                text: format!(
                    "wrote {} ({} {}: {})",
                    out.display(),
                    tables.len(),
                    plural(tables.len(), "table", "tables"),
                    tables.join(", ")
                ),
                json: json!({
                    "command": "create-model",
                    "out": out.display().to_string(),
                    "tables": tables,
                    "left_out": left_out,
                }),
            })
        }
        None => Ok(Output {
            // The source ends with a newline; println adds another.
            text: source.trim_end().to_owned(),
            json: json!({
                "command": "create-model",
                "tables": tables,
                "source": source,
                "left_out": left_out,
            }),
        }),
    }
}

fn plural<'s>(n: usize, one: &'s str, many: &'s str) -> &'s str {
    if n == 1 { one } else { many }
}

fn table_names(schema: &Schema) -> Vec<&'static str> {
    schema.tables.iter().map(|t| t.name).collect()
}

/// `create-all`: the models' missing tables.
pub(crate) async fn create_all(ctx: &Context<'_>, schema: &Schema) -> Result<Output, Failure> {
    let url = ctx.database_url()?;
    let db = Pool::connect(&url, Create::IfMissing, &ctx.bin).await?;
    let result = with_pool!(&db, |pool| async {
        let before = strata_runtime::reflect(pool).await?;
        strata_runtime::create_all(pool, schema).await?;
        Ok::<_, strata_runtime::Error>(before)
    }
    .await);
    db.close().await;
    let before = result.map_err(|e| ctx.error(e))?;
    let (existing, created): (Vec<&str>, Vec<&str>) = table_names(schema)
        .into_iter()
        .partition(|name| before.table(name).is_some());
    let mut lines = Vec::new();
    if !created.is_empty() {
        lines.push(format!("created {}", created.join(", ")));
    }
    if !existing.is_empty() {
        lines.push(format!("kept the existing {}", existing.join(", ")));
    }
    if lines.is_empty() {
        lines.push("nothing to do: the schema has no tables".to_owned());
    }
    Ok(Output {
        text: lines.join("\n"),
        json: json!({ "command": "create-all", "created": created, "existing": existing }),
    })
}

/// `drop-all [--yes]`.
pub(crate) async fn drop_all(
    ctx: &Context<'_>,
    schema: &Schema,
    yes: bool,
) -> Result<Output, Failure> {
    let url = ctx.database_url()?;
    let db = Pool::connect(&url, Create::No, &ctx.bin).await?;
    let result = drop_all_on(ctx, &db, schema, yes).await;
    db.close().await;
    result
}

async fn drop_all_on(
    ctx: &Context<'_>,
    db: &Pool,
    schema: &Schema,
    yes: bool,
) -> Result<Output, Failure> {
    let before =
        with_pool!(db, |pool| strata_runtime::reflect(pool).await).map_err(|e| ctx.error(e))?;
    let present: Vec<&str> = table_names(schema)
        .into_iter()
        .filter(|name| before.table(name).is_some())
        .collect();
    if present.is_empty() {
        return Ok(Output {
            text: "nothing to do: none of the models' tables exists".to_owned(),
            json: json!({ "command": "drop-all", "dropped": present }),
        });
    }
    if !yes {
        confirm(ctx, &present)?;
    }
    with_pool!(db, |pool| strata_runtime::drop_all(pool, schema).await)
        .map_err(|e| ctx.error(e))?;
    Ok(Output {
        text: format!("dropped {}", present.join(", ")),
        json: json!({ "command": "drop-all", "dropped": present }),
    })
}

/// Asks on the terminal; without one, `--yes` is the only way.
fn confirm(ctx: &Context<'_>, tables: &[&str]) -> Result<(), Failure> {
    let what = match tables {
        [table] => format!("the table {table} and every row in it"),
        _ => format!("the tables {} and every row in them", tables.join(", ")),
    };
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure(format!(
            "drop-all would drop {what}; pass --yes to confirm (no terminal to ask on)"
        )));
    }
    eprint!("{}: drop {what}? [y/N] ", ctx.bin);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Failure(
            "drop-all cancelled; nothing was dropped".to_owned(),
        ))
    }
}

/// Where the "old" schema of a comparison came from, for messages.
enum Baseline {
    Database,
    Migrations,
}

impl Baseline {
    fn noun(&self) -> &'static str {
        match self {
            Baseline::Database => "the database",
            Baseline::Migrations => "the migrations",
        }
    }
}

/// The schema the models are compared with: a live database when `--database-url` is on
/// the command line, else the migrations replayed into a scratch database.
async fn baseline(
    ctx: &Context<'_>,
    dev_url: Option<&str>,
) -> Result<(Snapshot, Dialect, Baseline), Failure> {
    if let Some(url) = ctx.global.database_url.as_deref() {
        let dialect = BackendKind::from_url(url)?.dialect();
        let migrations = ctx.migrations(dialect)?;
        let migrator = ctx.migrator(&migrations);
        let db = Pool::connect(url, Create::No, &ctx.bin).await?;
        let snapshot = with_pool!(&db, |pool| migrator.reflect(pool).await);
        db.close().await;
        return Ok((
            snapshot.map_err(|e| ctx.error(e))?,
            dialect,
            Baseline::Database,
        ));
    }
    let dialect = match dev_url {
        Some(url) => BackendKind::from_url(url)?.dialect(),
        None => Dialect::Sqlite,
    };
    let migrations = ctx.migrations(dialect)?;
    if let Some(embedded) = ctx.embedded() {
        // A script written since this binary was built (make-migration without a rebuild)
        // is not in the replay: the comparison would ask for the same change again.
        let dir = ctx.repository_dir();
        let missing: Vec<String> = scaffold::disk_versions(&dir)
            .into_iter()
            .filter(|v| embedded.get(*v).is_none())
            .map(|v| v.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(Failure(format!(
                "`{}` has {} {} that this build does not embed: rebuild it (`cargo run --bin {}` does, with the build.rs line `strata init` writes), or pass --migrations {}",
                dir.display(),
                if missing.len() == 1 {
                    "version"
                } else {
                    "versions"
                },
                missing.join(", "),
                ctx.bin,
                dir.display()
            )));
        }
    }
    if let Some(missing) = migrations
        .migrations
        .iter()
        .find(|m| m.up(dialect).is_none())
    {
        let name = match dialect {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL",
        };
        return Err(Failure(format!(
            "cannot replay the migrations: this build embeds no {name} script for version {} (embed_migrations! keeps the scripts of the enabled backend features); pass --dev-url with a server of the kind they are written for",
            missing.version
        )));
    }
    let snapshot = replay(ctx, &migrations, dev_url).await?;
    Ok((snapshot, dialect, Baseline::Migrations))
}

/// Applies every migration to a fresh scratch database (in-memory SQLite, or a new database
/// on the `dev_url` server, dropped afterwards) and reflects it.
async fn replay(
    ctx: &Context<'_>,
    migrations: &Migrations,
    dev_url: Option<&str>,
) -> Result<Snapshot, Failure> {
    let result = match dev_url {
        Some(url) => strata_runtime::scratch::replay_with(url, migrations, None).await,
        None => strata_runtime::scratch::replay(migrations, None).await,
    };
    result.map_err(|e| {
        let error = ctx.error(e).0;
        Failure(match dev_url {
            Some(_) => format!(
                "replaying the migrations into a scratch database on the --dev-url server failed: {error}"
            ),
            None => format!(
                "replaying the migrations into an in-memory SQLite database failed: {error}; scripts written for another database need --dev-url with a server of that kind"
            ),
        })
    })
}

/// `check`: exit 1 when the models and the baseline differ.
pub(crate) async fn check(
    ctx: &Context<'_>,
    schema: &Schema,
    dev_url: Option<&str>,
) -> Result<Output, Failure> {
    let (old, _, baseline) = baseline(ctx, dev_url).await?;
    match old.matches(&schema.snapshot()) {
        Ok(()) => Ok(Output {
            text: format!("in sync: the models match {}", baseline.noun()),
            json: json!({ "command": "check", "in_sync": true }),
        }),
        Err(diff) => {
            let differences: Vec<String> = diff
                .differences
                .iter()
                .map(|d| {
                    d.replace("on the left", &format!("in {}", baseline.noun()))
                        .replace("on the right", "in the models")
                })
                .collect();
            if ctx.global.json {
                // Scripts get the differences on stdout; the exit code and stderr still fail.
                println!(
                    "{}",
                    json!({ "command": "check", "in_sync": false, "differences": differences })
                );
            }
            Err(Failure(format!(
                "the models differ from {}: {}; run `{} make-migration <name>` to write the migration",
                baseline.noun(),
                differences.join("; "),
                ctx.bin
            )))
        }
    }
}

/// `make-migration <name>`.
pub(crate) async fn make_migration(
    ctx: &Context<'_>,
    schema: &Schema,
    name: &str,
    allow_destructive: bool,
    include_unmanaged: bool,
    dev_url: Option<&str>,
) -> Result<Output, Failure> {
    let dir = ctx.repository_dir();
    // The name and the folder are checked before any database work.
    scaffold::next_version(&dir, name, &ctx.bin)?;
    let (old, dialect, baseline) = baseline(ctx, dev_url).await?;
    let plan = strata_core::diff_with(
        &old,
        &schema.snapshot(),
        dialect,
        &DiffOptions {
            drop_unmanaged: include_unmanaged,
        },
    );
    if plan.is_empty() {
        return Ok(Output {
            text: format!("no changes: the models match {}", baseline.noun()),
            json: json!({ "command": "make-migration", "changes": false }),
        });
    }
    if let Some(blocking) = plan.warnings().iter().find(|w| w.blocks()) {
        return Err(Failure(format!(
            "cannot write this migration: {blocking}; write it by hand (`{} new {name}`)",
            ctx.bin
        )));
    }
    let lossy: Vec<String> = plan
        .warnings()
        .iter()
        .filter(|w| w.loses_data())
        .map(ToString::to_string)
        .collect();
    if !lossy.is_empty() && !allow_destructive {
        return Err(Failure(format!(
            "refusing to write a migration that loses data: it {}; pass --allow-destructive to write it anyway",
            lossy.join("; it ")
        )));
    }
    let warnings: Vec<String> = plan.warnings().iter().map(ToString::to_string).collect();
    for warning in &warnings {
        eprintln!("warning: the migration {warning}");
    }
    for table in plan.unmanaged_tables() {
        eprintln!(
            "note: table `{table}` is not in the models and is left alone (--include-unmanaged drops it)"
        );
    }
    let new = scaffold::next_version(&dir, name, &ctx.bin)?;
    scaffold::write_version(&new, &plan.up_sql(), &plan.down_sql())?;
    let mut output = scaffold::new_output("make-migration", &new);
    output.json["warnings"] = json!(warnings);
    Ok(output)
}
