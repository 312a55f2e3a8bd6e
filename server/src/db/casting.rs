//! The casting pipeline's reads and writes, written once for both stores:
//! roles, candidates, and the cast entries that are booked roles. The SQL
//! uses `$n` parameters, which both drivers read; what differs (the time
//! columns, row locks) each backend names in its `casting.rs`, which
//! expands [`casting_queries!`] over its own connection type.
//!
//! The rules kept here, in the writing transaction: a role has at most one
//! booked actor; an actor is booked in at most one role of a movie
//! (`roles_actor_once_per_movie` backs it); `roles.actor_id = X` exactly
//! when the candidate (role, X) is at `booked`.

use casting_shared::casting::{Audition, Candidate, Role, RoleCandidates, RoleStatus, Stage};
use casting_shared::domain::FieldErrors;
use casting_shared::{Actor, Movie};
use time::{Date, OffsetDateTime};

use super::rows::from_row;

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

/// The columns of a role with its booked actor and its counts per stage;
/// `r` is the role, `a` its booked actor.
pub(crate) const ROLE_COLUMNS: &str = "r.id, r.movie_id, r.name, r.description, r.age_min, \
    r.age_max, r.gender, r.version, \
    a.id AS booked_id, a.name AS booked_name, a.age AS booked_age, a.gender AS booked_gender, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'considered') AS considered, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'shortlisted') AS shortlisted, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'auditioning') AS auditioning, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'offered') AS offered, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'booked') AS booked, \
    (SELECT count(*) FROM candidates k WHERE k.role_id = r.id AND k.stage = 'passed') AS passed";

/// Candidates by stage in the pipeline's order, then name.
pub(crate) const CANDIDATE_ORDER: &str = " ORDER BY CASE c.stage WHEN 'considered' THEN 0 \
    WHEN 'shortlisted' THEN 1 WHEN 'auditioning' THEN 2 WHEN 'offered' THEN 3 \
    WHEN 'booked' THEN 4 ELSE 5 END, a.name, a.id";

from_row! {
    pub(crate) struct RoleRow {
        id: i64,
        movie_id: i64,
        name: Option<String>,
        description: Option<String>,
        age_min: Option<i32>,
        age_max: Option<i32>,
        gender: Option<String>,
        version: i64,
        booked_id: Option<i64>,
        booked_name: Option<String>,
        booked_age: Option<i32>,
        booked_gender: Option<String>,
        considered: i64,
        shortlisted: i64,
        auditioning: i64,
        offered: i64,
        booked: i64,
        passed: i64,
    }
}

impl RoleRow {
    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    pub(crate) fn into_role(self) -> Role {
        let actor = match (
            self.booked_id,
            self.booked_name,
            self.booked_age,
            self.booked_gender,
        ) {
            (Some(id), Some(name), Some(age), Some(gender)) => Some(Actor {
                id,
                name,
                age,
                gender,
            }),
            _ => None,
        };
        Role {
            id: self.id,
            movie_id: self.movie_id,
            name: self.name,
            description: self.description,
            age_min: self.age_min,
            age_max: self.age_max,
            gender: self.gender,
            status: if actor.is_some() {
                RoleStatus::Cast
            } else {
                RoleStatus::Open
            },
            actor,
            candidates: RoleCandidates {
                considered: self.considered,
                shortlisted: self.shortlisted,
                auditioning: self.auditioning,
                offered: self.offered,
                booked: self.booked,
                passed: self.passed,
            },
        }
    }
}

from_row! {
    /// A role an actor is a candidate for, with its movie and their stage.
    pub(crate) struct ActorRoleRow {
        id: i64,
        movie_id: i64,
        name: Option<String>,
        description: Option<String>,
        age_min: Option<i32>,
        age_max: Option<i32>,
        gender: Option<String>,
        version: i64,
        booked_id: Option<i64>,
        booked_name: Option<String>,
        booked_age: Option<i32>,
        booked_gender: Option<String>,
        considered: i64,
        shortlisted: i64,
        auditioning: i64,
        offered: i64,
        booked: i64,
        passed: i64,
        movie_title: String,
        movie_release_date: Date,
        stage: String,
    }
}

