//! The one error type of the runtime.

use std::fmt;
use std::time::Duration;

/// The first line of a statement, shortened, for messages: core's one rule.
pub(crate) use strata_core::first_line_shortened as statement_line;

/// Everything that can go wrong in strata's runtime. `Display` says what happened and what to
/// do; `source()` chains the database driver's error. `Debug` (what `fn main() -> Result<(),
/// Box<dyn Error>>` prints) starts with the same sentence, then shows the variant and its fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A statement strata sent failed.
    #[error("{context}: statement `{statement}` failed: {source}")]
    Database {
        /// What strata was doing.
        context: String,
        /// The statement's first line, shortened.
        statement: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Connecting or acquiring a connection failed.
    #[error("could not get a database connection: {0}")]
    Connect(#[source] sqlx::Error),
    /// The schema handed to `create_all`/`drop_all` is inconsistent or not renderable for the
    /// backend (a column type the backend cannot bind, a reference to a missing table, ..).
    #[error("{0}")]
    Schema(String),
    /// A statement of `create_all`, `drop_all` or `reflect` failed on one table.
    #[error("{operation}: table `{table}`: statement `{statement}` failed: {source}")]
    Table {
        /// `create_all`, `drop_all` or `reflect`.
        operation: &'static str,
        /// The table the statement was for.
        table: String,
        /// The statement's first line, shortened.
        statement: String,
        /// The driver's error, with the database's message.
        #[source]
        source: sqlx::Error,
    },

    /// A statement of a migration script failed.
    ///
    /// On SQLite and PostgreSQL (`rolled_back`) the migration's transaction was rolled back and
    /// the database is still at the previous version. On MySQL, and for `-- strata:no-transaction`
    /// migrations, the statements before the failing one took effect and the version is left
    /// incomplete until repaired.
    #[error("{}", migration_failed(self))]
    MigrationFailed {
        /// The migration's version.
        version: i64,
        /// The script's file name.
        file: String,
        /// `true` for a down script (downgrade).
        down: bool,
        /// 1-based position of the failing statement in the script.
        ordinal: usize,
        /// The failing statement's first line, shortened.
        statement: String,
        /// How many statements before the failing one took effect (0 when rolled back).
        took_effect: usize,
        /// Whether everything the migration did was rolled back.
        rolled_back: bool,
        /// The version the database returns to with `version-control --force` when the
        /// failed script is to be run again (up) or counted as done (down).
        previous: i64,
        /// The database's message.
        message: String,
        /// The database's error code, when it reported one.
        code: Option<String>,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A script cannot be split into statements (`embed_migrations!` and the loader reject
    /// such scripts, so this means a hand-built repository).
    #[error(
        "migration {version} ({file}) cannot be split into statements: {error}; fix the script"
    )]
    InvalidScript {
        /// The version.
        version: i64,
        /// The script's file name.
        file: String,
        /// What the tokenizer found.
        #[source]
        error: strata_core::SplitError,
    },

    /// An applied migration's script was changed after it was applied.
    #[error(
        "migration {version} ({file}) was changed after it was applied: the database recorded checksum {applied}, the binary embeds {embedded}; restore the original script and put the change in a new migration"
    )]
    ChecksumMismatch {
        /// The version.
        version: i64,
        /// The script's file name.
        file: String,
        /// The checksum in the bookkeeping table.
        applied: String,
        /// The checksum of the embedded script.
        embedded: String,
    },

    /// The database has versions applied that the binary does not embed.
    #[error(
        "the database has {} applied that this binary does not embed (its latest is {}): is this binary older than the database? Deploy the build that contains them, or rebuild (a new migration file needs `cargo:rerun-if-changed=migrations` in build.rs)",
        version_list("version", versions),
        latest_text(*binary_latest)
    )]
    UnknownVersions {
        /// The versions only the database knows.
        versions: Vec<i64>,
        /// The highest version the binary embeds.
        binary_latest: Option<i64>,
    },

    /// A migration failed part-way outside a transaction (MySQL, or `-- strata:no-transaction`)
    /// and has not been repaired.
    #[error(
        "migration {version} ({file}) is incomplete: an earlier run failed part-way and some of its statements may have taken effect; repair the database by hand, then run `strata version-control --force {version}` if it is now fully applied, or `strata version-control --force {previous}` to run it again"
    )]
    Incomplete {
        /// The version.
        version: i64,
        /// The script's file name (or the recorded name when the binary does not embed it).
        file: String,
        /// The version before it (0 when none).
        previous: i64,
    },

    /// A pending migration has a lower version than one already applied.
    #[error(
        "migration {version} ({file}) is pending but version {highest_applied} is already applied: renumber it above {highest_applied}, or allow it with `Migrator::out_of_order(true)` (strata.toml `out_of_order = true`)"
    )]
    OutOfOrder {
        /// The pending version.
        version: i64,
        /// Its file name.
        file: String,
        /// The highest applied version.
        highest_applied: i64,
    },

    /// The migration lock was not acquired within the lock timeout.
    #[error(
        "timed out after {} waiting for the migration lock {lock}: another process is migrating this database (or holds the lock); wait for it to finish, or raise `Migrator::lock_timeout`",
        duration_text(*waited)
    )]
    LockTimeout {
        /// The lock: its name and kind.
        lock: String,
        /// How long strata waited.
        waited: Duration,
    },

    /// Table mode: the lock row's lease ran out before it was renewed (the database was
    /// unreachable for a whole lease), so another process may hold the lock now; strata
    /// stopped before the next migration.
    #[error(
        "the migration lock {lock} was lost: its lease expired before it could be renewed, and another process may have taken it over; nothing more was applied: run the upgrade again"
    )]
    LockLost {
        /// The lock: its name and kind.
        lock: String,
    },

    /// A target version is not one of the embedded versions.
    #[error("version {version} is not an embedded migration: {}", nearest_text(*below, *above))]
    UnknownTarget {
        /// The requested version.
        version: i64,
        /// The nearest embedded version below it.
        below: Option<i64>,
        /// The nearest embedded version above it.
        above: Option<i64>,
    },

    /// `upgrade_to` was given a version below the database's current one.
    #[error(
        "cannot upgrade to version {target}: the database is already at version {current}; use downgrade to go back"
    )]
    TargetBelowCurrent {
        /// The requested version.
        target: i64,
        /// The database's version.
        current: i64,
    },

    /// `downgrade` was given a version that is neither 0 nor applied.
    #[error(
        "cannot downgrade to version {target}: it is not applied (applied: {}); pass 0 or an applied version",
        applied_text(applied)
    )]
    DowngradeTargetNotApplied {
        /// The requested version.
        target: i64,
        /// The applied versions.
        applied: Vec<i64>,
    },

    /// A version to be reverted has no down script; nothing was changed.
    #[error(
        "cannot downgrade: version {version} has no down script (expected {file}); nothing was changed"
    )]
    MissingDownScript {
        /// The version.
        version: i64,
        /// The file that would hold its down script.
        file: String,
    },

    /// The database has no bookkeeping table.
    #[error(
        "the database is not under version control (no table {table}); run upgrade, or version_control to adopt an existing database"
    )]
    NotUnderControl {
        /// The bookkeeping table's name.
        table: String,
    },

    /// `version_control` on a database that is already under version control.
    #[error(
        "the database is already under version control (table {table}, version {current}); use force (`strata version-control --force`) to rewrite its bookkeeping"
    )]
    AlreadyUnderControl {
        /// The bookkeeping table's name.
        table: String,
        /// Its current version.
        current: i64,
    },

    /// A value of the bookkeeping table is NULL or not what strata writes there (a hand edit,
    /// or a table strata did not create); nothing was changed.
    #[error(
        "the bookkeeping table {table} holds {found} in column `{column}` {}, where strata writes {expected}: correct the row by hand, or rewrite the table with `strata version-control --force <version>`; nothing was changed",
        row_text(*version)
    )]
    BadBookkeeping {
        /// The bookkeeping table's name.
        table: String,
        /// The column.
        column: &'static str,
        /// The row's version, when it can be read.
        version: Option<i64>,
        /// What was found: `NULL`, or the value as the database printed it.
        found: String,
        /// What strata writes there.
        expected: &'static str,
    },

    /// A scratch database (to replay the migrations into) could not be made.
    #[error("cannot make a scratch database: {}", scratch_text(step, source.as_ref()))]
    Scratch {
        /// What failed (`cannot connect to the PostgreSQL server`, an unsupported URL scheme).
        step: String,
        /// The driver's error, when the database reported one.
        #[source]
        source: Option<sqlx::Error>,
    },
    /// Adopting another tool's history (`Migrator::adopt`) found something wrong; nothing was
    /// written.
    #[error("{0}; nothing was written")]
    Adopt(#[from] crate::AdoptError),

    /// `TransactionMode::All` cannot be honoured.
    #[error(
        "TransactionMode::All is not possible here: {reason}; use TransactionMode::PerMigration"
    )]
    TransactionModeUnsupported {
        /// Why.
        reason: String,
    },
}

