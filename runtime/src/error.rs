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
}
