//! The casting pipeline's roles and candidates: `/movies/{id}/roles`,
//! `/roles/{id}`, `/roles/{id}/candidates/{actor_id}` and
//! `/actors/{id}/roles`. Roles are a movie's (read with `get:movies`,
//! written with `patch:movies`), listed whole, so they are not one of the
//! paged collections `resource.rs` describes.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use casting_shared::Permission;
use casting_shared::api::{Deleted, ErrorBody};
use casting_shared::casting::{
    ActorRoles, CandidateInput, CandidateSet, NewRole, RoleBody, RoleChanges, RoleCreated,
    RoleList, RoleUpdated,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, GetActors, GetMovies, PatchMovies};
use crate::db::Refusal;
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, OptionalJsonBody, ResourceId, ResourceIds};
use crate::routes::deletes::delete_route;
use crate::routes::resource::change_of;
use crate::routes::{created_headers, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, delete_role))
        .routes(routes!(set_candidate, remove_candidate))
        .routes(routes!(list_actor_roles))
}

/// A refused casting write as the API answers it.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotFound(detail) => ApiError::Missing(detail),
        Refusal::Conflict(detail) => ApiError::Conflict(detail),
        Refusal::Changed => ApiError::PreconditionFailed,
        Refusal::Invalid(fields) => ApiError::Unprocessable(fields),
    }
}