/// `Debug` for each variant as `#[derive(Debug)]` would write it.
macro_rules! debug_variants {
    ($error:expr, $f:expr; [$($tuple:ident),*] $($name:ident { $($field:ident),* },)*) => {
        match $error {
            $(Error::$tuple(inner) => $f.debug_tuple(stringify!($tuple)).field(inner).finish(),)*
            $(Error::$name { $($field),* } => $f
                .debug_struct(stringify!($name))
                $(.field(stringify!($field), $field))*
                .finish(),)*
        }
    };
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The sentence first: a `main` returning this error shows `Debug`, not `Display`.
        write!(f, "{self}\n\n")?;
        debug_variants!(self, f;
            [Connect, Schema, Adopt]
            Database { context, statement, source },
            Table { operation, table, statement, source },
            MigrationFailed {
                version, file, down, ordinal, statement, took_effect, rolled_back, previous,
                message, code, source
            },
            InvalidScript { version, file, error },
            ChecksumMismatch { version, file, applied, embedded },
            UnknownVersions { versions, binary_latest },
            Incomplete { version, file, previous },
            OutOfOrder { version, file, highest_applied },
            LockTimeout { lock, waited },
            LockLost { lock },
            UnknownTarget { version, below, above },
            TargetBelowCurrent { target, current },
            DowngradeTargetNotApplied { target, applied },
            MissingDownScript { version, file },
            NotUnderControl { table },
            AlreadyUnderControl { table, current },
            TransactionModeUnsupported { reason },
            BadBookkeeping { table, column, version, found, expected },
            Scratch { step, source },
        )
    }
}

