//! SQLite: the server's signing keys.

use std::time::Duration;

use super::{NOW, SqliteStore};
use crate::db::StoredKey;

impl SqliteStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        let rows: Vec<(String, bool)> = sqlx::query_as(
            "SELECT private_key_pem, retired_at IS NULL FROM signing_keys \
             WHERE retired_at IS NULL OR julianday(retired_at) > julianday('now') - ? / 86400.0 \
             ORDER BY julianday(created_at) DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.reader)
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
        let mut tx = self.write().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES (?, ?)")
                .bind(kid)
                .bind(pem)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(!exists)
    }

    pub async fn rotate_signing_key(&self, kid: &str, pem: &str) -> sqlx::Result<()> {
        let mut tx = self.write().await?;
        let retire = format!("UPDATE signing_keys SET retired_at = {NOW} WHERE retired_at IS NULL");
        sqlx::query(sqlx::AssertSqlSafe(retire))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES (?, ?)")
            .bind(kid)
            .bind(pem)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
}
