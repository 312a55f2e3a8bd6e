//! The casting pipeline's rows as its statements select them, and the
//! column lists that select them: a role (its own columns, its booked
//! actor, its counts per stage), a candidate, an audition, and the rows
//! that join them.

use casting_shared::casting::{
    ActorRole, Audition, Candidate, Role, RoleCandidates, RoleStatus, Stage,
};
use casting_shared::{Actor, Movie};
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};
use time::{Date, OffsetDateTime};

use crate::db::Versioned;
use crate::db::from_row::from_row;

/// The columns of a role and its booked actor; `r` is the role, `a` its
/// booked actor.
pub(crate) const ROLE_OWN_COLUMNS: &str = "r.id, r.movie_id, r.name, r.description, r.age_min, \
    r.age_max, r.gender, r.version, \
    a.id AS booked_id, a.name AS booked_name, a.age AS booked_age, a.gender AS booked_gender";

/// The columns of a role with its booked actor and its counts per stage,
/// counted in one grouped pass over the role's candidates.
pub(crate) const ROLE_COLUMNS: &str = "r.id, r.movie_id, r.name, r.description, r.age_min, \
    r.age_max, r.gender, r.version, \
    a.id AS booked_id, a.name AS booked_name, a.age AS booked_age, a.gender AS booked_gender, \
    COALESCE(k.considered, 0) AS considered, COALESCE(k.shortlisted, 0) AS shortlisted, \
    COALESCE(k.auditioning, 0) AS auditioning, COALESCE(k.offered, 0) AS offered, \
    COALESCE(k.booked, 0) AS booked, COALESCE(k.passed, 0) AS passed";

/// The counts per stage of the roles `roles` names (a subquery of role
/// ids), as `k`, joined by `k.role_id = r.id`.
pub(crate) fn stage_counts(roles: &str) -> String {
    let counts = Stage::ALL
        .iter()
        .map(|stage| {
            let stage = stage.as_str();
            format!("CAST(sum(CASE WHEN stage = '{stage}' THEN 1 ELSE 0 END) AS bigint) AS {stage}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        " LEFT JOIN (SELECT role_id, {counts} FROM candidates WHERE role_id IN ({roles}) \
         GROUP BY role_id) k ON k.role_id = r.id"
    )
}

/// Candidates (`c`, their actor `ca`) by stage in the pipeline's order,
/// then name as people read it (its folded key).
pub(crate) const CANDIDATE_ORDER: &str = " ORDER BY CASE c.stage WHEN 'considered' THEN 0 \
    WHEN 'shortlisted' THEN 1 WHEN 'auditioning' THEN 2 WHEN 'offered' THEN 3 \
    WHEN 'booked' THEN 4 ELSE 5 END, ca.name_key, ca.id";

/// Two rows read from the same columns: a row joining two others.
pub(crate) struct Both<A, B>(pub A, pub B);

impl<'r, R, A, B> FromRow<'r, R> for Both<A, B>
where
    R: Row,
    A: FromRow<'r, R>,
    B: FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Both(A::from_row(row)?, B::from_row(row)?))
    }
}

from_row! {
    /// A role's own columns and its booked actor ([`ROLE_OWN_COLUMNS`]).
    pub(crate) struct RoleOwnRow {
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
    }
}

impl RoleOwnRow {
    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    /// A role's pipeline as the stores answer it: the role at its version,
    /// its counts per stage counted from `candidates`.
    pub(crate) fn into_pipeline(
        self,
        candidates: Vec<Candidate>,
        auditions: Vec<Audition>,
    ) -> (Versioned<Role>, Vec<Candidate>, Vec<Audition>) {
        let role = Versioned {
            version: self.version,
            value: self.into_role(count_stages(&candidates)),
        };
        (role, candidates, auditions)
    }

    pub(crate) fn into_role(self, candidates: RoleCandidates) -> Role {
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
            candidates,
        }
    }
}

/// A role's counts per stage, read from the columns named after the stages.
pub(crate) struct StageCounts(RoleCandidates);

impl<'r, R> FromRow<'r, R> for StageCounts
where
    R: Row,
    &'r str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(StageCounts(RoleCandidates {
            considered: row.try_get("considered")?,
            shortlisted: row.try_get("shortlisted")?,
            auditioning: row.try_get("auditioning")?,
            offered: row.try_get("offered")?,
            booked: row.try_get("booked")?,
            passed: row.try_get("passed")?,
        }))
    }
}

/// A role as [`ROLE_COLUMNS`] selects it.
pub(crate) type RoleRow = Both<RoleOwnRow, StageCounts>;

impl RoleRow {
    pub(crate) fn version(&self) -> i64 {
        self.0.version()
    }

    pub(crate) fn into_role(self) -> Role {
        self.0.into_role(self.1.0)
    }
}

from_row! {
    /// The movie of a role an actor is a candidate for, and their stage.
    pub(crate) struct CandidacyRow {
        movie_title: String,
        movie_release_date: Date,
        stage: String,
    }
}

/// A role an actor is a candidate for, with its movie and their stage.
pub(crate) type ActorRoleRow = Both<RoleRow, CandidacyRow>;

impl ActorRoleRow {
    pub(crate) fn into_actor_role(self) -> sqlx::Result<ActorRole> {
        let Both(role, candidacy) = self;
        let stage = parse_stage(&candidacy.stage)?;
        let role = role.into_role();
        let movie = Movie {
            id: role.movie_id,
            title: candidacy.movie_title,
            release_date: candidacy.movie_release_date,
        };
        Ok(ActorRole { role, movie, stage })
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

/// A role's counts per stage, counted from its candidates.
fn count_stages(candidates: &[Candidate]) -> RoleCandidates {
    let mut counts = RoleCandidates::default();
    for candidate in candidates {
        *match candidate.stage {
            Stage::Considered => &mut counts.considered,
            Stage::Shortlisted => &mut counts.shortlisted,
            Stage::Auditioning => &mut counts.auditioning,
            Stage::Offered => &mut counts.offered,
            Stage::Booked => &mut counts.booked,
            Stage::Passed => &mut counts.passed,
        } += 1;
    }
    counts
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
