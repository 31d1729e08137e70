//! The migration test kit behind `strata::testing`: checks a repository on a scratch database
//! and panics with a message a person can act on. The user documentation is on the facade.

use strata_core::{Dialect, Migrations, Schema, Snapshot, SnapshotDiff, split_statements};

use crate::Backend;
use crate::error::database_message;
use crate::migrator::Migrator;
use crate::scratch::{ScratchDatabase, with_database};

/// The command that writes the migration the models need.
pub const MAKE_MIGRATION: &str = "cargo run --bin manage -- make-migration <name>";

/// Checks that the migrations build the schema the models declare: applies every migration to
/// a fresh in-memory SQLite database, reflects it and compares it with `schema.snapshot()`
/// ([`Snapshot::matches`]).
///
/// # Panics
///
/// On drift, with every difference ("column `users.email` exists only in the models") and the
/// command that writes the missing migration (`cargo run --bin manage -- make-migration
/// <name>`); when a migration fails, with its error.
#[cfg(feature = "sqlite")]
pub async fn assert_in_sync(schema: &Schema, migrations: &Migrations) {
    const CHECK: &str = "assert_in_sync";
    let scratch = in_memory(CHECK).await;
    let outcome = with_database!(&scratch, |database| {
        check_in_sync(&database.pool, schema, migrations).await
    });
    finish(CHECK, scratch, outcome).await;
}

/// [`assert_in_sync`] on a scratch database created on the PostgreSQL or MySQL/MariaDB server at
/// `url` (a new `strata_test_*` database, dropped afterwards); the migrations' variants for that
/// server are applied. An empty `url` skips the check with a printed reason, and panics when
/// `CI` is set.
pub async fn assert_in_sync_with(url: &str, schema: &Schema, migrations: &Migrations) {
    const CHECK: &str = "assert_in_sync_with";
    let Some(scratch) = on_server(CHECK, url).await else {
        return;
    };
    let outcome = with_database!(&scratch, |database| {
        check_in_sync(&database.pool, schema, migrations).await
    });
    finish(CHECK, scratch, outcome).await;
}

/// Checks that every down script undoes its up script, on a fresh in-memory SQLite database: for
/// each version in order, reflects the schema, upgrades to the version and, when it has a down
/// script, downgrades again, requires the schema reflected before, and upgrades once more.
///
/// A version without a down script is skipped, unless `strata.toml` says `require_down = true`.
///
/// # Panics
///
/// Listing each problem with its version and file: a down script that leaves a trace (an index,
/// a column, a table: each difference is listed), an up script that cannot run again after its
/// own down script, a script that fails, and (with `require_down`) the versions without a down
/// script.
#[cfg(feature = "sqlite")]
pub async fn assert_reversible(migrations: &Migrations) {
    const CHECK: &str = "assert_reversible";
    let scratch = in_memory(CHECK).await;
    let outcome = with_database!(&scratch, |database| {
        check_reversible(&database.pool, migrations).await
    });
    finish(CHECK, scratch, outcome).await;
}

/// [`assert_reversible`] on a scratch database created on the PostgreSQL or MySQL/MariaDB server
/// at `url` (a new `strata_test_*` database, dropped afterwards). An empty `url` skips the check
/// with a printed reason, and panics when `CI` is set.
pub async fn assert_reversible_with(url: &str, migrations: &Migrations) {
    const CHECK: &str = "assert_reversible_with";
    let Some(scratch) = on_server(CHECK, url).await else {
        return;
    };
    let outcome = with_database!(&scratch, |database| {
        check_reversible(&database.pool, migrations).await
    });
    finish(CHECK, scratch, outcome).await;
}

/// Checks that the migrations after `version` work on a database with data: on a fresh
/// in-memory SQLite database, applies the migrations up to `version` (0: none), runs `seed_sql`
/// (rows as production has them; several statements allowed), then upgrades to the latest
/// version.
///
/// # Panics
///
/// When the upgrade fails on the seeded rows (a NOT NULL column without a default, a unique
/// index over duplicates), with the runtime's error naming the version, the file and the
/// statement; when the seed itself fails, naming its statement.
#[cfg(feature = "sqlite")]
pub async fn assert_upgrades_from(migrations: &Migrations, version: i64, seed_sql: &'static str) {
    const CHECK: &str = "assert_upgrades_from";
    let scratch = in_memory(CHECK).await;
    let outcome = with_database!(&scratch, |database| {
        check_upgrades_from(&database.pool, migrations, version, seed_sql).await
    });
    finish(CHECK, scratch, outcome).await;
}

