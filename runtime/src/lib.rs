//! Implementation detail of `strata`: the runtime on sqlx. Exempt from semver; use the
//! `strata` crate, which re-exports everything public here.

mod backend;
mod create;
mod error;
mod reflect;

pub use backend::Backend;
#[doc(hidden)]
pub use backend::{BoxFuture, Value, ValueKind};
pub use create::{create_all, drop_all};
pub use error::Error;
pub use reflect::reflect;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[doc(hidden)]
pub mod testing;
