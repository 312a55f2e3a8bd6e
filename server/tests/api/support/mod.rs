//! Test support, the one place every suite takes its harness from (suites
//! import only from here, never from each other): a fresh database per
//! test on either store (`databases.rs`, on the PostgreSQL of
//! `cluster.rs`), the real app served over real HTTP on a free port
//! (`app.rs`), a JWKS served over HTTP by a tiny local server and tokens
//! signed with the test's own RSA keys (`tokens.rs`), the real binary run
//! as a child process (`process.rs`), and what several suites do through
//! the API: built-in users (`identity.rs`), the change log (`changes.rs`),
//! the live feed (`events.rs`), write load (`load.rs`), a database cut off
//! by a proxy (`proxy.rs`). `TEST_LOG=1` shows the server's logs.

use std::time::{Duration, Instant};

mod app;
mod changes;
pub mod cluster;
mod databases;
mod events;
mod identity;
mod load;
mod process;
mod proxy;
mod tokens;
mod wire;

pub use app::*;
pub use changes::*;
pub use cluster::server_url;
pub use databases::*;
pub use events::*;
pub use identity::*;
pub use load::*;
pub use process::*;
pub use proxy::*;
pub use tokens::*;
pub use wire::*;

/// Installs, once per test process, the tracing layer through which sqlx's
/// pool-acquire times reach each application's metrics (`main` installs it
/// with the logs), and shows the server's logs when `TEST_LOG` is set.
pub fn init_test_log() {
    use tracing_subscriber::prelude::*;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let logs = std::env::var_os("TEST_LOG").is_some().then(|| {
            tracing_subscriber::fmt::layer()
                .with_test_writer()
                .with_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
        });
        let _ = tracing_subscriber::registry()
            .with(casting_server::metrics::pool_acquire_layer())
            .with(logs)
            .try_init();
    });
}

/// Polls until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Whom a write made straight through the store is put down to.
pub fn test_author() -> casting_server::db::Author {
    casting_server::db::Author {
        subject: "test".into(),
        name: Some("test".into()),
    }
}
