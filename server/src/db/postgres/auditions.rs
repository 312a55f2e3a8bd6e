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
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::PgStore;
use super::lists::{ListSpec, PushFilter};
use crate::db::auditions::{
    AUDITION_COLUMNS, AuditionFilter, AuditionMissing, AuditionRow, BY_START, SCHEDULED_COLUMNS,
    ScheduledRow, Scheduling, overlapping, push_filter,
};
use crate::db::paging::Position;
use crate::db::{Author, Outcome, PageOf, Versioned};

/// The exclusion constraints' SQLSTATE (`exclusion_violation`).
const EXCLUSION_VIOLATION: &str = "23P01";

/// How often a write refused for an overlap is tried again when the
/// auditions it met are gone by the time they are read.
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

/// Names the transaction's author for the change-log triggers.
async fn author_of(connection: &mut PgConnection, author: &Author) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('casting.by', $1, true)")
        .bind(author.to_json())
        .execute(connection)
        .await
        .map(drop)
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
                let mut sql = QueryBuilder::new(format!(
                    "SELECT {SCHEDULED_COLUMNS} FROM auditions WHERE true"
                ));
                push_filter(&mut sql, filter);
                sql.push(format!(" ORDER BY starts_at, id LIMIT {limit}"));
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
        let row: Option<AuditionRow> = self
            .read(|connection, _| {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {AUDITION_COLUMNS} FROM auditions WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(connection)
                .boxed()
            })
            .await?;
        Ok(row.map(Into::into))
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
        let mut tx = self.pool.begin().await?;
        author_of(&mut tx, author).await?;
        // FOR KEY SHARE: the role and the actor stay until the commit, so a
        // race with their deletion is a clean 404.
        let (role, actor): (bool, bool) = sqlx::query_as(
            "WITH role AS (SELECT id FROM roles WHERE id = $1 FOR KEY SHARE), \
                  actor AS (SELECT id FROM actors WHERE id = $2 FOR KEY SHARE) \
             SELECT EXISTS (SELECT 1 FROM role), EXISTS (SELECT 1 FROM actor)",
        )
        .bind(role_id)
        .bind(new.actor_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(missing) = AuditionMissing::from_found(role, actor) {
            return Ok(Scheduling::Missing(missing));
        }
        sqlx::query(
            "INSERT INTO candidates (role_id, actor_id, stage) VALUES ($1, $2, 'auditioning') \
             ON CONFLICT (role_id, actor_id) DO UPDATE SET stage = 'auditioning', updated_at = now() \
             WHERE candidates.stage IN ('considered', 'shortlisted')",
        )
        .bind(role_id)
        .bind(new.actor_id)
        .execute(&mut *tx)
        .await?;
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {AUDITION_COLUMNS}"
        )))
        .bind(role_id)
        .bind(new.actor_id)
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(&new.location)
        .bind(location_key(&new.location))
        .bind(&new.note)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Scheduling::Done(row.into()))
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
        let mut tx = self.pool.begin().await?;
        author_of(&mut tx, author).await?;
        let current: Option<AuditionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDITION_COLUMNS} FROM auditions WHERE id = $1 FOR UPDATE"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = current.map(Versioned::<Audition>::from) else {
            return Ok(Scheduling::Missing(AuditionMissing::Audition));
        };
        if expected_versions.is_some_and(|versions| !versions.contains(&current.version)) {
            return Ok(Scheduling::Changed);
        }
        let changed = match changes.apply(&current.value) {
            Ok(changed) => changed,
            Err(fields) => return Ok(Scheduling::Invalid(fields)),
        };
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE auditions SET starts_at = $2, ends_at = $3, location = $4, \
               location_key = $5, note = $6, version = version + 1 \
             WHERE id = $1 RETURNING {AUDITION_COLUMNS}"
        )))
        .bind(id)
        .bind(changed.starts_at)
        .bind(changed.ends_at)
        .bind(&changed.location)
        .bind(location_key(&changed.location))
        .bind(&changed.note)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Scheduling::Done(row.into()))
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.pool.begin().await?;
        author_of(&mut tx, author).await?;
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM auditions WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let outcome = match version {
            None => Outcome::NotFound,
            Some(version) if expected_versions.is_some_and(|v| !v.contains(&version)) => {
                Outcome::Changed
            }
            Some(_) => {
                sqlx::query("DELETE FROM auditions WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Outcome::Done(())
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
