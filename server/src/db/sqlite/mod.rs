//! The embedded SQLite store: one file (or memory), one server instance.
//! Its migrations are `migrations/sqlite/`.
//!
//! Writes go through one connection, each in `BEGIN IMMEDIATE`, so writers
//! queue in the pool instead of failing with "database is locked"; reads use
//! a pool of read-only connections that WAL lets run beside the writer.
//! Another process (`casting-server users …`) may write too: the busy
//! timeout makes each side wait for the other, and past it the request is a
//! 503, never a lock error. A write is answered only once the log holding
//! its commit is fsynced ([`wal_sync`]: commits that queue meanwhile share
//! one fsync), so an acknowledged write survives a crash of the process or
//! of the machine.

mod actors;
mod auditions;
mod authored;
mod cast;
mod casting;
mod changes;
mod dump;
mod files;
mod keys;
mod lists;
mod lock;
mod movies;
mod reads;
mod undo;
mod wal_sync;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    ConnectOptions, Connection, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction,
};

use self::files::{FileIdentity, wal_path};
use self::wal_sync::WalSync;
use super::common::Dialect;
use super::readers::Readers;
use super::schema_loss::{SchemaLoss, sqlite_table_missing};
use super::{
    Author, DbError, Outcome, PoolStats, RememberedTotals, StoreSettings, Table, constraint_field,
};

pub use lock::InstanceLock;

/// This store's migrations, embedded (`db/migrations.rs`).
pub static MIGRATOR: std::sync::LazyLock<Migrator> =
    std::sync::LazyLock::new(super::migrations::sqlite);

#[derive(Clone)]
pub struct SqliteStore {
    /// One connection: every write, in turn.
    writer: SqlitePool,
    /// Read-only connections (the writer itself for an in-memory database).
    reader: SqlitePool,
    /// A file's read-only connections for the reads of `GET` requests,
    /// returned without sqlx's test (`db/readers.rs`, `reads.rs`); none in
    /// memory, where `reader` serves them.
    readers: Option<Arc<Readers<SqliteConnection>>>,
    /// Filtered list totals, reused while their table is unchanged.
    totals: Arc<RememberedTotals>,
    /// The file as opened (`None` in memory): no write goes to a file that
    /// is no longer at its path.
    file: Option<Arc<FileIdentity>>,
    /// The file could not be read or written lately (see
    /// [`SqliteStore::classify`]): the writer's connection is opened again
    /// when it is next released, in case it went read-only.
    writer_suspect: Arc<AtomicBool>,
    /// In memory: a connection of the store's own, never handed out, that
    /// keeps the database alive whatever becomes of the pool's.
    memory_guard: Option<Arc<MemoryGuard>>,
    /// Set once a statement finds a table missing.
    schema_loss: SchemaLoss,
    /// A file's group commit (none in memory).
    wal_sync: Option<Arc<WalSync>>,
}

/// SQLite frees an in-memory database when its last connection closes.
/// The pool's one connection is not a safe home for it: sqlx closes a
/// pooled connection whose user was cancelled at the wrong moment, without
/// a word (issue 24: the demo server lost everything to clients that reset
/// their connections). Its `acquire` takes the idle connection out of the
/// pool, then pings it (`test_before_acquire`); a request cancelled during
/// that ping (hyper drops the handler's future when the client resets)
/// drops the connection it had taken, and the pool opens a new one, on a
/// new, empty database. (The ping is off now, for every SQLite pool: a
/// connection to a file or to memory has no server to lose.) So the
/// database is a named, shared-cache one
/// (`file:sqlx-in-memory-N?mode=memory&cache=shared`, what sqlx makes of
/// `sqlite::memory:`) and this connection, opened first and held for the
/// life of the store, keeps it: any pooled connection may come and go.
struct MemoryGuard(std::sync::Mutex<Option<sqlx::SqliteConnection>>);

