//! The measured sections: warm start (with the statement counts), cold apply, concurrent
//! upgraders. Each returns its markdown and the targets it decides.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::BoxError;
use crate::backend::{Db, Server, Target};
use crate::count::{self, Tally, Wire};
use crate::runners::{self, MigrationSet, Runner};
use crate::stats::{self, Summary};
use crate::{Outcome, Plan, TargetCheck};

/// `items` rotated left by `rep`: every runner goes first, last and in between as often.
pub fn rotated<T: Copy>(items: &[T], rep: usize) -> Vec<T> {
    let mut order = items.to_vec();
    if !order.is_empty() {
        let by = rep % order.len();
        order.rotate_left(by);
    }
    order
}

fn summaries(samples: &HashMap<Runner, Vec<Duration>>) -> HashMap<Runner, Summary> {
    samples
        .iter()
        .filter_map(|(runner, samples)| Some((*runner, stats::summarize(samples)?)))
        .collect()
}

fn progress(message: &str) {
    eprintln!("[strata-bench] {message}");
}

// ---- warm start and statement counts ----

/// What each runner sent in one counted run.
type Tallies = HashMap<Runner, Tally>;

const WARM_RUNNERS: [Runner; 6] = [
    Runner::Connect,
    Runner::PoolSelect1,
    Runner::PoolReadRow,
    Runner::Strata,
    Runner::Sqlx,
    Runner::Refinery,
];

