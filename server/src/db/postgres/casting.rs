//! PostgreSQL: the casting pipeline's queries and methods (`db/casting.rs`)
//! over its connections, each write in one transaction recorded as its
//! author's, each read on a reader (the replica's when there is one).

use casting_shared::Actor;
use casting_shared::casting::{Audition, Candidate, Role, Stage};
use futures::future::BoxFuture;
use sqlx::{FromRow, PgConnection, Postgres, Row, Transaction};
use std::sync::LazyLock;
use time::OffsetDateTime;

use super::PgStore;
use crate::db::casting::rows::{ROLE_OWN_COLUMNS, RoleOwnRow, parse_stage};
use crate::db::from_row::from_row;
use crate::db::{Author, Versioned};

/// The current time as the tables store it.
const NOW: &str = "now()";
/// A candidate's `updated_at` as the API writes it.
const UPDATED_AT: &str =
    "to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
/// Keeps a row from being deleted until the transaction ends.
const LOCK_SHARE: &str = " FOR KEY SHARE";
/// Keeps a row for this transaction's decision.
const LOCK_UPDATE: &str = " FOR NO KEY UPDATE";

crate::db::casting::casting_store!(PgStore, sqlx::PgConnection, commit = Transaction::commit);

impl PgStore {
    /// A transaction whose changes the triggers record as `author`'s.
    pub(super) async fn write_as(
        &self,
        author: &Author,
    ) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A casting read on one reader's connection.
    async fn casting_read<T: Send>(
        &self,
        read: impl for<'c> Fn(&'c mut PgConnection) -> BoxFuture<'c, sqlx::Result<T>> + Sync,
    ) -> sqlx::Result<T> {
        self.read(|c, _| read(c)).await
    }

    /// A role with its candidates (by stage, then name) and its auditions
    /// (by start); `None` when there is no such role.
    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        self.casting_read(move |c| Box::pin(role_pipeline(c, id)))
            .await
    }
}

/// A role's pipeline in one statement: the role (`part` 0), its candidates
/// with their actors (1) and its auditions (2), as one result, sorted here.
/// One statement reads one snapshot and costs PostgreSQL one execution:
/// under pgbench the two statements it replaces (the role joined to each
/// candidate, then the auditions) ran at 4 388–5 351 transactions a
/// second, this one at 7 264–8 764; building JSON in the statement
/// (`json_agg`) was slower than two (docs/src/performance.md).
async fn role_pipeline(
    c: &mut PgConnection,
    id: i64,
) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(PIPELINE.as_str()))
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
    let mut role = None;
    let mut candidates = Vec::new();
    let mut auditions = Vec::new();
    for row in &rows {
        match row.try_get::<i32, _>("part")? {
            0 => role = Some(RoleOwnRow::from_row(row)?),
            1 => candidates.push(PipelineCandidate::from_row(row)?),
            _ => auditions.push(PipelineAudition::from_row(row)?.into_audition(id)),
        }
    }
    let Some(role) = role else {
        return Ok(None);
    };
    candidates.sort_by(|a, b| a.order().cmp(&b.order()));
    auditions.sort_by_key(|a: &Audition| (a.starts_at, a.id));
    let candidates = candidates
        .into_iter()
        .map(|candidate| candidate.into_candidate(id))
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(Some(role.into_pipeline(candidates, auditions)))
}

/// The pipeline's statement (see [`role_pipeline`]); each part's rows are
/// null in the others' columns, and are named after the first part's. A
/// candidate's actor is a lateral subquery kept apart by `OFFSET 0`, so it
/// is found by key: joined, the generic plan hashed the whole actors table
/// for a role's ten (`EXPLAIN ANALYZE` under `plan_cache_mode =
/// force_generic_plan`; the schedule's names had the same trouble).
static PIPELINE: LazyLock<String> = LazyLock::new(|| {
    // Nulls in the role's columns.
    let no_role = vec!["NULL"; ROLE_OWN_COLUMNS.split(',').count()].join(", ");
    format!(
        "SELECT 0 AS part, {ROLE_OWN_COLUMNS}, \
                NULL::text AS stage, NULL::text AS note, NULL::text AS updated_at, \
                NULL::bigint AS actor_id, NULL::text AS actor_name, NULL::int AS actor_age, \
                NULL::text AS actor_gender, NULL::text AS name_key, \
                NULL::bigint AS audition_id, NULL::timestamptz AS starts_at, \
                NULL::timestamptz AS ends_at, NULL::text AS location \
         FROM roles r LEFT JOIN actors a ON a.id = r.actor_id WHERE r.id = $1 \
         UNION ALL \
         SELECT 1, {no_role}, c.stage, c.note, {UPDATED_AT}, \
                ca.id, ca.name, ca.age, ca.gender, ca.name_key, NULL, NULL, NULL, NULL \
         FROM candidates c JOIN LATERAL (SELECT id, name, age, gender, name_key FROM actors \
               WHERE actors.id = c.actor_id OFFSET 0) ca ON true \
         WHERE c.role_id = $1 \
         UNION ALL \
         SELECT 2, {no_role}, NULL, note, NULL, actor_id, NULL, NULL, NULL, NULL, \
                id, starts_at, ends_at, location \
         FROM auditions WHERE role_id = $1"
    )
});

from_row! {
    /// A candidate with their actor as the pipeline's statement selects it.
    struct PipelineCandidate {
        stage: String,
        note: Option<String>,
        updated_at: String,
        actor_id: i64,
        actor_name: String,
        actor_age: i32,
        actor_gender: String,
        /// The actor's name folded (null until a migration's backfill ends).
        name_key: Option<String>,
    }
}

impl PipelineCandidate {
    /// As the contract orders candidates: by stage, then by name as people
    /// read it (the folded key compared as bytes, as its `COLLATE "C"`
    /// column is; a missing key last, as PostgreSQL sorts nulls), then id.
    fn order(&self) -> impl Ord + '_ {
        (
            Stage::parse(&self.stage).map(|stage| stage as usize),
            self.name_key.is_none(),
            self.name_key.as_deref(),
            self.actor_id,
        )
    }

    fn into_candidate(self, role_id: i64) -> sqlx::Result<Candidate> {
        Ok(Candidate {
            role_id,
            stage: parse_stage(&self.stage)?,
            note: self.note,
            updated_at: self.updated_at,
            actor: Actor {
                id: self.actor_id,
                name: self.actor_name,
                age: self.actor_age,
                gender: self.actor_gender,
            },
        })
    }
}

from_row! {
    /// An audition as the pipeline's statement selects it (its note and
    /// actor in the candidate's columns).
    struct PipelineAudition {
        audition_id: i64,
        actor_id: i64,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
        location: String,
        note: Option<String>,
    }
}

impl PipelineAudition {
    fn into_audition(self, role_id: i64) -> Audition {
        Audition {
            id: self.audition_id,
            role_id,
            actor_id: self.actor_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location,
            note: self.note,
        }
    }
}
