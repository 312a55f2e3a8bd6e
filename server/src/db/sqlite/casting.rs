//! SQLite: the casting pipeline's queries (`db/casting.rs`) over its
//! connections, each write in one `BEGIN IMMEDIATE` transaction recorded
//! as its author's.

use casting_shared::casting::{
    ActorRole, Audition, Candidate, CandidateInput, NewRole, Role, RoleChanges,
};
use sqlx::{Sqlite, Transaction};

use super::{NOW, SqliteStore, commit_as};
use crate::db::casting::Casting;
use crate::db::{Author, Missing, Outcome, Versioned};

/// A candidate's `updated_at` as the API writes it (stored so).
const UPDATED_AT: &str = "c.updated_at";
/// Audition times are stored in unix seconds.
const EPOCH_STARTS: &str = "starts_at";
const EPOCH_ENDS: &str = "ends_at";
/// One writer holds the whole file: no row locks.
const LOCK_SHARE: &str = "";
const LOCK_UPDATE: &str = "";

mod queries {
    use super::{EPOCH_ENDS, EPOCH_STARTS, LOCK_SHARE, LOCK_UPDATE, NOW, UPDATED_AT};
    crate::db::casting::casting_queries!(sqlx::SqliteConnection);
}

/// A write's outcome committed when it was done, rolled back when refused.
async fn finish<T, E>(
    tx: Transaction<'static, Sqlite>,
    outcome: Result<T, E>,
) -> sqlx::Result<Result<T, E>> {
    if outcome.is_ok() {
        commit_as(tx).await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

impl SqliteStore {
    pub async fn movie_roles(&self, movie_id: i64) -> sqlx::Result<Option<Vec<Role>>> {
        let mut c = self.reader.acquire().await?;
        queries::movie_roles(&mut c, movie_id).await
    }

    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        // One read transaction: the role, its candidates and auditions agree.
        let mut tx = self.reader.begin().await?;
        let found = queries::role_pipeline(&mut tx, id).await?;
        tx.rollback().await?;
        Ok(found)
    }

    pub async fn actor_roles(&self, actor_id: i64) -> sqlx::Result<Option<Vec<ActorRole>>> {
        let mut c = self.reader.acquire().await?;
        queries::actor_roles(&mut c, actor_id).await
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
