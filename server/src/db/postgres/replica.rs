//! A streaming read replica (`DATABASE_READ_URL`): which reads it may serve,
//! and when.
//!
//! Only the reads of a `GET` (or `HEAD`) request may go to the replica, and
//! only those the store routes through [`super::PgStore::read`] (lists,
//! single actors and movies, casts and filmographies); everything else
//! (writes, the change log, users, keys, readiness) uses the primary. The
//! API marks a request's reads with a [`ReadScope`] for the time it runs
//! (a task-local value, so no handler changes; the HTTP side is the API's
//! `replica_routing`), and answers each successful write with the
//! primary's WAL position after it ([`Replica::primary_position`]). A read
//! scoped after that position goes to the replica only once the replica
//! has replayed up to it, so a client always reads its own writes, through
//! any instance.
//!
//! Whether the replica is usable is probed at most every [`PROBE_EVERY`],
//! by the request that finds the last probe too old (the others use what
//! it last saw): the primary's current position, then the replica's
//! replayed one. The replica serves a read only if it has replayed a
//! position the primary had at most `read_max_lag` ago, so a replica that
//! lags, stopped replaying or lost its primary is left alone; one that
//! cannot be reached is probed again after [`RETRY_AFTER`]. A read that
//! fails on the replica is run again on the primary: reads never fail
//! because of the replica.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::readers::{Read, Readers};

/// How old the last probe may be before a read probes again.
pub const PROBE_EVERY: Duration = Duration::from_millis(10);
/// Longest a probe may take (then the replica counts as unreachable).
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long an unreachable replica is left alone before the next probe.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Most primary positions remembered (one per probe, within the lag bound).
const MAX_SAMPLES: usize = 256;

/// A position in PostgreSQL's write-ahead log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lsn(u64);

