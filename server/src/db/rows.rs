//! Rows as both backends return them (sqlx's `FromRow` is generic over the
//! database), turned into the API's models.

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::{Actor, Movie};
use time::{Date, OffsetDateTime};

use super::from_row::from_row;
use super::lists::Keyed;
use super::paging::SortValue;
use super::{User, Versioned, parse_role};
use casting_shared::names::fold;

from_row! {
    pub struct ActorRow {
        id: i64,
        name: String,
        age: i32,
        gender: String,
        version: i64,
    }
}

impl From<ActorRow> for Versioned<Actor> {
    fn from(row: ActorRow) -> Self {
        Versioned {
            value: Actor {
                id: row.id,
                name: row.name,
                age: row.age,
                gender: row.gender,
            },
            version: row.version,
        }
    }
}

from_row! {
    /// An actor on a page.
    pub struct ListedActor {
        id: i64,
        name: String,
        age: i32,
        gender: String,
    }
}

impl From<ListedActor> for Actor {
    fn from(row: ListedActor) -> Self {
        Actor {
            id: row.id,
            name: row.name,
            age: row.age,
            gender: row.gender,
        }
    }
}

from_row! {
    pub struct MovieRow {
        id: i64,
        title: String,
        release_date: Date,
        version: i64,
    }
}

impl From<MovieRow> for Versioned<Movie> {
    fn from(row: MovieRow) -> Self {
        Versioned {
            value: Movie {
                id: row.id,
                title: row.title,
                release_date: row.release_date,
            },
            version: row.version,
        }
    }
}

from_row! {
    /// A movie on a page.
    pub struct ListedMovie {
        id: i64,
        title: String,
        release_date: Date,
    }
}

impl From<ListedMovie> for Movie {
    fn from(row: ListedMovie) -> Self {
        Movie {
            id: row.id,
            title: row.title,
            release_date: row.release_date,
        }
    }
}

impl Keyed for Actor {
    fn id(&self) -> i64 {
        self.id
    }

    fn sort_value(&self, column: &str) -> Option<SortValue> {
        match column {
            "name" => Some(SortValue::Text(fold(&self.name))),
            "age" => Some(SortValue::Int(self.age.into())),
            "gender" => Some(SortValue::Text(fold(&self.gender))),
            _ => None,
        }
    }
}

impl Keyed for Movie {
    fn id(&self) -> i64 {
        self.id
    }

    fn sort_value(&self, column: &str) -> Option<SortValue> {
        match column {
            "title" => Some(SortValue::Text(fold(&self.title))),
            "release_date" => Some(SortValue::Date(self.release_date)),
            _ => None,
        }
    }
}

from_row! {
    /// One row of a movie's cast; the actor columns are null for a movie without cast.
    pub struct CastRow {
        actor_id: Option<i64>,
        name: Option<String>,
        age: Option<i32>,
        gender: Option<String>,
        character: Option<String>,
    }
}

impl CastRow {
    fn into_entry(self) -> Option<CastEntry> {
        Some(CastEntry {
            actor: Actor {
                id: self.actor_id?,
                name: self.name?,
                age: self.age?,
                gender: self.gender?,
            },
            character: self.character,
        })
    }

    /// The cast, or `None` when the movie itself was not found (no row at all).
    pub fn into_cast(rows: Vec<Self>) -> Option<Vec<CastEntry>> {
        if rows.is_empty() {
            return None;
        }
        Some(rows.into_iter().filter_map(Self::into_entry).collect())
    }
}

from_row! {
    /// One row of an actor's movies; the movie columns are null for an actor in none.
    pub struct FilmographyRow {
        movie_id: Option<i64>,
        title: Option<String>,
        release_date: Option<Date>,
        character: Option<String>,
    }
}

impl FilmographyRow {
    fn into_entry(self) -> Option<FilmographyEntry> {
        Some(FilmographyEntry {
            movie: Movie {
                id: self.movie_id?,
                title: self.title?,
                release_date: self.release_date?,
            },
            character: self.character,
        })
    }

    /// The movies, or `None` when the actor itself was not found (no row at all).
    pub fn into_filmography(rows: Vec<Self>) -> Option<Vec<FilmographyEntry>> {
        if rows.is_empty() {
            return None;
        }
        Some(rows.into_iter().filter_map(Self::into_entry).collect())
    }
}

/// The columns of [`UserRow`], in order.
pub const USER_COLUMNS: &str =
    "id, username, role, password_hash, disabled, created_at, token_generation";

from_row! {
    pub struct UserRow {
        id: i64,
        username: String,
        role: String,
        password_hash: String,
        disabled: bool,
        created_at: OffsetDateTime,
        token_generation: i64,
    }
}

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            role: parse_role(&row.role, &row.username)?,
            id: row.id,
            username: row.username,
            password_hash: row.password_hash,
            disabled: row.disabled,
            created_at: row.created_at,
            token_generation: row.token_generation,
        })
    }
}

/// Rows of users, checked.
pub fn users(rows: Vec<UserRow>) -> sqlx::Result<Vec<User>> {
    rows.into_iter().map(User::try_from).collect()
}
