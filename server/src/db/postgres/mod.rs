//! The PostgreSQL store: several server instances may share one database.
//! Its migrations are `migrations/postgres/`.

mod actors;
mod auditions;
mod cast;
mod casting;
mod changes;
mod dump;
mod failover;
mod keys;
mod lists;
mod movies;
mod readers;
pub mod replica;
mod undo;
mod users;

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use futures::FutureExt;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use self::failover::Demotions;
use self::readers::{Read, Readers};
use self::replica::Replica;
use super::location::redact;
use super::{
    Author, DbError, Outcome, PoolStats, RememberedTotals, StoreSettings, Table, constraint_field,
};

/// Longest a read waits for a replica connection before it goes to the
/// primary instead (the store's own timeout if shorter).
const REPLICA_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// This store's migrations, embedded (`db/migrations.rs`).
pub static MIGRATOR: std::sync::LazyLock<Migrator> =
    std::sync::LazyLock::new(super::migrations::postgres);

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The primary's connections for the reads of `GET` requests.
    readers: Arc<Readers>,
    /// How to connect: the change listener has a connection of its own.
    options: Arc<PgConnectOptions>,
    /// Filtered list totals, reused while their table is unchanged.
    totals: Arc<RememberedTotals>,
    /// A streaming replica that serves some reads (`DATABASE_READ_URL`).
    replica: Option<Arc<Replica>>,
    /// When the primary was last found read-only (`failover.rs`).
    demotions: Arc<Demotions>,
}

/// How the server's connections name themselves to PostgreSQL
/// (`application_name` in `pg_stat_activity`), unless the URL names them.
pub const WRITES: &str = "casting-server";
pub const READS: &str = "casting-server reads";

fn named(options: &PgConnectOptions, name: &str) -> PgConnectOptions {
    match options.get_application_name() {
        Some(_) => options.clone(),
        None => options.clone().application_name(name),
    }
}

impl PgStore {
    /// Creates the database named in `url` if it is missing, connects a pool,
    /// and applies the migrations. Several servers may do this at once: sqlx
    /// holds an advisory lock while migrating.
    pub async fn open(url: &str, settings: &StoreSettings) -> anyhow::Result<Self> {
        let options =
            PgConnectOptions::from_str(url).context("DATABASE_URL is not a PostgreSQL URL")?;
        ensure_database(&options).await?;
        let statement_timeout = format!("{}", settings.timeout.as_millis());
        let session = [("statement_timeout", statement_timeout.as_str())];
        let demotions = Arc::new(Demotions::default());
        let stale = demotions.clone();
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .acquire_timeout(settings.timeout)
            // No ping before each use: it would double the round trips. A
            // connection broken by an outage fails its query (503) and is dropped.
            .test_before_acquire(false)
            // A connection to a primary since demoted is closed, not used.
            .before_acquire(move |_, meta| {
                let fresh = !stale.predates_last(meta.age);
                Box::pin(async move { Ok(fresh) })
            })
            // Report each acquire's wait as a tracing event: the metrics'
            // pool-acquire layer turns it into a histogram.
            .acquire_time_level(log::LevelFilter::Trace)
            .connect_with(named(&options, WRITES).options(session))
            .await
            .with_context(|| format!("cannot connect to {}", redact(url)))?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply the database migrations")?;
        let retired = demotions.clone();
        let readers = Readers::new(
            named(&options, READS).options(session),
            settings.pool_size,
            settings.timeout,
            Some(Arc::new(move |age| retired.predates_last(age))),
        );
        let replica = match &settings.read_url {
            Some(read_url) => {
                let read_options = PgConnectOptions::from_str(read_url)
                    .context("DATABASE_READ_URL is not a PostgreSQL URL")?;
                // Connected when first used: the server starts, and serves
                // from the primary, while the replica is away.
                let replica_pool = PgPoolOptions::new()
                    .max_connections(settings.pool_size.max(1))
                    .acquire_timeout(settings.timeout.min(REPLICA_ACQUIRE_TIMEOUT))
                    .test_before_acquire(false)
                    .connect_lazy_with(named(&read_options, READS).options(session));
                tracing::info!(replica = %redact(read_url), "reads may go to the replica");
                Some(Arc::new(Replica::new(
                    replica_pool,
                    pool.clone(),
                    settings.read_max_lag,
                )))
            }
            None => None,
        };
        Ok(Self {
            pool,
            readers: Arc::new(readers),
            options: Arc::new(options),
            totals: Arc::default(),
            replica,
            demotions,
        })
    }

    pub async fn close(&self) {
        if let Some(replica) = &self.replica {
            replica.close().await;
        }
        self.readers.close().await;
        self.pool.close().await;
    }

    /// The read replica, if one is configured.
    pub fn replica(&self) -> Option<Arc<Replica>> {
        self.replica.clone()
    }

