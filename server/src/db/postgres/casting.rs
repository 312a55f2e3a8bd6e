//! PostgreSQL: the casting pipeline's queries (`db/casting.rs`) over its
//! connections, each write in one transaction recorded as its author's.

use casting_shared::casting::{
    ActorRole, Audition, Candidate, CandidateInput, NewRole, Role, RoleChanges,
};
use futures::FutureExt;
use sqlx::{Postgres, Transaction};

use super::PgStore;
use crate::db::casting::Casting;
use crate::db::{Author, Missing, Outcome, Versioned};

/// The current time as the tables store it.
const NOW: &str = "now()";
/// A candidate's `updated_at` as the API writes it.
const UPDATED_AT: &str =
    "to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
const EPOCH_STARTS: &str = "CAST(extract(epoch FROM starts_at) AS bigint)";
const EPOCH_ENDS: &str = "CAST(extract(epoch FROM ends_at) AS bigint)";
/// Keeps a row from being deleted until the transaction ends.
const LOCK_SHARE: &str = " FOR KEY SHARE";
/// Keeps a row for this transaction's decision.
const LOCK_UPDATE: &str = " FOR NO KEY UPDATE";

mod queries {
    use super::{EPOCH_ENDS, EPOCH_STARTS, LOCK_SHARE, LOCK_UPDATE, NOW, UPDATED_AT};
    crate::db::casting::casting_queries!(sqlx::PgConnection);
}

/// A write's outcome committed when it was done, rolled back when refused.
async fn finish<T, E>(
    tx: Transaction<'static, Postgres>,
    outcome: Result<T, E>,
) -> sqlx::Result<Result<T, E>> {
    if outcome.is_ok() {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

impl PgStore {
    /// A transaction whose changes the triggers record as `author`'s.
    async fn write_as(&self, author: &Author) -> sqlx::Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('casting.by', $1, true)")
            .bind(author.to_json())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    pub async fn movie_roles(&self, movie_id: i64) -> sqlx::Result<Option<Vec<Role>>> {
        self.read(|c, _| queries::movie_roles(c, movie_id).boxed())
            .await
    }

    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        self.read(|c, _| queries::role_pipeline(c, id).boxed())
            .await
    }

    pub async fn actor_roles(&self, actor_id: i64) -> sqlx::Result<Option<Vec<ActorRole>>> {
        self.read(|c, _| queries::actor_roles(c, actor_id).boxed())
            .await
    }

    pub async fn create_role(
        &self,
        movie_id: i64,
        new: &NewRole,
        author: &Author,
    ) -> sqlx::Result<Option<Versioned<Role>>> {
        let mut tx = self.write_as(author).await?;
        let created = queries::create_role(&mut tx, movie_id, new).await?;
        finish(tx, created.ok_or(())).await.map(Result::ok)
    }

    pub async fn update_role(
        &self,
        id: i64,
        changes: &RoleChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<Casting<Versioned<Role>>>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::update_role(&mut tx, id, changes, expected_versions).await?;
        let ok = if matches!(outcome, Outcome::Done(Ok(_))) {
            Ok(())
        } else {
            Err(())
        };
        finish(tx, ok).await?.ok();
        Ok(outcome)
    }

    pub async fn delete_role(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> sqlx::Result<Outcome<()>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::delete_role(&mut tx, id, expected_versions).await?;
        let ok = if matches!(outcome, Outcome::Done(())) {
            Ok(())
        } else {
            Err(())
        };
        finish(tx, ok).await?.ok();
        Ok(outcome)
    }

    pub async fn set_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        input: &CandidateInput,
        author: &Author,
    ) -> sqlx::Result<Casting<(Candidate, Versioned<Role>)>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::set_candidate(&mut tx, role_id, actor_id, input).await?;
        finish(tx, outcome).await
    }

    pub async fn remove_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> sqlx::Result<Casting<()>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::remove_candidate(&mut tx, role_id, actor_id).await?;
        finish(tx, outcome).await
    }

    pub async fn assign_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
        author: &Author,
    ) -> sqlx::Result<Result<Option<String>, Missing>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::assign_cast(&mut tx, movie_id, actor_id, character).await?;
        finish(tx, outcome).await
    }

    pub async fn remove_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> sqlx::Result<Result<(), Missing>> {
        let mut tx = self.write_as(author).await?;
        let outcome = queries::remove_cast(&mut tx, movie_id, actor_id).await?;
        finish(tx, outcome).await
    }
}