/// A movie's roles in creation order, each with its booked actor and how
/// many candidates it has at each stage.
#[utoipa::path(
    get, path = "/movies/{id}/roles", tag = "roles",
    params(("id" = i64, Path, minimum = 1, description = "Movie id")),
    responses(
        (status = 200, description = "The movie's roles", body = RoleList),
        (status = 404, description = "No such movie", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn list_roles(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(movie_id): ResourceId,
) -> Result<Json<RoleList>> {
    let roles = state
        .store
        .movie_roles(movie_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(RoleList {
        success: true,
        roles,
    }))
}

/// Add a role to a movie. Every field is optional; the role starts open.
#[utoipa::path(
    post, path = "/movies/{id}/roles", tag = "roles",
    params(("id" = i64, Path, minimum = 1, description = "Movie id")),
    request_body = NewRole,
    responses(
        (status = 201, description = "The role, created", body = RoleCreated, headers(
            ("Location" = String, description = "The new role's path"),
            ("ETag" = String, description = "The role's version"))),
        (status = 404, description = "No such movie", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn create_role(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceId(movie_id): ResourceId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<RoleCreated>)> {
    let new = NewRole::parse(&body).map_err(ApiError::Unprocessable)?;
    let created = state
        .store
        .create_role(movie_id, &new, &who.caller.author())
        .await?
        .ok_or_else(|| ApiError::Missing(format!("there is no movie {movie_id}")))?;
    Ok((
        StatusCode::CREATED,
        created_headers("roles", created.value.id, created.version),
        Json(RoleCreated {
            success: true,
            created: created.value.id,
            role: created.value,
        }),
    ))
}

/// A role with its candidates (by stage in the pipeline's order, then
/// name) and its auditions (by start); the `ETag` names its version.
#[utoipa::path(
    get, path = "/roles/{id}", tag = "roles",
    params(("id" = i64, Path, minimum = 1, description = "Role id")),
    responses(
        (status = 200, description = "The role, its candidates and auditions", body = RoleBody,
            headers(("ETag" = String, description = "The role's version"))),
        (status = 404, description = "No such role", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn get_role(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<(HeaderMap, Json<RoleBody>)> {
    let (role, candidates, auditions) = state
        .store
        .role_pipeline(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        with_etag(role.version),
        Json(RoleBody {
            success: true,
            role: role.value,
            candidates,
            auditions,
        }),
    ))
}

/// Change the given fields of a role; `null` clears one. Send `If-Match`
/// to refuse (412) if it changed since read.
#[utoipa::path(
    patch, path = "/roles/{id}", tag = "roles",
    params(("id" = i64, Path, minimum = 1, description = "Role id"), IfMatch),
    request_body = RoleChanges,
    responses(
        (status = 200, description = "The role as it now is", body = RoleUpdated,
            headers(("ETag" = String, description = "The role's new version"))),
        (status = 400, description = "A body naming no field, or an If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such role", body = ErrorBody),
        (status = 412, description = "The role changed since the version in If-Match", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn update_role(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<(HeaderMap, Json<RoleUpdated>)> {
    let changes = change_of(
        RoleChanges::parse(&body),
        "name, description, age_min, age_max, gender",
    )?;
    let updated = state
        .store
        .update_role(id, &changes, if_match.versions(), &who.caller.author())
        .await?
        .into_api()?
        .map_err(refused)?;
    Ok((
        with_etag(updated.version),
        Json(RoleUpdated {
            success: true,
            role: updated.value,
        }),
    ))
}

delete_route! {
    /// Delete a role with its candidacies and auditions (a booked role leaves
    /// the movie's cast). Send `If-Match` to refuse (412) if it changed since read.
    async fn delete_role = DELETE "/roles/{id}", tag "roles", id "Role id",
        needs PatchMovies "patch:movies", store delete_role,
        answers(
            "The role is deleted",
            "No such role",
            "The role changed since the version in If-Match"
        );
}

/// Make an actor a candidate for a role (starting at `considered`), or set
/// their stage or note. `booked` books the role (409 if another actor is
/// booked in it, or this actor in another role of the movie); moving a
/// booked candidate to another stage unbooks it. The body is optional.
#[utoipa::path(
    put, path = "/roles/{id}/candidates/{actor_id}", tag = "roles",
    params(
        ("id" = i64, Path, minimum = 1, description = "Role id"),
        ("actor_id" = i64, Path, minimum = 1, description = "Actor id"),
    ),
    request_body(
        content = Option<CandidateInput>,
        description = "Optional: what to set; a field left out stays as it is",
    ),
    responses(
        (status = 200, description = "The candidate as it now is, and the role", body = CandidateSet),
        (status = 404, description = "No such role or actor; `detail` says which", body = ErrorBody),
        (status = 409, description = "The booking would break a casting rule; `detail` says which", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn set_candidate(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceIds(role_id, actor_id): ResourceIds,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Json<CandidateSet>> {
    let input = CandidateInput::parse(body.as_ref()).map_err(ApiError::Unprocessable)?;
    let (candidate, role) = state
        .store
        .set_candidate(role_id, actor_id, &input, &who.caller.author())
        .await?
        .map_err(refused)?;
    Ok(Json(CandidateSet {
        success: true,
        candidate,
        role: role.value,
    }))
}

/// Remove a candidate from a role, with their auditions for it (and their
/// booking, if booked).
#[utoipa::path(
    delete, path = "/roles/{id}/candidates/{actor_id}", tag = "roles",
    params(
        ("id" = i64, Path, minimum = 1, description = "Role id"),
        ("actor_id" = i64, Path, minimum = 1, description = "Actor id"),
    ),
    responses(
        (status = 200, description = "The actor is no longer a candidate", body = Deleted),
        (status = 404, description = "No such role, actor or candidate; `detail` says which", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn remove_candidate(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceIds(role_id, actor_id): ResourceIds,
) -> Result<Json<Deleted>> {
    state
        .store
        .remove_candidate(role_id, actor_id, &who.caller.author())
        .await?
        .map_err(refused)?;
    Ok(Json(Deleted {
        success: true,
        deleted: actor_id,
    }))
}

/// Every role an actor is a candidate for, with its movie and their stage,
/// by the movie's release date. Needs `get:movies` besides `get:actors`.
#[utoipa::path(
    get, path = "/actors/{id}/roles", tag = "roles",
    params(("id" = i64, Path, minimum = 1, description = "Actor id")),
    responses(
        (status = 200, description = "The actor's candidacies", body = ActorRoles),
        (status = 404, description = "No such actor", body = ErrorBody),
    ),
    security(("bearer" = ["get:actors", "get:movies"]))
)]
async fn list_actor_roles(
    who: Authorized<GetActors>,
    State(state): State<AppState>,
    ResourceId(actor_id): ResourceId,
) -> Result<Json<ActorRoles>> {
    if !who.caller.can(Permission::GetMovies) {
        return Err(ApiError::Forbidden(format!(
            "this needs the {} permission",
            Permission::GetMovies
        )));
    }
    let roles = state
        .store
        .actor_roles(actor_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(ActorRoles {
        success: true,
        roles,
    }))
}