    /// Runs a read that the replica may serve (see [`replica`]), else one
    /// of the primary's [`Readers`]: `read` gets the connection to run on.
    async fn read<'a, T>(&self, read: impl Read<'a, T>) -> sqlx::Result<T> {
        replica::read(self.replica.as_deref(), &self.readers, read).await
    }

    /// Answers when the primary does and takes writes: a standby or a
    /// read-only server (the balancer still pointing at a demoted leader,
    /// no leader elected yet) is not ready.
    pub async fn ping(&self) -> super::DbResult<()> {
        let read_only: bool = sqlx::query_scalar(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.classify(e))?;
        if read_only {
            self.demotions.note();
            return Err(DbError::Unavailable(
                "the database is a standby (read-only): no primary takes writes".to_owned(),
            ));
        }
        Ok(())
    }

    /// [`classify`], noting a primary found read-only so that the pool's
    /// older connections are dropped.
    pub fn classify(&self, error: sqlx::Error) -> DbError {
        if failover::is_read_only(&error) {
            self.demotions.note();
        }
        classify(error)
    }

    pub fn pool_stats(&self) -> PoolStats {
        let primary = PoolStats::of(&self.pool) + self.readers.stats();
        match &self.replica {
            Some(replica) => primary + PoolStats::of(replica.pool()),
            None => primary,
        }
    }

    /// What an update found: the row, else whether it is missing or at
    /// another version.
    async fn updated<T>(&self, table: Table, id: i64, row: Option<T>) -> sqlx::Result<Outcome<T>> {
        match row {
            Some(row) => Ok(Outcome::Done(row)),
            None => self.missing_or_changed(table, id).await,
        }
    }

    async fn missing_or_changed<T>(&self, table: Table, id: i64) -> sqlx::Result<Outcome<T>> {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE id = $1)",
            table.name()
        );
        let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(if exists {
            Outcome::Changed
        } else {
            Outcome::NotFound
        })
    }

    /// Deletes an actor or a movie (its cast entries go with it).
    pub async fn version_of(&self, table: Table, id: i64) -> sqlx::Result<Option<i64>> {
        self.read(|connection, _| {
            sqlx::query_scalar(match table {
                Table::Actors => "SELECT version FROM actors WHERE id = $1",
                Table::Movies => "SELECT version FROM movies WHERE id = $1",
            })
            .bind(id)
            .fetch_optional(connection)
            .boxed()
        })
        .await
    }

    pub async fn write_stamp(&self, table: Table) -> sqlx::Result<i64> {
        self.read(|connection, _| {
            sqlx::query_scalar(match table {
                Table::Actors => {
                    "SELECT COALESCE(sum(writes), 0)::bigint FROM row_counts \
                     WHERE table_name = 'actors'"
                }
                Table::Movies => {
                    "SELECT COALESCE(sum(writes), 0)::bigint FROM row_counts \
                     WHERE table_name = 'movies'"
                }
            })
            .fetch_one(connection)
            .boxed()
        })
        .await
    }

    pub async fn delete_row(
        &self,
        table: Table,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let sql = format!(
            "DELETE FROM {} WHERE id = $1 AND ($2::bigint[] IS NULL OR version = ANY($2)) AND {}",
            table.name(),
            author_is(3)
        );
        let deleted = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(expected_versions)
            .bind(author.to_json())
            .execute(&self.pool)
            .await?
            .rows_affected();
        if deleted == 1 {
            Ok(Outcome::Done(()))
        } else {
            self.missing_or_changed(table, id).await
        }
    }
}

/// A condition that is always true and, evaluated once before the
/// statement changes its first row, names the statement's author (`$n`, JSON)
/// for the change-log triggers, for the statement's transaction only. The
/// write stays one statement, one round trip.
fn author_is(n: usize) -> String {
    format!("(SELECT set_config('casting.by', ${n}, true)) IS NOT NULL")
}

async fn ensure_database(options: &PgConnectOptions) -> anyhow::Result<()> {
    let name = options
        .get_database()
        .unwrap_or(options.get_username())
        .to_owned();
    let mut admin = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .context("cannot reach PostgreSQL (is it running, and is DATABASE_URL right?)")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // Text sorts by code point, as in the SQLite store, whatever the
        // server's default locale; C.UTF-8 still folds case beyond ASCII
        // for `q`. Where C.UTF-8 is missing, the server's defaults.
        let pinned = format!(
            "CREATE DATABASE {quoted} TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
        );
        let mut created = sqlx::query(sqlx::AssertSqlSafe(pinned))
            .execute(&mut admin)
            .await;
        if let Err(sqlx::Error::Database(e)) = &created
            && e.code().as_deref() == Some("22023")
        {
            created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
                .execute(&mut admin)
                .await;
        }
        match created {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another instance created it at the same moment.
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => return Err(e).context(format!("cannot create the database {name}")),
        }
    }
    admin.close().await.ok();
    Ok(())
}

/// `deadlock_detected`: PostgreSQL ended one of the waiting transactions.
pub const DEADLOCK: &str = "40P01";
/// `serialization_failure`: the transaction must be tried again.
pub const SERIALIZATION: &str = "40001";

/// PostgreSQL's failures in the store's terms: an outage is `Unavailable`,
/// a named constraint `Invalid`, the rest as they are.
pub fn classify(error: sqlx::Error) -> DbError {
    match &error {
        // The database cannot be reached or the link broke mid-conversation.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => DbError::Unavailable(error.to_string()),
        sqlx::Error::Database(db) => {
            if let Some(field) = db.constraint().and_then(constraint_field) {
                return DbError::Invalid(field);
            }
            match db.code().as_deref() {
                // query_canceled (statement timeout), admin/crash shutdown, cannot connect now,
                // too many connections, a write on a standby or a demoted primary
                Some("57014" | "57P01" | "57P02" | "57P03" | "53300" | failover::READ_ONLY) => {
                    DbError::Unavailable(error.to_string())
                }
                // connection exceptions (08000, 08003, 08006, ...): the link, not the statement
                Some(code) if code.starts_with("08") => DbError::Unavailable(error.to_string()),
                // a transaction given up for a concurrent one: nothing was
                // written, and the same request may be tried again
                Some(DEADLOCK | SERIALIZATION) => DbError::Unavailable(error.to_string()),
                // string with a NUL byte: refused before it reaches a column
                Some("22021") => DbError::Invalid("body"),
                Some("23505") => DbError::Duplicate,
                _ => DbError::Other(error),
            }
        }
        _ => DbError::Other(error),
    }
}
