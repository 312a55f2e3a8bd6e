//! The store's cast, auditions, roles and candidates.

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::casting::{
    ActorRole, Audition, AuditionChanges, Candidate, CandidateInput, NewAudition, NewRole, Role,
    RoleChanges, ScheduledAudition,
};

use crate::db::paging::Position;
use crate::db::{
    Author, Casting, DbError, DbResult, Missing, Outcome, PageOf, Store, Versioned, auditions,
};

impl Store {
    // Cast.

    /// A movie's cast by actor name, then id; `None` when the movie does not exist.
    pub async fn movie_cast(&self, movie_id: i64) -> DbResult<Option<Vec<CastEntry>>> {
        dispatch!(self, s => s.movie_cast(movie_id))
    }

    /// An actor's movies by release date, then id; `None` when the actor does not exist.
    pub async fn actor_movies(&self, actor_id: i64) -> DbResult<Option<Vec<FilmographyEntry>>> {
        dispatch!(self, s => s.actor_movies(actor_id))
    }

    /// Books the actor in the movie as `character`: the role they are
    /// booked in is renamed, or a role is made with them booked; answers
    /// the character now stored.
    pub async fn assign_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
        author: &Author,
    ) -> DbResult<Result<Option<String>, Missing>> {
        // The character is the role's name: a refusal names the body's field.
        dispatch!(self, s => s.assign_cast(movie_id, actor_id, character, author)).map_err(|e| {
            match e {
                DbError::Invalid("name") => DbError::Invalid("character"),
                other => other,
            }
        })
    }

    /// Unbooks the actor: the role stays, open; their candidacy goes back to `offered`.
    pub async fn remove_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> DbResult<Result<(), Missing>> {
        dispatch!(self, s => s.remove_cast(movie_id, actor_id, author))
    }

    // Auditions.

    /// A page of the schedule, by start, then id.
    pub async fn list_auditions(
        &self,
        filter: &auditions::AuditionFilter,
        position: &Position,
    ) -> DbResult<PageOf<ScheduledAudition>> {
        dispatch!(self, s => s.list_auditions(filter, position))
    }

    /// The plan of the statement [`Store::list_auditions`] runs (see [`Store::actors_plan`]).
    pub async fn auditions_plan(
        &self,
        filter: &auditions::AuditionFilter,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.auditions_plan(filter, position))
    }

    /// The plan of the overlap check a write runs (see [`Store::actors_plan`]).
    pub async fn overlap_plan(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: time::OffsetDateTime,
        ends_at: time::OffsetDateTime,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.overlap_plan(actor_id, location, starts_at, ends_at))
    }

    /// The first `limit` auditions of the filter, by start.
    pub async fn audition_calendar(
        &self,
        filter: &auditions::AuditionFilter,
        limit: u32,
    ) -> DbResult<Vec<ScheduledAudition>> {
        dispatch!(self, s => s.audition_calendar(filter, limit))
    }

    pub async fn get_audition(&self, id: i64) -> DbResult<Option<Versioned<Audition>>> {
        dispatch!(self, s => s.get_audition(id))
    }

    /// Schedules an audition unless it would overlap another of the actor's
    /// or at the same location; the actor becomes a candidate for the role
    /// at `auditioning` (a later stage is left as it is).
    pub async fn schedule_audition(
        &self,
        role_id: i64,
        new: &NewAudition,
        author: &Author,
    ) -> DbResult<auditions::Scheduling<Versioned<Audition>>> {
        dispatch!(self, s => s.schedule_audition(role_id, new, author))
    }

    pub async fn update_audition(
        &self,
        id: i64,
        changes: &AuditionChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<auditions::Scheduling<Versioned<Audition>>> {
        dispatch!(self, s => s.update_audition(id, changes, expected_versions, author))
    }

    pub async fn delete_audition(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_audition(id, expected_versions, author))
    }

    // The casting pipeline: roles, candidates (`db/casting.rs`).

    /// A movie's roles in creation order; `None` when the movie does not exist.
    pub async fn movie_roles(&self, movie_id: i64) -> DbResult<Option<Vec<Role>>> {
        dispatch!(self, s => s.movie_roles(movie_id))
    }

    /// A role, its candidates and its auditions; `None` when it does not exist.
    pub async fn role_pipeline(
        &self,
        id: i64,
    ) -> DbResult<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
        dispatch!(self, s => s.role_pipeline(id))
    }

    /// Every role the actor is a candidate for; `None` when the actor does not exist.
    pub async fn actor_roles(&self, actor_id: i64) -> DbResult<Option<Vec<ActorRole>>> {
        dispatch!(self, s => s.actor_roles(actor_id))
    }

    /// `None` when the movie does not exist.
    pub async fn create_role(
        &self,
        movie_id: i64,
        new: &NewRole,
        author: &Author,
    ) -> DbResult<Option<Versioned<Role>>> {
        dispatch!(self, s => s.create_role(movie_id, new, author))
    }

    pub async fn update_role(
        &self,
        id: i64,
        changes: &RoleChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Casting<Versioned<Role>>>> {
        dispatch!(self, s => s.update_role(id, changes, expected_versions, author))
    }

    /// Deletes a role with its candidacies and auditions.
    pub async fn delete_role(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_role(id, expected_versions, author))
    }

    /// Makes the actor a candidate for the role, or changes their stage or
    /// note; `booked` books the role, leaving `booked` unbooks it.
    pub async fn set_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        input: &CandidateInput,
        author: &Author,
    ) -> DbResult<Casting<(Candidate, Versioned<Role>)>> {
        dispatch!(self, s => s.set_candidate(role_id, actor_id, input, author))
    }

    /// Removes a candidate, their auditions for the role, and their booking.
    pub async fn remove_candidate(
        &self,
        role_id: i64,
        actor_id: i64,
        author: &Author,
    ) -> DbResult<Casting<()>> {
        dispatch!(self, s => s.remove_candidate(role_id, actor_id, author))
    }
}
