//! PostgreSQL: auditions. The database itself keeps them from overlapping:
//! two exclusion constraints (`auditions_actor_overlap`,
//! `auditions_location_overlap`, migrations/postgres/0009) refuse a row
//! whose interval meets another of the same actor or location key, however
//! many instances write at once (a concurrent writer waits for the other's
//! commit, then is refused). A refusal is answered with the auditions it
//! met, read after the write's transaction is rolled back.

use casting_shared::casting::{
    Audition, AuditionChanges, NewAudition, ScheduledAudition, location_key,
};
use futures::FutureExt;
use sqlx::{Postgres, QueryBuilder, Row};

use super::PgStore;
use super::lists::{ListSpec, PushFilter};
use crate::db::auditions::writes::{AuditionWrites, changed};
use crate::db::auditions::{
    AuditionFilter, AuditionMissing, AuditionRow, BY_START, SCHEDULED_COLUMNS, ScheduledRow,
    Scheduling, calendar_head, calendar_tail, overlapping, push_filter,
};
use crate::db::paging::Position;
use crate::db::{Author, Outcome, PageOf, Versioned};

/// The exclusion constraints' SQLSTATE (`exclusion_violation`).
const EXCLUSION_VIOLATION: &str = "23P01";

type Writes = AuditionWrites<Postgres>;

/// Keeps the role and the actor from being deleted until the commit.
const KEEP: &str = " FOR KEY SHARE";
/// Keeps the audition for this transaction's decision.
const HOLD: &str = " FOR UPDATE";

/// How often a write refused for an overlap is tried again when the
/// auditions it met are gone by the time they are read, or when PostgreSQL
/// gave it up for another concurrent write (a deadlock).
const ATTEMPTS: usize = 3;

fn spec<'a>(filter: &AuditionFilter, push: &'a PushFilter<'a>) -> ListSpec<'a> {
    ListSpec {
        table: "auditions",
        columns: SCHEDULED_COLUMNS,
        filter: (!filter.is_empty()).then_some(push),
        search: None,
        filter_key: format!("{filter:?}"),
    }
}

/// Whether an error is the refusal of an exclusion constraint.
fn is_overlap(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some(EXCLUSION_VIOLATION))
}

/// Whether PostgreSQL gave the transaction up to let another go on (a
/// deadlock among concurrent writers, a serialization failure): it wrote
/// nothing, and the same write tried again decides on what committed.
fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some(super::DEADLOCK | super::SERIALIZATION)))
}

impl PgStore {
    pub async fn list_auditions(
        &self,
        filter: &AuditionFilter,
        position: &Position,
    ) -> sqlx::Result<PageOf<ScheduledAudition>> {
        let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
        self.page::<ScheduledRow, ScheduledAudition>(&spec(filter, &push), BY_START, position)
            .await
    }

    /// The plan of the statement [`PgStore::list_auditions`] runs.
    pub async fn auditions_plan(
        &self,
        filter: &AuditionFilter,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let push = |sql: &mut QueryBuilder<Postgres>| push_filter(sql, filter);
        self.plan(&spec(filter, &push), BY_START, position).await
    }

    /// The first `limit` auditions of the filter, by start (a calendar).
    pub async fn audition_calendar(
        &self,
        filter: &AuditionFilter,
        limit: u32,
    ) -> sqlx::Result<Vec<ScheduledAudition>> {
        let rows: Vec<ScheduledRow> = self
            .read(|connection, _| {
                let mut sql = QueryBuilder::new(calendar_head("true"));
                push_filter(&mut sql, filter);
                sql.push(calendar_tail(limit));
                async move {
                    sql.build_query_as()
                        .persistent(false)
                        .fetch_all(connection)
                        .await
                }
                .boxed()
            })
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The auditions overlapping `[starts_at, ends_at)` for the actor or at
    /// the location, other than `except`.
    pub async fn overlapping_auditions(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: time::OffsetDateTime,
        ends_at: time::OffsetDateTime,
        except: Option<i64>,
    ) -> sqlx::Result<Vec<Audition>> {
        let key = location_key(location);
        let rows: Vec<AuditionRow> =
            overlapping::<Postgres>("", actor_id, &key, starts_at, ends_at, except)
                .build_query_as()
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The plan of the overlap check (`EXPLAIN (FORMAT JSON)`, not run).
    pub async fn overlap_plan(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: time::OffsetDateTime,
        ends_at: time::OffsetDateTime,
    ) -> sqlx::Result<serde_json::Value> {
        let key = location_key(location);
        let row = overlapping::<Postgres>(
            "EXPLAIN (FORMAT JSON) ",
            actor_id,
            &key,
            starts_at,
            ends_at,
            None,
        )
        .build()
        .fetch_one(&self.pool)
        .await?;
        // The column is `json`, whose wire form is its text.
        let text: String = row.try_get_unchecked(0)?;
        serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into()))
    }

    pub async fn get_audition(&self, id: i64) -> sqlx::Result<Option<Versioned<Audition>>> {
        self.read(|c, _| Writes::get(c, id, "").boxed()).await
    }

    /// Schedules an audition of the actor for the role, making them a
    /// candidate at `auditioning` (a later stage is left as it is).
    pub async fn schedule_audition(
        &self,
        role_id: i64,
        new: &NewAudition,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        for _ in 0..ATTEMPTS {
            match self.try_schedule(role_id, new, author).await {
                Err(error) if is_overlap(&error) => {
                    let met = self
                        .overlapping_auditions(
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
                }
                Err(error) if is_transient(&error) => continue,
                other => return other,
            }
        }
        Err(sqlx::Error::Protocol(
            "an audition kept meeting others that were gone when read".into(),
        ))
    }

    async fn try_schedule(
        &self,
        role_id: i64,
        new: &NewAudition,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        // FOR KEY SHARE: the role and the actor stay until the commit, so a
        // race with their deletion is a clean 404.
        if let Some(missing) = Writes::missing(&mut tx, role_id, new.actor_id, KEEP).await? {
            return Ok(Scheduling::Missing(missing));
        }
        let done = Writes::insert(&mut tx, role_id, new).await?;
        tx.commit().await?;
        Ok(done)
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        for _ in 0..ATTEMPTS {
            match self
                .try_update(id, changes, expected_versions, author)
                .await
            {
                Err(error) if is_overlap(&error) => {
                    // The audition as it would have been: read again, as
                    // the write saw it.
                    let Some(current) = self.get_audition(id).await? else {
                        return Ok(Scheduling::Missing(AuditionMissing::Audition));
                    };
                    let Ok(changed) = changes.apply(&current.value) else {
                        continue;
                    };
                    let met = self
                        .overlapping_auditions(
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
                }
                Err(error) if is_transient(&error) => continue,
                other => return other,
            }
        }
        Err(sqlx::Error::Protocol(
            "an audition kept meeting others that were gone when read".into(),
        ))
    }

    async fn try_update(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        let current = Writes::get(&mut tx, id, HOLD).await?;
        let changed = match changed(current, changes, expected_versions) {
            Ok(changed) => changed,
            Err(refused) => return Ok(refused),
        };
        let done = Writes::update(&mut tx, &changed).await?;
        tx.commit().await?;
        Ok(done)
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write_as(author).await?;
        let outcome = Writes::delete(&mut tx, id, expected_versions, HOLD).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
