//! `/movies`: what is particular to movies (see [`super::resource`] for
//! the routes every resource shares): their filters, their bodies and
//! their store calls.

use casting_shared::Movie;
use casting_shared::api::{MovieBody, MovieCreated, MovieList, MovieUpdated};
use casting_shared::domain::{FieldErrors, MovieChanges, NewMovie, parse_release_date};
use casting_shared::openapi as schemas;
use serde_json::Value;
use utoipa::openapi::path::Parameter;

use super::resource::{ListPage, Resource};
use crate::auth::{DeleteMovies, GetMovies, PatchMovies, PostMovies};
use crate::db::paging::{Position, Sort, SortColumn};
use crate::db::{
    Author, DbResult, MOVIE_SORT_COLUMNS, MovieFilter, Outcome, PageOf, Store, Table, Versioned,
};
use crate::error::Result;
use crate::listing::QueryParams;
use crate::openapi::query_param;

pub struct Movies;

impl Resource for Movies {
    const COLLECTION: &'static str = "movies";
    const ONE: &'static str = "movie";
    const A_ONE: &'static str = "a movie";
    const ID: &'static str = "Movie id";
    const CREATE: &'static str =
        "Create a movie. `release_date` may be `YYYY-MM-DD` or an HTTP date.";
    const FIELDS: &'static str = "title, release_date";
    const SORT_COLUMNS: &'static [SortColumn] = MOVIE_SORT_COLUMNS;
    const TABLE: Table = Table::Movies;

    type Read = GetMovies;
    type Create = PostMovies;
    type Change = PatchMovies;
    type Delete = DeleteMovies;

    type Value = Movie;
    type Filter = MovieFilter;
    type New = NewMovie;
    type Changes = MovieChanges;
    type List = MovieList;
    type One = MovieBody;
    type Created = MovieCreated;
    type Updated = MovieUpdated;

    fn filter_params() -> Vec<Parameter> {
        vec![
            query_param(
                "q",
                schemas::search_text(),
                "Substring of the title ignoring case and accents (both folded), matched literally; blank means no filter",
            ),
            query_param(
                "released_from",
                schemas::release_date(),
                "Earliest release date, inclusive",
            ),
            query_param(
                "released_to",
                schemas::release_date(),
                "Latest release date, inclusive",
            ),
        ]
    }

    fn filter(params: &mut QueryParams) -> Result<MovieFilter> {
        Ok(MovieFilter {
            q: params.text("q")?,
            released_from: params.parsed("released_from", parse_release_date)?,
            released_to: params.parsed("released_to", parse_release_date)?,
        })
    }

    fn parse_new(body: &Value) -> Result<NewMovie, FieldErrors> {
        NewMovie::parse(body)
    }

    fn parse_changes(body: &Value) -> Result<Option<MovieChanges>, FieldErrors> {
        MovieChanges::parse(body)
    }

    async fn list(
        store: &Store,
        filter: &MovieFilter,
        sort: Sort,
        position: &Position,
    ) -> DbResult<PageOf<Movie>> {
        store.list_movies(filter, sort, position).await
    }

    async fn get(store: &Store, id: i64) -> DbResult<Option<Versioned<Movie>>> {
        store.get_movie(id).await
    }

    async fn insert(store: &Store, new: &NewMovie, author: &Author) -> DbResult<Versioned<Movie>> {
        store.insert_movie(new, author).await
    }

    async fn update(
        store: &Store,
        id: i64,
        changes: &MovieChanges,
        expected_versions: Option<&[i64]>,
        author: &Author,
    ) -> DbResult<Outcome<Versioned<Movie>>> {
        store
            .update_movie(id, changes, expected_versions, author)
            .await
    }

    fn id(movie: &Movie) -> i64 {
        movie.id
    }

    fn list_body(page: ListPage<Movie>) -> MovieList {
        MovieList {
            success: true,
            movies: page.rows,
            total: page.total,
            total_exact: page.total_exact,
            page: page.page,
            per_page: page.per_page,
            next: page.next,
        }
    }

    fn one_body(movie: Movie) -> MovieBody {
        MovieBody {
            success: true,
            movie,
        }
    }

    fn created_body(movie: Movie) -> MovieCreated {
        MovieCreated {
            success: true,
            created: movie.id,
            movie,
        }
    }

    /// `edited` repeats `updated`, as in the seed.
    fn updated_body(id: i64, movie: Movie) -> MovieUpdated {
        MovieUpdated {
            success: true,
            updated: id,
            edited: id,
            movie: vec![movie],
        }
    }
}