impl Error {
    /// A failed statement of `create_all`, `drop_all` or `reflect` on one table.
    pub(crate) fn on_table(
        operation: &'static str,
        table: &str,
        statement: &str,
        source: sqlx::Error,
    ) -> Error {
        Error::Table {
            operation,
            table: table.to_owned(),
            statement: statement_line(statement),
            source,
        }
    }
}

fn row_text(version: Option<i64>) -> String {
    match version {
        Some(v) => format!("of version {v}"),
        None => "of a row whose version cannot be read".to_string(),
    }
}

fn scratch_text(step: &str, source: Option<&sqlx::Error>) -> String {
    match source {
        Some(source) => format!("{step}: {source}"),
        None => step.to_owned(),
    }
}

fn migration_failed(error: &Error) -> String {
    let Error::MigrationFailed {
        version,
        file,
        down,
        ordinal,
        statement,
        took_effect,
        rolled_back,
        previous,
        message,
        code,
        ..
    } = error
    else {
        return String::new();
    };
    let what = if *down {
        "down script of migration"
    } else {
        "migration"
    };
    let code = match code {
        Some(code) => format!(" (code {code})"),
        None => String::new(),
    };
    let head = format!(
        "{what} {version} ({file}) failed at statement {ordinal} `{statement}`: {message}{code}"
    );
    if *rolled_back {
        format!(
            "{head}; it was rolled back, so the database is unchanged: fix the script and run again"
        )
    } else {
        let effect = match took_effect {
            0 => "no statement before it took effect".to_string(),
            1 => "the 1 statement before it took effect".to_string(),
            n => format!("the {n} statements before it took effect"),
        };
        if *down {
            format!(
                "{head}; {effect} and cannot be rolled back, so version {version} is marked incomplete: repair the database by hand, then run `strata version-control --force {previous}` if it is now fully reverted, or `strata version-control --force {version}` to keep it applied"
            )
        } else {
            format!(
                "{head}; {effect} and cannot be rolled back, so version {version} is marked incomplete: repair the database by hand, then run `strata version-control --force {version}` if it is now fully applied, or `strata version-control --force {previous}` to run it again"
            )
        }
    }
}

