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
        // rewrite keeps the row versions a snapshot may still see: any
        // snapshot older than now, of this database's sessions, or one taken
        // from now on while a transaction older than now runs anywhere in
        // the cluster (a snapshot's horizon is the oldest transaction
        // running, whatever its database). So it first waits, up to 30 s,
        // until no transaction older than now runs and no session here or
        // replica holds an older snapshot.
        let mut connection = self.pool.acquire().await?;
        let now: i64 = sqlx::query_scalar("SELECT txid_snapshot_xmax(txid_current_snapshot())")
            .fetch_one(&mut *connection)
            .await?;
        let mut clear = false;
        for _ in 0..300 {
            // Transaction ids have no order operator; their ages, from one
            // reference in one statement, do: older is a greater age.
            clear = sqlx::query_scalar(
                "SELECT txid_snapshot_xmin(txid_current_snapshot()) >= $1 \
                 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity \
                   WHERE (datname = current_database() OR datname IS NULL) \
                   AND pid <> pg_backend_pid() \
                   AND age(backend_xmin) > age(($1 % 4294967296)::text::xid)) \
                 AND NOT EXISTS (SELECT 1 FROM pg_replication_slots \
                   WHERE age(xmin) > age(($1 % 4294967296)::text::xid))",
            )
            .bind(now)
            .fetch_one(&mut *connection)
            .await?;
            if clear {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if !clear {
            tracing::warn!(
                "a transaction or snapshot older than the signing key's overwrite was still \
                 held after 30 s: the rewrite may keep the old row until a later VACUUM FULL"
            );
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
