//! A primary that stopped being one: a leader demoted by a failover or a
//! switchover (Patroni) still answers on its old connections, read-only
//! (`25006` on a write), or ends them (`57P01`, `08xxx`, a broken socket).
//! Such failures are outages (503, `Retry-After`), never 500s; and once a
//! statement has found the primary read-only, the write pool's connections
//! opened before that moment are closed when next taken, so the next ones
//! are opened anew, through the balancer to the new leader, without a
//! restart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// SQLSTATE of a write refused by a server that is (now) a standby.
pub const READ_ONLY: &str = "25006";

/// Whether `error` says the database the connection reached is read-only:
/// a standby, or a primary being demoted.
pub fn is_read_only(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some(READ_ONLY))
}

/// When the primary was last found demoted.
pub struct Demotions {
    origin: Instant,
    /// Milliseconds after `origin`, plus one (0: never).
    last: AtomicU64,
}

impl Default for Demotions {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        }
    }
}

impl Demotions {
    /// The primary was found read-only just now.
    pub fn note(&self) {
        let now = self.since_origin(Instant::now()) + 1;
        if self.last.fetch_max(now, Ordering::Relaxed) < now {
            tracing::warn!(
                "the primary is read-only (demoted by a failover?): \
                 its pooled connections are closed, new ones are opened"
            );
        }
    }

    /// Whether a connection opened `age` ago predates the last demotion.
    pub fn predates_last(&self, age: Duration) -> bool {
        let last = self.last.load(Ordering::Relaxed);
        if last == 0 {
            return false;
        }
        let opened = Instant::now().checked_sub(age).unwrap_or(self.origin);
        self.since_origin(opened) < last
    }

    fn since_origin(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.origin).as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connections_opened_before_a_demotion_are_stale() {
        let demotions = Demotions::default();
        assert!(!demotions.predates_last(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(20));
        demotions.note();
        // Opened long before: stale. Opened after (age ~0): fresh.
        assert!(demotions.predates_last(Duration::from_millis(15)));
        std::thread::sleep(Duration::from_millis(5));
        assert!(!demotions.predates_last(Duration::ZERO));
    }
}
