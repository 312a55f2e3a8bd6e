//! The store: every read and write of the server's data, behind one
//! interface. `DATABASE_URL`'s scheme picks the backend at start-up
//! (PostgreSQL, or an embedded SQLite file); each backend holds its own SQL
//! and migrations, and nothing outside this module knows which one runs.

pub mod copy;
pub mod location;
pub mod postgres;
mod rows;
pub mod sqlite;
mod types;

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::domain::{ActorChanges, MovieChanges, NewActor, NewMovie};
use casting_shared::{Actor, Movie, Role};

pub use location::{Location, StoreSettings};
pub use types::*;

use crate::listing::{Page, Sort};

/// One of the backends; cheap to clone (pools inside).
#[derive(Clone)]
pub enum Store {
    Postgres(postgres::PgStore),
    Sqlite(sqlite::SqliteStore),
}

/// Calls the same method on whichever backend runs, and turns its
/// `sqlx::Error` into a [`DbError`] by that backend's own rules.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Postgres($store) => $call.await.map_err(postgres::classify),
            Store::Sqlite($store) => $call.await.map_err(sqlite::classify),
        }
    };
}

impl Store {
    /// Opens (creating if missing) and migrates the store at `location`.
    pub async fn open(location: &Location, settings: &StoreSettings) -> anyhow::Result<Self> {
        Ok(match location {
            Location::Postgres(url) => {
                Store::Postgres(postgres::PgStore::open(url, settings).await?)
            }
            Location::SqliteFile(path) => {
                Store::Sqlite(sqlite::SqliteStore::open_file(path, settings).await?)
            }
            Location::SqliteMemory => {
                Store::Sqlite(sqlite::SqliteStore::open_memory(settings).await?)
            }
        })
    }

    /// Which backend this is, for logs and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "PostgreSQL",
            Store::Sqlite(_) => "SQLite",
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Postgres(store) => store.close().await,
            Store::Sqlite(store) => store.close().await,
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> DbResult<()> {
        dispatch!(self, s => s.ping())
    }

    // Actors.

    pub async fn list_actors(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        page: Page,
    ) -> DbResult<PageOf<Actor>> {
        dispatch!(self, s => s.list_actors(filter, sort, page))
    }

    pub async fn get_actor(&self, id: i64) -> DbResult<Option<Versioned<Actor>>> {
        dispatch!(self, s => s.get_actor(id))
    }

    pub async fn insert_actor(&self, actor: &NewActor) -> DbResult<Versioned<Actor>> {
        dispatch!(self, s => s.insert_actor(actor))
    }

    pub async fn update_actor(
        &self,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
    ) -> DbResult<Outcome<Versioned<Actor>>> {
        dispatch!(self, s => s.update_actor(id, changes, expected_versions))
    }

    pub async fn delete_actor(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_row(Table::Actors, id, expected_versions))
    }

    // Movies.

    pub async fn list_movies(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        page: Page,
    ) -> DbResult<PageOf<Movie>> {
        dispatch!(self, s => s.list_movies(filter, sort, page))
    }

    pub async fn get_movie(&self, id: i64) -> DbResult<Option<Versioned<Movie>>> {
        dispatch!(self, s => s.get_movie(id))
    }

    pub async fn insert_movie(&self, movie: &NewMovie) -> DbResult<Versioned<Movie>> {
        dispatch!(self, s => s.insert_movie(movie))
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
    ) -> DbResult<Outcome<Versioned<Movie>>> {
        dispatch!(self, s => s.update_movie(id, changes, expected_versions))
    }

    pub async fn delete_movie(
        &self,
        id: i64,
        expected_versions: Option<&[i64]>,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_row(Table::Movies, id, expected_versions))
    }

    // Cast.

    /// A movie's cast by actor name, then id; `None` when the movie does not exist.
    pub async fn movie_cast(&self, movie_id: i64) -> DbResult<Option<Vec<CastEntry>>> {
        dispatch!(self, s => s.movie_cast(movie_id))
    }

    /// An actor's movies by release date, then id; `None` when the actor does not exist.
    pub async fn actor_movies(&self, actor_id: i64) -> DbResult<Option<Vec<FilmographyEntry>>> {
        dispatch!(self, s => s.actor_movies(actor_id))
    }

    /// Casts the actor in the movie as `character` (or changes the
    /// character); answers the character now stored.
    pub async fn assign_cast(
        &self,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
    ) -> DbResult<Result<Option<String>, Missing>> {
        dispatch!(self, s => s.assign_cast(movie_id, actor_id, character))
    }

    pub async fn remove_cast(&self, movie_id: i64, actor_id: i64) -> DbResult<Result<(), Missing>> {
        dispatch!(self, s => s.remove_cast(movie_id, actor_id))
    }

    // Built-in users (usernames match whatever their case).

    pub async fn find_user(&self, username: &str) -> DbResult<Option<User>> {
        dispatch!(self, s => s.find_user(username))
    }

    /// Adds a user; `DbError::Duplicate` when the name is taken.
    pub async fn add_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
    ) -> DbResult<User> {
        dispatch!(self, s => s.add_user(username, role, password_hash))
    }

    pub async fn list_users(&self) -> DbResult<Vec<User>> {
        dispatch!(self, s => s.list_users())
    }

    /// `true` when the user exists (and was changed).
    pub async fn change_user(&self, username: &str, change: UserChange<'_>) -> DbResult<bool> {
        dispatch!(self, s => s.change_user(username, change))
    }

    pub async fn remove_user(&self, username: &str) -> DbResult<bool> {
        dispatch!(self, s => s.remove_user(username))
    }

    // Signing keys.

    /// The current key and the keys retired less than `retention` ago, newest first.
    pub async fn signing_keys(&self, retention: std::time::Duration) -> DbResult<Vec<StoredKey>> {
        dispatch!(self, s => s.signing_keys(retention))
    }

    /// Stores `pem` as the current key unless there is one already (several
    /// instances may try at once); `true` when it was stored.
    pub async fn add_first_signing_key(&self, kid: &str, pem: &str) -> DbResult<bool> {
        dispatch!(self, s => s.add_first_signing_key(kid, pem))
    }

    /// Retires the current key and makes `pem` the current one.
    pub async fn rotate_signing_key(&self, kid: &str, pem: &str) -> DbResult<()> {
        dispatch!(self, s => s.rotate_signing_key(kid, pem))
    }

    // Copies between stores, and the demo data.

    /// Every record, read in one consistent snapshot.
    pub async fn export(&self) -> DbResult<Dump> {
        dispatch!(self, s => s.export())
    }

    /// Writes `dump` into this store, which must be empty; ids, versions and
    /// the next ids to hand out are kept.
    pub async fn import(&self, dump: &Dump) -> DbResult<Result<(), NotEmpty>> {
        dispatch!(self, s => s.import(dump))
    }
}

/// The two tables whose rows carry a version; the delete path is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Actors,
    Movies,
}

impl Table {
    /// The table's name: one of this module's own names, never request text.
    pub fn name(self) -> &'static str {
        match self {
            Table::Actors => "actors",
            Table::Movies => "movies",
        }
    }
}

/// `ORDER BY` for a list: the sort column, then `id` in the same direction,
/// so pages never overlap. `sort.column` comes from a fixed list of columns.
pub(crate) fn order_by(sort: Sort) -> String {
    let direction = sort.sql_direction();
    if sort.column == "id" {
        format!(" ORDER BY id {direction}")
    } else {
        format!(" ORDER BY {} {direction}, id {direction}", sort.column)
    }
}
