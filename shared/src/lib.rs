//! Models and API types that the Casting Agency server and its clients both speak.
//!
//! Everything here is plain data plus the rules that decide whether a value is
//! acceptable, so the terminal client can check a form with exactly the
//! server's rules before sending it.

pub mod api;
pub mod auth;
pub mod casting;
pub mod changes;
pub mod credentials;
mod declare;
pub mod domain;
pub mod limits;
pub mod model;
pub mod names;
#[cfg(feature = "openapi")]
pub mod openapi;

pub use auth::{Permission, Role};
pub use domain::FieldErrors;
pub use model::{Actor, Movie};
