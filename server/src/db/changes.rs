//! The change log as both stores keep it: triggers write it (see
//! `migrations/*/0008_changes.sql`), the stores read it back as these rows.

use casting_shared::changes::{Change, ChangeAction, ChangeAuthor, ChangeResource, ChangedRecord};
use sqlx::{
    Database, Encode, Executor, FromRow, IntoArguments, Pool, QueryBuilder, Transaction, Type,
};

use super::common::Dialect;

use crate::db::DumpChange;

/// Who is writing: recorded with every change the write makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub subject: String,
    pub name: Option<String>,
}

impl Author {
    /// The author as the PostgreSQL triggers read it (`casting.by`).
    pub fn to_json(&self) -> String {
        serde_json::json!({"subject": self.subject, "name": self.name}).to_string()
    }
}

/// Which changes a caller may see: actors with `get:actors`; movies,
/// casts, roles, candidates and auditions with `get:movies`.
pub fn visible_resources(actors: bool, movies: bool) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if actors {
        kinds.push(ChangeResource::Actor.as_str());
    }
    if movies {
        kinds.extend([
            ChangeResource::Movie.as_str(),
            ChangeResource::Cast.as_str(),
            ChangeResource::Role.as_str(),
            ChangeResource::Candidate.as_str(),
            ChangeResource::Audition.as_str(),
        ]);
    }
    kinds
}

/// A record whose history is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOf {
    Actor(i64),
    Movie(i64),
}

impl HistoryOf {
    /// `(resource, column, table, id)`: the record's own changes are the
    /// `resource`'s with its id, the others name it in `column`; it is a
    /// row of `table`.
    pub fn parts(self) -> (&'static str, &'static str, &'static str, i64) {
        match self {
            HistoryOf::Actor(id) => ("actor", "actor_id", "actors", id),
            HistoryOf::Movie(id) => ("movie", "movie_id", "movies", id),
        }
    }
}

/// Up to `limit` changes after `after` of the given resources, oldest first.
pub async fn after<DB: Dialect>(
    reads: &Pool<DB>,
    after: i64,
    resources: &[&str],
    limit: i64,
) -> sqlx::Result<Vec<Change>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    DumpChange: for<'r> FromRow<'r, DB::Row>,
{
    let mut sql = QueryBuilder::<DB>::new(format!(
        "SELECT {} FROM changes WHERE seq > ",
        DB::CHANGE_COLUMNS
    ));
    sql.push_bind(after).push(" AND resource IN (");
    let mut list = sql.separated(", ");
    for resource in resources {
        list.push_bind(*resource);
    }
    if resources.is_empty() {
        list.push("NULL");
    }
    sql.push(") ORDER BY seq LIMIT ").push_bind(limit);
    let rows: Vec<DumpChange> = sql.build_query_as().fetch_all(reads).await?;
    into_changes(rows)
}

/// A record's changes, newest first, selected by `sql` (which binds the
/// record's id as `$1`); `None` when there are none and the record does not
/// exist (it never did, or its changes were pruned with it).
pub async fn history<DB: Database>(
    reads: &Pool<DB>,
    of: HistoryOf,
    sql: String,
) -> sqlx::Result<Option<Vec<Change>>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    (bool,): for<'r> FromRow<'r, DB::Row>,
    DumpChange: for<'r> FromRow<'r, DB::Row>,
{
    let (_, _, table, id) = of.parts();
    let rows: Vec<DumpChange> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(reads)
        .await?;
    if rows.is_empty() {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
        let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(reads)
            .await?;
        if !exists {
            return Ok(None);
        }
    }
    into_changes(rows).map(Some)
}

/// Rows pruned per transaction, so pruning never holds a long one.
const PRUNE_BATCH: i64 = 10_000;

/// `(pruned through, latest)`: the highest seq pruned, and the highest seq
/// handed out so far that is visible (PostgreSQL numbers its changes first).
pub async fn bounds<DB: Database>(reads: &Pool<DB>) -> sqlx::Result<(i64, i64)>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    (i64, i64): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_as(BOUNDS).fetch_one(reads).await
}

/// The statement of [`bounds`].
macro_rules! bounds_sql {
    () => {
        "SELECT h.pruned_through, \
                COALESCE((SELECT max(seq) FROM changes WHERE seq > h.pruned_through), \
                         h.pruned_through) \
         FROM changes_horizon h"
    };
}
pub(crate) use bounds_sql;

const BOUNDS: &str = bounds_sql!();

/// Removes the changes through `through` (a whole prefix of `seq`; none
/// when `None`), a batch per transaction `begin` opens; answers how many.
pub async fn prune<DB: Database, F>(
    begin: impl Fn() -> F,
    through: Option<i64>,
) -> sqlx::Result<u64>
where
    F: Future<Output = sqlx::Result<Transaction<'static, DB>>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
{
    let Some(through) = through else {
        return Ok(0);
    };
    let mut pruned = 0;
    loop {
        let mut tx = begin().await?;
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
                "UPDATE changes_horizon SET pruned_through = \
                 CASE WHEN pruned_through > $1 THEN pruned_through ELSE $1 END",
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

/// One row of the `changes` table, as both stores select it (the same row
/// `copy` carries: `at` already formatted, `before`/`after` as JSON text).
impl DumpChange {
    /// The change as the API gives it; an error names a row the triggers
    /// could not have written (edited by hand).
    pub fn into_change(self) -> Result<Change, sqlx::Error> {
        let bad = |what: &str| {
            sqlx::Error::Decode(format!("change {} has an unreadable {what}", self.seq).into())
        };
        let record = |text: &Option<String>, what: &str| -> Result<Option<ChangedRecord>, _> {
            text.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| bad(what))
        };
        Ok(Change {
            seq: self.seq,
            at: self.at.clone(),
            by: ChangeAuthor {
                subject: self.subject.clone(),
                name: self.by_name.clone(),
            },
            action: ChangeAction::parse(&self.action).ok_or_else(|| bad("action"))?,
            resource: ChangeResource::parse(&self.resource).ok_or_else(|| bad("resource"))?,
            id: self.record_id,
            before: record(&self.before, "before")?,
            after: record(&self.after, "after")?,
        })
    }
}

/// Rows into changes, oldest or newest first as selected.
pub fn into_changes(rows: Vec<DumpChange>) -> Result<Vec<Change>, sqlx::Error> {
    rows.into_iter().map(DumpChange::into_change).collect()
}
