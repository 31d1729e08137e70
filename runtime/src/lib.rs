//! Implementation detail of `strata`: the runtime on sqlx. Exempt from semver; use the
//! `strata` crate, which re-exports everything public here.

mod backend;
mod error;

pub use backend::Backend;
#[doc(hidden)]
pub use backend::{BoxFuture, Value, ValueKind};
pub use error::Error;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[doc(hidden)]
pub mod testing;
