//! PostgreSQL: auditions. The database itself keeps them from overlapping:
//! two exclusion constraints (`auditions_actor_overlap`,
//! `auditions_location_overlap`, migrations/postgres/0009) refuse a row
//! whose interval meets another of the same actor or location key, however
//! many instances write at once (a concurrent writer waits for the other's
//! commit, then is refused). A refusal is answered with the auditions it
//! met, read after the write's transaction is rolled back.

use casting_shared::casting::{Audition, AuditionChanges, NewAudition, ScheduledAudition};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::marker::PhantomData;

use sqlx::Postgres;

use super::PgStore;
use super::lists::{ListSpec, PushFilter, plan_json};
use super::readers::Read;
use crate::db::auditions::writes::AuditionWrites;
use crate::db::auditions::{
    AuditionFilter, AuditionMissing, BY_START, SCHEDULED_COLUMNS, ScheduledRow, Scheduling, Slot,
    calendar_query, overlapping, push_filter,
};
use crate::db::lists::list_queries;
use crate::db::{Author, Outcome, Versioned};

/// The exclusion constraints' SQLSTATE (`exclusion_violation`).
const EXCLUSION_VIOLATION: &str = "23P01";

type Writes = AuditionWrites<Postgres>;

/// What an audition write answers.
type Answer = Scheduling<Versioned<Audition>>;

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

list_queries!(
    PgStore,
    Postgres,
    list_auditions,
    auditions_plan,
    AuditionFilter,
    ScheduledRow,
    ScheduledAudition,
    sorted by BY_START
);

impl PgStore {
    /// Runs `write` in a transaction as `author`, committed when done, until
    /// it is done or refused for a reason other than an overlap or a
    /// deadlock (tried again); after an
    /// overlap (the transaction rolled back), `after_overlap` answers, or has
    /// the write tried again (`None`), at most [`ATTEMPTS`] times. `write`
    /// has the shape of a [`Read`]: statements on a connection, borrowing
    /// what they need.
    async fn retried<'a>(
        &self,
        author: &Author,
        write: impl Read<'a, Answer>,
        mut after_overlap: impl FnMut() -> BoxFuture<'a, sqlx::Result<Option<Answer>>>,
    ) -> sqlx::Result<Answer> {
        for _ in 0..ATTEMPTS {
            let attempt = async {
                let mut tx = self.write_as(author).await?;
                let done = write(&mut tx, PhantomData).await?;
                if done.is_done() {
                    tx.commit().await?;
                }
                Ok(done)
            };
            match attempt.await {
                Err(error) if is_overlap(&error) => {
                    if let Some(answer) = after_overlap().await? {
                        return Ok(answer);
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

    /// The first `limit` auditions of the filter, by start (a calendar).
    pub async fn audition_calendar(
        &self,
        filter: &AuditionFilter,
        limit: u32,
    ) -> sqlx::Result<Vec<ScheduledAudition>> {
        let rows: Vec<ScheduledRow> = self
            .read(|connection, _| {
                let mut sql = calendar_query::<Postgres>("true", filter, limit);
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

    /// After a write refused for an overlap (and rolled back): `Overlaps`
    /// with the auditions the slot meets, other than `except`, if any is
    /// still there.
    async fn overlaps_met(
        &self,
        slot: Slot<'_>,
        except: Option<i64>,
    ) -> sqlx::Result<Option<Answer>> {
        Writes::refuse_overlaps(&mut *self.pool.acquire().await?, slot, except).await
    }

    /// The plan of the overlap check (`EXPLAIN (FORMAT JSON)`, not run).
    pub async fn overlap_plan(&self, slot: &Slot<'_>) -> sqlx::Result<serde_json::Value> {
        let mut explain = overlapping::<Postgres>("EXPLAIN (FORMAT JSON) ", slot, None);
        plan_json(&explain.build().fetch_one(&self.pool).await?)
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
    ) -> sqlx::Result<Answer> {
        // FOR KEY SHARE: the role and the actor stay until the commit, so a
        // race with their deletion is a clean 404.
        self.retried(
            author,
            |c, _| Writes::schedule(c, role_id, new, KEEP, false).boxed(),
            move || self.overlaps_met(new.into(), None).boxed(),
        )
        .await
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Answer> {
        self.retried(
            author,
            |c, _| Writes::change(c, id, changes, expected_versions, HOLD, false).boxed(),
            move || {
                async move {
                    // The audition as it would have been: read again, as the
                    // write saw it.
                    let Some(current) = self.get_audition(id).await? else {
                        return Ok(Some(Scheduling::Missing(AuditionMissing::Audition)));
                    };
                    let Ok(changed) = changes.apply(&current.value) else {
                        return Ok(None);
                    };
                    self.overlaps_met((&changed).into(), Some(id)).await
                }
                .boxed()
            },
        )
        .await
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
