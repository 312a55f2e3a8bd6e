//! The store's actors and movies, and what is alike for both tables.

use casting_shared::domain::{ActorChanges, MovieChanges, NewActor, NewMovie};
use casting_shared::{Actor, Movie};

use crate::db::paging::{Position, Sort};
use crate::db::{
    ActorFilter, Author, DbResult, MovieFilter, Outcome, PageOf, Store, Table, Versioned,
};

impl Store {
    forward! {
        /// How the store would run a list's statement, for the plan tests:
        /// PostgreSQL's `EXPLAIN (FORMAT JSON)`, or the details of SQLite's
        /// `EXPLAIN QUERY PLAN` as a JSON array of strings.
        fn actors_plan(filter: &ActorFilter, sort: Sort, position: &Position) -> serde_json::Value;
        /// Like [`Store::actors_plan`], for movies.
        fn movies_plan(filter: &MovieFilter, sort: Sort, position: &Position) -> serde_json::Value;

        // Actors.
        fn list_actors(filter: &ActorFilter, sort: Sort, position: &Position) -> PageOf<Actor>;
        fn get_actor(id: i64) -> Option<Versioned<Actor>>;
        fn insert_actor(actor: &NewActor, author: &Author) -> Versioned<Actor>;
        fn update_actor(id: i64, changes: &ActorChanges, expected_versions: Option<&[i64]>, author: &Author)
            -> Outcome<Versioned<Actor>>;

        // Movies.
        fn list_movies(filter: &MovieFilter, sort: Sort, position: &Position) -> PageOf<Movie>;
        fn get_movie(id: i64) -> Option<Versioned<Movie>>;
        fn insert_movie(movie: &NewMovie, author: &Author) -> Versioned<Movie>;
        fn update_movie(id: i64, changes: &MovieChanges, expected_versions: Option<&[i64]>, author: &Author)
            -> Outcome<Versioned<Movie>>;

        /// The version of a row of a versioned table, `None` when there is no
        /// such row: what a conditional read compares, without the row itself.
        fn version_of(table: Table, id: i64) -> Option<i64>;
        /// The table's write stamp: it moves with every committed write to the
        /// table, the API's or one made straight in the database (by triggers).
        fn write_stamp(table: Table) -> i64;
        /// Deletes a row of a versioned table (and, by the schema, its cast
        /// entries) unless it is at another version than expected.
        fn delete_row(table: Table, id: i64, expected_versions: Option<&[i64]>, author: &Author)
            -> Outcome<()>;
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
