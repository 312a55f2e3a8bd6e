//! PostgreSQL: the server's signing keys, shared by every instance on the database.

use std::time::Duration;

use super::PgStore;
use crate::db::StoredKey;

/// Any constant; it names the lock that serialises key creation.
const KEY_LOCK: i64 = 0x6361_7374_6b65_7973; // "castkeys"

impl PgStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        let rows: Vec<(String, bool)> = sqlx::query_as(
            "SELECT private_key_pem, retired_at IS NULL FROM signing_keys \
             WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1) \
             ORDER BY created_at DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(private_key_pem, current)| StoredKey {
                private_key_pem,
                current,
            })
            .collect())
    }

    pub async fn add_first_signing_key(&self, kid: &str, pem: &str) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Several instances starting at once: one creates the key.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
                .bind(kid)
                .bind(pem)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(!exists)
    }

    pub async fn rotate_signing_key(&self, kid: &str, pem: &str) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
            .bind(kid)
            .bind(pem)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}
