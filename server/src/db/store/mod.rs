//! The [`Store`] façade, one file per concern: each method hands the call
//! to the backend that runs (`dispatch!`; `forward!` where the backends
//! take the same arguments), or to `common::Shared` where both run the
//! same statements.

use crate::db::{
    DbResult, Location, PoolStats, Store, StoreSettings, postgres, schema_loss, sqlite,
};

/// Calls the same method on whichever backend runs, and turns its
/// `sqlx::Error` into a [`DbError`](crate::db::DbError) by that backend's own rules.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Postgres($store) => $call.await.map_err(|e| $store.classify(e)),
            Store::Sqlite($store) => $call.await.map_err(|e| $store.classify(e)),
        }
    };
}

/// Declares façade methods that hand their arguments unchanged to the
/// same method of whichever backend runs: one line per method, as the
/// backends declare it but without `&self`, answering `DbResult` of what
/// the backends answer in a `sqlx::Result`.
macro_rules! forward {
    ($($(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty;)*) => {
        $(
            $(#[$attr])*
            pub async fn $name(&self, $($arg: $ty),*) -> crate::db::DbResult<$out> {
                dispatch!(self, s => s.$name($($arg),*))
            }
        )*
    };
}

mod casting;
mod changes;
mod identity;
mod records;

impl Store {
    /// Opens (creating if missing) and migrates the store at `location`.
    pub async fn open(location: &Location, settings: &StoreSettings) -> anyhow::Result<Self> {
        if settings.read_url.is_some() && !matches!(location, Location::Postgres(_)) {
            anyhow::bail!(
                "DATABASE_READ_URL needs a PostgreSQL DATABASE_URL: {} is SQLite, which has no \
                 read replicas (unset DATABASE_READ_URL)",
                location.describe()
            );
        }
        Ok(match location {
            Location::Postgres(url) => {
                Store::Postgres(postgres::PgStore::open(url, settings).await?)
            }
            Location::SqliteFile(path) => {
                Store::Sqlite(sqlite::SqliteStore::open_file(path, settings).await?)
            }
            Location::SqliteMemory => {
                Store::Sqlite(sqlite::SqliteStore::open_memory(settings).await?)
            }
        })
    }

    /// The PostgreSQL read replica, if one is configured.
    pub fn replica(&self) -> Option<std::sync::Arc<postgres::replica::Replica>> {
        match self {
            Store::Postgres(store) => store.replica(),
            Store::Sqlite(_) => None,
        }
    }

    /// Reported when the store finds its tables gone (SQLite; a PostgreSQL
    /// database outlives the server's connections to it).
    pub fn schema_loss(&self) -> Option<schema_loss::SchemaLoss> {
        match self {
            Store::Postgres(_) => None,
            Store::Sqlite(store) => Some(store.schema_loss().clone()),
        }
    }

    /// Which backend this is, for logs and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "PostgreSQL",
            Store::Sqlite(_) => "SQLite",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Postgres(store) => store.close().await,
            Store::Sqlite(store) => store.close().await,
        }
    }

    /// Returns once every write committed before the call is on the disk:
    /// at once on PostgreSQL (its commit waits for its log's flush); on a
    /// SQLite file, after the fsync of the log its commit shares with the
    /// others of its moment. A write that succeeded is answered after it
    /// (the `Front` layer), so an acknowledged write is durable on both stores.
    pub async fn durable(&self) -> DbResult<()> {
        match self {
            Store::Postgres(_) => Ok(()),
            Store::Sqlite(store) => store.durable().await.map_err(|e| store.classify(e)),
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> DbResult<()> {
        match self {
            Store::Postgres(store) => store.ping().await,
            Store::Sqlite(store) => store.ping().await.map_err(|e| store.classify(e)),
        }
    }

    /// The connections the store holds, for the metrics.
    pub fn pool_stats(&self) -> PoolStats {
        match self {
            Store::Postgres(store) => store.pool_stats(),
            Store::Sqlite(store) => store.pool_stats(),
        }
    }
}
