//! A store whose tables are gone must never go on serving: it would answer
//! every request from an empty, schema-less database. The store reports the
//! loss here the first time a statement finds a table missing; `/ready`
//! then answers 503 with the reason, the log says it at error level, and
//! the server stops and exits non-zero (see `Application::run_until`).

use std::sync::Arc;

use tokio::sync::watch;

/// Whether the store found its schema gone, and why. Cheap to clone.
#[derive(Clone)]
pub struct SchemaLoss(Arc<watch::Sender<Option<String>>>);

impl Default for SchemaLoss {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(None)))
    }
}

impl SchemaLoss {
    /// Records the loss (once: the first reason is kept) and logs it.
    pub fn report(&self, reason: &str) {
        self.0.send_if_modified(|lost| {
            if lost.is_some() {
                return false;
            }
            tracing::error!(
                reason,
                "the database's tables are gone: this server cannot serve from it and stops \
                 (restart it; an in-memory database's data is lost)"
            );
            *lost = Some(reason.to_owned());
            true
        });
    }

    /// Why the schema is gone, if it is.
    pub fn reason(&self) -> Option<String> {
        self.0.borrow().clone()
    }

    /// Resolves with the reason once the loss is reported.
    pub fn reported(&self) -> impl Future<Output = String> + Send + 'static {
        let mut lost = self.0.subscribe();
        async move {
            let reason = lost
                .wait_for(Option::is_some)
                .await
                .map(|reason| reason.clone().unwrap_or_default());
            match reason {
                Ok(reason) => reason,
                // The store is gone: nothing will be reported any more.
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// Whether SQLite's message says a statement named a table that does not
/// exist (`no such table: actors`; SQLITE_ERROR carries no finer code).
pub fn sqlite_table_missing(message: &str) -> bool {
    message.starts_with("no such table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_is_kept_and_waiters_learn_it() {
        let loss = SchemaLoss::default();
        assert_eq!(loss.reason(), None);
        let waiting = tokio::spawn(loss.reported());
        loss.report("no such table: actors");
        loss.report("no such table: movies");
        assert_eq!(loss.reason().as_deref(), Some("no such table: actors"));
        assert_eq!(waiting.await.unwrap(), "no such table: actors");
        assert!(sqlite_table_missing("no such table: main.row_counts"));
        assert!(!sqlite_table_missing(
            "UNIQUE constraint failed: users.username"
        ));
    }
}