/// [`assert_upgrades_from`] on a scratch database created on the PostgreSQL or MySQL/MariaDB
/// server at `url` (a new `strata_test_*` database, dropped afterwards). An empty `url` skips the
/// check with a printed reason, and panics when `CI` is set.
pub async fn assert_upgrades_from_with(
    url: &str,
    migrations: &Migrations,
    version: i64,
    seed_sql: &'static str,
) {
    const CHECK: &str = "assert_upgrades_from_with";
    let Some(scratch) = on_server(CHECK, url).await else {
        return;
    };
    let outcome = with_database!(&scratch, |database| {
        check_upgrades_from(&database.pool, migrations, version, seed_sql).await
    });
    finish(CHECK, scratch, outcome).await;
}

#[cfg(feature = "sqlite")]
async fn in_memory(check: &str) -> ScratchDatabase {
    match ScratchDatabase::sqlite().await {
        Ok(scratch) => scratch,
        Err(e) => panic!("{check}: {e}"),
    }
}

/// The scratch database for a `…_with(url)` check, or `None` when `url` is empty outside CI
/// (the rule `#[strata::test]` follows for a missing server URL).
async fn on_server(check: &str, url: &str) -> Option<ScratchDatabase> {
    if url.trim().is_empty() {
        if crate::testing::running_in_ci() {
            panic!(
                "{check}: the database URL is empty, and CI requires this check to run: set the \
                 variable the test reads it from"
            );
        }
        eprintln!(
            "{check}: skipped: the database URL is empty (set it to run this check on a real \
             server)"
        );
        return None;
    }
    match ScratchDatabase::create(url).await {
        Ok(scratch) => Some(scratch),
        Err(e) => panic!("{check}: {e}"),
    }
}

/// Drops the scratch database, then panics with the check's findings, if any.
async fn finish(check: &str, scratch: ScratchDatabase, outcome: Result<(), String>) {
    scratch.close().await;
    if let Err(message) = outcome {
        panic!("{check}: {message}");
    }
}

/// How messages name a backend.
fn backend_name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL",
    }
}

/// The differences, one indented line each, with `matches`' left and right named.
fn difference_lines(diff: &SnapshotDiff, left: &str, right: &str) -> String {
    diff.differences
        .iter()
        .map(|d| {
            let d = d
                .replace(" on the left", &format!(" {left}"))
                .replace(" on the right", &format!(" {right}"));
            format!("\n  - {d}")
        })
        .collect()
}

async fn check_in_sync<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    schema: &Schema,
    migrations: &Migrations,
) -> Result<(), String> {
    let backend = backend_name(DB::DIALECT);
    let migrator = Migrator::new(migrations);
    migrator.upgrade(pool).await.map_err(|e| {
        format!("the migrations cannot be applied to an empty {backend} database: {e}")
    })?;
    let built = reflect(&migrator, pool).await?;
    let Err(diff) = built.matches(&schema.snapshot()) else {
        return Ok(());
    };
    let built_by = match migrations
        .migrations
        .iter()
        .rev()
        .find_map(|m| m.up(DB::DIALECT))
    {
        Some(last) => format!(
            "every migration (through {}) applied to an empty {backend} database",
            last.file
        ),
        None => format!("an empty {backend} database (the repository has no migrations)"),
    };
    Err(format!(
        "the migrations do not build the schema the models declare: {built_by} differs from the \
         models:{}\n\
         Write the migration that brings the database to the models with `{MAKE_MIGRATION}`, \
         or change the models to match the migrations.",
        difference_lines(&diff, "in the migrations", "in the models")
    ))
}

