//! `strata::testing`: each check catches its seeded defect on every backend where the defect
//! exists, names the version, the file and the difference, and passes on a correct repository.
//!
//! The SQLite cases run the in-memory checks; the PostgreSQL and MySQL cases the `…_with(url)`
//! variants on the servers `STRATA_TEST_POSTGRES_URL` / `STRATA_TEST_MYSQL_URL` name (with the
//! `postgres` / `mysql` feature).

#![deny(warnings)]

use std::future::Future;

use strata::{Dialect, Migrations, Schema};

static GOOD: Migrations = strata::embed_migrations!("tests/migrations/kit_good");
static DRIFT: Migrations = strata::embed_migrations!("tests/migrations/kit_drift");
static DOWN_FORGETS_INDEX: Migrations =
    strata::embed_migrations!("tests/migrations/kit_down_forgets_index");
static DOWN_DROPS_WRONG_COLUMN: Migrations =
    strata::embed_migrations!("tests/migrations/kit_down_drops_wrong_column");
static DOWN_KEEPS_TABLE: Migrations =
    strata::embed_migrations!("tests/migrations/kit_down_keeps_table");
static EMPTY: Migrations = strata::embed_migrations!("tests/migrations/kit_empty");
static DOWN_FAILS: Migrations = strata::embed_migrations!("tests/migrations/kit_down_fails");
static NOT_NULL: Migrations = strata::embed_migrations!("tests/migrations/kit_not_null");
static REQUIRE_DOWN: Migrations = strata::embed_migrations!("tests/migrations/kit_require_down");

/// The model `kit_good` builds.
#[derive(strata::Table)]
#[table(name = "users", index(name))]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
    #[column(length = 64)]
    pub name: String,
    #[column(length = 100)]
    pub email: Option<String>,
}

static SCHEMA: Schema = strata::schema![User];

/// Where a check runs: in memory (SQLite) or on a server.
struct Target {
    url: Option<String>,
    dialect: Dialect,
}

impl Target {
    fn sqlite() -> Target {
        Target {
            url: None,
            dialect: Dialect::Sqlite,
        }
    }

    fn server(var: &str, dialect: Dialect) -> Option<Target> {
        let url = strata::__private::testing::server_url(var)?;
        Some(Target {
            url: Some(url),
            dialect,
        })
    }

    /// The expected text for this backend.
    fn pick<'a>(&self, sqlite: &'a str, postgres: &'a str, mysql: &'a str) -> &'a str {
        match self.dialect {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
            Dialect::Mysql => mysql,
        }
    }

    fn backend(&self) -> &'static str {
        self.pick("SQLite", "PostgreSQL", "MySQL")
    }

    /// The check's name as its message starts: `assert_reversible` or `assert_reversible_with`.
    fn check(&self, name: &str) -> String {
        match self.url {
            Some(_) => format!("{name}_with"),
            None => name.to_owned(),
        }
    }

    /// How the runtime's error for a failed migration 2 ends: rolled back, or (MySQL, which
    /// cannot roll back DDL) left incomplete after `took_effect` statements.
    fn failed_up_tail(&self, took_effect: &str) -> String {
        match self.dialect {
            Dialect::Mysql => format!(
                "{took_effect} took effect and cannot be rolled back, so version 2 is marked \
                 incomplete: repair the database by hand, then run `strata version-control \
                 --force 2` if it is now fully applied, or `strata version-control --force 1` \
                 to run it again"
            ),
            _ => "it was rolled back, so the database is unchanged: fix the script and run again"
                .to_owned(),
        }
    }

    async fn in_sync(&self, schema: &'static Schema, migrations: &'static Migrations) -> Outcome {
        let url = self.url.clone();
        caught(async move {
            match url {
                None => strata::testing::assert_in_sync(schema, migrations).await,
                Some(url) => strata::testing::assert_in_sync_with(&url, schema, migrations).await,
            }
        })
        .await
    }

    async fn reversible(&self, migrations: &'static Migrations) -> Outcome {
        let url = self.url.clone();
        caught(async move {
            match url {
                None => strata::testing::assert_reversible(migrations).await,
                Some(url) => strata::testing::assert_reversible_with(&url, migrations).await,
            }
        })
        .await
    }

    async fn upgrades_from(
        &self,
        migrations: &'static Migrations,
        version: i64,
        seed: &'static str,
    ) -> Outcome {
        let url = self.url.clone();
        caught(async move {
            match url {
                None => strata::testing::assert_upgrades_from(migrations, version, seed).await,
                Some(url) => {
                    strata::testing::assert_upgrades_from_with(&url, migrations, version, seed)
                        .await
                }
            }
        })
        .await
    }
}

