//! PostgreSQL: the casting pipeline's queries and methods (`db/casting.rs`)
//! over its connections, each write in one transaction recorded as its
//! author's, each read on a reader (the replica's when there is one).

use futures::future::BoxFuture;
use sqlx::{PgConnection, Postgres, Transaction};

use super::PgStore;
use crate::db::Author;

/// The current time as the tables store it.
const NOW: &str = "now()";
/// A candidate's `updated_at` as the API writes it.
const UPDATED_AT: &str =
    "to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
const EPOCH_STARTS: &str = "CAST(extract(epoch FROM starts_at) AS bigint)";
const EPOCH_ENDS: &str = "CAST(extract(epoch FROM ends_at) AS bigint)";
/// Keeps a row from being deleted until the transaction ends.
const LOCK_SHARE: &str = " FOR KEY SHARE";
/// Keeps a row for this transaction's decision.
const LOCK_UPDATE: &str = " FOR NO KEY UPDATE";

crate::db::casting::casting_store!(PgStore, sqlx::PgConnection, commit = Transaction::commit);

impl PgStore {
    /// A transaction whose changes the triggers record as `author`'s.
    pub(super) async fn write_as(
        &self,
        author: &Author,
    ) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A casting read on one reader's connection.
    async fn casting_read<T: Send>(
        &self,
        read: impl for<'c> Fn(&'c mut PgConnection) -> BoxFuture<'c, sqlx::Result<T>> + Sync,
    ) -> sqlx::Result<T> {
        self.read(|c, _| read(c)).await
    }
}