impl ActorRoleRow {
    pub(crate) fn into_actor_role(self) -> sqlx::Result<casting_shared::casting::ActorRole> {
        let stage = parse_stage(&self.stage)?;
        let movie = Movie {
            id: self.movie_id,
            title: self.movie_title,
            release_date: self.movie_release_date,
        };
        let role = RoleRow {
            id: self.id,
            movie_id: self.movie_id,
            name: self.name,
            description: self.description,
            age_min: self.age_min,
            age_max: self.age_max,
            gender: self.gender,
            version: self.version,
            booked_id: self.booked_id,
            booked_name: self.booked_name,
            booked_age: self.booked_age,
            booked_gender: self.booked_gender,
            considered: self.considered,
            shortlisted: self.shortlisted,
            auditioning: self.auditioning,
            offered: self.offered,
            booked: self.booked,
            passed: self.passed,
        }
        .into_role();
        Ok(casting_shared::casting::ActorRole { role, movie, stage })
    }
}

from_row! {
    pub(crate) struct CandidateRow {
        role_id: i64,
        stage: String,
        note: Option<String>,
        updated_at: String,
        actor_id: i64,
        name: String,
        age: i32,
        gender: String,
    }
}

impl CandidateRow {
    pub(crate) fn into_candidate(self) -> sqlx::Result<Candidate> {
        Ok(Candidate {
            role_id: self.role_id,
            stage: parse_stage(&self.stage)?,
            note: self.note,
            updated_at: self.updated_at,
            actor: Actor {
                id: self.actor_id,
                name: self.name,
                age: self.age,
                gender: self.gender,
            },
        })
    }
}

from_row! {
    /// An audition, its times in unix seconds.
    pub(crate) struct AuditionRow {
        id: i64,
        role_id: i64,
        actor_id: i64,
        starts_at: i64,
        ends_at: i64,
        location: String,
        note: Option<String>,
    }
}

impl AuditionRow {
    pub(crate) fn into_audition(self) -> sqlx::Result<Audition> {
        Ok(Audition {
            id: self.id,
            role_id: self.role_id,
            actor_id: self.actor_id,
            starts_at: unix_time(self.starts_at)?,
            ends_at: unix_time(self.ends_at)?,
            location: self.location,
            note: self.note,
        })
    }
}

pub(crate) fn unix_time(seconds: i64) -> sqlx::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|e| sqlx::Error::Decode(format!("a time out of range: {e}").into()))
}

pub(crate) fn parse_stage(text: &str) -> sqlx::Result<Stage> {
    Stage::parse(text).ok_or_else(|| sqlx::Error::Decode(format!("unknown stage {text}").into()))
}

from_row! {
    /// The role's locked state a write decides on.
    pub(crate) struct LockedRole {
        movie_id: i64,
        actor_id: Option<i64>,
        version: i64,
    }
}

impl LockedRole {
    pub(crate) fn movie_id(&self) -> i64 {
        self.movie_id
    }
    pub(crate) fn actor_id(&self) -> Option<i64> {
        self.actor_id
    }
    pub(crate) fn version(&self) -> i64 {
        self.version
    }
}

