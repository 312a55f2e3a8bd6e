//! SQLite: the casting pipeline's queries and methods (`db/casting.rs`)
//! over its connections, each write in one `BEGIN IMMEDIATE` transaction
//! recorded as its author's, each read in one read transaction of the
//! read-only pool (a role, its candidates and auditions agree), or in one
//! statement.

use std::sync::LazyLock;

use casting_shared::Actor;
use casting_shared::casting::{Audition, Candidate, Role};
use futures::future::BoxFuture;
use sqlx::SqliteConnection;

use super::{NOW, SqliteStore, commit_as};
use crate::db::Versioned;
use crate::db::casting::rows::{
    Both, CANDIDATE_ORDER, ROLE_OWN_COLUMNS, RoleOwnRow, parse_stage, unix_time,
};
use crate::db::from_row::from_row;

/// A candidate's `updated_at` as the API writes it (stored so).
const UPDATED_AT: &str = "c.updated_at";
/// One writer holds the whole file: no row locks.
const LOCK_SHARE: &str = "";
const LOCK_UPDATE: &str = "";

crate::db::casting::casting_store!(SqliteStore, sqlx::SqliteConnection, commit = commit_as);

/// A role's pipeline in one statement: its own columns, and its candidates
/// (by stage, then name) and auditions (by start) as JSON arrays of arrays
/// that SQLite builds. One statement reads one snapshot, so no transaction
/// is needed, and it is one round trip to the connection's thread instead
/// of four (begin, two statements, rollback): on SQLite that trip, not the
/// rows, was most of a pipeline's cost (docs/src/performance.md).
static PIPELINE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ROLE_OWN_COLUMNS}, \
            (SELECT json_group_array(json_array(c.stage, c.note, c.updated_at, \
                    ca.id, ca.name, ca.age, ca.gender){CANDIDATE_ORDER}) \
             FROM candidates c JOIN actors ca ON ca.id = c.actor_id \
             WHERE c.role_id = r.id) AS candidates, \
            (SELECT json_group_array(json_array(id, actor_id, starts_at, ends_at, location, \
                    note) ORDER BY starts_at, id) \
             FROM auditions WHERE role_id = r.id) AS auditions \
         FROM roles r LEFT JOIN actors a ON a.id = r.actor_id WHERE r.id = $1"
    )
});

from_row! {
    /// A role's candidates and auditions as [`PIPELINE`] selects them.
    struct PipelineJson {
        candidates: String,
        auditions: String,
    }
}

/// A candidate as [`PIPELINE`] lists it: stage, note, updated_at, and the
/// actor's id, name, age and gender.
type CandidateItem = (String, Option<String>, String, i64, String, i32, String);
/// An audition as [`PIPELINE`] lists it: id, actor, start, end (unix
/// seconds), location, note.
type AuditionItem = (i64, i64, i64, i64, String, Option<String>);

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> sqlx::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| sqlx::Error::Decode(format!("a pipeline's JSON: {e}").into()))
}

impl SqliteStore {
    /// A casting read in one read transaction.
    async fn casting_read<T>(
        &self,
        read: impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, sqlx::Result<T>>,
    ) -> sqlx::Result<T> {
        let mut tx = self.reader.begin().await?;
        let found = read(&mut tx).await?;
        tx.rollback().await?;
        Ok(found)
    }

    /// A role with its candidates (by stage, then name) and its auditions
    /// (by start); `None` when there is no such role.
    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        let row: Option<Both<RoleOwnRow, PipelineJson>> = self
            .read(|c, _| {
                Box::pin(
                    sqlx::query_as(sqlx::AssertSqlSafe(PIPELINE.as_str()))
                        .bind(id)
                        .fetch_optional(c),
                )
            })
            .await?;
        let Some(Both(own, json)) = row else {
            return Ok(None);
        };
        let candidates = from_json::<Vec<CandidateItem>>(&json.candidates)?
            .into_iter()
            .map(|(stage, note, updated_at, actor_id, name, age, gender)| {
                Ok(Candidate {
                    role_id: id,
                    stage: parse_stage(&stage)?,
                    note,
                    updated_at,
                    actor: Actor {
                        id: actor_id,
                        name,
                        age,
                        gender,
                    },
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        let auditions = from_json::<Vec<AuditionItem>>(&json.auditions)?
            .into_iter()
            .map(
                |(audition_id, actor_id, starts_at, ends_at, location, note)| {
                    Ok(Audition {
                        id: audition_id,
                        role_id: id,
                        actor_id,
                        starts_at: unix_time(starts_at)?,
                        ends_at: unix_time(ends_at)?,
                        location,
                        note,
                    })
                },
            )
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(Some(own.into_pipeline(candidates, auditions)))
    }
}
