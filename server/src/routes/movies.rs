//! `/movies`: list, read, create, update and delete movies.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use casting_shared::api::{Deleted, ErrorBody, MovieBody, MovieCreated, MovieList, MovieUpdated};
use casting_shared::domain::{MovieChanges, NewMovie, parse_release_date};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, DeleteMovies, GetMovies, PatchMovies, PostMovies};
use crate::db::{MOVIE_SORT_COLUMNS, MovieFilter, Table};
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, ResourceId};
use crate::listing::QueryParams;
use crate::routes::{created_headers, delete_row, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_movies, create_movie))
        .routes(routes!(get_movie, update_movie, delete_movie))
}

/// List movies, a page at a time, filtered and sorted.
#[utoipa::path(
    get, path = "/movies", tag = "movies",
    params(
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1); not with `after`"),
        ("per_page" = Option<u32>, Query, description = "Rows per page (default 10, capped at 1000)"),
        ("after" = Option<String>, Query, description = "The `next` cursor of the previous page (same filters, sort and per_page): that page costs the same at any depth"),
        ("q" = Option<String>, Query, description = "Case-insensitive substring of the title, matched literally"),
        ("released_from" = Option<String>, Query, description = "Earliest release date (YYYY-MM-DD), inclusive"),
        ("released_to" = Option<String>, Query, description = "Latest release date (YYYY-MM-DD), inclusive"),
        ("sort" = Option<String>, Query, description = "id, title or release_date; prefix - for descending"),
    ),
    responses(
        (status = 200, body = MovieList),
        (status = 400, description = "A malformed or unknown query parameter", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks get:movies", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
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
    params(("id" = i64, Path, description = "Movie id")),
    responses(
        (status = 200, body = MovieBody, headers(("ETag" = String, description = "The movie's version"))),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks get:movies", body = ErrorBody),
        (status = 404, description = "No such movie", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
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
    request_body = casting_shared::api::MovieInput,
    responses(
        (status = 201, body = MovieCreated, headers(
            ("Location" = String, description = "The new movie's URL"),
            ("ETag" = String, description = "The movie's version"))),
        (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks post:movies", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, listed in `fields`", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["post:movies"]))
)]
async fn create_movie(
    _: Authorized<PostMovies>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<MovieCreated>)> {
    let new = NewMovie::parse(&body).map_err(ApiError::Unprocessable)?;
    let created = state.store.insert_movie(&new).await?;
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
    params(
        ("id" = i64, Path, description = "Movie id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the movie changed since"),
    ),
    request_body = casting_shared::api::MoviePatch,
    responses(
        (status = 200, body = MovieUpdated, headers(("ETag" = String, description = "The movie's new version"))),
        (status = 400, description = "Malformed JSON, not JSON, or no field given", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks patch:movies", body = ErrorBody),
        (status = 404, description = "No such movie", body = ErrorBody),
        (status = 412, description = "The movie changed since the If-Match version", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, listed in `fields`", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn update_movie(
    _: Authorized<PatchMovies>,
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
        .update_movie(id, &changes, if_match.versions())
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
    params(
        ("id" = i64, Path, description = "Movie id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the movie changed since"),
    ),
    responses(
        (status = 200, body = Deleted),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks delete:movies", body = ErrorBody),
        (status = 404, description = "No such movie", body = ErrorBody),
        (status = 412, description = "The movie changed since the If-Match version", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["delete:movies"]))
)]
async fn delete_movie(
    _: Authorized<DeleteMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
) -> Result<Json<Deleted>> {
    delete_row(&state, Table::Movies, id, &if_match).await
}
