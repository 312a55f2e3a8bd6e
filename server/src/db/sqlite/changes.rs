//! SQLite: the change log. The triggers of migrations 0008 and 0009 write it; this
//! reads it back and prunes it. One server per file, so a write's wake-up
//! is in-process (see `crate::feed`).

use std::time::Duration;

use casting_shared::changes::Change;
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::db::DumpChange;
use crate::db::changes::{HistoryOf, into_changes};

pub(super) const COLUMNS: &str =
    "seq, at, subject, by_name, action, resource, record_id, movie_id, actor_id, before, after";

/// Rows pruned per transaction, so pruning never holds the writer long.
const PRUNE_BATCH: i64 = 10_000;

impl SqliteStore {
    pub async fn changes_after(
        &self,
        after: i64,
        resources: &[&str],
        limit: i64,
    ) -> sqlx::Result<Vec<Change>> {
        let mut sql =
            QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM changes WHERE seq > "));
        sql.push_bind(after).push(" AND resource IN (");
        let mut list = sql.separated(", ");
        for resource in resources {
            list.push_bind(*resource);
        }
        if resources.is_empty() {
            list.push("NULL");
        }
        sql.push(") ORDER BY seq LIMIT ").push_bind(limit);
        let rows: Vec<DumpChange> = sql.build_query_as().fetch_all(&self.reader).await?;
        into_changes(rows)
    }

    pub async fn history(&self, of: HistoryOf) -> sqlx::Result<Option<Vec<Change>>> {
        let (sql, id, table) = match of {
            HistoryOf::Actor(id) => (
                format!(
                    "SELECT {COLUMNS} FROM changes WHERE resource = 'actor' AND record_id = ?1 \
                     UNION ALL \
                     SELECT {COLUMNS} FROM changes WHERE actor_id = ?1 \
                     ORDER BY seq DESC"
                ),
                id,
                "actors",
            ),
            HistoryOf::Movie(id) => (
                format!(
                    "SELECT {COLUMNS} FROM changes WHERE resource = 'movie' AND record_id = ?1 \
                     UNION ALL \
                     SELECT {COLUMNS} FROM changes WHERE movie_id = ?1 \
                     ORDER BY seq DESC"
                ),
                id,
                "movies",
            ),
        };
        let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.reader)
            .await?;
        if rows.is_empty() {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?)");
            let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&self.reader)
                .await?;
            if !exists {
                return Ok(None);
            }
        }
        into_changes(rows).map(Some)
    }

    /// `(pruned through, latest)`, as for PostgreSQL.
    pub async fn change_bounds(&self) -> sqlx::Result<(i64, i64)> {
        sqlx::query_as(
            "SELECT h.pruned_through, \
                    max(h.pruned_through, COALESCE((SELECT max(seq) FROM changes), 0)) \
             FROM changes_horizon h",
        )
        .fetch_one(&self.reader)
        .await
    }

    /// Removes the changes older than `keep`; answers how many.
    pub async fn prune_changes(&self, keep: Duration) -> sqlx::Result<u64> {
        let cutoff = format!("-{} seconds", keep.as_secs_f64());
        let through: Option<i64> = sqlx::query_scalar(
            "SELECT max(seq) FROM changes \
             WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
        )
        .bind(cutoff)
        .fetch_one(&self.reader)
        .await?;
        let Some(through) = through else {
            return Ok(0);
        };
        let mut pruned = 0;
        loop {
            let mut tx = self.write().await?;
            let removed: Vec<i64> = sqlx::query_scalar(
                "DELETE FROM changes WHERE seq IN \
                   (SELECT seq FROM changes WHERE seq <= ? ORDER BY seq LIMIT ?) \
                 RETURNING seq",
            )
            .bind(through)
            .bind(PRUNE_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(highest) = removed.iter().max() {
                sqlx::query("UPDATE changes_horizon SET pruned_through = max(pruned_through, ?)")
                    .bind(highest)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            pruned += removed.len() as u64;
            if (removed.len() as i64) < PRUNE_BATCH {
                return Ok(pruned);
            }
        }
    }
}
