//! SQLite: the server's signing keys. Each change to the set of keys is
//! one write transaction, so the server and a `keys` command running beside
//! it never leave two current keys.

use std::time::Duration;

use sqlx::{Sqlite, Transaction};

use super::{NOW, SqliteStore};
use crate::db::{KeyInfo, RevokeOutcome, SealOutcome, StoredKey};

impl SqliteStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT kid, private_key_pem, retired_at IS NULL FROM signing_keys \
             WHERE revoked_at IS NULL AND (retired_at IS NULL \
               OR julianday(retired_at) > julianday('now') - ? / 86400.0) \
             ORDER BY julianday(created_at) DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(kid, stored, current)| StoredKey {
                kid,
                stored,
                current,
            })
            .collect())
    }

    pub async fn stored_signing_keys(&self) -> sqlx::Result<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT kid, private_key_pem FROM signing_keys ORDER BY julianday(created_at)",
        )
        .fetch_all(&self.reader)
        .await
    }

    pub async fn add_first_signing_key(&self, kid: &str, stored: &str) -> sqlx::Result<bool> {
        let mut tx = self.write().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            insert_current(&mut tx, kid, stored).await?;
        }
        tx.commit().await?;
        Ok(!exists)
    }

    pub async fn seal_signing_key(
        &self,
        kid: &str,
        plain: &str,
        sealed: &str,
        (successor_kid, successor_stored): (&str, &str),
    ) -> sqlx::Result<SealOutcome> {
        let mut tx = self.write().await?;
        let signing: Option<bool> = sqlx::query_scalar(
            "UPDATE signing_keys SET private_key_pem = ? WHERE kid = ? AND private_key_pem = ? \
             RETURNING retired_at IS NULL",
        )
        .bind(sealed)
        .bind(kid)
        .bind(plain)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match signing {
            None => SealOutcome::Unchanged,
            Some(false) => SealOutcome::Sealed,
            Some(true) => {
                retire_current(&mut tx).await?;
                insert_current(&mut tx, successor_kid, successor_stored).await?;
                SealOutcome::SealedAndReplaced
            }
        };
        tx.commit().await?;
        Ok(outcome)
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

    pub async fn rotate_signing_key(&self, kid: &str, stored: &str) -> sqlx::Result<()> {
        let mut tx = self.write().await?;
        retire_current(&mut tx).await?;
        insert_current(&mut tx, kid, stored).await?;
        tx.commit().await
    }

    pub async fn revoke_signing_key(
        &self,
        kid: &str,
        new_kid: &str,
        new_stored: &str,
    ) -> sqlx::Result<RevokeOutcome> {
        let mut tx = self.write().await?;
        let found: Option<(bool, bool)> = sqlx::query_as(
            "SELECT retired_at IS NULL, revoked_at IS NOT NULL FROM signing_keys WHERE kid = ?",
        )
        .bind(kid)
        .fetch_optional(&mut *tx)
        .await?;
        let replaced = match found {
            None => return Ok(RevokeOutcome::NotFound),
            Some((_, true)) => return Ok(RevokeOutcome::AlreadyRevoked),
            Some((current, false)) => current,
        };
        if replaced {
            retire_current(&mut tx).await?;
            insert_current(&mut tx, new_kid, new_stored).await?;
        }
        let revoke = format!(
            "UPDATE signing_keys SET revoked_at = {NOW}, retired_at = COALESCE(retired_at, {NOW}) \
             WHERE kid = ?"
        );
        sqlx::query(sqlx::AssertSqlSafe(revoke))
            .bind(kid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RevokeOutcome::Revoked { replaced })
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

async fn retire_current(tx: &mut Transaction<'static, Sqlite>) -> sqlx::Result<()> {
    let retire = format!("UPDATE signing_keys SET retired_at = {NOW} WHERE retired_at IS NULL");
    sqlx::query(sqlx::AssertSqlSafe(retire))
        .execute(&mut **tx)
        .await
        .map(drop)
}

async fn insert_current(
    tx: &mut Transaction<'static, Sqlite>,
    kid: &str,
    stored: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES (?, ?)")
        .bind(kid)
        .bind(stored)
        .execute(&mut **tx)
        .await
        .map(drop)
}
