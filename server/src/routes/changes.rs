//! The change log over HTTP: `GET /changes` (paged by `seq`), `GET /events`
//! (server-sent events, live) and each record's history.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{KeepAlive, Sse};
use casting_shared::Permission;
use casting_shared::api::ErrorBody;
use casting_shared::changes::{
    ChangeList, DEFAULT_CHANGES_LIMIT, History, MAX_CHANGES_LIMIT, Undone,
};
use casting_shared::openapi as schemas;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{KnownFormat, ObjectBuilder, Required, SchemaFormat, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, Caller, GetActors, GetMovies};
use crate::db::HistoryOf;
use crate::db::changes::{into_changes, visible_resources};
use crate::db::undo::{self, WriteLookup};
use crate::error::{ApiError, Result};
use crate::extract::ResourceId;
use crate::listing::{QueryParams, parse_seq};
use crate::openapi::query_param;
use crate::routes::follow::{Follower, LAST_EVENT_ID_PATTERN, StreamEvent};
use crate::state::AppState;

/// A comment line at least this often keeps proxies from closing an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(10);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_changes))
        .routes(routes!(follow_changes))
        .routes(routes!(actor_history))
        .routes(routes!(movie_history))
        .routes(routes!(undo_change))
}

/// The resources a caller may see changes of.
fn visible_to(caller: &Caller) -> Vec<&'static str> {
    visible_resources(
        caller.can(Permission::GetActors),
        caller.can(Permission::GetMovies),
    )
}

/// A `seq` as `after` takes it.
fn seq_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
}

/// The query `GET /changes` reads, for the document.
struct ChangesQuery;

impl IntoParams for ChangesQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_param(
                "after",
                seq_schema(),
                "The last `seq` seen (a previous answer's `next`); default: the oldest kept. \
                 410 when changes after it were pruned",
            ),
            query_param(
                "limit",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                    .minimum(Some(1))
                    .maximum(Some(schemas::MAX_QUERY_INT))
                    .default(Some(DEFAULT_CHANGES_LIMIT.into())),
                &format!(
                    "Changes per answer; a value above {MAX_CHANGES_LIMIT} is taken as \
                     {MAX_CHANGES_LIMIT}"
                ),
            ),
        ]
    }
}

/// Refuses to resume after a change that was pruned.
async fn check_kept(state: &AppState, after: i64) -> Result<()> {
    let (pruned_through, _) = state.store.change_bounds().await?;
    if after < pruned_through {
        return Err(ApiError::Gone(format!(
            "changes up to {pruned_through} were pruned; reload, then follow from the newest"
        )));
    }
    Ok(())
}

/// The changes after `after` the caller may read, oldest first.
#[utoipa::path(
    get, path = "/changes", tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "The changes, oldest first, and the `after` of the next call", body = ChangeList),
        (status = 410, description = "Changes after `after` were pruned: reload", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_changes(
    caller: Caller,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<ChangeList>> {
    let mut params = QueryParams::new(pairs);
    let after = params.seq("after")?;
    let limit = params
        .count("limit", MAX_CHANGES_LIMIT)?
        .unwrap_or(DEFAULT_CHANGES_LIMIT);
    params.finish()?;
    let after = match after {
        Some(after) => after,
        None => state.store.change_bounds().await?.0,
    };
    let changes = state
        .store
        .changes_after(after, &visible_to(&caller), i64::from(limit))
        .await?;
    // Read after the changes: a prune that removed some of them shows here.
    check_kept(&state, after).await?;
    let next = changes.last().map_or(after, |change| change.seq);
    Ok(Json(ChangeList {
        success: true,
        changes,
        next,
    }))
}

/// The query and headers `GET /events` reads, for the document.
struct EventsParams;

impl IntoParams for EventsParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_param(
                "after",
                seq_schema(),
                "Resume after this `seq` (when there is no Last-Event-ID); default: what \
                 happens next",
            ),
            ParameterBuilder::new()
                .name("Last-Event-ID")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The `id` of the last event received: the stream resumes after it",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(LAST_EVENT_ID_PATTERN)),
                ))
                .build(),
        ]
    }
}

/// Every change the caller may read, live, as server-sent events: `id: SEQ`,
/// `event: change`, `data: <change JSON>`. A comment line at least every 10 s;
/// `event: expired` when the token expires (or is revoked), then the stream
/// ends. A stream that has to end for another reason (it fell too far
/// behind, the log cannot be read, or the server closed it to make room)
/// sends `event: error` saying why, then ends: resume with `Last-Event-ID`.
/// One token may hold 8 streams at once and one user 16
/// (`CASTING_EVENT_STREAMS_PER_TOKEN`, `CASTING_EVENT_STREAMS_PER_USER`);
/// the next is 429 with `Retry-After`.
#[utoipa::path(
    get, path = "/events", tag = "changes",
    params(EventsParams),
    responses(
        (status = 200, description = "The stream: one schema per event", content_type = "text/event-stream", body = StreamEvent),
        (status = 400, description = "A malformed Last-Event-ID or query parameter", body = ErrorBody),
        (status = 410, description = "Changes after the one to resume after were pruned: reload", body = ErrorBody),
        (status = 429, description = "This token or user already holds as many event streams as it may: close one first", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    ),
    security(("bearer" = []))
)]
async fn follow_changes(
    caller: Caller,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<
    Sse<impl futures::Stream<Item = std::result::Result<axum::response::sse::Event, Infallible>>>,
> {
    let mut params = QueryParams::new(pairs);
    let after = params.seq("after")?;
    params.finish()?;
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|text| text.len() <= 18)
                .and_then(parse_seq)
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "Last-Event-ID must be the id of an event: 1 to 18 digits".into(),
                    )
                })?,
        ),
    };
    let token = bearer(&headers);
    let ticket = state
        .feed
        .streams()
        .open(&caller.subject, &token)
        .map_err(|refused| ApiError::TooManyAtOnce {
            retry_after: crate::feed::streams::RETRY_AFTER,
            detail: refused.detail(),
        })?;
    let start = match last_event_id.or(after) {
        Some(start) => {
            check_kept(&state, start).await?;
            start
        }
        // What is committed now, not what the feed has published yet.
        None => state.store.change_bounds().await?.1,
    };
    let follower = Follower::new(
        state.feed.clone(),
        state.verifier.clone(),
        token,
        visible_to(&caller),
        caller.expires_at,
        start,
        ticket,
        state.metrics.as_ref().map(|m| m.event_stream_opened()),
    );
    Ok(Sse::new(follower.into_stream()).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// The bearer token the request came with (already verified by the extractor).
fn bearer(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split_once(' '))
        .map(|(_, token)| token.trim().to_owned())
        .unwrap_or_default()
}