/// A check's result: `Ok` when it passed, else its panic message.
type Outcome = Result<(), String>;

/// Runs `check` on its own task and returns its panic message, if it panicked.
async fn caught(check: impl Future<Output = ()> + Send + 'static) -> Outcome {
    match tokio::spawn(check).await {
        Ok(()) => Ok(()),
        Err(error) => {
            let panic = error.into_panic();
            Err(match panic.downcast::<String>() {
                Ok(message) => *message,
                Err(panic) => panic
                    .downcast::<&str>()
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            })
        }
    }
}

/// For each named `async fn(Target)`, a module with one test per backend.
macro_rules! on_each_backend {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test]
                async fn sqlite() {
                    super::$case(super::Target::sqlite()).await;
                }

                #[cfg(feature = "postgres")]
                #[tokio::test]
                async fn postgres() {
                    let Some(target) =
                        super::Target::server("STRATA_TEST_POSTGRES_URL", strata::Dialect::Postgres)
                    else {
                        return;
                    };
                    super::$case(target).await;
                }

                #[cfg(feature = "mysql")]
                #[tokio::test]
                async fn mysql() {
                    let Some(target) =
                        super::Target::server("STRATA_TEST_MYSQL_URL", strata::Dialect::Mysql)
                    else {
                        return;
                    };
                    super::$case(target).await;
                }
            }
        )*
    };
}

on_each_backend!(
    a_correct_repository_passes_every_check,
    a_model_column_no_migration_creates_is_drift,
    a_down_script_that_forgets_an_index,
    a_down_script_that_drops_the_wrong_column,
    an_up_script_that_cannot_run_after_a_down_that_keeps_its_table,
    not_null_added_over_existing_nulls,
    require_down_lists_versions_without_a_down_script,
    a_failing_seed_is_the_seeds_fault,
    a_version_the_repository_lacks_is_named,
    a_down_script_that_fails,
    models_without_any_migration,
);

async fn a_correct_repository_passes_every_check(target: Target) {
    // Its bookkeeping table is `schema_history` (strata.toml), which no check mistakes for a
    // table of the schema.
    assert_eq!(GOOD.config.table, "schema_history");
    assert_eq!(target.in_sync(&SCHEMA, &GOOD).await, Ok(()));
    assert_eq!(target.reversible(&GOOD).await, Ok(()));
    // Rows as production has them at every stop of the history.
    let seed = "INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'grace');";
    assert_eq!(target.upgrades_from(&GOOD, 1, seed).await, Ok(()));
    let seed = "INSERT INTO users (id, name, email) VALUES (1, 'ada', NULL);";
    assert_eq!(target.upgrades_from(&GOOD, 2, seed).await, Ok(()));
    // Seeded at the latest version, there is nothing left to upgrade.
    assert_eq!(target.upgrades_from(&GOOD, 4, seed).await, Ok(()));
}

async fn a_model_column_no_migration_creates_is_drift(target: Target) {
    let message = target.in_sync(&SCHEMA, &DRIFT).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not build the schema the models declare: every migration \
             (through 0002_index_users_name.sql) applied to an empty {} database differs from \
             the models:\n  \
             - column `users.email` exists only in the models\n\
             Write the migration that brings the database to the models with `cargo run --bin \
             manage -- make-migration <name>`, or change the models to match the migrations.",
            target.check("assert_in_sync"),
            target.backend()
        )
    );
}

async fn a_down_script_that_forgets_an_index(target: Target) {
    let message = target.reversible(&DOWN_FORGETS_INDEX).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not revert cleanly on {}: 2 problems:\n\
             version 2: 0002_tags_and_name_index.down.sql does not restore the schema \
             0002_tags_and_name_index.sql started from:\n  \
             - table `users`: index (name) exists only after the down\n\
             version 2: 0002_tags_and_name_index.sql cannot run again after \
             0002_tags_and_name_index.down.sql: migration 2 (0002_tags_and_name_index.sql) \
             failed at statement 2 `CREATE INDEX users_name_idx ON users (name)`: {}; {}",
            target.check("assert_reversible"),
            target.backend(),
            target.pick(
                "index users_name_idx already exists (code 1)",
                "relation \"users_name_idx\" already exists (code 42P07)",
                "Duplicate key name 'users_name_idx' (code 1061, SQLSTATE 42000)"
            ),
            target.failed_up_tail("the 1 statement before it")
        )
    );
}

