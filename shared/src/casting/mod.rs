//! The casting pipeline: a movie's roles to fill, the actors considered for
//! each (candidates at a stage), their auditions and the answers that carry
//! them; the request bodies that create and change them are `input.rs`.

mod input;

pub use input::*;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::declare::{list_body, record, with_role_fields};
use crate::model::{Actor, Movie};

/// Where a candidate is in the process, in the order a casting moves:
/// `considered` → `shortlisted` → `auditioning` → `offered` → `booked`, or
/// `passed`. Any stage may be set directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Considered,
    Shortlisted,
    Auditioning,
    Offered,
    Booked,
    Passed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Considered,
        Stage::Shortlisted,
        Stage::Auditioning,
        Stage::Offered,
        Stage::Booked,
        Stage::Passed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Considered => "considered",
            Stage::Shortlisted => "shortlisted",
            Stage::Auditioning => "auditioning",
            Stage::Offered => "offered",
            Stage::Booked => "booked",
            Stage::Passed => "passed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The stage after this one on the way to a booking (`None` from
    /// `booked` and `passed`).
    pub fn next(self) -> Option<Self> {
        match self {
            Stage::Considered => Some(Stage::Shortlisted),
            Stage::Shortlisted => Some(Stage::Auditioning),
            Stage::Auditioning => Some(Stage::Offered),
            Stage::Offered => Some(Stage::Booked),
            Stage::Booked | Stage::Passed => None,
        }
    }

    /// The stage before this one (`passed` goes back to `considered`).
    pub fn previous(self) -> Option<Self> {
        match self {
            Stage::Considered => None,
            Stage::Shortlisted | Stage::Passed => Some(Stage::Considered),
            Stage::Auditioning => Some(Stage::Shortlisted),
            Stage::Offered => Some(Stage::Auditioning),
            Stage::Booked => Some(Stage::Offered),
        }
    }
}

/// `cast` exactly when an actor is booked, else `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoleStatus {
    Open,
    Cast,
}

/// How many candidates a role has at each stage; every stage is present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleCandidates {
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub considered: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub shortlisted: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub auditioning: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub offered: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub booked: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub passed: i64,
}

impl RoleCandidates {
    pub fn get(&self, stage: Stage) -> i64 {
        match stage {
            Stage::Considered => self.considered,
            Stage::Shortlisted => self.shortlisted,
            Stage::Auditioning => self.auditioning,
            Stage::Offered => self.offered,
            Stage::Booked => self.booked,
            Stage::Passed => self.passed,
        }
    }

    pub fn set(&mut self, stage: Stage, count: i64) {
        let slot = match stage {
            Stage::Considered => &mut self.considered,
            Stage::Shortlisted => &mut self.shortlisted,
            Stage::Auditioning => &mut self.auditioning,
            Stage::Offered => &mut self.offered,
            Stage::Booked => &mut self.booked,
            Stage::Passed => &mut self.passed,
        };
        *slot = count;
    }

    pub fn total(&self) -> i64 {
        Stage::ALL.into_iter().map(|s| self.get(s)).sum()
    }
}

with_role_fields! {
    /// A role to fill in a movie. Named `CastingRole` in the OpenAPI document:
    /// `Role` there is a user's role (Casting Assistant…), as it always was.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CastingRole))]
    pub struct Role {
        /// The booked actor, `null` while the role is open.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        actor: Option<Actor>,
        status: RoleStatus,
        candidates: RoleCandidates,
    }
}

record! {
    /// One actor considered for a role.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Candidate {
        role_id: i64 => id,
        actor: Actor,
        stage: Stage,
        note: Option<String> => stored_note(required = true),
        /// When the stage or note last changed, in UTC.
        #[cfg_attr(feature = "openapi", schema(format = DateTime))]
        updated_at: String,
    }
}

record! {
    /// An audition of a candidate for a role.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Audition {
        id: i64 => id,
        role_id: i64 => id,
        actor_id: i64 => id,
        #[serde(with = "utc_seconds")]
        starts_at: OffsetDateTime => stored_timestamp,
        #[serde(with = "utc_seconds")]
        ends_at: OffsetDateTime => stored_timestamp,
        location: String => stored_location,
        note: Option<String> => stored_note(required = true),
    }
}

record! {
    /// A role as the schedule names it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct RoleRef {
        id: i64 => id,
        name: Option<String> => stored_role_name(required = true),
    }
}

record! {
    /// A movie as the schedule names it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct MovieRef {
        id: i64 => id,
        title: String => stored_title,
    }
}

record! {
    /// An actor as the schedule names them.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ActorRef {
        id: i64 => id,
        name: String => stored_name,
    }
}

/// An audition in the schedule (`GET /auditions`), with whom, for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledAudition {
    #[serde(flatten)]
    pub audition: Audition,
    pub role: RoleRef,
    pub movie: MovieRef,
    pub actor: ActorRef,
}

/// `GET /movies/{id}/roles`: in creation order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleList {
    pub success: bool,
    pub roles: Vec<Role>,
}

record! {
    /// `POST /movies/{id}/roles`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct RoleCreated {
        success: bool,
        created: i64 => id,
        role: Role,
    }
}

/// `GET /roles/{id}`: the role, its candidates by stage then name, its
/// auditions by start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleBody {
    pub success: bool,
    pub role: Role,
    pub candidates: Vec<Candidate>,
    pub auditions: Vec<Audition>,
}

/// `PATCH /roles/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleUpdated {
    pub success: bool,
    pub role: Role,
}

/// `PUT /roles/{id}/candidates/{actor_id}`: the candidate as it now is and
/// the role with its new counts (and booking).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateSet {
    pub success: bool,
    pub candidate: Candidate,
    pub role: Role,
}

/// One role an actor is a candidate for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorRole {
    pub role: Role,
    pub movie: Movie,
    pub stage: Stage,
}

/// `GET /actors/{id}/roles`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorRoles {
    pub success: bool,
    pub roles: Vec<ActorRole>,
}

record! {
    /// `POST /roles/{id}/auditions`.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct AuditionCreated {
        success: bool,
        created: i64 => id,
        audition: Audition,
    }
}

/// `PATCH /auditions/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditionBody {
    pub success: bool,
    pub audition: Audition,
}

list_body! {
    /// `GET /auditions`: by start, then id.
    pub struct AuditionList {
        auditions: ScheduledAudition,
        /// How many auditions match the filters, over all pages (a lower bound
        /// when `total_exact` is false).
        total,
        total_exact,
    }
}