/// Expands, in a backend's module, the casting queries over its connection
/// type. The module defines `NOW` (the current time as the tables store
/// it), `UPDATED_AT` (a candidate's `c.updated_at` as RFC 3339 text),
/// `EPOCH_STARTS`/`EPOCH_ENDS` (an audition's times in unix seconds),
/// `LOCK_SHARE` and `LOCK_UPDATE` (row locks, empty on SQLite, whose one
/// writer holds the whole file).
macro_rules! casting_queries {
    ($conn:ty) => {
        use casting_shared::casting::{
            ActorRole, Audition, Candidate, CandidateInput, NewRole, Role, RoleChanges, Stage,
        };
        use $crate::db::casting::{
            ActorRoleRow, AuditionRow, CANDIDATE_ORDER, CandidateRow, Casting, LockedRole,
            ROLE_COLUMNS, Refusal, RoleRow,
        };
        use $crate::db::{Outcome, Versioned};

        async fn exists(c: &mut $conn, table: &str, id: i64) -> sqlx::Result<bool> {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *c)
                .await
        }

        /// The movie, locked against deletion (and, with `LOCK_UPDATE`,
        /// against a concurrent booking in it).
        async fn lock_movie(c: &mut $conn, id: i64, lock: &str) -> sqlx::Result<bool> {
            let sql = format!("SELECT id FROM movies WHERE id = $1{lock}");
            let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(found.is_some())
        }

        async fn lock_actor(c: &mut $conn, id: i64) -> sqlx::Result<bool> {
            let sql = format!("SELECT id FROM actors WHERE id = $1{LOCK_SHARE}");
            let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(found.is_some())
        }

        async fn lock_role(c: &mut $conn, id: i64) -> sqlx::Result<Option<LockedRole>> {
            let sql =
                format!("SELECT movie_id, actor_id, version FROM roles WHERE id = $1{LOCK_UPDATE}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await
        }

        pub(crate) async fn role(c: &mut $conn, id: i64) -> sqlx::Result<Option<Versioned<Role>>> {
            let sql = format!(
                "SELECT {ROLE_COLUMNS} FROM roles r LEFT JOIN actors a ON a.id = r.actor_id \
                 WHERE r.id = $1"
            );
            let row: Option<RoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?;
            Ok(row.map(|row| Versioned {
                version: row.version(),
                value: row.into_role(),
            }))
        }

        /// A movie's roles in creation order; `None` when there is no such movie.
        pub(crate) async fn movie_roles(
            c: &mut $conn,
            movie_id: i64,
        ) -> sqlx::Result<Option<Vec<Role>>> {
            if !exists(c, "movies", movie_id).await? {
                return Ok(None);
            }
            let sql = format!(
                "SELECT {ROLE_COLUMNS} FROM roles r LEFT JOIN actors a ON a.id = r.actor_id \
                 WHERE r.movie_id = $1 ORDER BY r.id"
            );
            let rows: Vec<RoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(movie_id)
                .fetch_all(&mut *c)
                .await?;
            Ok(Some(rows.into_iter().map(RoleRow::into_role).collect()))
        }

        /// A role with its candidates (by stage, then name) and its
        /// auditions (by start); `None` when there is no such role.
        pub(crate) async fn role_pipeline(
            c: &mut $conn,
            id: i64,
        ) -> sqlx::Result<Option<(Versioned<Role>, Vec<Candidate>, Vec<Audition>)>> {
            let Some(role) = role(c, id).await? else {
                return Ok(None);
            };
            let sql = format!(
                "SELECT c.role_id, c.stage, c.note, {UPDATED_AT} AS updated_at, \
                        a.id AS actor_id, a.name, a.age, a.gender \
                 FROM candidates c JOIN actors a ON a.id = c.actor_id \
                 WHERE c.role_id = $1{CANDIDATE_ORDER}"
            );
            let candidates: Vec<CandidateRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(&mut *c)
                .await?;
            let sql = format!(
                "SELECT id, role_id, actor_id, {EPOCH_STARTS} AS starts_at, \
                        {EPOCH_ENDS} AS ends_at, location, note \
                 FROM auditions WHERE role_id = $1 ORDER BY starts_at, id"
            );
            let auditions: Vec<AuditionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(&mut *c)
                .await?;
            let candidates = candidates
                .into_iter()
                .map(CandidateRow::into_candidate)
                .collect::<sqlx::Result<_>>()?;
            let auditions = auditions
                .into_iter()
                .map(AuditionRow::into_audition)
                .collect::<sqlx::Result<_>>()?;
            Ok(Some((role, candidates, auditions)))
        }

        /// One candidate as the API shows it.
        async fn candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Option<Candidate>> {
            let sql = format!(
                "SELECT c.role_id, c.stage, c.note, {UPDATED_AT} AS updated_at, \
                        a.id AS actor_id, a.name, a.age, a.gender \
                 FROM candidates c JOIN actors a ON a.id = c.actor_id \
                 WHERE c.role_id = $1 AND c.actor_id = $2"
            );
            let row: Option<CandidateRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(role_id)
                .bind(actor_id)
                .fetch_optional(&mut *c)
                .await?;
            row.map(CandidateRow::into_candidate).transpose()
        }

        /// Every role the actor is a candidate for, by the movie's release
        /// date, then the movie, then the role; `None` when there is no such actor.
        pub(crate) async fn actor_roles(
            c: &mut $conn,
            actor_id: i64,
        ) -> sqlx::Result<Option<Vec<ActorRole>>> {
            if !exists(c, "actors", actor_id).await? {
                return Ok(None);
            }
            let sql = format!(
                "SELECT {ROLE_COLUMNS}, m.title AS movie_title, \
                        m.release_date AS movie_release_date, c.stage \
                 FROM candidates c \
                 JOIN roles r ON r.id = c.role_id \
                 JOIN movies m ON m.id = r.movie_id \
                 LEFT JOIN actors a ON a.id = r.actor_id \
                 WHERE c.actor_id = $1 \
                 ORDER BY m.release_date, m.id, r.id"
            );
            let rows: Vec<ActorRoleRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(actor_id)
                .fetch_all(&mut *c)
                .await?;
            rows.into_iter()
                .map(ActorRoleRow::into_actor_role)
                .collect::<sqlx::Result<_>>()
                .map(Some)
        }

        pub(crate) async fn create_role(
            c: &mut $conn,
            movie_id: i64,
            new: &NewRole,
        ) -> sqlx::Result<Option<Versioned<Role>>> {
            if !lock_movie(c, movie_id, LOCK_SHARE).await? {
                return Ok(None);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO roles (movie_id, name, description, age_min, age_max, gender) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(movie_id)
            .bind(&new.name)
            .bind(&new.description)
            .bind(new.age_min)
            .bind(new.age_max)
            .bind(&new.gender)
            .fetch_one(&mut *c)
            .await?;
            role(c, id).await
        }

        pub(crate) async fn update_role(
            c: &mut $conn,
            id: i64,
            changes: &RoleChanges,
            expected_versions: Option<&[i64]>,
        ) -> sqlx::Result<Outcome<Casting<Versioned<Role>>>> {
            let Some(locked) = lock_role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            if expected_versions.is_some_and(|v| !v.contains(&locked.version())) {
                return Ok(Outcome::Changed);
            }
            let Some(current) = role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            let fields = match changes.apply(&current.value) {
                Ok(fields) => fields,
                Err(errors) => return Ok(Outcome::Done(Err(Refusal::Invalid(errors)))),
            };
            sqlx::query(
                "UPDATE roles SET name = $2, description = $3, age_min = $4, age_max = $5, \
                 gender = $6, version = version + 1 WHERE id = $1",
            )
            .bind(id)
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.age_min)
            .bind(fields.age_max)
            .bind(&fields.gender)
            .execute(&mut *c)
            .await?;
            Ok(match role(c, id).await? {
                Some(role) => Outcome::Done(Ok(role)),
                None => Outcome::NotFound,
            })
        }

        pub(crate) async fn delete_role(
            c: &mut $conn,
            id: i64,
            expected_versions: Option<&[i64]>,
        ) -> sqlx::Result<Outcome<()>> {
            let Some(locked) = lock_role(c, id).await? else {
                return Ok(Outcome::NotFound);
            };
            if expected_versions.is_some_and(|v| !v.contains(&locked.version())) {
                return Ok(Outcome::Changed);
            }
            sqlx::query("DELETE FROM roles WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            Ok(Outcome::Done(()))
        }

        /// Books or unbooks the role for `actor_id` as the role's own
        /// column says (the candidate's stage is the caller's).
        async fn set_booking(
            c: &mut $conn,
            role_id: i64,
            actor_id: Option<i64>,
        ) -> sqlx::Result<()> {
            sqlx::query("UPDATE roles SET actor_id = $2, version = version + 1 WHERE id = $1")
                .bind(role_id)
                .bind(actor_id)
                .execute(&mut *c)
                .await
                .map(drop)
        }

        /// The role of the movie the actor is booked in, other than `except`.
        async fn booked_role(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
            except: i64,
        ) -> sqlx::Result<Option<i64>> {
            sqlx::query_scalar(
                "SELECT id FROM roles WHERE movie_id = $1 AND actor_id = $2 AND id <> $3",
            )
            .bind(movie_id)
            .bind(actor_id)
            .bind(except)
            .fetch_optional(&mut *c)
            .await
        }

        async fn upsert_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
            stage: Stage,
            note: Option<&str>,
        ) -> sqlx::Result<()> {
            let sql = format!(
                "INSERT INTO candidates (role_id, actor_id, stage, note) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (role_id, actor_id) DO UPDATE SET stage = excluded.stage, \
                 note = excluded.note, updated_at = {NOW}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(role_id)
                .bind(actor_id)
                .bind(stage.as_str())
                .bind(note)
                .execute(&mut *c)
                .await
                .map(drop)
        }

        /// `PUT /roles/{id}/candidates/{actor_id}`: the candidate as it now
        /// is, and the role.
        pub(crate) async fn set_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
            input: &CandidateInput,
        ) -> sqlx::Result<Casting<(Candidate, Versioned<Role>)>> {
            let Some(locked) = lock_role(c, role_id).await? else {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no role {role_id}"
                ))));
            };
            let movie_id = locked.movie_id();
            if input.stage == Some(Stage::Booked) {
                // Bookings in one movie one at a time: the second of two
                // racing bookings of an actor sees the first.
                lock_movie(c, movie_id, LOCK_UPDATE).await?;
            }
            if !lock_actor(c, actor_id).await? {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no actor {actor_id}"
                ))));
            }
            let existing = candidate(c, role_id, actor_id).await?;
            let was = existing.as_ref().map(|k| k.stage);
            let stage = input.stage.or(was).unwrap_or(Stage::Considered);
            let note = match &input.note {
                Some(note) => note.clone(),
                None => existing.and_then(|k| k.note),
            };
            if stage == Stage::Booked {
                if let Some(other) = locked.actor_id().filter(|&other| other != actor_id) {
                    return Ok(Err(Refusal::Conflict(format!(
                        "role {role_id} is already booked for actor {other}; move them to \
                         another stage first"
                    ))));
                }
                if let Some(other) = booked_role(c, movie_id, actor_id, role_id).await? {
                    return Ok(Err(Refusal::Conflict(format!(
                        "actor {actor_id} is already booked in role {other} of movie {movie_id}"
                    ))));
                }
            }
            upsert_candidate(c, role_id, actor_id, stage, note.as_deref()).await?;
            if stage == Stage::Booked && locked.actor_id() != Some(actor_id) {
                set_booking(c, role_id, Some(actor_id)).await?;
            } else if stage != Stage::Booked && locked.actor_id() == Some(actor_id) {
                set_booking(c, role_id, None).await?;
            }
            let (Some(candidate), Some(role)) = (
                candidate(c, role_id, actor_id).await?,
                role(c, role_id).await?,
            ) else {
                return Err(sqlx::Error::RowNotFound);
            };
            Ok(Ok((candidate, role)))
        }

        /// `DELETE /roles/{id}/candidates/{actor_id}`: their auditions for
        /// the role go too, and a booking with them.
        pub(crate) async fn remove_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Casting<()>> {
            let Some(locked) = lock_role(c, role_id).await? else {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no role {role_id}"
                ))));
            };
            if locked.actor_id() == Some(actor_id) {
                set_booking(c, role_id, None).await?;
            }
            let removed =
                sqlx::query("DELETE FROM candidates WHERE role_id = $1 AND actor_id = $2")
                    .bind(role_id)
                    .bind(actor_id)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
            if removed == 0 {
                let detail = if exists(c, "actors", actor_id).await? {
                    format!("actor {actor_id} is not a candidate for role {role_id}")
                } else {
                    format!("there is no actor {actor_id}")
                };
                return Ok(Err(Refusal::NotFound(detail)));
            }
            Ok(Ok(()))
        }

        /// `PUT /movies/{id}/cast/{actor_id}`: books the actor; the role
        /// they are booked in is renamed `character`, or a new one made.
        pub(crate) async fn assign_cast(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
            character: Option<&str>,
        ) -> sqlx::Result<Result<Option<String>, $crate::db::Missing>> {
            let movie = lock_movie(c, movie_id, LOCK_UPDATE).await?;
            let actor = lock_actor(c, actor_id).await?;
            if !(movie && actor) {
                return Ok(Err($crate::db::Missing::from_found(movie, actor)));
            }
            let booked: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, name FROM roles WHERE movie_id = $1 AND actor_id = $2")
                    .bind(movie_id)
                    .bind(actor_id)
                    .fetch_optional(&mut *c)
                    .await?;
            match booked {
                Some((_, name)) if name.as_deref() == character => {}
                Some((id, _)) => {
                    sqlx::query("UPDATE roles SET name = $2, version = version + 1 WHERE id = $1")
                        .bind(id)
                        .bind(character)
                        .execute(&mut *c)
                        .await?;
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO roles (movie_id, name, actor_id) VALUES ($1, $2, $3) \
                         RETURNING id",
                    )
                    .bind(movie_id)
                    .bind(character)
                    .bind(actor_id)
                    .fetch_one(&mut *c)
                    .await?;
                    upsert_candidate(c, id, actor_id, Stage::Booked, None).await?;
                }
            }
            Ok(Ok(character.map(str::to_owned)))
        }

        /// `DELETE /movies/{id}/cast/{actor_id}`: unbooks the actor; the role
        /// stays, open, and their candidacy goes back to `offered`.
        pub(crate) async fn remove_cast(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Result<(), $crate::db::Missing>> {
            let movie = lock_movie(c, movie_id, LOCK_UPDATE).await?;
            let actor = exists(c, "actors", actor_id).await?;
            if !(movie && actor) {
                return Ok(Err($crate::db::Missing::from_found(movie, actor)));
            }
            let sql =
                format!("SELECT id FROM roles WHERE movie_id = $1 AND actor_id = $2{LOCK_UPDATE}");
            let booked: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(movie_id)
                .bind(actor_id)
                .fetch_optional(&mut *c)
                .await?;
            let Some(role_id) = booked else {
                return Ok(Err($crate::db::Missing::Entry));
            };
            let note: Option<Option<String>> = sqlx::query_scalar(
                "SELECT note FROM candidates WHERE role_id = $1 AND actor_id = $2",
            )
            .bind(role_id)
            .bind(actor_id)
            .fetch_optional(&mut *c)
            .await?;
            upsert_candidate(
                c,
                role_id,
                actor_id,
                Stage::Offered,
                note.flatten().as_deref(),
            )
            .await?;
            set_booking(c, role_id, None).await?;
            Ok(Ok(()))
        }
    };
}
pub(crate) use casting_queries;

/// A movie's cast: its booked roles as (actor, character), by actor name,
/// then id; one row of nulls for a movie without cast, none for no movie.
pub(crate) const MOVIE_CAST: &str = "SELECT a.id AS actor_id, a.name, a.age, a.gender, \
        r.name AS character \
     FROM movies m \
     LEFT JOIN roles r ON r.movie_id = m.id AND r.actor_id IS NOT NULL \
     LEFT JOIN actors a ON a.id = r.actor_id \
     WHERE m.id = $1 \
     ORDER BY a.name, a.id";

/// An actor's movies: the roles they are booked in, by release date, then
/// movie id; one row of nulls for an actor in none, none for no actor.
pub(crate) const ACTOR_MOVIES: &str = "SELECT m.id AS movie_id, m.title, m.release_date, \
        r.name AS character \
     FROM actors a \
     LEFT JOIN roles r ON r.actor_id = a.id \
     LEFT JOIN movies m ON m.id = r.movie_id \
     WHERE a.id = $1 \
     ORDER BY m.release_date, m.id";
