//! The live feed: while a session lasts, the client follows `GET /events`
//! ([`follow`], reading the stream with [`sse`]) and every change a
//! colleague makes comes back to the app as a [`LiveEvent`].

pub mod follow;
pub mod sse;

use std::time::Duration;

use casting_shared::changes::Change;

/// What the feed tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// The stream is open; `resumed` when it picked up after the last
    /// change seen (nothing was missed), else it starts from now.
    Connected {
        resumed: bool,
    },
    Change(Box<Change>),
    /// The stream broke (server restart, network); it is opened again in
    /// `retry_in`, resuming where it left off.
    Disconnected {
        why: String,
        retry_in: Duration,
    },
    /// The changes since the last one seen are no longer kept (410):
    /// whatever is on screen must be read again.
    Gone,
    /// The server has no live feed (404 or 405 on `/events`: an older
    /// server); the client stops following it.
    Unavailable,
    /// The server ended the stream because `token` expired or was refused;
    /// it is opened again once the session has a new one.
    Expired {
        token: String,
    },
}