/// An actor's changes and, for a caller with `get:movies`, those of their
/// cast entries, newest first; a deleted actor's history stays readable.
#[utoipa::path(
    get, path = "/actors/{id}/history", tag = "changes",
    params(("id" = i64, Path, minimum = 1, description = "Actor id")),
    responses(
        (status = 200, description = "The actor's changes and those of their cast entries, newest first", body = History),
        (status = 404, description = "No actor ever had this id (or its changes were all pruned)", body = ErrorBody),
    ),
    security(("bearer" = ["get:actors"]))
)]
async fn actor_history(
    who: Authorized<GetActors>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<Json<History>> {
    let mut answer = history(&state, HistoryOf::Actor(id)).await?;
    // Cast entries are movies' to show, as in `/changes`: without
    // `get:movies` an actor's history is the actor's own changes.
    let visible = visible_to(&who.caller);
    answer
        .history
        .retain(|change| visible.contains(&change.resource.as_str()));
    Ok(answer)
}

/// A movie's changes and those of its cast, newest first; a deleted movie's
/// history stays readable.
#[utoipa::path(
    get, path = "/movies/{id}/history", tag = "changes",
    params(("id" = i64, Path, minimum = 1, description = "Movie id")),
    responses(
        (status = 200, description = "The movie's changes and those of its cast, newest first", body = History),
        (status = 404, description = "No movie ever had this id (or its changes were all pruned)", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn movie_history(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<Json<History>> {
    history(&state, HistoryOf::Movie(id)).await
}

async fn history(state: &AppState, of: HistoryOf) -> Result<Json<History>> {
    let history = state.store.history(of).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(History {
        success: true,
        history,
    }))
}

/// Undo a change: the write it belongs to is reverted, each record it
/// touched put back as it was before it. A deleted actor or movie comes
/// back with its id and fields and with what the same write removed or
/// changed with it (its roles, candidacies, auditions, cast entries); an
/// update is changed back to `before`; a created record is deleted. The
/// undo's own changes are recorded as usual (`by` is the caller) and
/// answered. A change recorded before undo existed (migration 0013) is
/// undone alone. Undoing the undo's change redoes it.
#[utoipa::path(
    post, path = "/changes/{seq}/undo", tag = "changes",
    params(("seq" = i64, Path, minimum = 1, description = "The `seq` of the change to undo")),
    responses(
        (status = 200, description = "Undone: the changes the undo made, oldest first", body = Undone),
        (status = 403, description = "The token lacks the permission the change's own write needed (post:, patch: or delete:actors or movies as per its action; patch:movies for roles, candidates, auditions and cast entries)", body = ErrorBody),
        (status = 404, description = "No change has this seq", body = ErrorBody),
        (status = 409, description = "A record of the write has changed since, or putting it back would break a casting rule (`conflicts` lists the auditions it would overlap); nothing changed", body = ErrorBody),
        (status = 410, description = "The change was pruned", body = ErrorBody),
    ),
    security(
        ("bearer" = ["post:actors"]), ("bearer" = ["patch:actors"]), ("bearer" = ["delete:actors"]),
        ("bearer" = ["post:movies"]), ("bearer" = ["patch:movies"]), ("bearer" = ["delete:movies"]),
    )
)]
async fn undo_change(
    caller: Caller,
    State(state): State<AppState>,
    ResourceId(seq): ResourceId,
) -> Result<Json<Undone>> {
    let write = match state.store.change_write(seq).await? {
        WriteLookup::Found(write) => write,
        WriteLookup::NotFound => return Err(ApiError::NotFound),
        WriteLookup::Gone => {
            return Err(ApiError::Gone(format!("change {seq} was pruned")));
        }
    };
    let missing: Vec<String> = write
        .permissions()
        .into_iter()
        .filter(|permission| !caller.can(*permission))
        .map(|permission| permission.as_str().to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "undoing change {seq} needs {}",
            missing.join(" and ")
        )));
    }
    match state.store.undo(&write, &caller.author()).await? {
        undo::Undone::Done(rows) => {
            // Of what it made, what the caller may read (as in `/changes`).
            let visible = visible_to(&caller);
            let mut changes = into_changes(rows).map_err(|e| ApiError::Internal(e.into()))?;
            changes.retain(|change| visible.contains(&change.resource.as_str()));
            Ok(Json(Undone {
                success: true,
                undone: seq,
                changes,
            }))
        }
        undo::Undone::Conflict(detail) => Err(ApiError::Conflict(format!(
            "change {seq} cannot be undone: {detail}"
        ))),
        undo::Undone::Overlaps(conflicts) => Err(crate::routes::auditions::overlaps(conflicts)),
    }
}
