//! Keeps every row's name keys: keys the rows written without them (see
//! `db/names.rs`) as the server starts, then every [`KEY_EVERY`], in the
//! background, until the server stops. Each turn reads the partial index of
//! unkeyed rows (nothing, usually) and writes only when a row needs a key.

use std::time::Duration;

use crate::db::Store;

/// How often rows written behind the server are looked for.
pub const KEY_EVERY: Duration = Duration::from_secs(1);

/// Starts keying, until `stop` resolves.
pub fn start(store: Store, stop: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(async move {
        tokio::pin!(stop);
        loop {
            key_all(&store).await;
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(KEY_EVERY) => {}
            }
        }
    });
}

/// Keys batches until none is left (or the store cannot be written now).
async fn key_all(store: &Store) {
    loop {
        match store.key_names().await {
            Ok(0) => return,
            Ok(keyed) => tracing::debug!(keyed, "keyed names written without keys"),
            Err(error) => {
                tracing::debug!(%error, "cannot key names now");
                return;
            }
        }
    }
}