impl Lsn {
    /// Parses PostgreSQL's text form, `16/B374D848`.
    pub fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.trim().split_once('/')?;
        let part = |s: &str| {
            (!s.is_empty() && s.len() <= 8 && s.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(s, 16).ok())
                .flatten()
        };
        Some(Self((u64::from(part(high)?) << 32) | u64::from(part(low)?)))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// What the reads of the request being served may use. Reads outside any
/// scope (a write's, a background task's) use the primary.
#[derive(Debug, Clone, Copy)]
pub enum ReadScope {
    /// The replica, if it is fresh enough.
    Any,
    /// The replica only once it has replayed this position.
    After(Lsn),
}

impl ReadScope {
    /// Runs `work` (a request being served) with its reads in this scope.
    pub async fn run<F: Future>(self, work: F) -> F::Output {
        READS.scope(self, work).await
    }
}

tokio::task_local! {
    static READS: ReadScope;
}

/// The replica's pool and what the last probes saw.
pub struct Replica {
    pool: PgPool,
    primary: PgPool,
    max_lag: Duration,
    seen: Mutex<Seen>,
    probing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Seen {
    probed_at: Option<Instant>,
    /// No probe before this (the replica was unreachable).
    quiet_until: Option<Instant>,
    /// The replica's replayed position at the last probe; `None`: unusable.
    replayed: Option<Lsn>,
    /// The primary's position when each recent probe started, oldest first.
    primary: VecDeque<(Instant, Lsn)>,
    /// Why the replica is unusable, as last logged.
    trouble: Option<String>,
}

impl Replica {
    pub fn new(pool: PgPool, primary: PgPool, max_lag: Duration) -> Self {
        Self {
            pool,
            primary,
            max_lag,
            seen: Mutex::default(),
            probing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The replica, if the request being served may read from it now.
    pub async fn for_this_read(&self) -> Option<&PgPool> {
        let scope = READS.try_with(|scope| *scope).ok()?;
        self.probe_if_due().await;
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let replayed = seen.replayed?;
        let now = Instant::now();
        let fresh = seen
            .primary
            .iter()
            .rev()
            .take_while(|(at, _)| now.duration_since(*at) <= self.max_lag)
            .any(|(_, position)| *position <= replayed);
        let caught_up = match scope {
            ReadScope::Any => true,
            ReadScope::After(wanted) => replayed >= wanted,
        };
        (fresh && caught_up).then_some(&self.pool)
    }

    /// A read failed on the replica (it is run again on the primary): no
    /// more reads there until a probe finds it well.
    pub fn failed(&self, error: &sqlx::Error) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.replayed = None;
        seen.probed_at = None;
        seen.report(Some(format!("a read failed there: {error}")));
    }

    /// The primary's position now, after every write this request made.
    /// Any connection will do: a commit's record is in the log before
    /// the commit returns, so the insert position is past it.
    pub async fn primary_position(&self) -> Option<Lsn> {
        position(&self.primary, "SELECT pg_current_wal_insert_lsn()::text")
            .await
            .ok()
            .flatten()
    }

    async fn probe_if_due(&self) {
        let due = |seen: &Seen, now: Instant| {
            seen.quiet_until.is_none_or(|until| now >= until)
                && seen
                    .probed_at
                    .is_none_or(|at| now.duration_since(at) >= PROBE_EVERY)
        };
        if !due(&self.lock(), Instant::now()) {
            return;
        }
        // One probe at a time; the other reads go by the last one.
        let Ok(_probing) = self.probing.try_lock() else {
            return;
        };
        let started = Instant::now();
        if !due(&self.lock(), started) {
            return;
        }
        let primary = tokio::time::timeout(PROBE_TIMEOUT, self.primary_position()).await;
        let replica = tokio::time::timeout(
            PROBE_TIMEOUT,
            position(&self.pool, "SELECT pg_last_wal_replay_lsn()::text"),
        )
        .await;
        let mut seen = self.lock();
        seen.probed_at = Some(Instant::now());
        if let Ok(Some(at_start)) = primary {
            seen.primary.push_back((started, at_start));
            let max_lag = self.max_lag;
            while seen.primary.len() > MAX_SAMPLES
                || seen
                    .primary
                    .front()
                    .is_some_and(|(at, _)| started.duration_since(*at) > max_lag)
            {
                seen.primary.pop_front();
            }
        }
        let (replayed, trouble) = match replica {
            Ok(Ok(Some(replayed))) => (Some(replayed), None),
            Ok(Ok(None)) => (
                None,
                Some("it is not a standby (DATABASE_READ_URL names a primary)".to_owned()),
            ),
            Ok(Err(error)) => (None, Some(error.to_string())),
            Err(_) => (None, Some(format!("no answer within {PROBE_TIMEOUT:?}"))),
        };
        seen.replayed = replayed;
        seen.quiet_until = trouble.is_some().then(|| Instant::now() + RETRY_AFTER);
        seen.report(trouble);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Seen {
    /// Logs when the replica becomes unusable or usable again.
    fn report(&mut self, trouble: Option<String>) {
        match (&self.trouble, &trouble) {
            (None, Some(why)) => {
                tracing::warn!(%why, "the read replica is unusable: reads go to the primary");
            }
            (Some(_), None) => tracing::info!("the read replica is back: it serves reads again"),
            _ => {}
        }
        self.trouble = trouble;
    }
}

/// A position, as `sql` answers it (`NULL`: none).
async fn position(pool: &PgPool, sql: &'static str) -> sqlx::Result<Option<Lsn>> {
    let text: Option<String> = sqlx::query_scalar(sql).fetch_one(pool).await?;
    Ok(text.as_deref().and_then(Lsn::parse))
}

/// Runs `read` on the replica when [`Replica::for_this_read`] allows it,
/// else (and when it fails there) on one of the primary's `readers`. A
/// read without a position that the primary cannot serve because it is
/// gone (a failover under way) is tried on the replica, fresh or not: a
/// replica that lost its primary is as fresh as any server can be then.
pub async fn read<'a, T>(
    replica: Option<&Replica>,
    readers: &Readers,
    read: impl Read<'a, T>,
) -> sqlx::Result<T> {
    let on = |pool: &PgPool| {
        let pool = pool.clone();
        let read = &read;
        async move {
            let mut connection = pool.acquire().await?;
            read(&mut connection, PhantomData).await
        }
    };
    if let Some(replica) = replica
        && let Some(pool) = replica.for_this_read().await
    {
        match on(pool).await {
            Ok(found) => return Ok(found),
            Err(error) => replica.failed(&error),
        }
    }
    match readers.run(&read).await {
        Err(error)
            if primary_gone(&error)
                && let Some(replica) = replica
                && matches!(READS.try_with(|scope| *scope), Ok(ReadScope::Any)) =>
        {
            // A failover under way: the balancer may have cut the pooled
            // connections, the replica being promoted has left the reads
            // port and the new leader is not yet in the writes one. The
            // read goes back and forth between the two, each time on a
            // new connection, until one answers or FALLBACK_FOR has passed.
            let deadline = Instant::now() + FALLBACK_FOR;
            loop {
                let failed = match on(replica.pool()).await {
                    Ok(found) => return Ok(found),
                    Err(again) if primary_gone(&again) => again,
                    Err(other) => return Err(other),
                };
                if Instant::now() + FALLBACK_PAUSE >= deadline {
                    return Err(failed);
                }
                tokio::time::sleep(FALLBACK_PAUSE).await;
                let failed = match readers.run(&read).await {
                    Err(again) if primary_gone(&again) => again,
                    result => return result,
                };
                if Instant::now() >= deadline {
                    return Err(failed);
                }
            }
        }
        result => result,
    }
}

/// How long a read without a position keeps trying the replica and the
/// primary while neither can be reached (a failover takes a few seconds).
const FALLBACK_FOR: Duration = Duration::from_secs(8);
/// The pause between two such tries.
const FALLBACK_PAUSE: Duration = Duration::from_millis(100);

/// Whether `error` says the primary cannot be reached or is going away
/// (rather than the statement failing).
fn primary_gone(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_and_print_as_postgresql_writes_them() {
        let lsn = Lsn::parse("16/B374D848").unwrap();
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!(Lsn::parse("0/0").unwrap().to_string(), "0/0");
        assert!(Lsn::parse("0/1A").unwrap() < Lsn::parse("1/0").unwrap());
        assert!(Lsn::parse("0/FF").unwrap() > Lsn::parse("0/F").unwrap());
        for bad in [
            "",
            "16",
            "/1",
            "1/",
            "G/1",
            "123456789/0",
            "1/2/3",
            "-1/0",
            "+1/0",
        ] {
            assert_eq!(Lsn::parse(bad), None, "{bad:?}");
        }
    }
}
