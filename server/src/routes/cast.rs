//! Casting: `/movies/{id}/cast` (who plays whom in a movie) and
//! `/actors/{id}/movies` (the movies an actor plays in).

use axum::Json;
use axum::extract::State;
use casting_shared::api::{CastAssigned, CastList, Deleted, ErrorBody, Filmography};
use casting_shared::domain::CastAssignment;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, GetActors, GetMovies, PatchMovies};
use crate::db::Missing;
use crate::error::{ApiError, Result};
use crate::extract::{OptionalJsonBody, ResourceId, ResourceIds};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cast))
        .routes(routes!(cast_actor, uncast_actor))
        .routes(routes!(list_actor_movies))
}

/// The 404 of a cast write, saying what is missing.
fn missing(what: Missing, movie_id: i64, actor_id: i64) -> ApiError {
    ApiError::Missing(match what {
        Missing::Movie => format!("there is no movie {movie_id}"),
        Missing::Actor => format!("there is no actor {actor_id}"),
        Missing::MovieAndActor => format!("there is no movie {movie_id} and no actor {actor_id}"),
        Missing::Entry => format!("actor {actor_id} is not in the cast of movie {movie_id}"),
    })
}

/// A movie's cast: each actor and the character they play, by actor name, then id.
#[utoipa::path(
    get, path = "/movies/{id}/cast", tag = "cast",
    params(("id" = i64, Path, minimum = 1, description = "Movie id")),
    responses(
        (status = 200, description = "The movie's cast", body = CastList),
        (status = 404, description = "No such movie", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn list_cast(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(movie_id): ResourceId,
) -> Result<Json<CastList>> {
    let cast = state
        .store
        .movie_cast(movie_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(CastList {
        success: true,
        cast,
    }))
}

/// Cast an actor in a movie, or change the character they play. Idempotent;
/// the body is optional, and no body, no `character` or `null` means no character.
#[utoipa::path(
    put, path = "/movies/{id}/cast/{actor_id}", tag = "cast",
    params(
        ("id" = i64, Path, minimum = 1, description = "Movie id"),
        ("actor_id" = i64, Path, minimum = 1, description = "Actor id"),
    ),
    request_body(
        content = Option<CastAssignment>,
        description = "Optional: leave it out for no character; when sent, a JSON object",
    ),
    responses(
        (status = 200, description = "The actor is in the cast, playing `character`", body = CastAssigned),
        (status = 404, description = "No such movie or actor; `detail` says which", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn cast_actor(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceIds(movie_id, actor_id): ResourceIds,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Json<CastAssigned>> {
    let assignment = CastAssignment::parse(body.as_ref()).map_err(ApiError::Unprocessable)?;
    let character = state
        .store
        .assign_cast(
            movie_id,
            actor_id,
            assignment.character.as_deref(),
            &who.caller.author(),
        )
        .await?
        .map_err(|what| missing(what, movie_id, actor_id))?;
    Ok(Json(CastAssigned {
        success: true,
        movie_id,
        actor_id,
        character,
    }))
}

/// Take an actor out of a movie's cast.
#[utoipa::path(
    delete, path = "/movies/{id}/cast/{actor_id}", tag = "cast",
    params(
        ("id" = i64, Path, minimum = 1, description = "Movie id"),
        ("actor_id" = i64, Path, minimum = 1, description = "Actor id"),
    ),
    responses(
        (status = 200, description = "The actor is out of the movie's cast", body = Deleted),
        (status = 404, description = "No such movie, actor or cast entry; `detail` says which", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn uncast_actor(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceIds(movie_id, actor_id): ResourceIds,
) -> Result<Json<Deleted>> {
    state
        .store
        .remove_cast(movie_id, actor_id, &who.caller.author())
        .await?
        .map_err(|what| missing(what, movie_id, actor_id))?;
    Ok(Json(Deleted {
        success: true,
        deleted: actor_id,
    }))
}

/// The movies an actor plays in and as whom, by release date, then id.
#[utoipa::path(
    get, path = "/actors/{id}/movies", tag = "cast",
    params(("id" = i64, Path, minimum = 1, description = "Actor id")),
    responses(
        (status = 200, description = "The actor's movies", body = Filmography),
        (status = 404, description = "No such actor", body = ErrorBody),
    ),
    security(("bearer" = ["get:actors"]))
)]
async fn list_actor_movies(
    _: Authorized<GetActors>,
    State(state): State<AppState>,
    ResourceId(actor_id): ResourceId,
) -> Result<Json<Filmography>> {
    let movies = state
        .store
        .actor_movies(actor_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Filmography {
        success: true,
        movies,
    }))
}
