//! PostgreSQL: the server's signing keys, shared by every instance on the
//! database. Changes to the set of keys hold an advisory lock, so instances
//! starting or commands running at once never leave two current keys.

use std::time::Duration;

use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::db::{KeyInfo, RevokeOutcome, SealOutcome, StoredKey};

/// Any constant; it names the lock that serialises changes to the keys.
const KEY_LOCK: i64 = 0x6361_7374_6b65_7973; // "castkeys"

impl PgStore {
    pub async fn signing_keys(&self, retention: Duration) -> sqlx::Result<Vec<StoredKey>> {
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT kid, private_key_pem, retired_at IS NULL FROM signing_keys \
             WHERE revoked_at IS NULL \
             AND (retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)) \
             ORDER BY created_at DESC",
        )
        .bind(retention.as_secs_f64())
        .fetch_all(&self.pool)
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
        sqlx::query_as("SELECT kid, private_key_pem FROM signing_keys ORDER BY created_at")
            .fetch_all(&self.pool)
            .await
    }

    async fn lock_keys(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    pub async fn add_first_signing_key(&self, kid: &str, stored: &str) -> sqlx::Result<bool> {
        let mut tx = self.lock_keys().await?;
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
        let mut tx = self.lock_keys().await?;
        let signing: Option<bool> = sqlx::query_scalar(
            "UPDATE signing_keys SET private_key_pem = $3 WHERE kid = $1 AND private_key_pem = $2 \
             RETURNING retired_at IS NULL",
        )
        .bind(kid)
        .bind(plain)
        .bind(sealed)
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
        // A rewrite of the table into new files: the old ones, dead row
        // versions and all, are truncated at commit. (The write-ahead log
        // and its archives keep what they logged: hence the new key.) The
        // rewrite keeps the row versions a transaction still running may
        // see, so it first waits, up to 10 s, for the transactions of this
        // database that began before now (seen under load: a reader's
        // snapshot kept the plain row alive through the rewrite).
        let mut connection = self.pool.acquire().await?;
        let started: time::OffsetDateTime = sqlx::query_scalar("SELECT clock_timestamp()")
            .fetch_one(&mut *connection)
            .await?;
        for _ in 0..100 {
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

    pub async fn rotate_signing_key(&self, kid: &str, stored: &str) -> sqlx::Result<()> {
        let mut tx = self.lock_keys().await?;
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
        let mut tx = self.lock_keys().await?;
        let found: Option<(bool, bool)> = sqlx::query_as(
            "SELECT retired_at IS NULL, revoked_at IS NOT NULL FROM signing_keys WHERE kid = $1",
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
        sqlx::query(
            "UPDATE signing_keys SET revoked_at = now(), retired_at = COALESCE(retired_at, now()) \
             WHERE kid = $1",
        )
        .bind(kid)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RevokeOutcome::Revoked { replaced })
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

async fn retire_current(tx: &mut Transaction<'static, Postgres>) -> sqlx::Result<()> {
    sqlx::query("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL")
        .execute(&mut **tx)
        .await
        .map(drop)
}

async fn insert_current(
    tx: &mut Transaction<'static, Postgres>,
    kid: &str,
    stored: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
        .bind(kid)
        .bind(stored)
        .execute(&mut **tx)
        .await
        .map(drop)
}
