//! An undo run alike on both stores, generic over the database: finding
//! the write a change belongs to, and putting its records back inside the
//! transaction the backend opened (PostgreSQL's marks its changes with its
//! transaction id, SQLite's with its writer's number; see migration 0013).
//! The plan and the statements are `db::undo`'s.

use sqlx::query::{Query, QueryScalar};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Transaction, Type};

use super::auditions::{AuditionRow, Moments, Slot, overlapping};
use super::undo::{
    Bind, Dialect, Revert, Statement, Undone, Write, WriteChange, WriteLookup, changed_since,
    restored_audition, rule_broken, write_change_columns,
};

type Tx<DB> = Transaction<'static, DB>;

/// What an undo needs to know of the database.
pub trait Undoes: Moments {
    /// The dialect of the statements `db::undo` writes.
    const SQL: Dialect;

    /// A JSON column read as text, written after its name.
    const JSON_AS_TEXT: &'static str;
}

impl Undoes for sqlx::Postgres {
    const SQL: Dialect = Dialect::Postgres;
    const JSON_AS_TEXT: &'static str = "::text";
}

impl Undoes for sqlx::Sqlite {
    const SQL: Dialect = Dialect::Sqlite;
    const JSON_AS_TEXT: &'static str = "";
}

fn statement<DB: Database>(statement: Statement) -> Query<'static, DB, DB::Arguments>
where
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
{
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement.sql));
    for bind in statement.binds {
        query = match bind {
            Bind::Int(value) => query.bind(value),
            Bind::Text(value) => query.bind(value),
        };
    }
    query
}

fn scalar<DB: Database, T>(statement: Statement) -> QueryScalar<'static, DB, T, DB::Arguments>
where
    (T,): for<'r> FromRow<'r, DB::Row>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
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

/// The change `seq` and the others of its write, oldest first, read from
/// `reads` (PostgreSQL numbers its committed changes first).
pub async fn change_write<DB>(reads: &Pool<DB>, seq: i64) -> sqlx::Result<WriteLookup>
where
    DB: Undoes,
    WriteChange: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
{
    let columns = write_change_columns(DB::JSON_AS_TEXT);
    let found: Option<WriteChange> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM changes WHERE seq = $1"
    )))
    .bind(seq)
    .fetch_optional(reads)
    .await?;
    let Some(change) = found else {
        let pruned: i64 = sqlx::query_scalar("SELECT pruned_through FROM changes_horizon")
            .fetch_one(reads)
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
            .fetch_all(reads)
            .await?
        }
        None => vec![change],
    };
    Ok(WriteLookup::Found(Write { seq, changes }))
}

/// Puts back every record of `reverts` (in order) in `tx`, unless one
/// changed since the write (its last change `last_seq`), a restored
/// audition would overlap another, or a rule refuses a record: then what
/// stops it, and the caller drops `tx`.
pub async fn put_back<DB>(
    tx: &mut Tx<DB>,
    reverts: &[Revert],
    last_seq: i64,
) -> sqlx::Result<Option<Undone>>
where
    DB: Undoes,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    (String,): for<'r> FromRow<'r, DB::Row>,
    AuditionRow: for<'r> FromRow<'r, DB::Row>,
{
    // Why a record cannot be put back: changed since the write, or not as
    // the write left it.
    for revert in reverts {
        let later: Option<i64> = scalar(DB::SQL.later_change(revert.record, last_seq))
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(later) = later {
            let detail = changed_since(revert.record, last_seq);
            return Ok(Some(Undone::Conflict(format!("{detail} (change {later})"))));
        }
        let current: Option<String> = scalar(DB::SQL.current(revert.record))
            .fetch_optional(&mut **tx)
            .await?;
        let current: Option<serde_json::Value> = current
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        if current != revert.after {
            return Ok(Some(Undone::Conflict(changed_since(
                revert.record,
                last_seq,
            ))));
        }
    }
    for revert in reverts {
        if let Some(audition) = restored_audition(revert) {
            let rows: Vec<AuditionRow> =
                overlapping::<DB>("", &Slot::from(&audition), Some(audition.id))
                    .build_query_as()
                    .fetch_all(&mut **tx)
                    .await?;
            if !rows.is_empty() {
                return Ok(Some(Undone::Overlaps(
                    rows.into_iter().map(Into::into).collect(),
                )));
            }
        }
        if let Err(error) = statement(DB::SQL.restore(revert)).execute(&mut **tx).await {
            return match rule_broken(&error) {
                Some(detail) => Ok(Some(Undone::Conflict(detail))),
                None => Err(error),
            };
        }
    }
    Ok(None)
}