fn version_list(word: &str, versions: &[i64]) -> String {
    let list: Vec<String> = versions.iter().map(i64::to_string).collect();
    if versions.len() == 1 {
        format!("{word} {}", list.join(", "))
    } else {
        format!("{word}s {}", list.join(", "))
    }
}

fn latest_text(latest: Option<i64>) -> String {
    match latest {
        Some(v) => v.to_string(),
        None => "none: it embeds no migrations".to_string(),
    }
}

fn applied_text(applied: &[i64]) -> String {
    if applied.is_empty() {
        "none".to_string()
    } else {
        let list: Vec<String> = applied.iter().map(i64::to_string).collect();
        list.join(", ")
    }
}

fn nearest_text(below: Option<i64>, above: Option<i64>) -> String {
    match (below, above) {
        (Some(b), Some(a)) => format!("the nearest are {b} and {a}"),
        (Some(b), None) => format!("the latest is {b}"),
        (None, Some(a)) => format!("the first is {a}"),
        (None, None) => "the binary embeds no migrations".to_string(),
    }
}

/// `1.5 s`, `250 ms`: how long a wait was, for messages.
pub(crate) fn duration_text(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The database's message and code from a driver error, or the error's text.
pub(crate) fn database_message(error: &sqlx::Error) -> (String, Option<String>) {
    let Some(db) = error.as_database_error() else {
        // The driver's own words ("expected to read 4 bytes, got 0 bytes at EOF") do not say
        // that the server went away (a killed session, a restart, a network cut).
        if let sqlx::Error::Io(_) = error {
            return (
                format!("the connection to the database was lost ({error})"),
                None,
            );
        }
        return (error.to_string(), None);
    };
    // MySQL users know errors by number (ERROR 1146); the SQLSTATE alone is ambiguous.
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        let code = match my.code() {
            Some(state) => format!("{}, SQLSTATE {state}", my.number()),
            None => my.number().to_string(),
        };
        return (db.message().to_string(), Some(code));
    }
    (db.message().to_string(), db.code().map(|c| c.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }

    #[test]
    fn a_lost_connection_says_so() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "got 0 bytes at EOF");
        assert_eq!(
            database_message(&sqlx::Error::Io(eof)),
            (
                "the connection to the database was lost (error communicating with database: got 0 bytes at EOF)".to_string(),
                None
            )
        );
    }

    #[test]
    fn debug_starts_with_the_sentence_then_the_fields() {
        let e = Error::ChecksumMismatch {
            version: 5,
            file: "0005_add_city.sql".to_string(),
            applied: "aa".to_string(),
            embedded: "bb".to_string(),
        };
        assert_eq!(
            format!("{e:?}"),
            "migration 5 (0005_add_city.sql) was changed after it was applied: the database recorded checksum aa, the binary embeds bb; restore the original script and put the change in a new migration\n\n\
             ChecksumMismatch { version: 5, file: \"0005_add_city.sql\", applied: \"aa\", embedded: \"bb\" }"
        );
        let e = Error::Schema("table `a` references missing table `b`".to_string());
        assert_eq!(
            format!("{e:?}"),
            "table `a` references missing table `b`\n\nSchema(\"table `a` references missing table `b`\")"
        );
        // What `fn main() -> Result<(), Box<dyn std::error::Error>>` prints.
        let boxed: Box<dyn std::error::Error> = Box::new(Error::NotUnderControl {
            table: "strata_migrations".to_string(),
        });
        assert!(
            format!("{boxed:?}").starts_with(
                "the database is not under version control (no table strata_migrations); run upgrade"
            ),
            "{boxed:?}"
        );
    }

    #[test]
    fn nearest_versions_are_named() {
        let e = Error::UnknownTarget {
            version: 4,
            below: Some(3),
            above: Some(5),
        };
        assert_eq!(
            e.to_string(),
            "version 4 is not an embedded migration: the nearest are 3 and 5"
        );
    }
}