pub async fn warm_start(
    plan: &Plan,
    servers: &[Server],
    sets: &HashMap<u32, Arc<MigrationSet>>,
) -> Result<Outcome, BoxError> {
    let mut table = String::new();
    table.push_str(
        "| backend | N | connect (floor) | pool + SELECT 1 (floor) | pool + one row (floor) | strata | sqlx | refinery | strata / pool floor | strata / row floor | strata / sqlx |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut counts: Vec<(Db, u32, Tallies)> = Vec::new();
    let mut checks = Vec::new();
    for server in servers {
        let proxy = proxy_for(server).await?;
        for &n in &plan.warm_ns {
            let set = &sets[&n];
            progress(&format!("warm start: {} N = {n}", server.db.label()));
            // One migrated database per tool; the floors use strata's.
            let mut databases: HashMap<Runner, Target> = HashMap::new();
            for tool in [Runner::Strata, Runner::Sqlx, Runner::Refinery] {
                let target = server.create().await?;
                runners::startup(tool, &target, set).await?;
                check_exactly_once(&target, n).await?;
                databases.insert(tool, target);
            }
            let database_of = |runner: Runner| match runner {
                Runner::Sqlx | Runner::Refinery => &databases[&runner],
                _ => &databases[&Runner::Strata],
            };
            // Warm-up: caches, the servers' catalogs, the first connection of each kind.
            for runner in WARM_RUNNERS {
                runners::startup(runner, database_of(runner), set).await?;
            }
            let mut samples: HashMap<Runner, Vec<Duration>> = HashMap::new();
            for rep in 0..plan.warm_reps {
                for runner in rotated(&WARM_RUNNERS, rep) {
                    let start = Instant::now();
                    runners::startup(runner, database_of(runner), set).await?;
                    samples.entry(runner).or_default().push(start.elapsed());
                }
            }
            // Counted apart from the timed runs, through the proxy (or the SQLite counters).
            let mut tallies = HashMap::new();
            for runner in WARM_RUNNERS {
                let database = database_of(runner);
                let tally = match &proxy {
                    Some(proxy) => {
                        let proxied = server.target_at(&database.name, Some(proxy.addr));
                        proxy.counters.reset();
                        runners::startup(runner, &proxied, set).await?;
                        proxy.counters.wire_tally()
                    }
                    None => {
                        count::sqlite_counting(true);
                        let outcome = runners::startup(runner, database, set).await;
                        count::sqlite_counting(false);
                        outcome?;
                        count::sqlite_tally()
                    }
                };
                tallies.insert(runner, tally);
            }
            counts.push((server.db, n, tallies));
            for target in databases.values() {
                server.drop_database(target).await?;
            }
            let s = summaries(&samples);
            let get = |runner| s.get(&runner);
            let _ = writeln!(
                table,
                "| {} | {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                server.db.label(),
                stats::cell(get(Runner::Connect)),
                stats::cell(get(Runner::PoolSelect1)),
                stats::cell(get(Runner::PoolReadRow)),
                stats::cell(get(Runner::Strata)),
                stats::cell(get(Runner::Sqlx)),
                stats::cell(get(Runner::Refinery)),
                stats::ratio(get(Runner::Strata), get(Runner::PoolSelect1)),
                stats::ratio(get(Runner::Strata), get(Runner::PoolReadRow)),
                stats::ratio(get(Runner::Strata), get(Runner::Sqlx)),
            );
            {
                let floor = stats::ratio_value(get(Runner::Strata), get(Runner::PoolSelect1));
                checks.push(TargetCheck::at_most(
                    format!(
                        "warm start ≤ 1.2× the pool floor, {} (N = {n})",
                        server.db.label()
                    ),
                    floor,
                    1.2,
                ));
                let sqlx = stats::ratio_value(get(Runner::Strata), get(Runner::Sqlx));
                checks.push(TargetCheck::at_most(
                    format!("warm start below sqlx, {} (N = {n})", server.db.label()),
                    sqlx,
                    1.0,
                ));
            }
        }
    }
    let mut markdown = format!(
        "### Warm start\n\n\
         Open the default sqlx pool (refinery: its own driver's connection or pool), upgrade with \
         nothing pending, close. The second floor reads one row of a real table (`bench_1`, \
         by its primary key) instead of `SELECT 1`: what reading any bookkeeping table costs a \
         new connection. Milliseconds: median (min–max) of {} runs per cell, runners in \
         rotating order.\n\n{table}\n",
        plan.warm_reps
    );
    markdown.push_str(&counts_table(&counts, plan.largest_warm()));
    Ok(Outcome { markdown, checks })
}

/// A counting proxy in front of the server (none for SQLite).
async fn proxy_for(server: &Server) -> Result<Option<count::Proxy>, BoxError> {
    Ok(match server.db {
        Db::Sqlite => None,
        Db::Postgres => Some(count::start_proxy(Wire::Postgres, addr(server)?).await?),
        Db::MySql => Some(count::start_proxy(Wire::MySql, addr(server)?).await?),
    })
}

fn addr(server: &Server) -> Result<std::net::SocketAddr, BoxError> {
    server
        .addr()
        .ok_or_else(|| format!("{} has no server address", server.db.label()).into())
}

fn counts_table(counts: &[(Db, u32, Tallies)], n: u32) -> String {
    let dbs: Vec<Db> = counts
        .iter()
        .filter(|(_, at, _)| *at == n)
        .map(|(db, _, _)| *db)
        .collect();
    let mut markdown = format!(
        "### Statements and round trips on the warm path (N = {n})\n\n\
         Everything a start sends, connect to close. PostgreSQL and MariaDB: client→server \
         messages counted by a proxy on the wire (statements = simple queries + Executes / \
         COM_QUERY + COM_STMT_EXECUTE; round trips = messages the client waits on: simple \
         queries and Syncs / every command but COM_STMT_CLOSE and COM_QUIT; the startup \
         handshake not included). SQLite: in process, no round trips; statements = sqlx's \
         `sqlx::query` log events (one per execute/fetch call, the driver's connection \
         PRAGMAs included) and, for refinery, `sqlite3_trace_v2` statement events. The floors \
         show what the driver and the pool cost by themselves.\n\n\
         | runner |"
    );
    for db in &dbs {
        let _ = write!(markdown, " {} |", db.label());
    }
    markdown.push_str("\n|---|");
    for _ in &dbs {
        markdown.push_str("---|");
    }
    markdown.push('\n');
    for runner in WARM_RUNNERS {
        let _ = write!(markdown, "| {} |", runner.label());
        for (_, _, tallies) in counts.iter().filter(|(_, at, _)| *at == n) {
            let cell = match tallies.get(&runner) {
                Some(Tally {
                    statements,
                    round_trips: Some(round_trips),
                }) => format!("{statements} statements, {round_trips} round trips"),
                Some(Tally { statements, .. }) => format!("{statements} statements"),
                None => "—".to_string(),
            };
            let _ = write!(markdown, " {cell} |");
        }
        markdown.push('\n');
    }
    // The fast path must not grow with N.
    let mut growth = Vec::new();
    for (db, at, tallies) in counts {
        if let Some(tally) = tallies.get(&Runner::Strata) {
            growth.push(format!(
                "{} N = {at}: {}",
                db.label(),
                match tally.round_trips {
                    Some(rt) => format!("{}/{rt}", tally.statements),
                    None => tally.statements.to_string(),
                }
            ));
        }
    }
    let _ = writeln!(
        markdown,
        "\nstrata at every N (statements/round trips): {}.\n",
        growth.join("; ")
    );
    markdown
}

async fn check_exactly_once(target: &Target, n: u32) -> Result<(), BoxError> {
    let (rows, distinct) = runners::log_rows(target).await?;
    if rows != i64::from(n) || distinct != i64::from(n) {
        return Err(format!(
            "{} database {}: {rows} log rows, {distinct} distinct versions, expected {n}",
            target.db.label(),
            target.name
        )
        .into());
    }
    Ok(())
}

// ---- cold apply ----

fn cold_runners(db: Db) -> Vec<Runner> {
    let all = [
        Runner::RawOneTx,
        Runner::RawPerScript,
        Runner::StrataAll,
        Runner::Strata,
        Runner::Sqlx,
        Runner::Refinery,
    ];
    // MySQL commits every DDL statement: one transaction for everything does not exist there,
    // and strata rejects TransactionMode::All on it.
    all.into_iter()
        .filter(|runner| db != Db::MySql || !matches!(runner, Runner::RawOneTx | Runner::StrataAll))
        .collect()
}

pub async fn cold_apply(
    plan: &Plan,
    servers: &[Server],
    sets: &HashMap<u32, Arc<MigrationSet>>,
) -> Result<Outcome, BoxError> {
    let mut table = String::from(
        "| backend | N | raw, one transaction (floor) | raw, per script (floor) | strata All | strata per migration | sqlx | refinery | All / one-tx floor | per migration / sqlx | per migration / refinery |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut checks = Vec::new();
    let mut reps_used = Vec::new();
    let mut cold_counts: Vec<(Db, u32, Vec<Runner>, Tallies)> = Vec::new();
    for server in servers {
        for &n in plan.cold_ns(server.db) {
            let set = &sets[&n];
            let reps = plan.cold_reps(n);
            reps_used.push(reps);
            progress(&format!(
                "cold apply: {} N = {n}, {reps} runs",
                server.db.label()
            ));
            let order = cold_runners(server.db);
            let mut samples: HashMap<Runner, Vec<Duration>> = HashMap::new();
            for rep in 0..reps {
                for runner in rotated(&order, rep) {
                    let target = server.create().await?;
                    let elapsed = runners::apply_timed(runner, &target, set).await;
                    let verified = match &elapsed {
                        Ok(_) => check_exactly_once(&target, n).await,
                        Err(_) => Ok(()),
                    };
                    server.drop_database(&target).await?;
                    let elapsed = elapsed
                        .map_err(|e| format!("{} on {}: {e}", runner.label(), server.db.label()))?;
                    verified?;
                    samples.entry(runner).or_default().push(elapsed);
                }
            }
            if Some(&n) == plan.cold_ns(server.db).first() {
                let proxy = proxy_for(server).await?;
                let mut tallies = HashMap::new();
                for runner in &order {
                    let target = server.create().await?;
                    let tally = match &proxy {
                        Some(proxy) => {
                            let proxied = server.target_at(&target.name, Some(proxy.addr));
                            proxy.counters.reset();
                            let outcome = runners::apply_timed(*runner, &proxied, set).await;
                            outcome.map(|_| proxy.counters.wire_tally())
                        }
                        None => {
                            count::sqlite_counting(true);
                            let outcome = runners::apply_timed(*runner, &target, set).await;
                            count::sqlite_counting(false);
                            outcome.map(|_| count::sqlite_tally())
                        }
                    };
                    server.drop_database(&target).await?;
                    tallies.insert(*runner, tally?);
                }
                cold_counts.push((server.db, n, order.clone(), tallies));
            }
            let s = summaries(&samples);
            let get = |runner| s.get(&runner);
            let _ = writeln!(
                table,
                "| {} | {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                server.db.label(),
                stats::cell(get(Runner::RawOneTx)),
                stats::cell(get(Runner::RawPerScript)),
                stats::cell(get(Runner::StrataAll)),
                stats::cell(get(Runner::Strata)),
                stats::cell(get(Runner::Sqlx)),
                stats::cell(get(Runner::Refinery)),
                stats::ratio(get(Runner::StrataAll), get(Runner::RawOneTx)),
                stats::ratio(get(Runner::Strata), get(Runner::Sqlx)),
                stats::ratio(get(Runner::Strata), get(Runner::Refinery)),
            );
            let label = format!("{} (N = {n})", server.db.label());
            if server.db != Db::MySql {
                checks.push(TargetCheck::at_most(
                    format!("cold apply, All ≤ 1.1× the one-transaction floor, {label}"),
                    stats::ratio_value(get(Runner::StrataAll), get(Runner::RawOneTx)),
                    1.1,
                ));
            }
            checks.push(TargetCheck::at_most(
                format!("cold apply, per migration no slower than sqlx, {label}"),
                stats::ratio_value(get(Runner::Strata), get(Runner::Sqlx)),
                1.0,
            ));
            checks.push(TargetCheck::at_most(
                format!("cold apply, per migration no slower than refinery, {label}"),
                stats::ratio_value(get(Runner::Strata), get(Runner::Refinery)),
                1.0,
            ));
        }
    }
    let reps = describe_reps(&reps_used);
    let mut counted = String::new();
    for (db, n, order, tallies) in &cold_counts {
        let cells: Vec<String> = order
            .iter()
            .map(|runner| {
                let tally = &tallies[runner];
                match tally.round_trips {
                    Some(rt) => format!("{} {}/{rt}", runner.label(), tally.statements),
                    None => format!("{} {}", runner.label(), tally.statements),
                }
            })
            .collect();
        let _ = writeln!(counted, "- {} N = {n}: {}", db.label(), cells.join("; "));
    }
    let markdown = format!(
        "### Cold apply\n\n\
         All N migrations on a fresh database; the clock runs from an open connection to the \
         last commit (creating the database is outside it). Floors: the same scripts with no \
         bookkeeping, in one transaction and in one transaction per script, each script sent \
         whole (`sqlx::raw_sql`). Every run is checked: every script ran exactly once. \
         Milliseconds: median (min–max) of {reps} runs, runners in rotating order. MariaDB \
         commits every DDL statement, so it has no one-transaction rows.\n\n{table}\n\
         Statements (and round trips), one counted run at the smallest N, opening the pool \
         included, counted as on the warm path:\n\n{counted}\n"
    );
    Ok(Outcome { markdown, checks })
}

fn describe_reps(reps: &[usize]) -> String {
    let min = reps.iter().min().copied().unwrap_or(0);
    let max = reps.iter().max().copied().unwrap_or(0);
    if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    }
}

// ---- concurrent upgraders ----

#[derive(Default)]
struct Concurrency {
    samples: HashMap<usize, Vec<Duration>>,
    failed_upgraders: usize,
    runs: usize,
    first_error: Option<String>,
    exactly_once_violations: Vec<String>,
}

pub async fn concurrent(
    plan: &Plan,
    servers: &[Server],
    set: Arc<MigrationSet>,
) -> Result<Outcome, BoxError> {
    let n = set.n;
    let upgraders = plan.upgraders;
    let mut table = format!(
        "| backend | runner | one upgrader | {upgraders} upgraders | {upgraders} / one | exactly once | upgraders that failed |\n\
         |---|---|---|---|---|---|---|\n"
    );
    let mut checks = Vec::new();
    for server in servers {
        progress(&format!(
            "concurrent upgraders: {} N = {n}, {} runs",
            server.db.label(),
            plan.concurrent_reps
        ));
        let tools = [
            Runner::PoolSelect1,
            Runner::Strata,
            Runner::Sqlx,
            Runner::Refinery,
        ];
        let combos: Vec<(Runner, usize)> = tools
            .iter()
            .flat_map(|tool| [(*tool, 1), (*tool, upgraders)])
            .collect();
        let mut results: HashMap<Runner, Concurrency> = HashMap::new();
        for rep in 0..plan.concurrent_reps {
            for (tool, count) in rotated(&combos, rep) {
                let target = Arc::new(server.create().await?);
                let start = Instant::now();
                let tasks: Vec<_> = (0..count)
                    .map(|_| {
                        let (target, set) = (target.clone(), set.clone());
                        tokio::spawn(async move {
                            runners::startup(tool, &target, &set)
                                .await
                                .map_err(|e| e.to_string())
                        })
                    })
                    .collect();
                let mut errors = Vec::new();
                for task in tasks {
                    if let Err(error) = task.await? {
                        errors.push(error);
                    }
                }
                let elapsed = start.elapsed();
                let state = results.entry(tool).or_default();
                state.samples.entry(count).or_default().push(elapsed);
                if count > 1 {
                    state.runs += 1;
                    state.failed_upgraders = state.failed_upgraders.max(errors.len());
                }
                if state.first_error.is_none() {
                    state.first_error = errors.first().cloned();
                }
                if tool != Runner::PoolSelect1
                    && let Err(error) = check_exactly_once(&target, n).await
                {
                    state
                        .exactly_once_violations
                        .push(format!("{count} upgraders: {error}"));
                }
                server.drop_database(&target).await?;
            }
        }
        for tool in tools {
            let state = &results[&tool];
            let one = state.samples.get(&1).and_then(|s| stats::summarize(s));
            let many = state
                .samples
                .get(&upgraders)
                .and_then(|s| stats::summarize(s));
            let exactly_once = if tool == Runner::PoolSelect1 {
                "—".to_string()
            } else if state.exactly_once_violations.is_empty() {
                format!("yes, {} of {} runs", state.runs, state.runs)
            } else {
                format!(
                    "**no**, {} runs: {}",
                    state.exactly_once_violations.len(),
                    shorten(&state.exactly_once_violations[0])
                )
            };
            let failed = match (&state.first_error, state.failed_upgraders) {
                (_, 0) => "0".to_string(),
                (Some(error), k) => format!("up to {k} of {upgraders}: {}", shorten(error)),
                (None, k) => format!("up to {k} of {upgraders}"),
            };
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {exactly_once} | {failed} |",
                server.db.label(),
                tool.label(),
                stats::cell(one.as_ref()),
                stats::cell(many.as_ref()),
                stats::ratio(many.as_ref(), one.as_ref()),
            );
            if tool == Runner::Strata {
                let ok = state.exactly_once_violations.is_empty() && state.failed_upgraders == 0;
                let mut check = TargetCheck::at_most(
                    format!(
                        "{upgraders} upgraders ≤ 1.2× one, every upgrader succeeds, exactly once, {} (N = {n})",
                        server.db.label()
                    ),
                    stats::ratio_value(many.as_ref(), one.as_ref()),
                    1.2,
                );
                if !ok {
                    check.met = Some(false);
                }
                checks.push(check);
            }
        }
    }
    let markdown = format!(
        "### {upgraders} concurrent upgraders\n\n\
         {upgraders} upgraders start together on a fresh database (each its own pool or \
         connection, as separate service instances would) and apply N = {n} migrations; time \
         until the last one is done, against one upgrader alone on a fresh database. Afterwards \
         `bench_log` must hold each version exactly once. The floor row opens the same pools \
         and sends `SELECT 1` (no migrating): what {upgraders} connections opened at once cost \
         by themselves on this machine. Milliseconds: median (min–max) of {} runs.\n\n{table}\n",
        plan.concurrent_reps
    );
    Ok(Outcome { markdown, checks })
}

pub fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().replace('|', "\\|");
    if line.chars().count() > 110 {
        let cut: String = line.chars().take(107).collect();
        format!("{cut}…")
    } else {
        line
    }
}
