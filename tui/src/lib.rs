//! casting-tui: the producers' keyboard-driven terminal client for the
//! Casting Agency API.
//!
//! State, update and rendering are separate: [`keymap`] turns a key into an
//! [`action::Action`], [`app::App::update`] changes state and returns
//! [`app::Effect`]s (requests to make), [`ui`] draws `&App` without I/O, and
//! [`runtime`] runs the effects in the background and feeds their results
//! back as actions.

pub mod action;
pub mod api;
pub mod app;
pub mod cast;
pub mod config;
pub mod device;
pub mod form;
pub mod keymap;
pub mod runtime;
pub mod table;
pub mod ui;
