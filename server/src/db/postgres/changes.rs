//! PostgreSQL: the change log. The triggers of migration 0008 write each
//! change pending; this numbers the committed ones (`sequence_changes()`)
//! before it reads, reads back numbered changes only, prunes them, and
//! listens for the writers' wake-ups.

use std::time::Duration;

use casting_shared::changes::Change;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use super::PgStore;
use crate::db::DumpChange;
use crate::db::changes::{HistoryOf, into_changes};

/// Every column of a change, `at` as the API writes it.
pub(super) const COLUMNS: &str = "seq, \
    to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at, \
    subject, by_name, action, resource, record_id, movie_id, actor_id, before::text AS before, after::text AS after";

/// The channel the triggers notify once per writing transaction.
pub const CHANNEL: &str = "casting_changes";

/// Rows pruned per statement, so pruning never holds a long transaction.
const PRUNE_BATCH: i64 = 10_000;

impl PgStore {
    /// Numbers the changes committed and still pending (see migration 0008).
    pub(super) async fn sequence(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT sequence_changes()")
            .execute(&self.pool)
            .await
            .map(drop)
    }

    pub async fn changes_after(
        &self,
        after: i64,
        resources: &[&str],
        limit: i64,
    ) -> sqlx::Result<Vec<Change>> {
        self.sequence().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM changes WHERE seq > $1 AND resource = ANY($2) \
             ORDER BY seq LIMIT $3"
        );
        let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(resources)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        into_changes(rows)
    }

    pub async fn history(&self, of: HistoryOf) -> sqlx::Result<Option<Vec<Change>>> {
        let (filter, id, table) = match of {
            HistoryOf::Actor(id) => (
                "(resource = 'actor' AND record_id = $1) OR actor_id = $1",
                id,
                "actors",
            ),
            HistoryOf::Movie(id) => (
                "(resource = 'movie' AND record_id = $1) OR movie_id = $1",
                id,
                "movies",
            ),
        };
        self.sequence().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM changes WHERE ({filter}) AND seq IS NOT NULL ORDER BY seq DESC"
        );
        let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
            let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
            if !exists {
                return Ok(None);
            }
        }
        into_changes(rows).map(Some)
    }

    /// `(pruned through, latest)`: the highest seq pruned, and the highest
    /// seq handed out so far that is visible.
    pub async fn change_bounds(&self) -> sqlx::Result<(i64, i64)> {
        self.sequence().await?;
        sqlx::query_as(
            "SELECT h.pruned_through, \
                    GREATEST(h.pruned_through, COALESCE((SELECT max(seq) FROM changes), 0)) \
             FROM changes_horizon h",
        )
        .fetch_one(&self.pool)
        .await
    }

    /// Removes the changes older than `keep` (whole prefixes of `seq`);
    /// answers how many.
    pub async fn prune_changes(&self, keep: Duration) -> sqlx::Result<u64> {
        let through: Option<i64> = sqlx::query_scalar(
            "SELECT max(seq) FROM changes WHERE at < now() - make_interval(secs => $1)",
        )
        .bind(keep.as_secs_f64())
        .fetch_one(&self.pool)
        .await?;
        let Some(through) = through else {
            return Ok(0);
        };
        let mut pruned = 0;
        loop {
            let mut tx = self.pool.begin().await?;
            let removed: Vec<i64> = sqlx::query_scalar(
                "DELETE FROM changes WHERE seq IN \
                   (SELECT seq FROM changes WHERE seq <= $1 ORDER BY seq LIMIT $2) \
                 RETURNING seq",
            )
            .bind(through)
            .bind(PRUNE_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(highest) = removed.iter().max() {
                sqlx::query(
                    "UPDATE changes_horizon SET pruned_through = GREATEST(pruned_through, $1)",
                )
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

    /// A listener for the triggers' wake-ups, on a connection of its own
    /// (outside the pool, which stays whole for requests).
    pub async fn listen(&self) -> sqlx::Result<PgListener> {
        let own = PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(PgConnectOptions::clone(&self.options));
        let mut listener = PgListener::connect_with(&own).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}
