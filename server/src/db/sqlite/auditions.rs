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
use crate::db::auditions::{
    AUDITION_COLUMNS, AuditionFilter, AuditionMissing, AuditionRow, BY_START, SCHEDULED_COLUMNS,
    ScheduledRow, Scheduling, overlapping, push_filter,
};
use crate::db::paging::Position;
use crate::db::{Author, Outcome, PageOf, Versioned};

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
        let mut sql =
            QueryBuilder::new(format!("SELECT {SCHEDULED_COLUMNS} FROM auditions WHERE 1"));
        push_filter(&mut sql, filter);
        sql.push(format!(" ORDER BY starts_at, id LIMIT {limit}"));
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
        let row: Option<AuditionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDITION_COLUMNS} FROM auditions WHERE id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.reader)
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
        let mut tx = self.write_as(author).await?;
        let (role, actor): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM roles WHERE id = ?), \
                    EXISTS (SELECT 1 FROM actors WHERE id = ?)",
        )
        .bind(role_id)
        .bind(new.actor_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(missing) = AuditionMissing::from_found(role, actor) {
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
        sqlx::query(
            "INSERT INTO candidates (role_id, actor_id, stage) VALUES (?, ?, 'auditioning') \
             ON CONFLICT (role_id, actor_id) DO UPDATE SET stage = 'auditioning', \
               updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE candidates.stage IN ('considered', 'shortlisted')",
        )
        .bind(role_id)
        .bind(new.actor_id)
        .execute(&mut *tx)
        .await?;
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key, note) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {AUDITION_COLUMNS}"
        )))
        .bind(role_id)
        .bind(new.actor_id)
        .bind(new.starts_at.unix_timestamp())
        .bind(new.ends_at.unix_timestamp())
        .bind(&new.location)
        .bind(location_key(&new.location))
        .bind(&new.note)
        .fetch_one(&mut *tx)
        .await?;
        commit_as(tx).await?;
        Ok(Scheduling::Done(row.into()))
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Scheduling<Versioned<Audition>>> {
        let mut tx = self.write_as(author).await?;
        let current: Option<AuditionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDITION_COLUMNS} FROM auditions WHERE id = ?"
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
        let row: AuditionRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE auditions SET starts_at = ?, ends_at = ?, location = ?, location_key = ?, \
               note = ?, version = version + 1 \
             WHERE id = ? RETURNING {AUDITION_COLUMNS}"
        )))
        .bind(changed.starts_at.unix_timestamp())
        .bind(changed.ends_at.unix_timestamp())
        .bind(&changed.location)
        .bind(location_key(&changed.location))
        .bind(&changed.note)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        commit_as(tx).await?;
        Ok(Scheduling::Done(row.into()))
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write_as(author).await?;
        let version: Option<i64> = sqlx::query_scalar("SELECT version FROM auditions WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match version {
            None => Outcome::NotFound,
            Some(version) if expected_versions.is_some_and(|v| !v.contains(&version)) => {
                Outcome::Changed
            }
            Some(_) => {
                sqlx::query("DELETE FROM auditions WHERE id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Outcome::Done(())
            }
        };
        commit_as(tx).await?;
        Ok(outcome)
    }
}
