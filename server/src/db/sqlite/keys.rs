//! SQLite: the server's signing keys. Each change to the set of keys is
//! one write transaction, so the server and a `keys` command running beside
//! it never leave two current keys.

use std::time::Duration;

use super::SqliteStore;
use crate::db::{KeyInfo, StoredKey};

impl SqliteStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        sqlx::query_as(
            "SELECT kid, private_key_pem AS stored, retired_at IS NULL AS current FROM signing_keys \
             WHERE revoked_at IS NULL AND (retired_at IS NULL \
               OR julianday(retired_at) > julianday('now') - ? / 86400.0) \
             ORDER BY julianday(created_at) DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.reader)
        .await
    }

    pub async fn stored_signing_keys(&self) -> sqlx::Result<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT kid, private_key_pem FROM signing_keys ORDER BY julianday(created_at)",
        )
        .fetch_all(&self.reader)
        .await
    }

    pub async fn scrub_signing_keys(&self) -> sqlx::Result<bool> {
        self.check_file()?;
        let mut conn = self.writer.acquire().await?;
        // VACUUM writes a new image of the file from the live rows only;
        // secure_delete zeroes what is freed while it runs. The image goes
        // through the log, which the checkpoint then copies into the file
        // and truncates to nothing.
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *conn)
            .await?;
        let scrubbed = async {
            sqlx::query("VACUUM").execute(&mut *conn).await?;
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *conn)
                .await?;
            Ok::<_, sqlx::Error>(busy == 0)
        }
        .await;
        sqlx::query("PRAGMA secure_delete = OFF")
            .execute(&mut *conn)
            .await?;
        scrubbed
    }

    pub async fn revoked_kids(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT kid FROM signing_keys WHERE revoked_at IS NOT NULL")
            .fetch_all(&self.reader)
            .await
    }

    pub async fn list_signing_keys(&self) -> sqlx::Result<Vec<KeyInfo>> {
        sqlx::query_as(
            "SELECT kid, created_at, retired_at, revoked_at FROM signing_keys \
             ORDER BY julianday(created_at) DESC",
        )
        .fetch_all(&self.reader)
        .await
    }
}
