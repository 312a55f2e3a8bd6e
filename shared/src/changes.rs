//! The change log (`GET /changes`, `GET /events`, `GET /…/{id}/history`):
//! who created, changed or deleted which record, when, from what to what.

use serde::{Deserialize, Serialize};

use crate::casting::Stage;
use crate::declare::{record, with_role_fields};
use crate::model::{Actor, Movie};

/// The default and the largest `limit` of `GET /changes`.
pub const DEFAULT_CHANGES_LIMIT: u32 = 100;
pub const MAX_CHANGES_LIMIT: u32 = 1000;

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Created,
    Updated,
    Deleted,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Created => "created",
            ChangeAction::Updated => "updated",
            ChangeAction::Deleted => "deleted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(ChangeAction::Created),
            "updated" => Some(ChangeAction::Updated),
            "deleted" => Some(ChangeAction::Deleted),
            _ => None,
        }
    }
}

/// What kind of record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeResource {
    Actor,
    Movie,
    /// A cast entry; the change's `id` is the movie's.
    Cast,
    Role,
    /// A candidate; the change's `id` is the role's.
    Candidate,
    Audition,
}

impl ChangeResource {
    pub const ALL: [ChangeResource; 6] = [
        ChangeResource::Actor,
        ChangeResource::Movie,
        ChangeResource::Cast,
        ChangeResource::Role,
        ChangeResource::Candidate,
        ChangeResource::Audition,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeResource::Actor => "actor",
            ChangeResource::Movie => "movie",
            ChangeResource::Cast => "cast",
            ChangeResource::Role => "role",
            ChangeResource::Candidate => "candidate",
            ChangeResource::Audition => "audition",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "actor" => Some(ChangeResource::Actor),
            "movie" => Some(ChangeResource::Movie),
            "cast" => Some(ChangeResource::Cast),
            "role" => Some(ChangeResource::Role),
            "candidate" => Some(ChangeResource::Candidate),
            "audition" => Some(ChangeResource::Audition),
            _ => None,
        }
    }
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeAuthor {
    /// The token's subject (`casting|3` for a built-in user).
    pub subject: String,
    /// The built-in username; for an external issuer's token, its `name`,
    /// `preferred_username` or `email` claim followed by the issuer's host
    /// (`ann (tenant.auth0.com)`), so that it cannot pass for a built-in
    /// user; `null` when it has none of them.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
}

record! {
    /// A cast entry as the change log records it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CastRecord {
        movie_id: i64 => id,
        actor_id: i64 => id,
        character: Option<String> => stored_character(required = true),
    }
}

with_role_fields! {
    /// A role as the change log records it (the booked actor by id).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub struct RoleRecord {
        /// The booked actor's id, `null` while the role is open.
        #[cfg_attr(feature = "openapi", schema(required = true, minimum = 1))]
        actor_id: Option<i64>,
    }
}

record! {
    /// A candidate as the change log records it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub struct CandidateRecord {
        role_id: i64 => id,
        actor_id: i64 => id,
        stage: Stage,
        note: Option<String> => stored_note(required = true),
    }
}

record! {
    /// An audition as the change log records it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub struct AuditionRecord {
        id: i64 => id,
        role_id: i64 => id,
        actor_id: i64 => id,
        /// RFC 3339 in UTC.
        starts_at: String => stored_timestamp,
        ends_at: String => stored_timestamp,
        location: String => stored_location,
        note: Option<String> => stored_note(required = true),
    }
}

/// A record before or after a change: an actor, a movie, a cast entry, a
/// role, a candidate or an audition (the change's `resource` says which).
/// The new records refuse unknown fields, so none reads as another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ChangedRecord {
    Actor(Actor),
    Movie(Movie),
    Role(RoleRecord),
    Candidate(CandidateRecord),
    Audition(AuditionRecord),
    Cast(CastRecord),
}

record! {
    /// One change.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Change {
        /// Increases with every change, in the order they became visible.
        #[cfg_attr(feature = "openapi", schema(minimum = 1))]
        seq: i64,
        /// When, in UTC with milliseconds: `2026-11-30T09:15:02.123Z`.
        #[cfg_attr(feature = "openapi", schema(format = DateTime))]
        at: String,
        by: ChangeAuthor,
        action: ChangeAction,
        resource: ChangeResource,
        /// The actor's or movie's id; for a cast entry, the movie's.
        id: i64 => id,
        /// `null` for `created`.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        before: Option<ChangedRecord>,
        /// `null` for `deleted`.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        after: Option<ChangedRecord>,
    }
}

