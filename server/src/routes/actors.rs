//! `/actors`: list, read, create, update and delete actors.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use casting_shared::api::{ActorBody, ActorCreated, ActorList, ActorUpdated, Deleted, ErrorBody};
use casting_shared::domain::{ActorChanges, NewActor, parse_gender};
use casting_shared::openapi as schemas;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, DeleteActors, GetActors, PatchActors, PostActors};
use crate::db::{ACTOR_SORT_COLUMNS, ActorFilter, Table};
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, ResourceId};
use crate::listing::QueryParams;
use crate::openapi::{page_params, query_param, sort_param};
use crate::routes::{created_headers, delete_row, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_actors, create_actor))
        .routes(routes!(get_actor, update_actor, delete_actor))
}

/// The query `GET /actors` reads, for the document.
struct ActorQuery;

impl IntoParams for ActorQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = page_params();
        params.extend([
            query_param(
                "q",
                schemas::search_text(),
                "Case-insensitive substring of the name, matched literally; blank means no filter",
            ),
            query_param(
                "gender",
                schemas::gender(),
                "Exact gender, case-insensitive",
            ),
            query_param("min_age", schemas::age_query(), "Lowest age, inclusive"),
            query_param("max_age", schemas::age_query(), "Highest age, inclusive"),
            sort_param(ACTOR_SORT_COLUMNS),
        ]);
        params
    }
}

/// List actors, a page at a time, filtered and sorted.
#[utoipa::path(
    get, path = "/actors", tag = "actors",
    params(ActorQuery),
    responses(
        (status = 200, description = "A page of actors, with the total and the next page's cursor", body = ActorList),
        (status = 400, description = "A malformed, repeated or unknown query parameter", body = ErrorBody),
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
        min_age: params.age("min_age")?,
        max_age: params.age("max_age")?,
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
    params(("id" = i64, Path, minimum = 1, description = "Actor id")),
    responses(
        (status = 200, description = "The actor", body = ActorBody, headers(("ETag" = String, description = "The actor's version"))),
        (status = 404, description = "No such actor", body = ErrorBody),
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
    request_body = NewActor,
    responses(
        (status = 201, description = "The actor, created", body = ActorCreated, headers(
            ("Location" = String, description = "The new actor's path"),
            ("ETag" = String, description = "The actor's version"))),
    ),
    security(("bearer" = ["post:actors"]))
)]
async fn create_actor(
    who: Authorized<PostActors>,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<ActorCreated>)> {
    let new = NewActor::parse(&body).map_err(ApiError::Unprocessable)?;
    let created = state.store.insert_actor(&new, &who.caller.author()).await?;
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
    params(("id" = i64, Path, minimum = 1, description = "Actor id"), IfMatch),
    request_body = ActorChanges,
    responses(
        (status = 200, description = "The actor as changed, in a one-element list", body = ActorUpdated, headers(("ETag" = String, description = "The actor's new version"))),
        (status = 400, description = "Malformed JSON, not JSON, no field given, or an If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such actor", body = ErrorBody),
        (status = 412, description = "The actor changed since the If-Match version", body = ErrorBody),
    ),
    security(("bearer" = ["patch:actors"]))
)]
async fn update_actor(
    who: Authorized<PatchActors>,
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
        .update_actor(id, &changes, if_match.versions(), &who.caller.author())
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
    params(("id" = i64, Path, minimum = 1, description = "Actor id"), IfMatch),
    responses(
        (status = 200, description = "The actor and its cast entries are deleted", body = Deleted),
        (status = 400, description = "An If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such actor", body = ErrorBody),
        (status = 412, description = "The actor changed since the If-Match version", body = ErrorBody),
    ),
    security(("bearer" = ["delete:actors"]))
)]
async fn delete_actor(
    who: Authorized<DeleteActors>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
) -> Result<Json<Deleted>> {
    delete_row(&state, Table::Actors, id, &if_match, &who.caller.author()).await
}