impl SqliteStore {
    /// Opens the file at `path`, creating it (0600) and its directory
    /// (0700) if missing, and applies the migrations. A file other users
    /// may read is refused (see `files.rs`).
    pub async fn open_file(path: &Path, settings: &StoreSettings) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::create_private_dir(dir)?;
        }
        files::check_private(path)?;
        files::create_database_file(path)?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(settings.timeout)
            .foreign_keys(true)
            .pragma("cache_size", CACHE_SIZE)
            .pragma("soft_heap_limit", SOFT_HEAP_LIMIT)
            .with_regexp();
        // A commit waits for no fsync (an acknowledged write waits for
        // one it shares with others: `durable`); a checkpoint still syncs.
        let writing = options
            .clone()
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        // Created here, once: a connection opened later (the pools open and
        // retire theirs) must never make a new, empty file where the
        // database was removed.
        writing
            .clone()
            .create_if_missing(true)
            .connect()
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?
            .close()
            .await?;
        let file = Some(Arc::new(FileIdentity::of(path)?));
        let writer_suspect = Arc::new(AtomicBool::new(false));
        let suspect = writer_suspect.clone();
        let writer = pool_options(settings)
            .max_connections(1)
            .after_release(move |conn, _| {
                let reopen = suspect.swap(false, Ordering::SeqCst);
                Box::pin(release_writer(conn, reopen))
            })
            .connect_with(writing)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        MIGRATOR
            .run(&writer)
            .await
            .context("cannot apply the database migrations")?;
        // At start: statistics for tables that have none yet (0x10002: all
        // tables, analysed with a row limit so a large file opens fast).
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&writer)
            .await
            .context("cannot optimize the database")?;
        let reading = options.read_only(true);
        let reader = pool_options(settings)
            .max_connections(readers(settings))
            .connect_with(reading.clone())
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        let readers = Readers::new(reading, readers(settings), settings.timeout, None);
        Ok(Self {
            writer,
            reader,
            readers: Some(Arc::new(readers)),
            totals: Arc::default(),
            file,
            writer_suspect,
            memory_guard: None,
            schema_loss: SchemaLoss::default(),
            wal_sync: Some(WalSync::new(wal_path(path))),
        })
    }

    /// A private database in memory, gone when the process ends (and
    /// only then: see [`MemoryGuard`]).
    pub async fn open_memory(settings: &StoreSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?
            .foreign_keys(true)
            .with_regexp();
        let guard = options
            .connect()
            .await
            .context("cannot open an in-memory SQLite database")?;
        // One pooled connection: every read and write, in turn (a shared
        // cache locks whole tables, so a second one would only wait).
        let pool = pool_options(settings)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .context("cannot open an in-memory SQLite database")?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply the database migrations")?;
        Ok(Self {
            writer: pool.clone(),
            reader: pool,
            readers: None,
            totals: Arc::default(),
            file: None,
            writer_suspect: Arc::default(),
            memory_guard: Some(Arc::new(MemoryGuard(std::sync::Mutex::new(Some(guard))))),
            schema_loss: SchemaLoss::default(),
            wal_sync: None,
        })
    }

    /// Returns once every write committed before the call is on the disk
    /// (the fsync of the log it shares with the writes committed with it).
    pub async fn durable(&self) -> sqlx::Result<()> {
        match &self.wal_sync {
            Some(wal) => wal.sync().await.map_err(sqlx::Error::Io),
            None => Ok(()),
        }
    }

    pub async fn close(&self) {
        // What this process wrote is on the disk before it goes, whether or
        // not it is the file's last connection (whose close checkpoints).
        if let Err(error) = self.durable().await {
            tracing::error!(%error, "the last writes may not be on the disk");
        }
        // What the statistics learned from this session's queries is kept
        // for the next (SQLite's advice for long-lived connections). The
        // search indexes are left to the next start: merging them could
        // hold a shutdown for seconds on a large file.
        self.refresh_statistics().await.ok();
        if let Some(readers) = &self.readers {
            readers.close().await;
        }
        self.reader.close().await;
        self.writer.close().await;
        let guard = self
            .memory_guard
            .as_ref()
            .and_then(|guard| guard.0.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(guard) = guard {
            guard.close().await.ok();
        }
    }

    /// Reported once a statement finds a table missing.
    pub fn schema_loss(&self) -> &SchemaLoss {
        &self.schema_loss
    }

    /// Refreshes the planner's statistics and merges the trigram indexes'
    /// segments: run soon after start and hourly.
    pub async fn optimize(&self) -> sqlx::Result<()> {
        self.refresh_statistics().await?;
        for table in ["actors_search", "movies_search"] {
            self.merge_segments(table).await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics where they are stale or missing
    /// (`PRAGMA optimize`): soon after start, hourly and at close.
    async fn refresh_statistics(&self) -> sqlx::Result<()> {
        if self.file.is_some() {
            self.check_file()?;
        }
        sqlx::query("PRAGMA optimize")
            .execute(&self.writer)
            .await
            .map(drop)
    }

    /// Merges an FTS5 index's segments into one. Writes add segments (FTS5
    /// merges them only as they pile up), and a search looks its terms up
    /// in every segment: at a million actors a search for a rare name took
    /// 0.20 ms with the segments a bulk load leaves, 0.016 ms merged. Done
    /// a bounded step at a time (`'merge', -N`: at most about N pages
    /// written, across levels), the writer given back between steps so
    /// that writes go on; it stops when a step finds nothing to merge.
    async fn merge_segments(&self, table: &str) -> sqlx::Result<()> {
        let merge = format!("INSERT INTO {table} ({table}, rank) VALUES ('merge', -{MERGE_PAGES})");
        for _ in 0..MERGE_STEPS {
            let mut conn = self.writer.acquire().await?;
            let before: i64 = sqlx::query_scalar("SELECT total_changes()")
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(merge.as_str()))
                .execute(&mut *conn)
                .await?;
            let after: i64 = sqlx::query_scalar("SELECT total_changes()")
                .fetch_one(&mut *conn)
                .await?;
            // A step with nothing to merge changes one row at most.
            if after - before < 2 {
                break;
            }
        }
        Ok(())
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        self.check_file()?;
        // Through the writer: a store that cannot write is not ready.
        sqlx::query("SELECT 1 FROM row_counts LIMIT 1")
            .execute(&self.writer)
            .await
            .map(drop)
    }

    pub fn pool_stats(&self) -> PoolStats {
        let writer = PoolStats::of(&self.writer);
        // In memory the writer's pool is the reader too, and there are no readers.
        match &self.readers {
            Some(readers) => writer + readers.stats() + PoolStats::of(&self.reader),
            None => writer,
        }
    }

    /// A write transaction that holds the write lock from its first statement.
    async fn write(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.check_file()?;
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// The pool and transactions the statements both stores share
    /// (`db/common.rs`) run in: every change is the one writer's, which
    /// serialises changes to the keys and adds of look-alike users.
    pub(crate) fn reads(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) async fn write_tx(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.write().await
    }

    pub(crate) async fn keys_tx(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.write().await
    }

    pub(crate) async fn users_tx(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.write().await
    }

    /// A write transaction whose changes the triggers record as `author`'s.
    async fn write_as(&self, author: &Author) -> sqlx::Result<Transaction<'static, Sqlite>> {
        let mut tx = self.write().await?;
        // A new write id for the changes of this transaction (migration 0013).
        sqlx::query(
            "UPDATE change_author SET subject = ?, name = ?, \
             last_write_id = last_write_id + 1, write_id = last_write_id + 1",
        )
        .bind(&author.subject)
        .bind(&author.name)
        .execute(&mut *tx)
        .await?;
        Ok(tx)
    }

    /// An error (503) while the database file is not where it was opened:
    /// removed or moved away, a write would land in a file nobody will
    /// open again. Put back, it is written again.
    fn check_file(&self) -> sqlx::Result<()> {
        match &self.file {
            Some(file) if !file.still_there() => Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "the database file {} was removed or replaced; writes resume once it is back",
                    file.path.display()
                ),
            ))),
            _ => Ok(()),
        }
    }

    /// Deletes an actor or a movie (its cast entries go with it).
    pub async fn delete_row(
        &self,
        table: Table,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write_as(author).await?;
        let mut sql =
            QueryBuilder::<Sqlite>::new(format!("DELETE FROM {} WHERE id = ", table.name()));
        sql.push_bind(id);
        push_version_check(&mut sql, expected_versions);
        let deleted = sql.build().execute(&mut *tx).await?.rows_affected();
        let outcome = if deleted == 1 {
            Outcome::Done(())
        } else {
            missing_or_changed(&mut tx, table, id).await?
        };
        commit_as(tx).await?;
        Ok(outcome)
    }
}

