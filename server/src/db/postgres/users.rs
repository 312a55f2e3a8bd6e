//! PostgreSQL: built-in users (their statements are the ones both stores
//! share, `db/common.rs`). Adds and key fills hold a table lock, so two adds
//! racing on look-alikes are serialised.

use sqlx::{PgPool, Postgres, Transaction};

use super::PgStore;

impl PgStore {
    /// The transaction adds and key fills run in: a table lock serialises
    /// two adds racing on look-alikes.
    pub(crate) async fn users_tx(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// The pool the shared statements read from, and the transaction
    /// they change other users' rows in.
    pub(crate) fn reads(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn write_tx(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        self.pool.begin().await
    }
}
