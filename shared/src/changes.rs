//! The change log (`GET /changes`, `GET /events`, `GET /…/{id}/history`):
//! who created, changed or deleted which record, when, from what to what.

use serde::{Deserialize, Serialize};

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
}

impl ChangeResource {
    pub const ALL: [ChangeResource; 3] = [
        ChangeResource::Actor,
        ChangeResource::Movie,
        ChangeResource::Cast,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeResource::Actor => "actor",
            ChangeResource::Movie => "movie",
            ChangeResource::Cast => "cast",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "actor" => Some(ChangeResource::Actor),
            "movie" => Some(ChangeResource::Movie),
            "cast" => Some(ChangeResource::Cast),
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

/// A cast entry as the change log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CastRecord {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id))]
    pub movie_id: i64,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id))]
    pub actor_id: i64,
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::stored_character, required = true)
    )]
    pub character: Option<String>,
}

/// A record before or after a change: an actor, a movie or a cast entry
/// (the change's `resource` says which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ChangedRecord {
    Actor(Actor),
    Movie(Movie),
    Cast(CastRecord),
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Increases with every change, in the order they became visible.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: i64,
    /// When, in UTC with milliseconds: `2026-11-30T09:15:02.123Z`.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: String,
    pub by: ChangeAuthor,
    pub action: ChangeAction,
    pub resource: ChangeResource,
    /// The actor's or movie's id; for a cast entry, the movie's.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::id))]
    pub id: i64,
    /// `null` for `created`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub before: Option<ChangedRecord>,
    /// `null` for `deleted`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub after: Option<ChangedRecord>,
}

impl Change {
    /// The actor a change is about: the actor's own, or a cast entry's.
    pub fn actor_id(&self) -> Option<i64> {
        match self.resource {
            ChangeResource::Actor => Some(self.id),
            ChangeResource::Movie => None,
            ChangeResource::Cast => match self.after.as_ref().or(self.before.as_ref()) {
                Some(ChangedRecord::Cast(entry)) => Some(entry.actor_id),
                _ => None,
            },
        }
    }

    /// The movie a change is about: the movie's own, or a cast entry's.
    pub fn movie_id(&self) -> Option<i64> {
        match self.resource {
            ChangeResource::Actor => None,
            ChangeResource::Movie | ChangeResource::Cast => Some(self.id),
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
    }
}
