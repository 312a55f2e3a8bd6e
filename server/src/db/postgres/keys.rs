//! PostgreSQL: the server's signing keys, shared by every instance on the
//! database. Changes to the set of keys hold an advisory lock, so instances
//! starting or commands running at once never leave two current keys.

use std::time::Duration;

use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::db::{KeyInfo, StoredKey};

/// Any constant; it names the lock that serialises changes to the keys.
const KEY_LOCK: i64 = 0x6361_7374_6b65_7973; // "castkeys"

impl PgStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        sqlx::query_as(
            "SELECT kid, private_key_pem AS stored, retired_at IS NULL AS current FROM signing_keys \
             WHERE revoked_at IS NULL \
             AND (retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)) \
             ORDER BY created_at DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.pool)
        .await
    }

    pub async fn stored_signing_keys(&self) -> sqlx::Result<Vec<(String, String)>> {
        sqlx::query_as("SELECT kid, private_key_pem FROM signing_keys ORDER BY created_at")
            .fetch_all(&self.pool)
            .await
    }

    /// The transaction every change to the keys runs in.
    pub(crate) async fn keys_tx(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    pub async fn scrub_signing_keys(&self) -> sqlx::Result<bool> {
        // The table's rows written anew into new files, in one transaction:
        // TRUNCATE gives the table new files and truncates the old ones,
        // dead row versions and all, at commit. (Not `VACUUM FULL`: it keeps
        // the dead versions a snapshot may still see, and under load one
        // always may: a new snapshot's horizon is the oldest transaction
        // running anywhere in the cluster.) A reader waits for the commit;
        // the write-ahead log and its archives keep what they logged: hence
        // the new key.
        let mut tx = self.pool.begin().await?;
        sqlx::raw_sql(
            "SET LOCAL statement_timeout = '30s'; \
             LOCK TABLE signing_keys IN ACCESS EXCLUSIVE MODE; \
             CREATE TEMPORARY TABLE kept_signing_keys ON COMMIT DROP AS \
               SELECT * FROM signing_keys; \
             TRUNCATE signing_keys; \
             INSERT INTO signing_keys SELECT * FROM kept_signing_keys;",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn revoked_kids(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT kid FROM signing_keys WHERE revoked_at IS NOT NULL")
            .fetch_all(&self.pool)
            .await
    }

    pub async fn list_signing_keys(&self) -> sqlx::Result<Vec<KeyInfo>> {
        sqlx::query_as(
            "SELECT kid, created_at, retired_at, revoked_at FROM signing_keys \
             ORDER BY created_at DESC",
        )
        .fetch_all(&self.pool)
        .await
    }
}
