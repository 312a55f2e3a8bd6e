//! Integration tests of casting-server: the real app over real HTTP on a
//! fresh PostgreSQL database per test.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod actors;
mod auth;
mod cast;
mod cli;
mod deploy;
mod errors;
mod faults;
mod helpers;
mod hostile;
mod identity;
mod lists;
mod metrics;
mod movies;
mod openapi;
mod operations;
mod proxy;
mod security_connections;
mod security_login;
mod security_tokens;
