//! Implementation detail of `strata`: the runtime on sqlx. Exempt from semver; use the
//! `strata` crate, which re-exports everything public here.

// The error carries what a user needs to act (version, file, statement, the database's message
// and code); it is returned rarely, so its size does not matter.
#![allow(clippy::result_large_err)]

mod backend;
mod backoff;
mod bookkeeping;
mod connect;
mod create;
mod error;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[doc(hidden)]
pub mod kit;
mod lock;
mod migrator;
mod reflect;
mod report;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod scratch;
mod session;

pub use backend::Backend;
#[doc(hidden)]
pub use backend::{BoxFuture, Value, ValueKind};
pub use connect::{
    connect, db_version, downgrade, status, upgrade, upgrade_or_create, upgrade_to, version_control,
};
pub use create::{create_all, drop_all};
pub use error::Error;
pub use migrator::Migrator;
pub use migrator::adopt::{AdoptError, AdoptedVersion, Adoption};
pub use reflect::{reflect, unmanaged_objects};
pub use report::{Direction, MigrationRun, Report, VersionState, VersionStatus};
pub use strata_core::History;
pub use strata_core::{LockMode, Migrations, TransactionMode};

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[doc(hidden)]
pub mod testing;
