//! SQLite: the change log. The triggers of migrations 0008 and 0009 write it; this
//! reads it back and prunes it. One server per file, so a write's wake-up
//! is in-process (see `crate::feed`).

use std::time::Duration;

use casting_shared::changes::Change;
use sqlx::Sqlite;

use super::SqliteStore;
use crate::db::changes::{self, HistoryOf};
use crate::db::common::Dialect;

/// Every column of a change.
pub(super) const COLUMNS: &str = <Sqlite as Dialect>::CHANGE_COLUMNS;

impl SqliteStore {
    /// Nothing to do: SQLite numbers each change as it is written
    /// (PostgreSQL numbers the committed ones before a read).
    pub(crate) async fn sequence(&self) -> sqlx::Result<()> {
        Ok(())
    }

    /// `(pruned through, latest)` (see `changes::bounds`).
    pub(crate) async fn change_bounds(&self) -> sqlx::Result<(i64, i64)> {
        changes::bounds(self.reads()).await
    }

    pub async fn history(&self, of: HistoryOf) -> sqlx::Result<Option<Vec<Change>>> {
        let (resource, column, ..) = of.parts();
        // Each half by an index of its own.
        let sql = format!(
            "SELECT {COLUMNS} FROM changes WHERE resource = '{resource}' AND record_id = $1 \
             UNION ALL \
             SELECT {COLUMNS} FROM changes WHERE {column} = $1 \
             ORDER BY seq DESC"
        );
        changes::history(&self.reader, of, sql).await
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
        changes::prune(|| self.write(), through).await
    }
}
