//! The primary's readers: [`crate::db::readers`] over PostgreSQL's
//! connections.

use sqlx::PgConnection;

use crate::db::readers::ReadOn;

/// The primary's connections for reads.
pub type Readers = crate::db::readers::Readers<PgConnection>;

/// A read to run on one of PostgreSQL's connections.
pub trait Read<'a, T>: ReadOn<'a, PgConnection, T> {}

impl<'a, T, F: ReadOn<'a, PgConnection, T>> Read<'a, T> for F {}
