//! Group commit for the SQLite file: the writer commits without waiting
//! for the disk (`synchronous = NORMAL`: the commit is in the write-ahead
//! log, in the operating system's cache), and a write is answered only
//! after an fsync of the log that began after its commit. Writers that
//! commit while one fsync runs share the next: one fsync (a millisecond
//! or more on these disks) answers every write that queued behind it,
//! where `synchronous = FULL` made each commit wait for its own while
//! holding the one writer.
//!
//! A round is one fsync of the `-wal` file, opened afresh by its path (the
//! file SQLite writes now, should it have been removed and made again).
//! A caller joins the round that has not begun yet, or begins one if none
//! runs; a round begins only when the one before it ends, so it covers
//! every commit made before its callers joined. A log that is not there
//! has nothing to sync: SQLite removes it only after copying it into the
//! database file and syncing that (its last connection's checkpoint).
//! A failed fsync fails every caller of its round: what they wrote may not
//! be on the disk.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// The outcome of a round, once it ran.
type Outcome = Option<Result<(), Arc<io::Error>>>;

pub(super) struct WalSync {
    /// The write-ahead log: the database file's path with `-wal`.
    wal: PathBuf,
    state: Mutex<State>,
    /// How many rounds ran (fsyncs tried).
    rounds: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Whether a round is running (then a caller waits for the next).
    running: bool,
    /// The round that begins when the running one ends, with its callers.
    next: Option<watch::Sender<Outcome>>,
}

impl WalSync {
    pub(super) fn new(wal: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            wal,
            state: Mutex::default(),
            rounds: AtomicU64::new(0),
        })
    }

    /// Returns once everything committed before the call is on the disk.
    pub(super) async fn sync(self: &Arc<Self>) -> io::Result<()> {
        let (mut outcome, begin) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let round = state
                .next
                .get_or_insert_with(|| watch::channel(None).0)
                .subscribe();
            let begin = if state.running {
                None
            } else {
                state.running = true;
                state.next.take()
            };
            (round, begin)
        };
        if let Some(round) = begin {
            tokio::spawn(self.clone().run(round));
        }
        let done = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| io::Error::other("the log's sync was cancelled"))?;
        match &*done {
            Some(Err(error)) => Err(io::Error::new(
                error.kind(),
                format!("the write-ahead log could not be synced to disk: {error}"),
            )),
            _ => Ok(()),
        }
    }

    /// Runs `round`, then each round callers joined meanwhile, until none did.
    async fn run(self: Arc<Self>, mut round: watch::Sender<Outcome>) {
        loop {
            self.rounds.fetch_add(1, Ordering::Relaxed);
            let wal = self.wal.clone();
            let synced = tokio::task::spawn_blocking(move || sync_file(&wal))
                .await
                .unwrap_or_else(|e| Err(io::Error::other(e)));
            round.send_replace(Some(synced.map_err(Arc::new)));
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match state.next.take() {
                Some(next) => round = next,
                None => {
                    state.running = false;
                    return;
                }
            }
        }
    }
}

/// `fdatasync` of the file at `path`; nothing to do when it is not there.
fn sync_file(path: &std::path::Path) -> io::Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_data(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callers_that_come_while_a_round_runs_share_the_next() {
        let dir = std::env::temp_dir().join(format!("wal-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wal = dir.join("db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let sync = WalSync::new(wal);
        // All 64 ask before the first round can run (one thread): the first
        // begins it, the 63 others join the one after it.
        let all = futures::future::join_all((0..64).map(|_| sync.sync())).await;
        assert!(all.iter().all(Result::is_ok), "{all:?}");
        assert_eq!(sync.rounds.load(Ordering::Relaxed), 2);
        // One caller alone: a round of its own.
        sync.sync().await.unwrap();
        assert_eq!(sync.rounds.load(Ordering::Relaxed), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_log_not_there_has_nothing_to_sync_and_a_failure_fails_the_round() {
        let missing = std::env::temp_dir().join(format!("wal-sync-none-{}", std::process::id()));
        WalSync::new(missing).sync().await.unwrap();
        // A path under a file cannot be opened (not a directory): every
        // caller of the round is told, none is answered as synced.
        let file = std::env::temp_dir().join(format!("wal-sync-file-{}", std::process::id()));
        std::fs::write(&file, b"").unwrap();
        let sync = WalSync::new(file.join("db-wal"));
        let all = futures::future::join_all((0..3).map(|_| sync.sync())).await;
        assert!(all.iter().all(Result::is_err), "{all:?}");
        let error = all.into_iter().next().unwrap().unwrap_err();
        assert!(error.to_string().contains("could not be synced"), "{error}");
        std::fs::remove_file(&file).unwrap();
    }
}
