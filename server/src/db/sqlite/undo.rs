//! SQLite: undo of a change (`POST /changes/{seq}/undo`). The plan and its
//! statements are `db::undo`'s; this runs them in one write transaction,
//! whose number (`change_author.write_id`, migration 0013) marks the undo's
//! own changes. SQLite has no exclusion constraint: a restored audition is
//! checked for overlaps in the transaction, as scheduling one is.

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Sqlite, Transaction};

use super::auditions::overlaps;
use super::changes::COLUMNS;
use super::{SqliteStore, commit_as};
use crate::db::undo::{
    Bind, Dialect, Revert, Statement, Undone, Write, WriteChange, WriteLookup, changed_since,
    in_order, restored_audition, rule_broken, write_change_columns,
};
use crate::db::{Author, DumpChange};

const SQL: Dialect = Dialect::Sqlite;

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(value),
            Bind::Text(value) => query.bind(value),
        };
    }
    query
}

fn scalar<'q, T>(statement: Statement) -> sqlx::query::QueryScalar<'q, Sqlite, T, SqliteArguments>
where
    (T,): for<'r> sqlx::FromRow<'r, SqliteRow>,
{
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(statement.sql));
    for bind in statement.binds {
        query = match bind {
            Bind::Int(value) => query.bind(value),
            Bind::Text(value) => query.bind(value),
        };
    }
    query
}

/// Why the record cannot be put back: changed since the write, or not as
/// the write left it.
async fn changed(
    tx: &mut Transaction<'static, Sqlite>,
    revert: &Revert,
    last_seq: i64,
) -> sqlx::Result<Option<String>> {
    let later: Option<i64> = scalar(SQL.later_change(revert.record, last_seq))
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(later) = later {
        return Ok(Some(format!(
            "{} (change {later})",
            changed_since(revert.record, last_seq)
        )));
    }
    let current: Option<String> = scalar(SQL.current(revert.record))
        .fetch_optional(&mut **tx)
        .await?;
    let current: Option<serde_json::Value> = current
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok((current != revert.after).then(|| changed_since(revert.record, last_seq)))
}

impl SqliteStore {
    /// The change `seq` and the others of its write, oldest first.
    pub async fn change_write(&self, seq: i64) -> sqlx::Result<WriteLookup> {
        let columns = write_change_columns("");
        let found: Option<WriteChange> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM changes WHERE seq = ?"
        )))
        .bind(seq)
        .fetch_optional(&self.reader)
        .await?;
        let Some(change) = found else {
            let pruned: i64 = sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
                .fetch_one(&self.reader)
                .await?;
            return Ok(if seq <= pruned {
                WriteLookup::Gone
            } else {
                WriteLookup::NotFound
            });
        };
        let changes = match change.write_id {
            Some(write_id) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {columns} FROM changes WHERE write_id = ? ORDER BY seq"
                )))
                .bind(write_id)
                .fetch_all(&self.reader)
                .await?
            }
            None => vec![change],
        };
        Ok(WriteLookup::Found(Write { seq, changes }))
    }

    /// Puts back every record of `write` as it was before it, in one
    /// transaction, or nothing.
    pub async fn undo(&self, write: &Write, author: &Author) -> sqlx::Result<Undone> {
        let reverts = match write.reverts() {
            Ok(reverts) => in_order(reverts),
            Err(detail) => return Ok(Undone::Conflict(detail)),
        };
        let mut tx = self.write_as(author).await?;
        let last_seq = write.last_seq();
        for revert in &reverts {
            if let Some(detail) = changed(&mut tx, revert, last_seq).await? {
                return Ok(Undone::Conflict(detail));
            }
        }
        for revert in &reverts {
            if let Some(audition) = restored_audition(revert) {
                let found = overlaps(
                    &mut tx,
                    audition.actor_id,
                    &audition.location,
                    audition.starts_at,
                    audition.ends_at,
                    Some(audition.id),
                )
                .await?;
                if !found.is_empty() {
                    return Ok(Undone::Overlaps(found));
                }
            }
            let statement = SQL.restore(revert);
            let query = bind_all(
                sqlx::query(sqlx::AssertSqlSafe(statement.sql)),
                statement.binds,
            );
            if let Err(error) = query.execute(&mut *tx).await {
                return match rule_broken(&error) {
                    Some(detail) => Ok(Undone::Conflict(detail)),
                    None => Err(error),
                };
            }
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
