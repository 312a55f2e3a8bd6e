//! SQLite: auditions. Times are unix seconds. A file has one writer, and
//! each write transaction holds the write lock from its first statement
//! (`BEGIN IMMEDIATE`), so the overlap check and the write it allows are
//! one step that no other write comes between: of concurrent requests
//! that would overlap, the first to get the lock is written and the others
//! then find it.

use casting_shared::casting::{Audition, AuditionChanges, NewAudition, ScheduledAudition};
use sqlx::{Sqlite, Transaction};

use super::lists::{ListSpec, PushFilter, plan_details};
use super::{SqliteStore, commit_as};
use crate::db::auditions::writes::AuditionWrites;
use crate::db::auditions::{
    AuditionFilter, BY_START, SCHEDULED_COLUMNS, ScheduledRow, Scheduling, Slot, calendar_query,
    overlapping, push_filter,
};
use crate::db::lists::list_queries;
use crate::db::{Author, Outcome, Versioned};

type Writes = AuditionWrites<Sqlite>;

fn spec<'a>(filter: &AuditionFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "auditions",
        columns: SCHEDULED_COLUMNS,
        search: None,
        conditions: (!filter.is_empty()).then_some(push),
        filter_key: (!filter.is_empty()).then(|| format!("{filter:?}")),
        // A time window alone is read from the start index, from its start.
        range_of: filter.is_window().then_some("starts_at"),
    }
}

/// Commits a write that is done; one refused rolls back.
async fn commit_if_done<T>(
    tx: Transaction<'static, Sqlite>,
    done: Scheduling<T>,
) -> sqlx::Result<Scheduling<T>> {
    if done.is_done() {
        commit_as(tx).await?;
    }
    Ok(done)
}

list_queries!(
    SqliteStore,
    Sqlite,
    list_auditions,
    auditions_plan,
    AuditionFilter,
    ScheduledRow,
    ScheduledAudition,
    sorted by BY_START
);

impl SqliteStore {
    /// The first `limit` auditions of the filter, by start (a calendar).
    pub async fn audition_calendar(
        &self,
        filter: &AuditionFilter,
        limit: u32,
    ) -> sqlx::Result<Vec<ScheduledAudition>> {
        let rows: Vec<ScheduledRow> = calendar_query::<Sqlite>("1", filter, limit)
            .build_query_as()
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The details of SQLite's plan for the overlap check.
    pub async fn overlap_plan(&self, slot: &Slot<'_>) -> sqlx::Result<serde_json::Value> {
        let mut explain = overlapping::<Sqlite>("EXPLAIN QUERY PLAN ", slot, None);
        plan_details(&explain.build().fetch_all(&self.reader).await?)
    }

    pub async fn get_audition(&self, id: i64) -> sqlx::Result<Option<Versioned<Audition>>> {
        let mut c = self.reader.acquire().await?;
        Writes::get(&mut c, id, "").await
    }

    /// Schedules an audition of the actor for the role, making them a
    /// candidate at `auditioning` (a later stage is left as it is).
    pub async fn schedule_audition(
        &self,
        role_id: i64,
        new: &NewAudition,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        let done = Writes::schedule(&mut tx, role_id, new, "", true).await?;
        commit_if_done(tx, done).await
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        let done = Writes::change(&mut tx, id, changes, expected_versions, "", true).await?;
        commit_if_done(tx, done).await
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write_as(author).await?;
        let outcome = Writes::delete(&mut tx, id, expected_versions, "").await?;
        commit_as(tx).await?;
        Ok(outcome)
    }
}