async fn check_reversible<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
) -> Result<(), String> {
    let migrator = Migrator::new(migrations);
    let mut problems: Vec<String> = Vec::new();
    // Listed whether or not the walk below gets that far.
    let without_down: Vec<String> = match migrations.config.require_down {
        true => migrations
            .migrations
            .iter()
            .filter(|m| m.down(DB::DIALECT).is_none())
            .filter_map(|m| Some(format!("{} ({})", m.version, m.up(DB::DIALECT)?.file)))
            .collect(),
        false => Vec::new(),
    };
    let mut before = reflect(&migrator, pool).await?;
    let mut previous = 0;
    for migration in migrations.migrations.iter() {
        let Some(up) = migration.up(DB::DIALECT) else {
            continue;
        };
        let version = migration.version;
        if let Err(e) = migrator.upgrade_to(pool, version).await {
            problems.push(format!("version {version}: {e}"));
            break;
        }
        if let Some(down) = migration.down(DB::DIALECT) {
            if let Err(e) = migrator.downgrade(pool, previous).await {
                problems.push(format!("version {version}: {e}"));
                break;
            }
            let after = reflect(&migrator, pool).await?;
            if let Err(diff) = before.matches(&after) {
                problems.push(format!(
                    "version {version}: {} does not restore the schema {} started from:{}",
                    down.file,
                    up.file,
                    difference_lines(&diff, "before the up", "after the down")
                ));
            }
            if let Err(e) = migrator.upgrade_to(pool, version).await {
                problems.push(format!(
                    "version {version}: {} cannot run again after {}: {e}",
                    up.file, down.file
                ));
                break;
            }
        }
        before = reflect(&migrator, pool).await?;
        previous = version;
    }
    if !without_down.is_empty() {
        problems.push(format!(
            "{} no down script, and strata.toml says `require_down = true`: {}",
            if without_down.len() == 1 {
                "this version has"
            } else {
                "these versions have"
            },
            without_down.join(", ")
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let count = match problems.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let list: String = problems.iter().map(|p| format!("\n{p}")).collect();
    Err(format!(
        "the migrations do not revert cleanly on {}: {count}:{list}",
        backend_name(DB::DIALECT)
    ))
}

async fn check_upgrades_from<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    migrations: &Migrations,
    version: i64,
    seed_sql: &'static str,
) -> Result<(), String>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let backend = backend_name(DB::DIALECT);
    let migrator = Migrator::new(migrations);
    if version != 0 {
        match migrator.upgrade_to(pool, version).await {
            Ok(_) => {}
            // The test asked for a version the repository does not have: say only that.
            Err(e @ crate::Error::UnknownTarget { .. }) => return Err(e.to_string()),
            Err(e) => {
                return Err(format!(
                    "the migrations up to version {version} cannot be applied to an empty \
                     {backend} database: {e}"
                ));
            }
        }
    }
    seed(pool, version, seed_sql).await?;
    let Err(e) = migrator.upgrade(pool).await else {
        return Ok(());
    };
    Err(format!(
        "upgrading a {backend} database from version {version} with the seed's rows fails: {e}\n\
         A migration must work on the data a database already has: backfill before adding a \
         constraint, give a new NOT NULL column a default."
    ))
}

/// Runs the seed statement by statement, so an error names the one that failed.
async fn seed<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    version: i64,
    seed_sql: &'static str,
) -> Result<(), String>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let statements = split_statements(seed_sql, DB::DIALECT)
        .map_err(|e| format!("the seed SQL cannot be split into statements: {e}; fix the seed"))?;
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| format!("cannot get a connection to run the seed SQL: {e}"))?;
    for statement in statements {
        // A slice of the caller's `&'static str`: SQL written into the test, not built at run
        // time.
        let sql: &'static str = &seed_sql[statement.span.clone()];
        if let Err(e) = sqlx::raw_sql(sql).execute(&mut *conn).await {
            let (message, _) = database_message(&e);
            return Err(format!(
                "the seed SQL failed at statement {} (line {}) `{}` on a database at version \
                 {version}: {message}; fix the seed",
                statement.ordinal,
                statement.line,
                statement.first_line_shortened()
            ));
        }
    }
    Ok(())
}

async fn reflect<DB: Backend>(
    migrator: &Migrator<'_>,
    pool: &sqlx::Pool<DB>,
) -> Result<Snapshot, String> {
    migrator
        .reflect(pool)
        .await
        .map_err(|e| format!("cannot read the scratch database's schema: {e}"))
}
