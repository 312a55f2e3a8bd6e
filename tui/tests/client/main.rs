//! Tests of casting-tui: rendering snapshots (TestBackend + insta), the app
//! driven by synthetic keys, and the real binary in tmux against the real
//! server.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod casting;
mod casting_views;
mod defects;
mod device;
mod e2e;
mod e2e_casting;
mod e2e_casting_edits;
mod e2e_defects;
mod e2e_live;
mod e2e_live_edges;
mod e2e_mouse;
mod e2e_paging;
mod e2e_palette;
mod e2e_undo;
mod e2e_workday;
mod keys;
mod keys_dialogs;
mod keys_login;
mod keys_moves;
mod lists;
mod live;
mod paging;
mod render;
mod replica;
mod revalidation;
mod session;
/// The harness every suite takes its support from.
mod support;
mod undo;
mod views;
mod workday;