async fn a_down_script_that_drops_the_wrong_column(target: Target) {
    let message = target
        .reversible(&DOWN_DROPS_WRONG_COLUMN)
        .await
        .unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not revert cleanly on {}: 2 problems:\n\
             version 2: 0002_add_users_nickname.down.sql does not restore the schema \
             0002_add_users_nickname.sql started from:\n  \
             - column `users.email` exists only before the up\n  \
             - column `users.nickname` exists only after the down\n\
             version 2: 0002_add_users_nickname.sql cannot run again after \
             0002_add_users_nickname.down.sql: migration 2 (0002_add_users_nickname.sql) failed \
             at statement 1 `ALTER TABLE users ADD COLUMN nickname VARCHAR(40)`: {}; {}",
            target.check("assert_reversible"),
            target.backend(),
            target.pick(
                "duplicate column name: nickname (code 1)",
                "column \"nickname\" of relation \"users\" already exists (code 42701)",
                "Duplicate column name 'nickname' (code 1060, SQLSTATE 42S21)"
            ),
            target.failed_up_tail("no statement before it")
        )
    );
}

async fn an_up_script_that_cannot_run_after_a_down_that_keeps_its_table(target: Target) {
    let message = target.reversible(&DOWN_KEEPS_TABLE).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not revert cleanly on {}: 2 problems:\n\
             version 2: 0002_create_audit.down.sql does not restore the schema \
             0002_create_audit.sql started from:\n  \
             - table `audit` exists only after the down\n\
             version 2: 0002_create_audit.sql cannot run again after \
             0002_create_audit.down.sql: migration 2 (0002_create_audit.sql) failed at statement \
             1 `CREATE TABLE audit ( …`: {}; {}",
            target.check("assert_reversible"),
            target.backend(),
            target.pick(
                "table audit already exists (code 1)",
                "relation \"audit\" already exists (code 42P07)",
                "Table 'audit' already exists (code 1050, SQLSTATE 42S01)"
            ),
            target.failed_up_tail("no statement before it")
        )
    );
}

async fn not_null_added_over_existing_nulls(target: Target) {
    // Rows with an email upgrade fine; a NULL email stops the migration.
    let with_email = "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com');";
    assert_eq!(target.upgrades_from(&NOT_NULL, 1, with_email).await, Ok(()));
    let without_email = "INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com');\n\
                         INSERT INTO users (id, name) VALUES (2, 'grace');";
    let message = target
        .upgrades_from(&NOT_NULL, 1, without_email)
        .await
        .unwrap_err();
    let failure = target.pick(
        "migration 2 (0002_require_email.sqlite.sql) failed at statement 2 `INSERT INTO \
         users_new (id, name, email) SELECT id, name, email FROM users`: NOT NULL constraint \
         failed: users_new.email (code 1299)",
        "migration 2 (0002_require_email.sql) failed at statement 1 `ALTER TABLE users ALTER \
         COLUMN email SET NOT NULL`: column \"email\" of relation \"users\" contains null values \
         (code 23502)",
        "migration 2 (0002_require_email.mysql.sql) failed at statement 1 `ALTER TABLE users \
         MODIFY email VARCHAR(100) NOT NULL`: Data truncated for column 'email' at row 2 (code \
         1265, SQLSTATE 01000)",
    );
    assert_eq!(
        message,
        format!(
            "{}: upgrading a {} database from version 1 with the seed's rows fails: {failure}; \
             {}\n\
             A migration must work on the data a database already has: backfill before adding a \
             constraint, give a new NOT NULL column a default.",
            target.check("assert_upgrades_from"),
            target.backend(),
            target.failed_up_tail("no statement before it")
        )
    );
}

async fn require_down_lists_versions_without_a_down_script(target: Target) {
    let message = target.reversible(&REQUIRE_DOWN).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not revert cleanly on {}: 1 problem:\n\
             these versions have no down script, and strata.toml says `require_down = true`: \
             2 (0002_add_users_email.sql), 3 (0003_index_users_name.sql)",
            target.check("assert_reversible"),
            target.backend()
        )
    );
    // Without `require_down`, a version without a down script is skipped: `kit_good`'s 4.
    assert!(GOOD.get(4).unwrap().down(target.dialect).is_none());
    assert_eq!(target.reversible(&GOOD).await, Ok(()));
}

async fn a_version_the_repository_lacks_is_named(target: Target) {
    let message = target.upgrades_from(&GOOD, 9, "").await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: version 9 is not an embedded migration: the latest is 4",
            target.check("assert_upgrades_from")
        )
    );
}

async fn a_failing_seed_is_the_seeds_fault(target: Target) {
    let seed = "INSERT INTO users (id, name) VALUES (1, 'ada');\nINSERT INTO users (id, nick) VALUES (2, 'x');";
    let message = target.upgrades_from(&GOOD, 1, seed).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the seed SQL failed at statement 2 (line 2) `INSERT INTO users (id, nick) VALUES \
             (2, 'x')` on a database at version 1: {}; fix the seed",
            target.check("assert_upgrades_from"),
            target.pick(
                "table users has no column named nick",
                "column \"nick\" of relation \"users\" does not exist",
                "Unknown column 'nick' in 'INSERT INTO'"
            )
        )
    );
}