impl Change {
    /// The actor a change is about: the actor's own, or a cast entry's,
    /// candidate's or audition's (a role's booked actor is not: the
    /// booking is the candidate's and the cast entry's change).
    pub fn actor_id(&self) -> Option<i64> {
        match self.resource {
            ChangeResource::Actor => Some(self.id),
            ChangeResource::Movie | ChangeResource::Role => None,
            ChangeResource::Cast | ChangeResource::Candidate | ChangeResource::Audition => {
                match self.after.as_ref().or(self.before.as_ref()) {
                    Some(ChangedRecord::Cast(entry)) => Some(entry.actor_id),
                    Some(ChangedRecord::Candidate(candidate)) => Some(candidate.actor_id),
                    Some(ChangedRecord::Audition(audition)) => Some(audition.actor_id),
                    _ => None,
                }
            }
        }
    }

    /// The movie a change is about: the movie's own, a cast entry's or a
    /// role's. A candidate's or an audition's names only the role
    /// ([`Change::role_id`]).
    pub fn movie_id(&self) -> Option<i64> {
        match self.resource {
            ChangeResource::Actor | ChangeResource::Candidate | ChangeResource::Audition => None,
            ChangeResource::Movie | ChangeResource::Cast => Some(self.id),
            ChangeResource::Role => match self.after.as_ref().or(self.before.as_ref()) {
                Some(ChangedRecord::Role(role)) => Some(role.movie_id),
                _ => None,
            },
        }
    }

    /// The role a change is about: the role's own, a candidate's or an
    /// audition's.
    pub fn role_id(&self) -> Option<i64> {
        match self.resource {
            ChangeResource::Role | ChangeResource::Candidate => Some(self.id),
            ChangeResource::Audition => match self.after.as_ref().or(self.before.as_ref()) {
                Some(ChangedRecord::Audition(audition)) => Some(audition.role_id),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `GET /changes`: oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeList {
    pub success: bool,
    pub changes: Vec<Change>,
    /// The `after` of the following call (unchanged when nothing is new).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub next: i64,
}

/// `GET /actors/{id}/history`, `GET /movies/{id}/history`: newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct History {
    pub success: bool,
    pub history: Vec<Change>,
}

/// `POST /changes/{seq}/undo`: the changes the undo made, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Undone {
    pub success: bool,
    /// The `seq` of the change undone.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub undone: i64,
    pub changes: Vec<Change>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_reads_back_as_the_contract_shows_it() {
        let text = r#"{"seq": 42, "at": "2026-11-30T09:15:02.123Z",
            "by": {"subject": "casting|3", "name": "producer"},
            "action": "updated", "resource": "actor", "id": 5,
            "before": {"id": 5, "name": "Ann Lee", "age": 31, "gender": "Female"},
            "after":  {"id": 5, "name": "Ann Lee", "age": 32, "gender": "Female"}}"#;
        let change: Change = serde_json::from_str(text).expect("the contract's example");
        assert_eq!(change.actor_id(), Some(5));
        assert!(matches!(change.after, Some(ChangedRecord::Actor(ref a)) if a.age == 32));
        let again: Change =
            serde_json::from_str(&serde_json::to_string(&change).expect("serialises"))
                .expect("reads back");
        assert_eq!(again, change);
    }

    #[test]
    fn each_record_kind_is_told_apart() {
        let movie: ChangedRecord =
            serde_json::from_str(r#"{"id": 1, "title": "Up", "release_date": "2009-05-29"}"#)
                .expect("a movie");
        assert!(matches!(movie, ChangedRecord::Movie(_)));
        let cast: ChangedRecord =
            serde_json::from_str(r#"{"movie_id": 1, "actor_id": 2, "character": null}"#)
                .expect("a cast entry");
        assert!(matches!(cast, ChangedRecord::Cast(_)));
        let role: ChangedRecord = serde_json::from_str(
            r#"{"id": 3, "movie_id": 1, "name": "Ada", "description": null,
                "age_min": null, "age_max": 40, "gender": null, "actor_id": 2}"#,
        )
        .expect("a role");
        assert!(matches!(role, ChangedRecord::Role(_)));
        let candidate: ChangedRecord = serde_json::from_str(
            r#"{"role_id": 3, "actor_id": 2, "stage": "booked", "note": null}"#,
        )
        .expect("a candidate");
        assert!(matches!(candidate, ChangedRecord::Candidate(_)));
        let audition: ChangedRecord = serde_json::from_str(
            r#"{"id": 9, "role_id": 3, "actor_id": 2, "starts_at": "2027-03-01T14:00:00Z",
                "ends_at": "2027-03-01T15:00:00Z", "location": "Room A", "note": null}"#,
        )
        .expect("an audition");
        assert!(matches!(audition, ChangedRecord::Audition(_)));
    }
}
