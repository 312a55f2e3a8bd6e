//! The casting pipeline's reads and writes, written once for both stores:
//! roles, candidates, and the cast entries that are booked roles. The SQL
//! uses `$n` parameters, which both drivers read; what differs (the time
//! columns, row locks, how a read is run and a write committed) each
//! backend names in its `casting.rs`, which expands [`casting_store!`]
//! over its own store and connection types.
//!
//! The rows are in [`rows`], a role's queries in [`roles`], a candidate's
//! and the booking rules in [`candidates`].

use casting_shared::domain::FieldErrors;

pub(crate) mod candidates;
pub(crate) mod roles;
pub(crate) mod rows;

/// Why a casting write changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A record named is missing; the sentence says which.
    NotFound(String),
    /// A casting rule would break; the sentence says which.
    Conflict(String),
    /// `If-Match` named another version.
    Changed,
    /// The values would break a rule of their own (a role's age range).
    Invalid(FieldErrors),
}

/// A casting write's result: done, or refused with nothing changed.
pub type Casting<T> = Result<T, Refusal>;

/// Whether a write's outcome is to be committed (else rolled back).
pub(crate) trait Done {
    fn is_done(&self) -> bool;
}

impl<T, E> Done for Result<T, E> {
    fn is_done(&self) -> bool {
        self.is_ok()
    }
}

impl<T> Done for Option<T> {
    fn is_done(&self) -> bool {
        self.is_some()
    }
}

impl<T: Done> Done for super::Outcome<T> {
    fn is_done(&self) -> bool {
        matches!(self, super::Outcome::Done(done) if done.is_done())
    }
}

impl Done for () {
    fn is_done(&self) -> bool {
        true
    }
}

/// Expands, in a backend's module, the casting queries over its connection
/// type (in a module `queries`) and the store's casting methods. The
/// module defines `NOW` (the current time as the tables store it),
/// `UPDATED_AT` (a candidate's `c.updated_at` as RFC 3339 text),
/// `LOCK_SHARE` and `LOCK_UPDATE` (row locks, empty on SQLite, whose one
/// writer holds the whole file); the store has `write_as(author)` (a
/// transaction whose changes are recorded as the author's) and
/// `casting_read(|connection| …)` (a read on one connection); `$commit`
/// commits a write's transaction. A role's pipeline (`role_pipeline`) is
/// each backend's own statement.
macro_rules! casting_store {
    ($store:ty, $conn:ty, commit = $commit:path) => {
        mod queries {
            use super::{LOCK_SHARE, LOCK_UPDATE, NOW, UPDATED_AT};
            $crate::db::casting::roles::role_queries!($conn);
            $crate::db::casting::candidates::candidate_queries!($conn);
        }

        /// Commits the write's transaction when it was done, else rolls it back.
        async fn finish<T: $crate::db::casting::Done>(
            tx: sqlx::Transaction<'static, <$conn as sqlx::Connection>::Database>,
            outcome: T,
        ) -> sqlx::Result<T> {
            if outcome.is_done() {
                $commit(tx).await?;
            } else {
                tx.rollback().await?;
            }
            Ok(outcome)
        }

        impl $store {
            pub async fn movie_roles(
                &self,
                movie_id: i64,
            ) -> sqlx::Result<Option<Vec<casting_shared::casting::Role>>> {
                self.casting_read(move |c| Box::pin(queries::movie_roles(c, movie_id)))
                    .await
            }

            pub async fn actor_roles(
                &self,
                actor_id: i64,
            ) -> sqlx::Result<Option<Vec<casting_shared::casting::ActorRole>>> {
                self.casting_read(move |c| Box::pin(queries::actor_roles(c, actor_id)))
                    .await
            }

            pub async fn create_role(
                &self,
                movie_id: i64,
                new: &casting_shared::casting::NewRole,
                author: &$crate::db::Author,
            ) -> sqlx::Result<Option<$crate::db::Versioned<casting_shared::casting::Role>>> {
                let mut tx = self.write_as(author).await?;
                let created = queries::create_role(&mut tx, movie_id, new).await?;
                finish(tx, created).await
            }

            pub async fn update_role(
                &self,
                id: i64,
                changes: &casting_shared::casting::RoleChanges,
                expected_versions: Option<&[i64]>,
                author: &$crate::db::Author,
            ) -> sqlx::Result<
                $crate::db::Outcome<
                    $crate::db::Casting<$crate::db::Versioned<casting_shared::casting::Role>>,
                >,
            > {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::update_role(&mut tx, id, changes, expected_versions).await?;
                finish(tx, outcome).await
            }

            pub async fn delete_role(
                &self,
                id: i64,
                expected_versions: Option<&[i64]>,
                author: &$crate::db::Author,
            ) -> sqlx::Result<$crate::db::Outcome<()>> {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::delete_role(&mut tx, id, expected_versions).await?;
                finish(tx, outcome).await
            }

            pub async fn set_candidate(
                &self,
                role_id: i64,
                actor_id: i64,
                input: &casting_shared::casting::CandidateInput,
                author: &$crate::db::Author,
            ) -> sqlx::Result<
                $crate::db::Casting<(
                    casting_shared::casting::Candidate,
                    $crate::db::Versioned<casting_shared::casting::Role>,
                )>,
            > {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::set_candidate(&mut tx, role_id, actor_id, input).await?;
                finish(tx, outcome).await
            }

            pub async fn remove_candidate(
                &self,
                role_id: i64,
                actor_id: i64,
                author: &$crate::db::Author,
            ) -> sqlx::Result<$crate::db::Casting<()>> {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::remove_candidate(&mut tx, role_id, actor_id).await?;
                finish(tx, outcome).await
            }

            pub async fn assign_cast(
                &self,
                movie_id: i64,
                actor_id: i64,
                character: Option<&str>,
                author: &$crate::db::Author,
            ) -> sqlx::Result<Result<Option<String>, $crate::db::Missing>> {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::assign_cast(&mut tx, movie_id, actor_id, character).await?;
                finish(tx, outcome).await
            }

            pub async fn remove_cast(
                &self,
                movie_id: i64,
                actor_id: i64,
                author: &$crate::db::Author,
            ) -> sqlx::Result<Result<(), $crate::db::Missing>> {
                let mut tx = self.write_as(author).await?;
                let outcome = queries::remove_cast(&mut tx, movie_id, actor_id).await?;
                finish(tx, outcome).await
            }
        }
    };
}
pub(crate) use casting_store;

/// A movie's cast: its booked roles as (actor, character), by actor name as
/// people read it (its folded key), then id; one row of nulls for a movie
/// without cast, none for no movie.
pub(crate) const MOVIE_CAST: &str = "SELECT a.id AS actor_id, a.name, a.age, a.gender, \
        r.name AS character \
     FROM movies m \
     LEFT JOIN roles r ON r.movie_id = m.id AND r.actor_id IS NOT NULL \
     LEFT JOIN actors a ON a.id = r.actor_id \
     WHERE m.id = $1 \
     ORDER BY a.name_key, a.id";

/// An actor's movies: the roles they are booked in, by release date, then
/// movie id; one row of nulls for an actor in none, none for no actor.
pub(crate) const ACTOR_MOVIES: &str = "SELECT m.id AS movie_id, m.title, m.release_date, \
        r.name AS character \
     FROM actors a \
     LEFT JOIN roles r ON r.actor_id = a.id \
     LEFT JOIN movies m ON m.id = r.movie_id \
     WHERE a.id = $1 \
     ORDER BY m.release_date, m.id";
