//! `/movies`: list, read, create, update and delete movies.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use casting_shared::api::{Deleted, ErrorBody, MovieBody, MovieCreated, MovieList, MovieUpdated};
use casting_shared::domain::{MovieChanges, NewMovie, parse_release_date};
use casting_shared::openapi as schemas;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, DeleteMovies, GetMovies, PatchMovies, PostMovies};
use crate::db::{MOVIE_SORT_COLUMNS, MovieFilter, Table};
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, ResourceId};
use crate::listing::QueryParams;
use crate::openapi::{page_params, query_param, sort_param};
use crate::routes::{created_headers, delete_row, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_movies, create_movie))
        .routes(routes!(get_movie, update_movie, delete_movie))
}

/// The query `GET /movies` reads, for the document.
struct MovieQuery;

impl IntoParams for MovieQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = page_params();
        params.extend([
            query_param(
                "q",
                schemas::search_text(),
                "Case-insensitive substring of the title, matched literally; blank means no filter",
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
            sort_param(MOVIE_SORT_COLUMNS),
        ]);
        params
    }
}

/// List movies, a page at a time, filtered and sorted.
#[utoipa::path(
    get, path = "/movies", tag = "movies",
    params(MovieQuery),
    responses(
        (status = 200, description = "A page of movies, with the total and the next page's cursor", body = MovieList),
        (status = 400, description = "A malformed, repeated or unknown query parameter", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn list_movies(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<MovieList>> {
    let mut params = QueryParams::new(pairs);
    let sort = params.sort(MOVIE_SORT_COLUMNS)?;
    let position = params.position(sort)?;
    let filter = MovieFilter {
        q: params.text("q")?,
        released_from: params.parsed("released_from", parse_release_date)?,
        released_to: params.parsed("released_to", parse_release_date)?,
    };
    params.finish()?;
    let found = state.store.list_movies(&filter, sort, &position).await?;
    Ok(Json(MovieList {
        success: true,
        movies: found.rows,
        total: found.total,
        total_exact: found.total_exact,
        page: position.page_number(),
        per_page: position.per_page(),
        next: found.next.map(|cursor| cursor.encode(sort)),
    }))
}

/// One movie; the `ETag` names its version.
#[utoipa::path(
    get, path = "/movies/{id}", tag = "movies",
    params(("id" = i64, Path, minimum = 1, description = "Movie id")),
    responses(
        (status = 200, description = "The movie", body = MovieBody, headers(("ETag" = String, description = "The movie's version"))),
        (status = 404, description = "No such movie", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn get_movie(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<(HeaderMap, Json<MovieBody>)> {
    let found = state.store.get_movie(id).await?.ok_or(ApiError::NotFound)?;
    Ok((
        with_etag(found.version),
        Json(MovieBody {
            success: true,
            movie: found.value,
        }),
    ))
}

/// Create a movie. `release_date` may be `YYYY-MM-DD` or an HTTP date.
#[utoipa::path(
    post, path = "/movies", tag = "movies",
    request_body = NewMovie,
    responses(
        (status = 201, description = "The movie, created", body = MovieCreated, headers(
            ("Location" = String, description = "The new movie's path"),
            ("ETag" = String, description = "The movie's version"))),
    ),
    security(("bearer" = ["post:movies"]))
)]
async fn create_movie(
    who: Authorized<PostMovies>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<MovieCreated>)> {
    let new = NewMovie::parse(&body).map_err(ApiError::Unprocessable)?;
    let created = state.store.insert_movie(&new, &who.caller.author()).await?;
    Ok((
        StatusCode::CREATED,
        created_headers("movies", created.value.id, created.version),
        Json(MovieCreated {
            success: true,
            created: created.value.id,
            movie: created.value,
        }),
    ))
}

/// Change the given fields of a movie. Send `If-Match` to refuse (412) if it changed since read.
#[utoipa::path(
    patch, path = "/movies/{id}", tag = "movies",
    params(("id" = i64, Path, minimum = 1, description = "Movie id"), IfMatch),
    request_body = MovieChanges,
    responses(
        (status = 200, description = "The movie as changed, in a one-element list", body = MovieUpdated, headers(("ETag" = String, description = "The movie's new version"))),
        (status = 400, description = "Malformed JSON, not JSON, no field given, or an If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such movie", body = ErrorBody),
        (status = 412, description = "The movie changed since the If-Match version", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn update_movie(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<(HeaderMap, Json<MovieUpdated>)> {
    let changes = MovieChanges::parse(&body)
        .map_err(ApiError::Unprocessable)?
        .ok_or_else(|| ApiError::BadRequest("give at least one of title, release_date".into()))?;
    let updated = state
        .store
        .update_movie(id, &changes, if_match.versions(), &who.caller.author())
        .await?
        .into_api()?;
    Ok((
        with_etag(updated.version),
        Json(MovieUpdated {
            success: true,
            updated: id,
            edited: id,
            movie: vec![updated.value],
        }),
    ))
}

/// Delete a movie (and its cast entries). Send `If-Match` to refuse (412) if it changed since read.
#[utoipa::path(
    delete, path = "/movies/{id}", tag = "movies",
    params(("id" = i64, Path, minimum = 1, description = "Movie id"), IfMatch),
    responses(
        (status = 200, description = "The movie and its cast entries are deleted", body = Deleted),
        (status = 400, description = "An If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such movie", body = ErrorBody),
        (status = 412, description = "The movie changed since the If-Match version", body = ErrorBody),
    ),
    security(("bearer" = ["delete:movies"]))
)]
async fn delete_movie(
    who: Authorized<DeleteMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
) -> Result<Json<Deleted>> {
    delete_row(&state, Table::Movies, id, &if_match, &who.caller.author()).await
}
