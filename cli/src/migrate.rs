//! upgrade, downgrade, version-control, db-version, status: the runtime's operations, with
//! progress, text and JSON output, and errors worded for where the migrations come from.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use strata_runtime::{Backend, Error, Migrator, Report, VersionState, VersionStatus};

use crate::progress::{self, Progress};
use crate::{Context, Failure, Output};

/// Applies what is pending (up to `to`), a line per migration as it finishes.
pub(crate) async fn upgrade<DB: Backend>(
    ctx: &Context<'_>,
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
    to: Option<i64>,
) -> Result<Output, Failure> {
    let total = if ctx.display.bar {
        let pending = migrator.status(pool).await.map_err(|e| ctx.error(e))?;
        let count = pending
            .iter()
            .filter(|v| v.state == VersionState::Pending && to.is_none_or(|to| v.version <= to))
            .count();
        Some(count as u64)
    } else {
        None
    };
    let progress = Progress::new(ctx.display, "applied", total);
    let result = progress
        .observe(async {
            match to {
                Some(version) => migrator.upgrade_to(pool, version).await,
                None => migrator.upgrade(pool).await,
            }
        })
        .await;
    progress.finish();
    let report = result.map_err(|e| ctx.error(e))?;
    let version = migrator
        .db_version(pool)
        .await
        .map_err(|e| ctx.error(e))?
        .unwrap_or(0);
    Ok(report_output(
        "upgrade", "applied", &report, version, &progress,
    ))
}

/// Reverts down to `version`, a line per migration as it finishes.
pub(crate) async fn downgrade<DB: Backend>(
    ctx: &Context<'_>,
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
    version: i64,
) -> Result<Output, Failure> {
    let total = if ctx.display.bar {
        let applied = migrator.status(pool).await.map_err(|e| ctx.error(e))?;
        let count = applied
            .iter()
            .filter(|v| v.state == VersionState::Applied && v.version > version)
            .count();
        Some(count as u64)
    } else {
        None
    };
    let progress = Progress::new(ctx.display, "reverted", total);
    let result = progress.observe(migrator.downgrade(pool, version)).await;
    progress.finish();
    let report = result.map_err(|e| ctx.error(e))?;
    let now = migrator
        .db_version(pool)
        .await
        .map_err(|e| ctx.error(e))?
        .unwrap_or(0);
    Ok(report_output(
        "downgrade",
        "reverted",
        &report,
        now,
        &progress,
    ))
}

pub(crate) async fn version_control<DB: Backend>(
    ctx: &Context<'_>,
    migrator: Migrator<'_>,
    pool: &sqlx::Pool<DB>,
    version: Option<i64>,
    force: bool,
) -> Result<Output, Failure> {
    let migrator = migrator.force(force);
    migrator
        .version_control(pool, version)
        .await
        .map_err(|e| ctx.error(e))?;
    let now = version.unwrap_or(0);
    Ok(Output {
        text: format!("under version control at version {now}"),
        json: json!({ "command": "version-control", "version": now }),
    })
}

pub(crate) async fn db_version<DB: Backend>(
    ctx: &Context<'_>,
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
) -> Result<Output, Failure> {
    let version = migrator.db_version(pool).await.map_err(|e| ctx.error(e))?;
    Ok(Output {
        text: match version {
            Some(v) => v.to_string(),
            None => "not under version control".to_owned(),
        },
        json: json!({ "command": "db-version", "version": version }),
    })
}

pub(crate) async fn status<DB: Backend>(
    ctx: &Context<'_>,
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
) -> Result<Output, Failure> {
    let versions = migrator.status(pool).await.map_err(|e| ctx.error(e))?;
    Ok(status_output(&versions))
}

/// The lines the progress did not print (when the runtime's events were not seen), then
/// where the database is.
fn report_output(
    command: &str,
    verb: &str,
    report: &Report,
    version: i64,
    progress: &Progress,
) -> Output {
    let mut lines: Vec<String> = report
        .migrations
        .iter()
        .filter(|m| !progress.printed(m.version))
        .map(|m| {
            format!(
                "{verb} {} {} ({})",
                m.version,
                m.name,
                progress::elapsed(m.duration)
            )
        })
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

/// Milliseconds to the microsecond: `0.885`, not `0.8852009999999999`.
fn millis(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}

fn unix_seconds(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// The runtime words some errors for a binary with embedded migrations ("is this binary
/// older…", `build.rs`); from a repository on disk they name the directory instead.
pub(crate) fn reword_for_disk(error: Error, dir: &str, bin: &str) -> Failure {
    match &error {
        Error::ChecksumMismatch {
            version,
            file,
            applied,
            embedded,
        } => Failure(format!(
            "migration {version} ({file}) was changed after it was applied: the database recorded checksum {applied}, the file in `{dir}` has {embedded}; restore the original script and put the change in a new migration"
        )),
        Error::UnknownVersions {
            versions,
            binary_latest,
        } => {
            let list: Vec<String> = versions.iter().map(i64::to_string).collect();
            let noun = if versions.len() == 1 {
                "version"
            } else {
                "versions"
            };
            let latest = match binary_latest {
                Some(v) => format!("its latest is {v}"),
                None => "it has none".to_owned(),
            };
            Failure(format!(
                "the database has {noun} {} applied that the repository `{dir}` does not contain ({latest}): restore their scripts, or point --migrations at the repository the database was migrated with",
                list.join(", ")
            ))
        }
        Error::UnknownTarget {
            version,
            below,
            above,
        } => {
            let nearest = match (below, above) {
                (Some(b), Some(a)) => format!("the nearest are {b} and {a}"),
                (Some(b), None) => format!("the latest is {b}"),
                (None, Some(a)) => format!("the first is {a}"),
                (None, None) => {
                    format!("`{dir}` has no migrations; `{bin} new <name>` creates one")
                }
            };
            Failure(format!(
                "version {version} is not a migration of the repository `{dir}`: {nearest}"
            ))
        }
        _ => reword_commands(error, bin),
    }
}

/// Commands named in the runtime's advice are the `strata` command's; a manage binary names
/// itself.
pub(crate) fn reword_commands(error: Error, bin: &str) -> Failure {
    let text = error.to_string();
    if bin == "strata" {
        Failure(text)
    } else {
        Failure(text.replace("`strata ", &format!("`{bin} ")))
    }
}
