//! The one error type of the runtime.

/// Everything that can go wrong in strata's runtime. `Display` says what happened and what to
/// do; `source()` chains the database driver's error.
#[derive(Debug, thiserror::Error)]
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
            statement: first_line(statement),
            source,
        }
    }
}

/// The first line of `sql`, shortened to 100 characters, for messages.
pub(crate) fn first_line(sql: &str) -> String {
    let line = sql.trim_start().lines().next().unwrap_or("").trim_end();
    if line.chars().count() > 100 {
        let mut short: String = line.chars().take(99).collect();
        short.push('…');
        short
    } else {
        line.to_owned()
    }
}
