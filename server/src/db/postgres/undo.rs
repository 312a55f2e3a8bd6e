//! PostgreSQL: undo of a change (`POST /changes/{seq}/undo`). The plan and
//! its statements are `db::undo`'s; this runs them in one transaction,
//! whose id (`txid_current()`, migration 0013) marks the undo's own changes.

use sqlx::postgres::PgArguments;
use sqlx::query::{Query, QueryScalar};
use sqlx::{Postgres, Transaction};

use super::PgStore;
use super::changes::COLUMNS;
use crate::db::auditions::{AuditionRow, overlapping};
use crate::db::undo::{
    Bind, Dialect, Revert, Statement, Undone, Write, WriteChange, WriteLookup, changed_since,
    in_order, restored_audition, rule_broken, write_change_columns,
};
use crate::db::{Author, DumpChange};

const SQL: Dialect = Dialect::Postgres;

fn bind_all<'q>(
    mut query: Query<'q, Postgres, PgArguments>,
    binds: Vec<Bind>,
) -> Query<'q, Postgres, PgArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(value),
            Bind::Text(value) => query.bind(value),
        };
    }
    query
}

fn scalar<'q, T>(statement: Statement) -> QueryScalar<'q, Postgres, T, PgArguments>
where
    (T,): for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
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
    tx: &mut Transaction<'static, Postgres>,
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

impl PgStore {
    /// The change `seq` and the others of its write, oldest first.
    pub async fn change_write(&self, seq: i64) -> sqlx::Result<WriteLookup> {
        self.sequence().await?;
        let columns = write_change_columns("::text");
        let found: Option<WriteChange> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM changes WHERE seq = $1"
        )))
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        let Some(change) = found else {
            let pruned: i64 = sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
                .fetch_one(&self.pool)
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
                    "SELECT {columns} FROM changes WHERE write_id = $1 AND seq IS NOT NULL \
                     ORDER BY seq"
                )))
                .bind(write_id)
                .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        let write_id: i64 = sqlx::query_scalar("SELECT txid_current()")
            .fetch_one(&mut *tx)
            .await?;
        let last_seq = write.last_seq();
        for revert in &reverts {
            if let Some(detail) = changed(&mut tx, revert, last_seq).await? {
                return Ok(Undone::Conflict(detail));
            }
        }
        for revert in &reverts {
            if let Some(audition) = restored_audition(revert) {
                let key = casting_shared::casting::location_key(&audition.location);
                let rows: Vec<AuditionRow> = overlapping::<Postgres>(
                    "",
                    audition.actor_id,
                    &key,
                    audition.starts_at,
                    audition.ends_at,
                    Some(audition.id),
                )
                .build_query_as()
                .fetch_all(&mut *tx)
                .await?;
                if !rows.is_empty() {
                    return Ok(Undone::Overlaps(rows.into_iter().map(Into::into).collect()));
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
