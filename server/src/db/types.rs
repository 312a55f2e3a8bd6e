//! What the store takes and gives back, the same for every backend.

use super::from_row::from_row;
use casting_shared::Role;
use time::{Date, OffsetDateTime};

use super::paging::{KeyKind, SortColumn};

/// A sort column of a list.
const fn column(name: &'static str, kind: KeyKind) -> SortColumn {
    SortColumn { name, kind }
}

/// Columns an actor list may be sorted by (besides `id`).
pub const ACTOR_SORT_COLUMNS: &[SortColumn] = &[
    column("name", KeyKind::Text),
    column("age", KeyKind::Int),
    column("gender", KeyKind::Text),
];
/// Columns a movie list may be sorted by (besides `id`).
pub const MOVIE_SORT_COLUMNS: &[SortColumn] = &[
    column("title", KeyKind::Text),
    column("release_date", KeyKind::Date),
];

/// A row with its revision, for `ETag` / `If-Match`.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

/// What an update or delete that may name a row's version found.
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    NotFound,
    /// The row exists at another version than the one expected.
    Changed,
}

#[derive(Debug, Default, Clone)]
pub struct ActorFilter {
    pub q: Option<String>,
    pub gender: Option<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
}

impl ActorFilter {
    pub fn is_empty(&self) -> bool {
        self.q.is_none()
            && self.gender.is_none()
            && self.min_age.is_none()
            && self.max_age.is_none()
    }
}

#[derive(Debug, Default, Clone)]
pub struct MovieFilter {
    pub q: Option<String>,
    pub released_from: Option<Date>,
    pub released_to: Option<Date>,
}

impl MovieFilter {
    pub fn is_empty(&self) -> bool {
        self.q.is_none() && self.released_from.is_none() && self.released_to.is_none()
    }
}

/// What a write to one cast entry did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Movie,
    Actor,
    MovieAndActor,
    /// Both exist, but the actor is not in the movie's cast.
    Entry,
}

impl Missing {
    pub fn from_found(movie: bool, actor: bool) -> Self {
        match (movie, actor) {
            (false, false) => Missing::MovieAndActor,
            (false, true) => Missing::Movie,
            (true, false) => Missing::Actor,
            (true, true) => Missing::Entry,
        }
    }
}

/// A built-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// Tokens carrying an older generation are refused.
    pub token_generation: i64,
}

/// A user to add: the name as typed, and its normalised key.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub key: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// Why an existing user's name keeps a new one out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserConflict {
    /// The same name once normalised.
    Duplicate,
    /// Another name that looks the same (this one).
    LookAlike(String),
}

/// A user's role as stored, checked on the way out.
pub(crate) fn parse_role(stored: &str, username: &str) -> Result<Role, sqlx::Error> {
    Role::parse(stored).ok_or_else(|| {
        sqlx::Error::Decode(format!("unknown role {stored:?} for {username}").into())
    })
}

/// One change to a user. Each but enabling takes the user's tokens back
/// (the store bumps the token generation in the same statement).
#[derive(Debug, Clone, Copy)]
pub enum UserChange<'a> {
    Role(Role),
    PasswordHash(&'a str),
    Disabled(bool),
}

from_row! {
    /// A signing key that may verify, as stored (both stores select it as
    /// `kid, private_key_pem AS stored, retired_at IS NULL AS current`).
    #[derive(Debug, Clone)]
    pub struct StoredKey {
        pub kid: String,
        /// The private key PEM, or its sealed form (see `identity/sealing.rs`).
        pub stored: String,
        /// The key that signs now (the others only verify).
        pub current: bool,
    }
}

from_row! {
    /// One row of `keys list`.
    #[derive(Debug, Clone)]
    pub struct KeyInfo {
        pub kid: String,
        pub created_at: OffsetDateTime,
        pub retired_at: Option<OffsetDateTime>,
        pub revoked_at: Option<OffsetDateTime>,
    }
}

/// What revoking a signing key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Revoked; `replaced` when it was signing and the replacement took over.
    Revoked {
        replaced: bool,
    },
    NotFound,
    AlreadyRevoked,
}

/// What sealing a plain signing key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealOutcome {
    /// It was no longer stored as given (another instance sealed it).
    Unchanged,
    /// Sealed; it was not signing.
    Sealed,
    /// Sealed and retired; the successor signs from now on.
    SealedAndReplaced,
}

/// The store already holds data, and the operation only writes into an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the target database already has data")]
pub struct NotEmpty;

