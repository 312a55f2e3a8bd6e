//! The casting pipeline in the client: a movie's roles ([`roles`]), a
//! role's candidates by stage ([`pipeline`]) with the actor picker that
//! offers first who fits ([`picker`]), the dialogs that write them
//! ([`form`]), and the schedule of auditions ([`schedule`]). What they ask
//! the runtime to do is a [`Request`]; its answer comes back as a [`Reply`].

pub mod form;
pub mod picker;
pub mod pipeline;
pub mod requests;
pub mod roles;
pub mod schedule;
pub mod zone;

use casting_shared::Actor;
use casting_shared::casting::{Audition, AuditionList, CandidateSet, Role, RoleBody, Stage};
use serde_json::Value;
use time::{Date, OffsetDateTime};

use crate::api::{ApiError, Refusal, ScheduleQuery};

/// A casting write that asks first: the question's words and the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub title: String,
    pub text: String,
    pub detail: String,
    /// The button that does it.
    pub yes: &'static str,
    /// Said when the answer is no.
    pub kept: &'static str,
    /// Said while it is done.
    pub doing: String,
    pub request: Request,
}

/// What a casting view asks the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `GET /movies/{id}/roles`.
    Roles {
        movie_id: i64,
    },
    /// `GET /roles/{id}`: the role, its candidates and auditions.
    Role {
        role_id: i64,
    },
    CreateRole {
        movie_id: i64,
        body: Value,
    },
    UpdateRole {
        role_id: i64,
        body: Value,
    },
    DeleteRole {
        role_id: i64,
        label: String,
    },
    /// `PUT /roles/{id}/candidates/{actor_id}`: add, or set the stage.
    SetCandidate {
        role_id: i64,
        actor_id: i64,
        name: String,
        stage: Option<Stage>,
    },
    /// The picker's matches: those who fit (`fit`: the actor list's
    /// filters), then the others.
    Matches {
        role_id: i64,
        generation: u64,
        q: String,
        fit: Vec<(&'static str, String)>,
    },
    ScheduleAudition {
        role_id: i64,
        body: Value,
    },
    /// `DELETE /roles/{id}/candidates/{actor_id}`.
    RemoveCandidate {
        role_id: i64,
        actor_id: i64,
        name: String,
    },
    /// `PATCH /auditions/{id}`: moved, in the pipeline of `role_id`.
    MoveAudition {
        role_id: i64,
        audition_id: i64,
        body: Value,
    },
    /// `DELETE /auditions/{id}`.
    CancelAudition {
        role_id: i64,
        audition_id: i64,
        text: String,
    },
    /// A page of the schedule (`from` today when the query has none).
    Schedule {
        query: ScheduleQuery,
        generation: u64,
        after: Option<String>,
    },
    /// The schedule shown, as an iCalendar file.
    Calendar {
        query: ScheduleQuery,
        path: String,
    },
}

/// The runtime's answer to a [`Request`].
#[derive(Debug)]
pub enum Reply {
    Roles {
        movie_id: i64,
        result: Result<Vec<Role>, ApiError>,
    },
    Role {
        role_id: i64,
        /// When it was read: the candidates' next auditions are after it.
        at: OffsetDateTime,
        result: Result<RoleBody, ApiError>,
    },
    RoleSaved {
        movie_id: i64,
        created: bool,
        result: Result<Role, ApiError>,
    },
    RoleDeleted {
        role_id: i64,
        label: String,
        result: Result<(), ApiError>,
    },
    CandidateSet {
        role_id: i64,
        name: String,
        stage: Option<Stage>,
        result: Result<CandidateSet, ApiError>,
    },
    Matches {
        role_id: i64,
        generation: u64,
        result: Result<(Vec<Actor>, Vec<Actor>), ApiError>,
    },
    AuditionScheduled {
        role_id: i64,
        result: Result<Audition, Refusal>,
    },
    CandidateRemoved {
        role_id: i64,
        name: String,
        result: Result<(), ApiError>,
    },
    AuditionMoved {
        role_id: i64,
        result: Result<Audition, Refusal>,
    },
    AuditionCancelled {
        role_id: i64,
        text: String,
        result: Result<(), ApiError>,
    },
    Schedule {
        generation: u64,
        /// The day the schedule starts (today when asked without one).
        today: Date,
        after: Option<String>,
        result: Result<AuditionList, ApiError>,
    },
    CalendarWritten {
        path: String,
        result: Result<usize, String>,
    },
}

/// A role as lists name it: its character, or `role #id`.
pub fn role_label(role: &Role) -> String {
    role.name
        .clone()
        .unwrap_or_else(|| format!("role #{}", role.id))
}

/// `25–40`, `25+`, `–40`, or `any`.
pub fn age_range(min: Option<i32>, max: Option<i32>) -> String {
    match (min, max) {
        (None, None) => "any".into(),
        (Some(min), None) => format!("{min}+"),
        (None, Some(max)) => format!("up to {max}"),
        (Some(min), Some(max)) if min == max => min.to_string(),
        (Some(min), Some(max)) => format!("{min}–{max}"),
    }
}

/// How many at each stage, short: `2 considered · 1 shortlisted`.
pub fn stage_counts(role: &Role) -> String {
    let parts: Vec<String> = Stage::ALL
        .into_iter()
        .filter(|s| role.candidates.get(*s) > 0)
        .map(|s| format!("{} {}", role.candidates.get(s), s.as_str()))
        .collect();
    if parts.is_empty() {
        "no candidates".into()
    } else {
        parts.join(" · ")
    }
}

/// A stage as a heading: `Shortlisted`.
pub fn stage_title(stage: Stage) -> String {
    let name = stage.as_str();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `2027-03-01`.
pub fn day_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `14:30`, in the zone shown (local, or UTC: [`zone`]).
pub fn clock(at: OffsetDateTime) -> String {
    let at = zone::shown(at);
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `Mon 2027-03-01 14:00–15:00 at Room A`, in the zone shown.
pub fn audition_text(audition: &Audition) -> String {
    let start = zone::shown(audition.starts_at);
    format!(
        "{} {} {}–{} at {}",
        weekday(start.date()),
        day_text(start.date()),
        clock(start),
        clock(audition.ends_at),
        audition.location
    )
}

/// `Mon`.
pub fn weekday(date: Date) -> &'static str {
    use time::Weekday::*;
    match date.weekday() {
        Monday => "Mon",
        Tuesday => "Tue",
        Wednesday => "Wed",
        Thursday => "Thu",
        Friday => "Fri",
        Saturday => "Sat",
        Sunday => "Sun",
    }
}
