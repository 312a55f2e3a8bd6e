//! The live feed behind `GET /events`: one publisher per server instance
//! reads new changes from the store (the table is the truth) and fans them
//! out in memory to every open stream, so a stream costs no database
//! connection and an idle one costs a few kilobytes.
//!
//! The publisher wakes when this instance has written (in-process), when
//! PostgreSQL notifies that changes were numbered, by any instance
//! (`LISTEN`, one connection per instance), and at least every [`POLL`], so
//! a missed notification delays a change by at most that long. It publishes in `seq`
//! order, each change once; the stores guarantee that a change below one
//! already visible never becomes visible later (see the 0008 migrations).
//!
//! While no stream of this instance follows, it reads no change: a wake
//! only has the store number what is pending (which notifies the other
//! instances) and moves the head to the last change numbered
//! ([`Feed::skip_ahead`]), and notifications are let pass. A stream that
//! opens then reads the log from its own starting point until after it
//! subscribed ([`replay`]), and the feed from the head on.
//!
//! A second task prunes the log to `CASTING_CHANGES_KEEP` (and, hourly, has
//! the store refresh its planner statistics).
//!
//! Streams resuming from an earlier point read the log through
//! [`replay::Replays`] (paged, shared, a bounded number of reads at once),
//! and every open stream is counted and bounded by [`streams::Streams`].

pub mod replay;
pub mod streams;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use casting_shared::changes::{Change, ChangeResource};
use tokio::sync::{Notify, broadcast, watch};

use crate::db::Store;
use replay::Replays;
use streams::{StreamLimits, Streams};

/// The longest a change committed through another instance waits when its
/// notification was missed.
const POLL: Duration = Duration::from_millis(500);
/// Changes kept in memory for streams that fall behind, by default; a
/// stream further behind than this is dropped and resumes with `Last-Event-ID`.
pub const DEFAULT_BACKLOG: usize = 1024;
/// Changes read per statement.
pub const BATCH: i64 = 500;
/// Pause after the store failed, before trying again.
const RETRY: Duration = Duration::from_secs(1);

/// The feed of one server instance.
pub struct Feed {
    store: Store,
    sender: broadcast::Sender<Arc<Change>>,
    /// The highest seq published.
    head: AtomicI64,
    wake: Notify,
    closing: watch::Sender<bool>,
    /// Reads the log for streams that resume from an earlier point.
    replays: Replays,
    /// The open streams, bounded.
    streams: Arc<Streams>,
}

impl Feed {
    /// Starts publishing what is committed from now on, listening to the
    /// other instances (PostgreSQL) and pruning changes older than `keep`;
    /// a stream more than `backlog` changes behind is dropped, and streams
    /// are bounded by `limits`.
    pub async fn start(
        store: Store,
        keep: Duration,
        backlog: usize,
        limits: StreamLimits,
    ) -> anyhow::Result<Arc<Self>> {
        let (_, latest) = store.change_bounds().await?;
        let (sender, _) = broadcast::channel(backlog.max(1));
        let feed = Arc::new(Self {
            replays: Replays::new(store.clone()),
            streams: Arc::new(Streams::new(limits)),
            store,
            sender,
            head: AtomicI64::new(latest),
            wake: Notify::new(),
            closing: watch::channel(false).0,
        });
        tokio::spawn(publish(feed.clone()));
        tokio::spawn(prune(feed.clone(), keep));
        if let Store::Postgres(pg) = &feed.store {
            tokio::spawn(listen(feed.clone(), pg.clone()));
        }
        Ok(feed)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn replays(&self) -> &Replays {
        &self.replays
    }

    /// The open streams: each new one is counted here first.
    pub fn streams(&self) -> &Arc<Streams> {
        &self.streams
    }

    /// Something was written: publish it now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The highest seq published.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::SeqCst)
    }