/// Every record of a store, for `casting-server copy`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    pub actors: Vec<DumpActor>,
    pub movies: Vec<DumpMovie>,
    /// Roles (a booked role is a cast entry), candidates and auditions.
    pub roles: Vec<DumpRole>,
    pub candidates: Vec<DumpCandidate>,
    pub auditions: Vec<DumpAudition>,
    pub users: Vec<DumpUser>,
    pub signing_keys: Vec<DumpKey>,
    /// The next id each table would hand out (never lower than max id + 1).
    pub next_ids: NextIds,
    /// The change log, oldest first, and the highest seq pruned from it.
    pub changes: Vec<DumpChange>,
    pub changes_pruned_through: i64,
    /// Each counted table's write stamp (the list ETags' first part), so a
    /// list tag a client kept from the source is never current on the copy
    /// while the copy's list differs.
    pub write_stamps: Vec<(String, i64)>,
}

from_row! {
    /// A change as stored; `at` as the API writes it, `before`/`after` JSON text.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpChange {
        pub seq: i64,
        pub at: String,
        pub subject: String,
        pub by_name: Option<String>,
        pub action: String,
        pub resource: String,
        pub record_id: i64,
        /// The movie a cast entry's, role's, candidate's or audition's change belongs to.
        pub movie_id: Option<i64>,
        pub actor_id: Option<i64>,
        pub before: Option<String>,
        pub after: Option<String>,
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NextIds {
    pub actors: i64,
    pub movies: i64,
    pub users: i64,
    pub roles: i64,
    pub auditions: i64,
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpActor {
        pub id: i64,
        pub name: String,
        pub age: i32,
        pub gender: String,
        pub version: i64,
        pub created_at: OffsetDateTime,
        pub updated_at: OffsetDateTime,
    }
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpMovie {
        pub id: i64,
        pub title: String,
        pub release_date: Date,
        pub version: i64,
        pub created_at: OffsetDateTime,
        pub updated_at: OffsetDateTime,
    }
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpRole {
        pub id: i64,
        pub movie_id: i64,
        pub name: Option<String>,
        pub description: Option<String>,
        pub age_min: Option<i32>,
        pub age_max: Option<i32>,
        pub gender: Option<String>,
        pub actor_id: Option<i64>,
        pub version: i64,
        pub created_at: OffsetDateTime,
    }
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpCandidate {
        pub role_id: i64,
        pub actor_id: i64,
        pub stage: String,
        pub note: Option<String>,
        pub updated_at: OffsetDateTime,
    }
}

from_row! {
    /// An audition; its times in unix seconds.
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpAudition {
        pub id: i64,
        pub role_id: i64,
        pub actor_id: i64,
        pub starts_at: i64,
        pub ends_at: i64,
        pub location: String,
        pub location_key: String,
        pub note: Option<String>,
        pub version: i64,
        pub created_at: OffsetDateTime,
    }
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpUser {
        pub id: i64,
        pub username: String,
        pub username_key: Option<String>,
        pub role: String,
        pub password_hash: String,
        pub disabled: bool,
        pub token_generation: i64,
        pub created_at: OffsetDateTime,
        pub updated_at: OffsetDateTime,
    }
}

from_row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct DumpKey {
        pub kid: String,
        pub private_key_pem: String,
        pub created_at: OffsetDateTime,
        pub retired_at: Option<OffsetDateTime>,
        pub revoked_at: Option<OffsetDateTime>,
    }
}

impl Dump {
    /// How many of each record, for `copy`'s report.
    pub fn summary(&self) -> String {
        format!(
            "{} actors, {} movies, {} roles, {} candidates, {} auditions, {} users, \
             {} signing keys, {} changes",
            self.actors.len(),
            self.movies.len(),
            self.roles.len(),
            self.candidates.len(),
            self.auditions.len(),
            self.users.len(),
            self.signing_keys.len(),
            self.changes.len()
        )
    }
}

/// A store failure, classified the same way whichever backend reported it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached, is busy past the timeout, or refuses
    /// writes for now (disk full, read-only file): worth retrying (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A named check constraint guarding this field refused a value.
    #[error("the value of {0} is not acceptable")]
    Invalid(&'static str),
    /// A unique constraint refused a second row with the same key.
    #[error("a row with the same key already exists")]
    Duplicate,
    #[error(transparent)]
    Other(sqlx::Error),
}

pub type DbResult<T> = Result<T, DbError>;

/// The field a named check constraint of the migrations guards.
pub(crate) fn constraint_field(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "actors_name_length" => "name",
        "actors_age_range" => "age",
        "actors_gender_length" => "gender",
        "movies_title_length" => "title",
        "cast_character_length" => "character",
        "roles_name_length" => "name",
        "roles_description_length" => "description",
        "roles_age_min_range" => "age_min",
        "roles_age_max_range" | "roles_age_order" => "age_max",
        "roles_gender_length" => "gender",
        "candidates_stage" => "stage",
        "candidates_note_length" | "auditions_note_length" => "note",
        "auditions_location_length" => "location",
        "auditions_interval" => "ends_at",
        "users_username_length" | "users_username_key_length" => "username",
        _ => return None,
    })
}
