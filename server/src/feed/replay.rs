//! Reading the log for streams that resume from an earlier point
//! (`Last-Event-ID`), bounded so that many of them at once cannot starve the
//! server: the log is read a page at a time, at most [`CONCURRENT_READS`]
//! pages at once (the rest of the pool serves ordinary requests), and
//! streams resuming from the same place share one read of each page
//! rather than each reading (and holding) its own copy.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use casting_shared::changes::Change;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::Semaphore;

use crate::db::Store;

/// Changes per page of a replay.
pub const PAGE: i64 = 100;
/// Replay reads that may run at once.
pub const CONCURRENT_READS: usize = 2;
/// Full pages kept for streams that arrive a little later (at most about
/// this many times [`PAGE`] changes in memory).
const KEPT_PAGES: usize = 64;

/// A page of the log, shared by every stream that reads it.
pub type Page = Arc<Vec<Change>>;

type Key = (i64, Vec<&'static str>);
type Read = Shared<BoxFuture<'static, Result<Page, String>>>;

/// A read and when it started.
#[derive(Clone)]
struct Started {
    read: Read,
    at: Instant,
}

pub struct Replays {
    store: Store,
    permits: Arc<Semaphore>,
    pages: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    /// Reads under way or done; a done one only while its page is full
    /// (a full page of the log never changes, a short one may grow).
    reads: HashMap<Key, Started>,
    /// Full pages in the order they were read, oldest first.
    kept: VecDeque<Key>,
}

impl Replays {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            permits: Arc::new(Semaphore::new(CONCURRENT_READS)),
            pages: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pages> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The changes of `resources` after `after`, at most [`PAGE`], oldest
    /// first, for a stream that subscribed to the live feed at `since`; an
    /// error says why the log cannot be read now.
    ///
    /// An empty page ends a stream's replay: it then relies on the live
    /// feed it subscribed to. So an empty page read before `since` is not
    /// taken (a change committed in between would be in neither): the log
    /// is read again.
    pub async fn page(
        &self,
        after: i64,
        resources: &[&'static str],
        since: Instant,
    ) -> Result<Page, String> {
        let key: Key = (after, resources.to_vec());
        let started = {
            let mut pages = self.lock();
            match pages.reads.get(&key) {
                Some(started) => started.clone(),
                None => {
                    let started = self.read(after, key.1.clone());
                    pages.reads.insert(key.clone(), started.clone());
                    started
                }
            }
        };
        let mut result = started.read.await;
        if matches!(&result, Ok(page) if page.is_empty()) && started.at < since {
            result = self.read(after, key.1.clone()).read.await;
        }
        let mut pages = self.lock();
        let full = matches!(&result, Ok(page) if page.len() as i64 >= PAGE);
        if full {
            if !pages.kept.contains(&key) {
                pages.kept.push_back(key);
                while pages.kept.len() > KEPT_PAGES {
                    if let Some(old) = pages.kept.pop_front() {
                        pages.reads.remove(&old);
                    }
                }
            }
        } else {
            // Only the read that is still this key's may be forgotten.
            let done = pages
                .reads
                .get(&key)
                .is_some_and(|s| s.read.peek().is_some() && !pages.kept.contains(&key));
            if done {
                pages.reads.remove(&key);
            }
        }
        result
    }

    /// Starts a read of the page as a task of its own: it runs to its end
    /// (and gives its connection back) whether or not any stream still
    /// waits for it. A read owned by its waiters would be dropped with the
    /// last of them mid-statement; kept in the map unpolled instead, it
    /// would hold its connection and permit for ever.
    fn read(&self, after: i64, resources: Vec<&'static str>) -> Started {
        let at = Instant::now();
        let store = self.store.clone();
        let permits = self.permits.clone();
        let task = tokio::spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .map_err(|_| "the server is stopping".to_owned())?;
            store
                .changes_after(after, &resources, PAGE)
                .await
                .map(Arc::new)
                .map_err(|error| error.to_string())
        });
        let read = async move {
            task.await
                .unwrap_or_else(|error| Err(format!("the read of the log failed: {error}")))
        }
        .boxed()
        .shared();
        Started { read, at }
    }
}
