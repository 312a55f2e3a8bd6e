//! Taking built-in tokens back without a database query per request.
//!
//! Every built-in token carries its user's token generation (`gen`) and the
//! id of the key that signed it. Each instance keeps, in memory, the current
//! generation of every enabled user and the ids of revoked keys, re-read
//! from the database every [`REFRESH_EVERY`] by a background task. A token is
//! admitted only if its user is still enabled at the token's generation and
//! its key is not revoked, so `users disable|remove|set-role|set-password`
//! and `keys revoke` take effect on every instance within a few seconds.
//!
//! A token newer than the snapshot (its user was just added, or just logged
//! in again after a password change) makes the instance re-read at once —
//! only such tokens can, so no request pattern turns this into a query per
//! request.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::db::Store;

use super::{keys, users};

/// How often each instance re-reads generations and revoked keys.
pub const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// What a built-in token says about its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub generation: i64,
    /// `iat`: when this token was signed (Unix seconds).
    pub issued_at: u64,
    /// `auth_time`: when the session's password login happened.
    pub auth_time: u64,
    pub kid: String,
}

#[derive(Default)]
struct Snapshot {
    generations: HashMap<i64, i64>,
    revoked_kids: HashSet<String>,
    /// When the rows were read (Unix seconds).
    read_at: u64,
}

impl Snapshot {
    /// `Some(verdict)` when the snapshot can decide, `None` when the token is
    /// newer than what it knows.
    fn verdict(&self, session: &Session) -> Option<bool> {
        if self.revoked_kids.contains(&session.kid) {
            return Some(false);
        }
        match self.generations.get(&session.user_id) {
            Some(current) if *current == session.generation => Some(true),
            Some(current) if *current > session.generation => Some(false),
            // Unknown user or a newer generation: only a token signed after
            // (or just before) this snapshot was read may be right.
            _ if session.issued_at + 1 >= self.read_at => None,
            _ => Some(false),
        }
    }
}

pub struct Revocations {
    db: Store,
    /// Re-read when the revoked keys change, so a revoked key stops signing.
    keyring: Arc<keys::Keyring>,
    snapshot: RwLock<Snapshot>,
    reading: tokio::sync::Mutex<()>,
}

fn unix_now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

impl Revocations {
    /// Reads the first snapshot and starts re-reading in the background
    /// (the task ends when the last handle is dropped). `keyring` is
    /// re-read whenever the set of revoked keys changes.
    pub async fn start(db: Store, keyring: Arc<keys::Keyring>) -> anyhow::Result<Arc<Self>> {
        let revocations = Arc::new(Self {
            db,
            keyring,
            snapshot: RwLock::new(Snapshot::default()),
            reading: tokio::sync::Mutex::new(()),
        });
        revocations.read().await?;
        let weak = Arc::downgrade(&revocations);
        tokio::spawn(async move {
            let mut failing = false;
            loop {
                tokio::time::sleep(REFRESH_EVERY).await;
                let Some(this) = weak.upgrade() else { break };
                match this.read().await {
                    Ok(()) => {
                        if failing {
                            tracing::info!("token revocations are read again");
                        }
                        failing = false;
                    }
                    Err(error) => {
                        if !failing {
                            tracing::warn!(%error, "cannot re-read token revocations; keeping the last ones");
                        }
                        failing = true;
                    }
                }
            }
        });
        Ok(revocations)
    }

    /// Re-reads the snapshot (and the keys, when a key was revoked).
    async fn read(&self) -> anyhow::Result<()> {
        let read_at = unix_now();
        let generations = users::token_generations(&self.db).await?;
        let revoked: HashSet<String> = keys::revoked_kids(&self.db).await?.into_iter().collect();
        let kids_changed = {
            let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
            revoked != snapshot.revoked_kids
        };
        if kids_changed {
            // Before the snapshot says so, so no token is signed with a key
            // this instance already refuses.
            self.keyring.reload().await;
        }
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Snapshot {
            generations: generations.into_iter().collect(),
            revoked_kids: revoked,
            read_at,
        };
        Ok(())
    }

    fn verdict(&self, session: &Session) -> Option<bool> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .verdict(session)
    }

    /// Whether the token of `session` may still be used.
    pub async fn admits(&self, session: &Session) -> bool {
        if let Some(verdict) = self.verdict(session) {
            return verdict;
        }
        // One read at a time; whoever waited finds it done.
        let _reading = self.reading.lock().await;
        if let Some(verdict) = self.verdict(session) {
            return verdict;
        }
        if let Err(error) = self.read().await {
            tracing::warn!(%error, "cannot re-read token revocations");
            return false;
        }
        self.verdict(session).unwrap_or(false)
    }

    pub fn is_revoked_kid(&self, kid: &str) -> bool {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .revoked_kids
            .contains(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(user_id: i64, generation: i64, issued_at: u64) -> Session {
        Session {
            user_id,
            generation,
            issued_at,
            auth_time: issued_at,
            kid: "k1".into(),
        }
    }

    #[test]
    fn the_snapshot_decides_old_tokens_and_defers_newer_ones() {
        let snapshot = Snapshot {
            generations: HashMap::from([(1, 2)]),
            revoked_kids: HashSet::from(["bad".to_owned()]),
            read_at: 1_000,
        };
        assert_eq!(snapshot.verdict(&session(1, 2, 900)), Some(true));
        assert_eq!(
            snapshot.verdict(&session(1, 1, 900)),
            Some(false),
            "older generation"
        );
        assert_eq!(
            snapshot.verdict(&session(2, 0, 900)),
            Some(false),
            "removed or disabled"
        );
        assert_eq!(
            snapshot.verdict(&session(2, 0, 1_000)),
            None,
            "perhaps a new user"
        );
        assert_eq!(
            snapshot.verdict(&session(1, 3, 1_001)),
            None,
            "perhaps a new password"
        );
        let mut revoked = session(1, 2, 900);
        revoked.kid = "bad".into();
        assert_eq!(snapshot.verdict(&revoked), Some(false));
    }
}
