//! Casting Agency server: an authenticated REST API over an embedded SQLite
//! file or PostgreSQL.
//!
//! `main.rs` only parses the command line; everything else is here so tests
//! build exactly the application that runs.

pub mod auth;
pub mod calendar;
pub mod cli_docs;
pub mod commands;
pub mod config;
pub mod connections;
pub mod db;
pub mod error;
pub mod extract;
pub mod feed;
pub mod identity;
pub mod keying;
pub mod limits;
pub mod listing;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod replica_routing;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod systemd;
pub mod telemetry;

pub use routes::{app, openapi};
pub use settings::{HttpSettings, Settings};
pub use startup::Application;
pub use state::AppState;
