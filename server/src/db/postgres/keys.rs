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
        // A rewrite of the table into new files: the old ones, dead row
        // versions and all, are truncated at commit. (The write-ahead log
        // and its archives keep what they logged: hence the new key.) The
        // rewrite keeps the row versions a transaction still running may
        // see, so it first waits, up to 30 s, for the transactions of this
        // database that began before now (seen under load: a reader's
        // snapshot kept the plain row alive through the rewrite).
        let mut connection = self.pool.acquire().await?;
        let started: time::OffsetDateTime = sqlx::query_scalar("SELECT clock_timestamp()")
            .fetch_one(&mut *connection)
            .await?;
        for _ in 0..300 {
            let older: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND xact_start < $1",
            )
            .bind(started)
            .fetch_one(&mut *connection)
            .await?;
            if older == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        sqlx::raw_sql("VACUUM FULL signing_keys")
            .execute(&mut *connection)
            .await?;
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
