//! argon2id password hashing, run off the async threads, and the bound on
//! how many logins hash at once: each argon2 hash takes 9 MiB and a core
//! for tens of milliseconds, so an unbounded burst of logins would take the
//! whole machine (memory, threads, database connections).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Hashes a password with argon2id and a fresh salt (PHC string).
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .context("the hashing task failed")?
}

/// The cost of a new hash: argon2id with 9 MiB and 4 passes, one of
/// OWASP's equivalent settings (19 MiB and 2 passes, the crate's default,
/// is another): about the same work per guess (memory times passes) with
/// half the memory per login, which keeps the server under 40 MiB.
/// A stored hash is checked with the parameters it was made with.
const MEMORY_KIB: u32 = 9 * 1024;
const PASSES: u32 = 4;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Checks `password` against `stored`; with `None` (no such user) it checks
/// against a dummy hash, so an unknown user takes as long as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = match &stored {
            Some(hash) => hash.as_str(),
            None => dummy_hash(),
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let matches = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored != dummy_hash()
    })
    .await
    .context("the verifying task failed")
}

/// How many logins may check a password at once, and how many may wait.
pub struct HashingPool {
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Longest a login waits for its turn to hash before it gets 503.
pub const HASHING_WAIT: Duration = Duration::from_secs(2);

/// How long a login that finds the queue full waits before its 503.
pub const BUSY_PAUSE: Duration = Duration::from_secs(1);

/// The pool is full: try again after this long.
#[derive(Debug)]
pub struct Busy(pub Duration);

impl HashingPool {
    /// `concurrency` hashes at once (0: half the cores, at least one, so
    /// that a login storm leaves the other half to every other request),
    /// and four times as many logins waiting for a turn.
    pub fn new(concurrency: usize) -> Self {
        let concurrency = if concurrency == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            concurrency
        };
        Self {
            permits: Semaphore::new(concurrency),
            waiting: AtomicUsize::new(0),
            max_waiting: concurrency * 4,
        }
    }

    /// A turn to hash, waiting at most [`HASHING_WAIT`] behind at most
    /// `max_waiting` others; `Err` when the server is too busy.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, Busy> {
        if let Ok(permit) = self.permits.try_acquire() {
            return Ok(permit);
        }
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let in_queue = LeaveQueue(&self.waiting);
        if queued >= self.max_waiting {
            // Out of the queue at once (a refused login holds no place in
            // it), but answered only after a pause that costs no CPU: a
            // client that retries at once cannot turn refusals into a flood
            // that starves every other request.
            drop(in_queue);
            tokio::time::sleep(BUSY_PAUSE).await;
            return Err(Busy(Duration::from_secs(1)));
        }
        match tokio::time::timeout(HASHING_WAIT, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy(Duration::from_secs(1))),
        }
    }
}

struct LeaveQueue<'a>(&'a AtomicUsize);

impl Drop for LeaveQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("not anybody's password").unwrap_or_else(|_| {
            // Parameters of argon2(), in case hashing failed at all.
            "$argon2id$v=19$m=9216,t=4,p=1$c29tZXNhbHRzb21lc2FsdA$Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA"
                .to_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=9216,t=4,p=1$"),
            "{stored}"
        );
        assert!(
            verify("correct horse".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(stored)).await.unwrap());
        assert!(!verify("not anybody's password".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_made_with_the_old_parameters_still_verifies() {
        let salt = SaltString::generate(&mut OsRng);
        let old = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{old}");
        assert!(
            verify("correct horse".into(), Some(old.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(old)).await.unwrap());
    }
}
