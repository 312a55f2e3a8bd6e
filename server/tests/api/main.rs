//! Integration tests of casting-server: the real app over real HTTP on a
//! fresh database per test. Every suite runs once per store, so a test's
//! name says which failed: `postgres::actors::…`, `sqlite::actors::…`.

// A failed unwrap is a failed test; `suite.rs` (and every suite in it) is
// compiled once per store, on purpose.
#![allow(clippy::unwrap_used, clippy::duplicate_mod)]

/// The plans of the overlap check and the schedule at 100 000 auditions, on each store.
mod audition_plans;
mod cli;
mod deploy;
mod docs;
/// The layers only look down: no crate imports in a circle, the store imports nothing above it.
mod layers;
/// The in-memory store outlives every connection it serves through.
mod memory_store;
/// Real-world names across scripts, for the name-order suite.
mod names_corpus;
/// The plans of list statements at 100 000 rows, on each store.
mod plans;
/// The harness every suite takes its support from.
mod support;

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
