//! `/actors`: list, read, create, update and delete actors.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use casting_shared::api::{ActorBody, ActorCreated, ActorList, ActorUpdated, Deleted, ErrorBody};
use casting_shared::domain::{ActorChanges, NewActor, parse_age_text, parse_gender};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, DeleteActors, GetActors, PatchActors, PostActors};
use crate::db::{ACTOR_SORT_COLUMNS, ActorFilter, Table};
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, ResourceId};
use crate::listing::QueryParams;
use crate::routes::{created_headers, delete_row, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_actors, create_actor))
        .routes(routes!(get_actor, update_actor, delete_actor))
}

/// List actors, a page at a time, filtered and sorted.
#[utoipa::path(
    get, path = "/actors", tag = "actors",
    params(
        ("page" = Option<u32>, Query, description = "Page number, from 1 (default 1); not with `after`"),
        ("per_page" = Option<u32>, Query, description = "Rows per page (default 10, capped at 1000)"),
        ("after" = Option<String>, Query, description = "The `next` cursor of the previous page (same filters, sort and per_page): that page costs the same at any depth"),
        ("q" = Option<String>, Query, description = "Case-insensitive substring of the name, matched literally"),
        ("gender" = Option<String>, Query, description = "Exact gender, case-insensitive"),
        ("min_age" = Option<i32>, Query, description = "Lowest age, inclusive"),
        ("max_age" = Option<i32>, Query, description = "Highest age, inclusive"),
        ("sort" = Option<String>, Query, description = "id, name or age; prefix - for descending"),
    ),
    responses(
        (status = 200, body = ActorList),
        (status = 400, description = "A malformed or unknown query parameter", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks get:actors", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["get:actors"]))
)]
async fn list_actors(
    _: Authorized<GetActors>,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<ActorList>> {
    let mut params = QueryParams::new(pairs);
    let sort = params.sort(ACTOR_SORT_COLUMNS)?;
    let position = params.position(sort)?;
    let filter = ActorFilter {
        q: params.text("q")?,
        gender: params.parsed("gender", parse_gender)?,
        min_age: params.parsed("min_age", parse_age_text)?,
        max_age: params.parsed("max_age", parse_age_text)?,
    };
    params.finish()?;
    let found = state.store.list_actors(&filter, sort, &position).await?;
    Ok(Json(ActorList {
        success: true,
        actors: found.rows,
        total: found.total,
        total_exact: found.total_exact,
        page: position.page_number(),
        per_page: position.per_page(),
        next: found.next.map(|cursor| cursor.encode(sort)),
    }))
}

/// One actor; the `ETag` names its version.
#[utoipa::path(
    get, path = "/actors/{id}", tag = "actors",
    params(("id" = i64, Path, description = "Actor id")),
    responses(
        (status = 200, body = ActorBody, headers(("ETag" = String, description = "The actor's version"))),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks get:actors", body = ErrorBody),
        (status = 404, description = "No such actor", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["get:actors"]))
)]
async fn get_actor(
    _: Authorized<GetActors>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<(HeaderMap, Json<ActorBody>)> {
    let found = state.store.get_actor(id).await?.ok_or(ApiError::NotFound)?;
    Ok((
        with_etag(found.version),
        Json(ActorBody {
            success: true,
            actor: found.value,
        }),
    ))
}

/// Create an actor. `age` may be a number or a numeric string; `gender` defaults to `Other`.
#[utoipa::path(
    post, path = "/actors", tag = "actors",
    request_body = casting_shared::api::ActorInput,
    responses(
        (status = 201, body = ActorCreated, headers(
            ("Location" = String, description = "The new actor's URL"),
            ("ETag" = String, description = "The actor's version"))),
        (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks post:actors", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, listed in `fields`", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["post:actors"]))
)]
async fn create_actor(
    _: Authorized<PostActors>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<ActorCreated>)> {
    let new = NewActor::parse(&body).map_err(ApiError::Unprocessable)?;
    let created = state.store.insert_actor(&new).await?;
    Ok((
        StatusCode::CREATED,
        created_headers("actors", created.value.id, created.version),
        Json(ActorCreated {
            success: true,
            created: created.value.id,
            actor: created.value,
        }),
    ))
}

/// Change the given fields of an actor. Send `If-Match` to refuse (412) if it changed since read.
#[utoipa::path(
    patch, path = "/actors/{id}", tag = "actors",
    params(
        ("id" = i64, Path, description = "Actor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the actor changed since"),
    ),
    request_body = casting_shared::api::ActorPatch,
    responses(
        (status = 200, body = ActorUpdated, headers(("ETag" = String, description = "The actor's new version"))),
        (status = 400, description = "Malformed JSON, not JSON, or no field given", body = ErrorBody),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks patch:actors", body = ErrorBody),
        (status = 404, description = "No such actor", body = ErrorBody),
        (status = 412, description = "The actor changed since the If-Match version", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, listed in `fields`", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["patch:actors"]))
)]
async fn update_actor(
    _: Authorized<PatchActors>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<(HeaderMap, Json<ActorUpdated>)> {
    let changes = ActorChanges::parse(&body)
        .map_err(ApiError::Unprocessable)?
        .ok_or_else(|| ApiError::BadRequest("give at least one of name, age, gender".into()))?;
    let updated = state
        .store
        .update_actor(id, &changes, if_match.versions())
        .await?
        .into_api()?;
    Ok((
        with_etag(updated.version),
        Json(ActorUpdated {
            success: true,
            updated: id,
            actor: vec![updated.value],
        }),
    ))
}

/// Delete an actor (and its cast entries). Send `If-Match` to refuse (412) if it changed since read.
#[utoipa::path(
    delete, path = "/actors/{id}", tag = "actors",
    params(
        ("id" = i64, Path, description = "Actor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the actor changed since"),
    ),
    responses(
        (status = 200, body = Deleted),
        (status = 401, description = "No valid bearer token", body = ErrorBody),
        (status = 403, description = "The token lacks delete:actors", body = ErrorBody),
        (status = 404, description = "No such actor", body = ErrorBody),
        (status = 412, description = "The actor changed since the If-Match version", body = ErrorBody),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ),
    security(("bearer" = ["delete:actors"]))
)]
async fn delete_actor(
    _: Authorized<DeleteActors>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
) -> Result<Json<Deleted>> {
    delete_row(&state, Table::Actors, id, &if_match).await
}