/// Whether the writer goes back to the pool, or is closed so that the next
/// write opens a fresh connection. Closed when `reopen` (the file failed
/// lately: a connection opened while the file could not be written is
/// read-only for good), and when a commit that failed (a disk error) left
/// sqlx counting a transaction SQLite no longer has, which would fail
/// every later `BEGIN` on it. A transaction dropped without a commit left
/// its rollback queued on the connection: that runs first.
async fn release_writer(conn: &mut sqlx::SqliteConnection, reopen: bool) -> sqlx::Result<bool> {
    use sqlx::Connection;
    if reopen {
        return Ok(false);
    }
    if conn.is_in_transaction() {
        conn.ping().await?;
    }
    Ok(!conn.is_in_transaction())
}

/// Pages a step of [`SqliteStore::merge_segments`] writes at most (about
/// 0.8 MiB, tens of milliseconds with the writer), and how many steps one
/// run takes at most (enough for some 2 GiB of index).
const MERGE_PAGES: u32 = 200;
const MERGE_STEPS: u32 = 10_000;

/// Each connection's page cache: 1 MiB (SQLite's default is 2 MiB). The
/// operating system keeps the file's pages cached for all of them, so a
/// page a connection does not hold costs a copy, not a disk read.
const CACHE_SIZE: &str = "-1024";

/// What SQLite may keep allocated in the whole process (page caches,
/// sorts), 8 MiB, before it reuses its own pages rather than allocate
/// more: a writer and up to two readers per core, each reading through a
/// whole table (a deep `page`) at once, no longer take what their caches
/// hold times their number. A soft limit: nothing fails at it.
const SOFT_HEAP_LIMIT: &str = "8388608";

