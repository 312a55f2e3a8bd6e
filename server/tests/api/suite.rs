//! The suites every store must pass; `main.rs` includes this file once per
//! store, and the module's name (`postgres`, `sqlite`) picks the store.

use crate::support::Backend;

/// The store this copy of the suites runs against.
pub const STORE: Backend = if ends_with(module_path!().as_bytes(), b"sqlite") {
    Backend::Sqlite
} else {
    Backend::Postgres
};

const fn ends_with(text: &[u8], suffix: &[u8]) -> bool {
    if suffix.len() > text.len() {
        return false;
    }
    let start = text.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if text[start + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

mod actors;
mod audit_trail;
mod auth;
mod cast;
pub mod casting_auditions;
mod casting_roles;
mod casting_schedule;
mod changes;
mod changes_reading;
mod copy;
mod errors;
mod events;
mod faults;
mod hostile;
mod hostile_edges;
mod identity;
mod lists;
mod metrics;
mod movies;
mod names;
mod openapi;
mod operations;
mod revalidation;
mod security_at_rest;
mod security_connections;
mod security_login;
mod security_streams;
mod security_tokens;
mod undo;
