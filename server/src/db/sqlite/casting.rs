//! SQLite: the casting pipeline's queries and methods (`db/casting.rs`)
//! over its connections, each write in one `BEGIN IMMEDIATE` transaction
//! recorded as its author's, each read in one read transaction of the
//! read-only pool (a role, its candidates and auditions agree).

use futures::future::BoxFuture;
use sqlx::SqliteConnection;

use super::{NOW, SqliteStore, commit_as};

/// A candidate's `updated_at` as the API writes it (stored so).
const UPDATED_AT: &str = "c.updated_at";
/// Audition times are stored in unix seconds.
const EPOCH_STARTS: &str = "starts_at";
const EPOCH_ENDS: &str = "ends_at";
/// One writer holds the whole file: no row locks.
const LOCK_SHARE: &str = "";
const LOCK_UPDATE: &str = "";

crate::db::casting::casting_store!(SqliteStore, sqlx::SqliteConnection, commit = commit_as);

impl SqliteStore {
    /// A casting read in one read transaction.
    async fn casting_read<T>(
        &self,
        read: impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, sqlx::Result<T>>,
    ) -> sqlx::Result<T> {
        let mut tx = self.reader.begin().await?;
        let found = read(&mut tx).await?;
        tx.rollback().await?;
        Ok(found)
    }
}
