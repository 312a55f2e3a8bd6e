//! SQLite: undo of a change (`POST /changes/{seq}/undo`). The plan and its
//! statements are `db::undo`'s, their run `db::undo_run`'s; this runs them
//! in one write transaction, whose number (`change_author.write_id`,
//! migration 0013) marks the undo's own changes. SQLite has no exclusion
//! constraint: a restored audition is checked for overlaps in the
//! transaction, as scheduling one is.

use super::changes::COLUMNS;
use super::{SqliteStore, commit_as};
use crate::db::undo::{Undone, Write, in_order};
use crate::db::undo_run::put_back;
use crate::db::{Author, DumpChange};

impl SqliteStore {
    /// Puts back every record of `write` as it was before it, in one
    /// transaction, or nothing.
    pub async fn undo(&self, write: &Write, author: &Author) -> sqlx::Result<Undone> {
        let reverts = match write.reverts() {
            Ok(reverts) => in_order(reverts),
            Err(detail) => return Ok(Undone::Conflict(detail)),
        };
        let mut tx = self.write_as(author).await?;
        if let Some(stopped) = put_back(&mut tx, &reverts, write.last_seq()).await? {
            return Ok(stopped);
        }
        let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM changes \
             WHERE write_id = (SELECT write_id FROM change_author) ORDER BY seq"
        )))
        .fetch_all(&mut *tx)
        .await?;
        commit_as(tx).await?;
        Ok(Undone::Done(rows))
    }
}
