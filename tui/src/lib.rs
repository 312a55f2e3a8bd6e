//! casting-tui: the producers' keyboard-driven terminal client for the
//! Casting Agency API.
//!
//! State, update and rendering are separate: [`keymap`] turns a key into an
//! [`action::Action`] through the one table of [`bindings`],
//! [`app::App::update`] changes state and returns [`effect::Effect`]s
//! (requests to make), [`ui`] draws `&App` without I/O, and [`runtime`] runs
//! the effects in the background and feeds their results back as actions,
//! as it does the server's live feed of changes ([`live`]).

pub mod action;
pub mod api;
pub mod app;
pub mod bindings;
pub mod cast;
pub mod casting;
pub mod changes;
pub mod clipboard;
pub mod collection;
pub mod config;
pub mod confirm;
pub mod device;
pub mod effect;
pub mod export;
pub mod filters;
pub mod form;
pub mod keymap;
pub mod list_filter;
pub mod live;
pub mod local_time;
pub mod palette;
pub mod record;
pub mod runtime;
pub mod session;
pub mod table;
pub mod ui;
pub mod undo;
