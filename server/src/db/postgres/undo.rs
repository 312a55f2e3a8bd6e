//! PostgreSQL: undo of a change (`POST /changes/{seq}/undo`). The plan and
//! its statements are `db::undo`'s, their run `db::undo_run`'s; this runs
//! them in one transaction, whose id (`txid_current()`, migration 0013)
//! marks the undo's own changes.

use super::PgStore;
use super::changes::COLUMNS;
use crate::db::undo::{Undone, Write, in_order};
use crate::db::undo_run::put_back;
use crate::db::{Author, DumpChange};

impl PgStore {
    /// Puts back every record of `write` as it was before it, in one
    /// transaction, or nothing.
    pub async fn undo(&self, write: &Write, author: &Author) -> sqlx::Result<Undone> {
        let reverts = match write.reverts() {
            Ok(reverts) => in_order(reverts),
            Err(detail) => return Ok(Undone::Conflict(detail)),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        let write_id: i64 = sqlx::query_scalar("SELECT txid_current()")
            .fetch_one(&mut *tx)
            .await?;
        if let Some(stopped) = put_back(&mut tx, &reverts, write.last_seq()).await? {
            return Ok(stopped);
        }
        tx.commit().await?;
        self.sequence().await?;
        let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM changes WHERE write_id = $1 AND seq IS NOT NULL ORDER BY seq"
        )))
        .bind(write_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Undone::Done(rows))
    }
}
