//! Start-up and shutdown as systemd's `Type=notify` expects: `READY=1` once
//! the database is migrated and the listener bound, `STOPPING=1` when a
//! shutdown signal arrives. Sent only when systemd asked for them
//! (`NOTIFY_SOCKET` is set); otherwise nothing happens.

use std::net::SocketAddr;

use sd_notify::NotifyState;

/// The server accepts connections on `address`.
pub fn ready(address: SocketAddr) {
    let status = format!("serving on {address}");
    notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
}

/// The server finishes its in-flight requests and stops.
pub fn stopping() {
    notify(&[
        NotifyState::Stopping,
        NotifyState::Status("finishing in-flight requests"),
    ]);
}

fn notify(states: &[NotifyState<'_>]) {
    // A no-op without NOTIFY_SOCKET. A failure is not worth stopping for:
    // systemd then reports the start as timed out, which says enough.
    if let Err(error) = sd_notify::notify(states) {
        tracing::warn!(%error, "cannot notify systemd");
    }
}