/// `…_with("")` (an unset variable read with `unwrap_or_default()`) follows `#[strata::test]`'s
/// rule for a missing server URL: skipped, except under CI, where it must run.
#[tokio::test]
async fn an_empty_url_skips_outside_ci_and_fails_under_it() {
    let outcomes = [
        caught(strata::testing::assert_in_sync_with("", &SCHEMA, &GOOD)).await,
        caught(strata::testing::assert_reversible_with("", &GOOD)).await,
        caught(strata::testing::assert_upgrades_from_with("", &GOOD, 1, "")).await,
    ];
    let checks = [
        "assert_in_sync_with",
        "assert_reversible_with",
        "assert_upgrades_from_with",
    ];
    for (outcome, check) in outcomes.into_iter().zip(checks) {
        if strata::__private::testing::running_in_ci() {
            assert_eq!(
                outcome,
                Err(format!(
                    "{check}: the database URL is empty, and CI requires this check to run: set \
                     the variable the test reads it from"
                ))
            );
        } else {
            assert_eq!(outcome, Ok(()));
        }
    }
}

/// A server that cannot be reached is a failure naming what was being done, whatever `CI` says.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn an_unreachable_server_fails_the_check() {
    // Port 1 on the loopback interface: nothing listens there.
    let message = caught(strata::testing::assert_reversible_with(
        "postgres://postgres@127.0.0.1:1/app",
        &GOOD,
    ))
    .await
    .unwrap_err();
    assert!(
        message.starts_with(
            "assert_reversible_with: cannot make a scratch database: cannot connect to the \
             PostgreSQL server: "
        ),
        "{message}"
    );
}

/// A URL strata has no backend for names its scheme only (the URL may hold a password).
#[tokio::test]
async fn an_unsupported_url_names_its_scheme_only() {
    let message = caught(strata::testing::assert_in_sync_with(
        "redis://user:secret@localhost/0",
        &SCHEMA,
        &GOOD,
    ))
    .await
    .unwrap_err();
    assert!(
        message.starts_with(
            "assert_in_sync_with: cannot make a scratch database: the URL scheme `redis:` is not \
             one this build supports ("
        ),
        "{message}"
    );
    assert!(!message.contains("secret"), "{message}");
}

async fn a_down_script_that_fails(target: Target) {
    let message = target.reversible(&DOWN_FAILS).await.unwrap_err();
    // MySQL names the table with its database, the scratch database's generated name.
    let message = match message.split_once("strata_test_") {
        Some((before, after)) => {
            let rest = after.split_once('.').map_or("", |(_, rest)| rest);
            format!("{before}<scratch>.{rest}")
        }
        None => message,
    };
    let failure = target.pick(
        "no such table: user_accounts (code 1); it was rolled back, so the database is \
         unchanged: fix the script and run again",
        "table \"user_accounts\" does not exist (code 42P01); it was rolled back, so the database \
         is unchanged: fix the script and run again",
        "Unknown table '<scratch>.user_accounts' (code 1051, SQLSTATE 42S02); no statement \
         before it took effect and cannot be rolled back, so version 1 is marked incomplete: \
         repair the database by hand, then run `strata version-control --force 0` if it is now \
         fully reverted, or `strata version-control --force 1` to keep it applied",
    );
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not revert cleanly on {}: 1 problem:\n\
             version 1: down script of migration 1 (0001_create_users.down.sql) failed at \
             statement 1 `DROP TABLE user_accounts`: {failure}",
            target.check("assert_reversible"),
            target.backend()
        )
    );
}

async fn models_without_any_migration(target: Target) {
    let message = target.in_sync(&SCHEMA, &EMPTY).await.unwrap_err();
    assert_eq!(
        message,
        format!(
            "{}: the migrations do not build the schema the models declare: an empty {} database \
             (the repository has no migrations) differs from the models:\n  \
             - table `users` exists only in the models\n\
             Write the migration that brings the database to the models with `cargo run --bin \
             manage -- make-migration <name>`, or change the models to match the migrations.",
            target.check("assert_in_sync"),
            target.backend()
        )
    );
    // Nothing to revert, nothing to upgrade: both pass.
    assert_eq!(target.reversible(&EMPTY).await, Ok(()));
    assert_eq!(target.upgrades_from(&EMPTY, 0, "").await, Ok(()));
}
