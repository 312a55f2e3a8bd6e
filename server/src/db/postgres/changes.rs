//! PostgreSQL: the change log. The triggers of migration 0008 write each
//! change pending; this numbers the committed ones (`sequence_changes()`)
//! before it reads, reads back numbered changes only, prunes them, and
//! listens for the writers' wake-ups.

use std::time::Duration;

use casting_shared::changes::Change;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Postgres, Row};

use super::PgStore;
use crate::db::changes::{self, HistoryOf};
use crate::db::common::Dialect;

/// Every column of a change, `at` as the API writes it.
pub(super) const COLUMNS: &str = <Postgres as Dialect>::CHANGE_COLUMNS;

/// The channel the triggers notify once per writing transaction.
pub const CHANNEL: &str = "casting_changes";

impl PgStore {
    /// Numbers the changes committed and still pending (see migration 0008).
    pub(crate) async fn sequence(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT sequence_changes()")
            .execute(&self.pool)
            .await
            .map(drop)
    }

    /// Numbers what is pending, then answers `(pruned through, latest)`
    /// (see `changes::bounds`) in one round trip: the two statements run in
    /// one implicit transaction, the second seeing the first's numbers, and
    /// the answer is read to its end, so it comes once they are committed.
    pub(crate) async fn change_bounds(&self) -> sqlx::Result<(i64, i64)> {
        const SEQUENCED_BOUNDS: &str =
            concat!("SELECT sequence_changes(); ", changes::bounds_sql!());
        let rows = sqlx::raw_sql(SEQUENCED_BOUNDS)
            .fetch_all(&self.pool)
            .await?;
        let bounds = rows.last().ok_or(sqlx::Error::RowNotFound)?;
        Ok((bounds.try_get(0)?, bounds.try_get(1)?))
    }

    pub async fn history(&self, of: HistoryOf) -> sqlx::Result<Option<Vec<Change>>> {
        let (resource, column, ..) = of.parts();
        self.sequence().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM changes \
             WHERE ((resource = '{resource}' AND record_id = $1) OR {column} = $1) \
             AND seq IS NOT NULL ORDER BY seq DESC"
        );
        changes::history(&self.pool, of, sql).await
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
        changes::prune(|| self.pool.begin(), through).await
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
