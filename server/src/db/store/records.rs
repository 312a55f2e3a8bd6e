//! The store's actors and movies, and what is alike for both tables.

use casting_shared::domain::{ActorChanges, MovieChanges, NewActor, NewMovie};
use casting_shared::{Actor, Movie};

use crate::db::paging::{Position, Sort};
use crate::db::{
    ActorFilter, Author, DbResult, MovieFilter, Outcome, PageOf, Store, Table, Versioned,
};

impl Store {
    /// How the store would run a list's statement, for the plan tests:
    /// PostgreSQL's `EXPLAIN (FORMAT JSON)`, or the details of SQLite's
    /// `EXPLAIN QUERY PLAN` as a JSON array of strings.
    pub async fn actors_plan(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.actors_plan(filter, sort, position))
    }

    /// Like [`Store::actors_plan`], for movies.
    pub async fn movies_plan(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<serde_json::Value> {
        dispatch!(self, s => s.movies_plan(filter, sort, position))
    }

    // Actors.

    pub async fn list_actors(
        &self,
        filter: &ActorFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Actor>> {
        dispatch!(self, s => s.list_actors(filter, sort, position))
    }

    pub async fn get_actor(&self, id: i64) -> DbResult<Option<Versioned<Actor>>> {
        dispatch!(self, s => s.get_actor(id))
    }

    pub async fn insert_actor(
        &self,
        actor: &NewActor,
        author: &Author,
    ) -> DbResult<Versioned<Actor>> {
        dispatch!(self, s => s.insert_actor(actor, author))
    }

    pub async fn update_actor(
        &self,
        id: i64,
        changes: &ActorChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Actor>>> {
        dispatch!(self, s => s.update_actor(id, changes, expected_versions, author))
    }

    // Movies.

    pub async fn list_movies(
        &self,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Movie>> {
        dispatch!(self, s => s.list_movies(filter, sort, position))
    }

    pub async fn get_movie(&self, id: i64) -> DbResult<Option<Versioned<Movie>>> {
        dispatch!(self, s => s.get_movie(id))
    }

    pub async fn insert_movie(
        &self,
        movie: &NewMovie,
        author: &Author,
    ) -> DbResult<Versioned<Movie>> {
        dispatch!(self, s => s.insert_movie(movie, author))
    }

    pub async fn update_movie(
        &self,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Movie>>> {
        dispatch!(self, s => s.update_movie(id, changes, expected_versions, author))
    }

    /// The version of a row of a versioned table, `None` when there is no
    /// such row: what a conditional read compares, without the row itself.
    pub async fn version_of(&self, table: Table, id: i64) -> DbResult<Option<i64>> {
        dispatch!(self, s => s.version_of(table, id))
    }

    /// The table's write stamp: it moves with every committed write to the
    /// table, the API's or one made straight in the database (by triggers).
    pub async fn write_stamp(&self, table: Table) -> DbResult<i64> {
        dispatch!(self, s => s.write_stamp(table))
    }

    /// Deletes a row of a versioned table (and, by the schema, its cast
    /// entries) unless it is at another version than expected.
    pub async fn delete_row(
        &self,
        table: Table,
        id: i64,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<()>> {
        dispatch!(self, s => s.delete_row(table, id, expected_versions, author))
    }

    /// Keys a batch of the rows written without their name keys (see
    /// `db/names.rs`); answers how many were keyed (0: none is left).
    pub async fn key_names(&self) -> DbResult<u64> {
        dispatch!(self, s => async {
            if !crate::db::names::any_missing(s.reads()).await? {
                return Ok(0);
            }
            crate::db::names::key_missing(s.names_tx().await?).await
        })
    }
}
