//! Rows as both backends return them (sqlx's `FromRow` is generic over the
//! database), turned into the API's models.

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::{Actor, Movie};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};

use super::{PageOf, User, Versioned, parse_role};

#[derive(FromRow)]
pub struct ActorRow {
    id: i64,
    name: String,
    age: i32,
    gender: String,
    version: i64,
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

/// A row of a page that carries the number of rows matching over all pages.
pub trait Listed {
    fn total(&self) -> i64;
}

/// A page from its rows: the total comes with the first row, and only a
/// page past the end (no row to carry it) needs `count`, a second query.
pub async fn page_of<R, T>(
    rows: Vec<R>,
    count: impl Future<Output = sqlx::Result<i64>>,
) -> sqlx::Result<PageOf<T>>
where
    R: Listed,
    T: From<R>,
{
    let total = match rows.first() {
        Some(row) => row.total(),
        None => count.await?,
    };
    Ok(PageOf {
        rows: rows.into_iter().map(T::from).collect(),
        total,
    })
}

/// An actor on a page, with the number of rows that match over all pages.
#[derive(FromRow)]
pub struct ListedActor {
    total: i64,
    id: i64,
    name: String,
    age: i32,
    gender: String,
}

impl Listed for ListedActor {
    fn total(&self) -> i64 {
        self.total
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

#[derive(FromRow)]
pub struct MovieRow {
    id: i64,
    title: String,
    release_date: Date,
    version: i64,
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

/// A movie on a page, with the number of rows that match over all pages.
#[derive(FromRow)]
pub struct ListedMovie {
    total: i64,
    id: i64,
    title: String,
    release_date: Date,
}

impl Listed for ListedMovie {
    fn total(&self) -> i64 {
        self.total
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

/// One row of a movie's cast; the actor columns are null for a movie without cast.
#[derive(FromRow)]
pub struct CastRow {
    actor_id: Option<i64>,
    name: Option<String>,
    age: Option<i32>,
    gender: Option<String>,
    character: Option<String>,
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

/// One row of an actor's movies; the movie columns are null for an actor in none.
#[derive(FromRow)]
pub struct FilmographyRow {
    movie_id: Option<i64>,
    title: Option<String>,
    release_date: Option<Date>,
    character: Option<String>,
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
pub const USER_COLUMNS: &str = "id, username, role, password_hash, disabled, created_at";

#[derive(FromRow)]
pub struct UserRow {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    disabled: bool,
    created_at: OffsetDateTime,
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
        })
    }
}

/// Rows of users, checked.
pub fn users(rows: Vec<UserRow>) -> sqlx::Result<Vec<User>> {
    rows.into_iter().map(User::try_from).collect()
}
