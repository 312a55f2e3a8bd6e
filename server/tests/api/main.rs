//! Integration tests of casting-server: the real app over real HTTP on a
//! fresh database per test. Every suite runs once per store, so a test's
//! name says which failed: `postgres::actors::…`, `sqlite::actors::…`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod cli;
mod cluster;
mod deploy;
mod helpers;
mod proxy;

/// Every suite against PostgreSQL.
#[path = "suite.rs"]
mod postgres;
/// Every suite against the embedded SQLite store.
#[path = "suite.rs"]
mod sqlite;

/// What only PostgreSQL offers: several instances on one database, and an outage of its server.
mod postgres_only;
/// What only the embedded store needs: one instance per file, where the file lives.
mod sqlite_only;
