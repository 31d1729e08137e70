//! Implementation detail of `strata`: the runtime on sqlx. Exempt from semver; use the
//! `strata` crate, which re-exports everything public here.

mod backend;
mod bookkeeping;
mod connect;
mod error;
mod lock;
mod migrator;
mod report;
mod session;
mod create;
mod reflect;

pub use backend::Backend;
#[doc(hidden)]
pub use backend::{BoxFuture, Value, ValueKind};
pub use connect::{
    connect, db_version, downgrade, status, upgrade, upgrade_or_create, upgrade_to,
    version_control,
};
pub use error::Error;
pub use migrator::Migrator;
pub use report::{MigrationRun, Report, VersionState, VersionStatus};
pub use strata_core::{Migrations, TransactionMode};
pub use create::{create_all, drop_all};
pub use reflect::reflect;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[doc(hidden)]
pub mod testing;
