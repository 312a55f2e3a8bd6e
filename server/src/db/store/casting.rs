//! The store's cast, auditions, roles and candidates.

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::casting::{
    ActorRole, Audition, AuditionChanges, Candidate, CandidateInput, NewAudition, NewRole, Role,
    RoleChanges, ScheduledAudition,
};
use time::OffsetDateTime;

use crate::db::auditions::{AuditionFilter, Scheduling, Slot};
use crate::db::paging::Position;
use crate::db::{Author, Casting, DbError, DbResult, Missing, Outcome, PageOf, Store, Versioned};

impl Store {
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

    /// The plan of the overlap check a write runs (see [`Store::actors_plan`]).
    pub async fn overlap_plan(
        &self,
        actor_id: i64,
        location: &str,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
    ) -> DbResult<serde_json::Value> {
        let slot = Slot {
            actor_id,
            location,
            starts_at,
            ends_at,
        };
        dispatch!(self, s => s.overlap_plan(&slot))
    }

    forward! {
        // Cast (besides `assign_cast`, above).

        /// A movie's cast by actor name, then id; `None` when the movie does not exist.
        fn movie_cast(movie_id: i64) -> Option<Vec<CastEntry>>;
        /// An actor's movies by release date, then id; `None` when the actor does not exist.
        fn actor_movies(actor_id: i64) -> Option<Vec<FilmographyEntry>>;
        /// Unbooks the actor: the role stays, open; their candidacy goes back to `offered`.
        fn remove_cast(movie_id: i64, actor_id: i64, author: &Author) -> Result<(), Missing>;

        // Auditions.

        /// A page of the schedule, by start, then id.
        fn list_auditions(filter: &AuditionFilter, position: &Position) -> PageOf<ScheduledAudition>;
        /// The plan of the statement [`Store::list_auditions`] runs (see [`Store::actors_plan`]).
        fn auditions_plan(filter: &AuditionFilter, position: &Position) -> serde_json::Value;
        /// The first `limit` auditions of the filter, by start.
        fn audition_calendar(filter: &AuditionFilter, limit: u32) -> Vec<ScheduledAudition>;
        fn get_audition(id: i64) -> Option<Versioned<Audition>>;
        /// Schedules an audition unless it would overlap another of the actor's
        /// or at the same location; the actor becomes a candidate for the role
        /// at `auditioning` (a later stage is left as it is).
        fn schedule_audition(role_id: i64, new: &NewAudition, author: &Author)
            -> Scheduling<Versioned<Audition>>;
        fn update_audition(id: i64, changes: &AuditionChanges, expected_versions: Option<&[i64]>, author: &Author)
            -> Scheduling<Versioned<Audition>>;
        fn delete_audition(id: i64, expected_versions: Option<&[i64]>, author: &Author) -> Outcome<()>;

        // The casting pipeline: roles, candidates (`db/casting.rs`).

        /// A movie's roles in creation order; `None` when the movie does not exist.
        fn movie_roles(movie_id: i64) -> Option<Vec<Role>>;
        /// A role, its candidates and its auditions; `None` when it does not exist.
        fn role_pipeline(id: i64) -> Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>;
        /// Every role the actor is a candidate for; `None` when the actor does not exist.
        fn actor_roles(actor_id: i64) -> Option<Vec<ActorRole>>;
        /// `None` when the movie does not exist.
        fn create_role(movie_id: i64, new: &NewRole, author: &Author) -> Option<Versioned<Role>>;
        fn update_role(id: i64, changes: &RoleChanges, expected_versions: Option<&[i64]>, author: &Author)
            -> Outcome<Casting<Versioned<Role>>>;
        /// Deletes a role with its candidacies and auditions.
        fn delete_role(id: i64, expected_versions: Option<&[i64]>, author: &Author) -> Outcome<()>;
        /// Makes the actor a candidate for the role, or changes their stage or
        /// note; `booked` books the role, leaving `booked` unbooks it.
        fn set_candidate(role_id: i64, actor_id: i64, input: &CandidateInput, author: &Author)
            -> Casting<(Candidate, Versioned<Role>)>;
        /// Removes a candidate, their auditions for the role, and their booking.
        fn remove_candidate(role_id: i64, actor_id: i64, author: &Author) -> Casting<()>;
    }
}
