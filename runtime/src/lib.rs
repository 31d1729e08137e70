//! Implementation detail of `strata`: the runtime on sqlx. Exempt from semver; use the
//! `strata` crate, which re-exports everything public here.

mod backend;
mod bookkeeping;
mod connect;
mod create;
mod error;
mod lock;
mod migrator;
mod reflect;
mod report;
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
pub use reflect::reflect;
pub use report::{MigrationRun, Report, VersionState, VersionStatus};
pub use strata_core::{Migrations, TransactionMode};

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[doc(hidden)]
pub mod testing;
