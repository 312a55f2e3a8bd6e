//! SQLite: auditions. Times are unix seconds. A file has one writer, and
//! each write transaction holds the write lock from its first statement
//! (`BEGIN IMMEDIATE`), so the overlap check and the write it allows are
//! one step that no other write comes between: of concurrent requests
//! that would overlap, the first to get the lock is written and the others
//! then find it.

use casting_shared::casting::{
    Audition, AuditionChanges, NewAudition, ScheduledAudition, location_key,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use time::OffsetDateTime;

use super::lists::{ListSpec, PushFilter};
use super::{SqliteStore, commit_as};
use crate::db::auditions::writes::{AuditionWrites, changed};
use crate::db::auditions::{
    AuditionFilter, AuditionRow, BY_START, SCHEDULED_COLUMNS, ScheduledRow, Scheduling,
    calendar_head, calendar_tail, overlapping, push_filter,
};
use crate::db::paging::Position;
use crate::db::{Author, Outcome, PageOf, Versioned};

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

/// The auditions overlapping the interval, for the actor or at the location.
pub(super) async fn overlaps(
    tx: &mut Transaction<'static, Sqlite>,
    actor_id: i64,
    location: &str,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    except: Option<i64>,
) -> sqlx::Result<Vec<Audition>> {
    let key = location_key(location);
    let rows: Vec<AuditionRow> =
        overlapping::<Sqlite>("", actor_id, &key, starts_at, ends_at, except)
            .build_query_as()
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

impl SqliteStore {
    pub async fn list_auditions(
        &self,
        filter: &AuditionFilter,
        position: &Position,
    ) -> sqlx::Result<PageOf<ScheduledAudition>> {
        let push = |sql: &mut QueryBuilder<Sqlite>| push_filter(sql, filter);
        self.page::<ScheduledRow, ScheduledAudition>(&spec(filter, &push), BY_START, position)
            .await
    }

    /// The plan of the statement [`SqliteStore::list_auditions`] runs.
    pub async fn auditions_plan(
        &self,
        filter: &AuditionFilter,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let push = |sql: &mut QueryBuilder<Sqlite>| push_filter(sql, filter);
        self.plan(&spec(filter, &push), BY_START, position).await
    }

    /// The first `limit` auditions of the filter, by start (a calendar).
    pub async fn audition_calendar(
        &self,
        filter: &AuditionFilter,
        limit: u32,
    ) -> sqlx::Result<Vec<ScheduledAudition>> {
        let mut sql = QueryBuilder::new(calendar_head("1"));
        push_filter(&mut sql, filter);
        sql.push(calendar_tail(limit));
        let rows: Vec<ScheduledRow> = sql.build_query_as().fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The details of SQLite's plan for the overlap check.
    pub async fn overlap_plan(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
    ) -> sqlx::Result<serde_json::Value> {
        let key = location_key(location);
        let rows = overlapping::<Sqlite>(
            "EXPLAIN QUERY PLAN ",
            actor_id,
            &key,
            starts_at,
            ends_at,
            None,
        )
        .build()
        .fetch_all(&self.reader)
        .await?;
        let details = rows
            .iter()
            .map(|row| row.try_get::<String, _>("detail"))
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(serde_json::Value::from(details))
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
        if let Some(missing) = Writes::missing(&mut tx, role_id, new.actor_id, "").await? {
            return Ok(Scheduling::Missing(missing));
        }
        let met = overlaps(
            &mut tx,
            new.actor_id,
            &new.location,
            new.starts_at,
            new.ends_at,
            None,
        )
        .await?;
        if !met.is_empty() {
            return Ok(Scheduling::Overlaps(met));
        }
        let done = Writes::insert(&mut tx, role_id, new).await?;
        commit_as(tx).await?;
        Ok(done)
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        let current = Writes::get(&mut tx, id, "").await?;
        let changed = match changed(current, changes, expected_versions) {
            Ok(changed) => changed,
            Err(refused) => return Ok(refused),
        };
        let met = overlaps(
            &mut tx,
            changed.actor_id,
            &changed.location,
            changed.starts_at,
            changed.ends_at,
            Some(id),
        )
        .await?;
        if !met.is_empty() {
            return Ok(Scheduling::Overlaps(met));
        }
        let done = Writes::update(&mut tx, &changed).await?;
        commit_as(tx).await?;
        Ok(done)
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
