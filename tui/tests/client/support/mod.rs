//! Test support, the one place every suite takes its harness from (suites
//! import only from here, never from each other): app states driven by
//! keys for the render and key tests (`states.rs`); for the end-to-end
//! tests, the real server in this process on a database of the test's own
//! (`server.rs`), the real client in tmux (`tmux.rs`), a colleague on the
//! API (`api.rs`) and a relay that records what the client asks and can
//! play an outage (`recorder.rs`).

mod api;
mod casting;
mod recorder;
mod server;
mod states;
mod tmux;

pub(crate) use api::*;
pub use casting::*;
pub(crate) use recorder::*;
pub(crate) use server::*;
pub use states::*;
pub(crate) use tmux::*;