/// How many readers a file gets: the pool size, but no more than two per
/// core. Each holds a page cache and a thread; past the cores they add
/// memory, not speed.
fn readers(settings: &StoreSettings) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = u32::try_from(cores * 2).unwrap_or(u32::MAX);
    settings.pool_size.clamp(1, most)
}

/// What every pool of the store shares: the wait for a connection is
/// bounded, and reported as a tracing event for the metrics.
fn pool_options(settings: &StoreSettings) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .acquire_timeout(settings.timeout)
        // No ping before each use: a file's connection has no server to
        // lose, and the ping is a round trip to the connection's thread
        // (as long as a lookup's own statement). A failing file is met by
        // the statement itself (see `classify`).
        .test_before_acquire(false)
        .acquire_time_level(log::LevelFilter::Trace)
}

/// ` AND version IN (…)` when `If-Match` named versions (none matching: nothing).
fn push_version_check(sql: &mut QueryBuilder<Sqlite>, expected_versions: Option<&[i64]>) {
    match expected_versions {
        None => {}
        Some([]) => {
            sql.push(" AND 0");
        }
        Some(versions) => {
            sql.push(" AND version IN (");
            let mut list = sql.separated(", ");
            for version in versions {
                list.push_bind(*version);
            }
            sql.push(")");
        }
    }
}

/// Commits a transaction of [`SqliteStore::write_as`], clearing the author
/// first: a write made later another way (the sqlite3 shell) is not put
/// down to them.
async fn commit_as(mut tx: Transaction<'static, Sqlite>) -> sqlx::Result<()> {
    sqlx::query("UPDATE change_author SET subject = NULL, name = NULL, write_id = NULL")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// After an update or delete touched no row: was it missing, or at another version?
async fn missing_or_changed<T>(
    tx: &mut Transaction<'static, Sqlite>,
    table: Table,
    id: i64,
) -> sqlx::Result<Outcome<T>> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE id = ?)",
        table.name()
    );
    let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(if exists {
        Outcome::Changed
    } else {
        Outcome::NotFound
    })
}

/// An FTS5 phrase matching `text` literally: quotes doubled, nothing else special.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Trigram search needs at least three characters (of the folded term);
/// a shorter one is found in the key with `instr`.
fn searchable(folded: &str) -> bool {
    folded.chars().count() >= 3
}

/// A `REGEXP` matching the whole of `text`, case folded beyond ASCII (the
/// `gender` filter: accents are kept there).
fn folded_exact(text: &str) -> String {
    format!("(?i)^{}$", regex::escape(text))
}

/// The current time as the migrations store it (RFC 3339, UTC, milliseconds).
pub(crate) const NOW: &str = <Sqlite as Dialect>::NOW;

impl SqliteStore {
    /// [`classify`], noting a failure of the file itself (read-only, I/O,
    /// cannot open) so that the writer's connection is opened again.
    pub fn classify(&self, error: sqlx::Error) -> DbError {
        let code = match &error {
            sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()),
            _ => None,
        };
        if matches!(code.map(|c| c & 0xff), Some(8 | 10 | 14)) {
            self.writer_suspect.store(true, Ordering::SeqCst);
        }
        if let sqlx::Error::Database(db) = &error
            && code == Some(1)
            && sqlite_table_missing(db.message())
        {
            self.schema_loss.report(db.message());
            return DbError::Unavailable(format!(
                "the database's tables are gone ({}): the server stops",
                db.message()
            ));
        }
        classify(error)
    }
}

/// SQLite's failures in the store's terms. Primary result codes:
/// <https://www.sqlite.org/rescode.html>.
pub fn classify(error: sqlx::Error) -> DbError {
    match &error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => DbError::Unavailable(error.to_string()),
        sqlx::Error::Database(db) => {
            let code: i32 = db.code().and_then(|c| c.parse().ok()).unwrap_or(0);
            match code & 0xff {
                // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN: the file is
                // busy past the timeout, or cannot be written for now.
                5 | 6 | 8 | 10 | 13 | 14 => DbError::Unavailable(error.to_string()),
                // CONSTRAINT: "CHECK constraint failed: actors_name_length"
                19 => {
                    let named = db.message().rsplit(": ").next().and_then(constraint_field);
                    match (named, db.kind()) {
                        (Some(field), _) => DbError::Invalid(field),
                        (None, sqlx::error::ErrorKind::UniqueViolation) => DbError::Duplicate,
                        _ => DbError::Other(error),
                    }
                }
                _ => DbError::Other(error),
            }
        }
        _ => DbError::Other(error),
    }
}
