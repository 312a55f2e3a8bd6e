//! The embedded SQLite store: one file (or memory), one server instance.
//! Its migrations are `migrations/sqlite/`.
//!
//! Writes go through one connection, each in `BEGIN IMMEDIATE`, so writers
//! queue in the pool instead of failing with "database is locked"; reads use
//! a pool of read-only connections that WAL lets run beside the writer.
//! Another process (`casting-server users …`) may write too: the busy
//! timeout makes each side wait for the other, and past it the request is a
//! 503, never a lock error. Commits are fsynced (`synchronous = FULL`), so an
//! acknowledged write survives a crash of the process or of the machine.

mod actors;
mod cast;
mod dump;
mod keys;
mod lock;
mod movies;
mod users;

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};

use super::{DbError, Outcome, StoreSettings, Table, constraint_field, order_by};
use crate::listing::{Page, Sort};

pub use lock::InstanceLock;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Clone)]
pub struct SqliteStore {
    /// One connection: every write, in turn.
    writer: SqlitePool,
    /// Read-only connections (the writer itself for an in-memory database).
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens the file at `path`, creating it and its directory if missing,
    /// and applies the migrations.
    pub async fn open_file(path: &Path, settings: &StoreSettings) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the directory {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(settings.timeout)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(settings.timeout)
            .connect_with(
                options
                    .clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full),
            )
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        MIGRATOR
            .run(&writer)
            .await
            .context("cannot apply the database migrations")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .acquire_timeout(settings.timeout)
            .connect_with(options.read_only(true))
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        Ok(Self { writer, reader })
    }

    /// A private database in memory, gone when the process ends.
    pub async fn open_memory(settings: &StoreSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection, kept for ever: the database lives as long as it does.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(settings.timeout)
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
        })
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub async fn ping(&self) -> sqlx::Result<()> {
        // Through the writer: a store that cannot write is not ready.
        sqlx::query("SELECT 1 FROM row_counts LIMIT 1")
            .execute(&self.writer)
            .await
            .map(drop)
    }

    /// A write transaction that holds the write lock from its first statement.
    async fn write(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// One page of `columns` of `table`, each row carrying the number of
    /// rows that match. Without a filter the total is `row_counts`' (kept
    /// exact by triggers, see migrations/sqlite/0004), so the table is never
    /// counted; with one, the filter's indexes bound the count.
    async fn page<R>(
        &self,
        table: Table,
        columns: &'static str,
        filtered: bool,
        push_filter: impl Fn(&mut QueryBuilder<Sqlite>),
        sort: Sort,
        page: Page,
    ) -> sqlx::Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut sql = QueryBuilder::new(format!("SELECT {columns}, ("));
        push_total(&mut sql, table, filtered, &push_filter);
        sql.push(format!(") AS total FROM {}", table.name()));
        push_filter(&mut sql);
        sql.push(order_by(sort));
        sql.push(format!(" LIMIT {} OFFSET {}", page.per_page, page.offset()));
        sql.build_query_as().fetch_all(&self.reader).await
    }

    /// The total alone, for a page past the end.
    async fn count(
        &self,
        table: Table,
        filtered: bool,
        push_filter: impl Fn(&mut QueryBuilder<Sqlite>),
    ) -> sqlx::Result<i64> {
        let mut sql = QueryBuilder::new("SELECT (");
        push_total(&mut sql, table, filtered, &push_filter);
        sql.push(")");
        sql.build_query_scalar().fetch_one(&self.reader).await
    }

    /// Deletes an actor or a movie (its cast entries go with it).
    pub async fn delete_row(
        &self,
        table: Table,
        id: i64,
        expected_versions: Option<&[i64]>,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write().await?;
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
        tx.commit().await?;
        Ok(outcome)
    }
}

fn push_total(
    sql: &mut QueryBuilder<Sqlite>,
    table: Table,
    filtered: bool,
    push_filter: &impl Fn(&mut QueryBuilder<Sqlite>),
) {
    if filtered {
        sql.push(format!("SELECT count(*) FROM {}", table.name()));
        push_filter(sql);
    } else {
        sql.push(format!(
            "SELECT n FROM row_counts WHERE table_name = '{}'",
            table.name()
        ));
    }
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

/// Trigram search needs at least three characters; shorter terms are matched with LIKE.
fn searchable(text: &str) -> bool {
    text.chars().count() >= 3
}

/// The current time as the migrations store it (RFC 3339, UTC, milliseconds).
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

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