    /// Every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.sender.subscribe()
    }

    /// Streams open now (for the metrics and the memory bench).
    pub fn followers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// The server is stopping: every stream ends, the tasks stop.
    pub fn close(&self) {
        self.closing.send_replace(true);
        self.wake.notify_one();
    }

    /// Resolves once [`Feed::close`] was called.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            // An error means the feed is gone: closed as well.
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    fn is_closed(&self) -> bool {
        *self.closing.borrow()
    }

    /// Nobody follows here: numbers what is pending (so that the other
    /// instances are notified) and moves the head past it, reading no
    /// change: one round trip (two short statements on PostgreSQL), no row
    /// read. Once a stream follows, [`Feed::catch_up`] publishes from the
    /// head on; one that
    /// subscribed before the head moved is served by `catch_up` instead,
    /// and one that subscribes after reads everything up to the head from
    /// the store (its replay ends only with a read made after it
    /// subscribed, and `latest` was numbered before that).
    async fn skip_ahead(&self) -> Result<(), crate::db::DbError> {
        let (_, latest) = self.store.change_bounds().await?;
        if self.followers() > 0 {
            return self.catch_up().await;
        }
        self.head.fetch_max(latest, Ordering::SeqCst);
        Ok(())
    }

    /// Publishes every change committed after the head, in order.
    async fn catch_up(&self) -> Result<(), crate::db::DbError> {
        let all = ChangeResource::ALL.map(ChangeResource::as_str);
        loop {
            let head = self.head();
            let batch = self.store.changes_after(head, &all, BATCH).await?;
            let done = (batch.len() as i64) < BATCH;
            for change in batch {
                self.head.store(change.seq, Ordering::SeqCst);
                // No receiver is not an error: nobody follows right now.
                let _ = self.sender.send(Arc::new(change));
            }
            if done {
                return Ok(());
            }
            // A burst: let the streams take this batch before the next.
            tokio::task::yield_now().await;
        }
    }
}

async fn publish(feed: Arc<Feed>) {
    let mut failing = false;
    while !feed.is_closed() {
        let published = if feed.followers() == 0 {
            feed.skip_ahead().await
        } else {
            feed.catch_up().await
        };
        match published {
            Ok(()) => {
                if failing {
                    tracing::info!("the change feed reads the store again");
                }
                failing = false;
                let _ = tokio::time::timeout(POLL, feed.wake.notified()).await;
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "the change feed cannot read the store; retrying");
                }
                failing = true;
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Wakes the publisher on each PostgreSQL notification of a write
/// (through any instance). sqlx reconnects a broken listener by itself;
/// notifications sent meanwhile are lost, which the poll covers.
async fn listen(feed: Arc<Feed>, store: crate::db::postgres::PgStore) {
    let closed = feed.closed();
    tokio::pin!(closed);
    loop {
        let mut listener = tokio::select! {
            () = &mut closed => return,
            listener = store.listen() => match listener {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::debug!(%error, "cannot listen for changes yet");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            },
        };
        loop {
            tokio::select! {
                () = &mut closed => return,
                received = listener.recv() => match received {
                    // Only this instance's streams need the changes read:
                    // with none, the notifier has numbered them already.
                    Ok(_) if feed.followers() == 0 => {}
                    Ok(_) => feed.wake(),
                    Err(error) => {
                        tracing::debug!(%error, "the change listener lost its connection");
                        tokio::time::sleep(RETRY).await;
                        break;
                    }
                },
            }
        }
    }
}

/// How often the pruner looks: a quarter of the retention, between 1 s and 10 min.
pub fn prune_every(keep: Duration) -> Duration {
    (keep / 4).clamp(Duration::from_secs(1), Duration::from_secs(600))
}

/// How often the store's statistics are refreshed (SQLite's `PRAGMA optimize`).
const OPTIMIZE_EVERY: Duration = Duration::from_secs(3600);

async fn prune(feed: Arc<Feed>, keep: Duration) {
    let closed = feed.closed();
    tokio::pin!(closed);
    // The first turn optimizes too: a file opened after a bulk load or a
    // restart gets its search indexes merged soon, not an hour later.
    let mut optimized: Option<tokio::time::Instant> = None;
    loop {
        if optimized.is_none_or(|at| at.elapsed() >= OPTIMIZE_EVERY) {
            optimized = Some(tokio::time::Instant::now());
            if let Err(error) = feed.store.optimize().await {
                tracing::debug!(%error, "cannot optimize the store now");
            }
        }
        match feed.store.prune_changes(keep).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned the change log"),
            Err(error) => tracing::debug!(%error, "cannot prune the change log now"),
        }
        tokio::select! {
            () = &mut closed => return,
            () = tokio::time::sleep(prune_every(keep)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_runs_often_enough_for_short_retentions_and_rarely_for_long_ones() {
        assert_eq!(prune_every(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(
            prune_every(Duration::from_secs(40)),
            Duration::from_secs(10)
        );
        assert_eq!(
            prune_every(Duration::from_secs(90 * 24 * 3600)),
            Duration::from_secs(600)
        );
    }
}
