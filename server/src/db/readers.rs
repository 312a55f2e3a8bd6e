//! The connections for the reads of `GET` requests (a list's page and
//! count, a row by id, a cast, a role's pipeline), pooled by deadpool
//! rather than by sqlx: PostgreSQL's primary's, and a SQLite file's.
//!
//! sqlx's pool tests every connection it takes back with a round trip to
//! the database (`ping` in sqlx-core 0.9's `PoolConnection::return_to_pool`),
//! in case the statement was interrupted and left the conversation half
//! way. For these reads that round trip was 12 % of the server's CPU
//! samples on a list request, and a second round trip before the
//! connection could serve the next request. Here the read tells
//! whether it ran to its end: a connection whose read did goes back as it
//! is; one whose read was interrupted (the request cancelled) or failed is
//! closed rather than used again, which is what sqlx's test guards against.
//! On SQLite the test is a trip to the connection's own thread, and the
//! same holds.
//! A read that finds a pooled connection dead (the database restarted) runs
//! again on another (see [`Readers::run`]). Writes, transactions and
//! everything else keep sqlx's pool.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool::Status;
use deadpool::managed::{self, Metrics, PoolError, RecycleError, RecycleResult};
use futures::future::BoxFuture;
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::db::{ACQUIRE_TARGET, PoolStats};

/// A connection is closed after this long, as sqlx's pool does by default
/// (a proxy or a failover may have moved the database meanwhile).
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A connection the readers can pool: how it tells a broken connection from
/// a failed statement.
pub trait Backend: Connection + 'static {
    /// Whether `error` says the connection itself is gone, rather than the
    /// statement failing.
    fn broken(error: &sqlx::Error) -> bool;
}

impl Backend for PgConnection {
    /// Its socket, or the server ending the session (`57P01` admin
    /// shutdown, `57P02` crash shutdown).
    fn broken(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("57P01" | "57P02")),
            _ => false,
        }
    }
}

impl Backend for SqliteConnection {
    /// Its thread gone, or the file unreadable.
    fn broken(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed)
    }
}

/// A read to run on a connection `'c` of type `C`, borrowing what it needs
/// for `'a`: the second argument only tells the compiler that `'a` outlives
/// `'c` (a bound a closure's signature cannot state otherwise).
pub trait ReadOn<'a, C, T>:
    for<'c> Fn(&'c mut C, Outlives<'c, 'a>) -> BoxFuture<'c, sqlx::Result<T>>
{
}

impl<'a, C, T, F> ReadOn<'a, C, T> for F where
    F: for<'c> Fn(&'c mut C, Outlives<'c, 'a>) -> BoxFuture<'c, sqlx::Result<T>>
{
}

/// See [`ReadOn`].
pub type Outlives<'c, 'a> = PhantomData<&'c &'a ()>;

/// Whether a connection open for this long was opened before something
/// that retires it (a PostgreSQL primary demoted by a failover).
pub type Retired = Arc<dyn Fn(Duration) -> bool + Send + Sync>;

/// Up to `size` connections for reads.
pub struct Readers<C: Backend> {
    pool: managed::Pool<Connector<C>>,
    /// Longest a read waits for a connection, opening one included.
    timeout: Duration,
}

struct Connector<C: Backend> {
    options: C::Options,
    /// A connection this says is retired is closed, not used again.
    retired: Option<Retired>,
}

/// A pooled connection, and whether its last read ran to the end.
pub struct Reader<C> {
    connection: C,
    finished: bool,
}

impl<C: Backend> managed::Manager for Connector<C> {
    type Type = Reader<C>;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Reader<C>, sqlx::Error> {
        Ok(Reader {
            connection: C::connect_with(&self.options).await?,
            finished: true,
        })
    }

    async fn recycle(
        &self,
        reader: &mut Reader<C>,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if !reader.finished {
            return Err(RecycleError::message("its last read was interrupted"));
        }
        if metrics.age() > MAX_LIFETIME {
            return Err(RecycleError::message("open for its whole lifetime"));
        }
        if self
            .retired
            .as_ref()
            .is_some_and(|retired| retired(metrics.age()))
        {
            return Err(RecycleError::message(
                "retired (opened before the primary was demoted)",
            ));
        }
        Ok(())
    }
}

impl<C: Backend> Readers<C> {
    /// At most `size` connections (opened when first needed) made with
    /// `options`; a read waits at most `timeout` for one, then fails as
    /// sqlx's pool would (`PoolTimedOut`: 503).
    pub fn new(
        options: C::Options,
        size: u32,
        timeout: Duration,
        retired: Option<Retired>,
    ) -> Self {
        let pool = managed::Pool::builder(Connector { options, retired })
            .max_size(size.max(1) as usize)
            .build()
            .expect("a pool without timeouts needs no runtime");
        Self { pool, timeout }
    }

    /// Runs `read` on a connection of the pool. Its time waiting for the
    /// connection goes to the request's pool-acquire metric.
    ///
    /// A connection that waited in the pool may have died meanwhile (the
    /// database restarted, a proxy or a firewall dropped it): a read that
    /// finds its connection broken, on one used before, runs again on
    /// another, at most once per connection the pool holds and then on a new
    /// one. Reads change nothing, so running one again is safe.
    pub async fn run<'a, T>(&self, read: impl ReadOn<'a, C, T>) -> sqlx::Result<T> {
        let mut retries = self.pool.status().max_size;
        loop {
            let waiting = Instant::now();
            // One bound for waiting for a free connection and opening a new
            // one, as sqlx's `acquire_timeout` is.
            let mut reader = tokio::time::timeout(self.timeout, self.pool.get())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?
                .map_err(|error| match error {
                    PoolError::Backend(error) => error,
                    PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
                    _ => sqlx::Error::PoolClosed,
                })?;
            tracing::trace!(
                target: ACQUIRE_TARGET,
                acquired_after_secs = waiting.elapsed().as_secs_f64(),
                "a read connection acquired"
            );
            let used_before = managed::Object::metrics(&reader).recycle_count > 0;
            // Dropped before the read ends (the request cancelled), it stays unfinished.
            reader.finished = false;
            let result = read(&mut reader.connection, PhantomData).await;
            reader.finished = result.is_ok();
            match result {
                Err(error) if used_before && retries > 0 && C::broken(&error) => {
                    tracing::debug!(%error, "a pooled read connection was broken: the read runs again");
                    retries -= 1;
                }
                result => return result,
            }
        }
    }

    pub fn stats(&self) -> PoolStats {
        let Status {
            max_size,
            size,
            available,
            ..
        } = self.pool.status();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        PoolStats {
            open: count(size),
            idle: count(available),
            max: count(max_size),
        }
    }

    /// Closes the pool: idle connections now (saying goodbye to the
    /// database), the others when handed back.
    pub async fn close(&self) {
        let idle = self.pool.retain(|_, _| false).removed;
        self.pool.close();
        for reader in idle {
            let _ = reader.connection.close().await;
        }
    }
}
