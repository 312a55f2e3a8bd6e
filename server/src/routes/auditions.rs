//! Auditions: scheduling one for a role (`POST /roles/{id}/auditions`),
//! reading, moving and cancelling it (`/auditions/{id}`), and the schedule
//! as a list (`GET /auditions`) and as a calendar to subscribe to
//! (`GET /auditions.ics`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use casting_shared::api::{Deleted, ErrorBody};
use casting_shared::casting::{
    Audition, AuditionBody, AuditionChanges, AuditionCreated, AuditionList, NewAudition,
    ScheduledAudition, format_utc, location_key,
};
use casting_shared::openapi as schemas;
use time::OffsetDateTime;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Authorized, GetMovies, PatchMovies};
use crate::calendar::{self, Event};
use crate::db::Versioned;
use crate::db::auditions::{AuditionFilter, AuditionMissing, BY_START, CALENDAR_MAX, Scheduling};
use crate::error::{ApiError, Result};
use crate::extract::{IfMatch, JsonBody, ResourceId};
use crate::listing::QueryParams;
use crate::openapi::{page_params, query_param};
use crate::routes::deletes::delete_route;
use crate::routes::resource::change_of;
use crate::routes::{created_headers, with_etag};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_audition))
        .routes(routes!(list_auditions))
        .routes(routes!(audition_calendar))
        .routes(routes!(get_audition, update_audition, delete_audition))
}

/// The filters `GET /auditions` and `GET /auditions.ics` read, for the document.
fn filter_params() -> Vec<Parameter> {
    let moment = || {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            )
    };
    vec![
        query_param(
            "from",
            moment(),
            "Only auditions that end after this moment: an RFC 3339 time with any offset, or a \
             date (its midnight, UTC)",
        ),
        query_param(
            "to",
            moment(),
            "Only auditions that start before this moment: an RFC 3339 time with any offset, or \
             a date (its midnight, UTC). `from=DAY&to=NEXT_DAY` is a day's schedule",
        ),
        query_param("actor_id", schemas::id(), "Only this actor's auditions"),
        query_param(
            "movie_id",
            schemas::id(),
            "Only auditions for this movie's roles",
        ),
        query_param("role_id", schemas::id(), "Only auditions for this role"),
        query_param(
            "location",
            schemas::search_text(),
            "Only auditions at this location, compared trimmed and ignoring case; blank means \
             no filter",
        ),
    ]
}

/// The query `GET /auditions` reads.
struct AuditionQuery;

impl IntoParams for AuditionQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = page_params();
        params.extend(filter_params());
        params
    }
}

/// The query `GET /auditions.ics` reads.
struct CalendarQuery;

impl IntoParams for CalendarQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        filter_params()
    }
}

fn read_filter(params: &mut QueryParams) -> Result<AuditionFilter> {
    Ok(AuditionFilter {
        from: params.moment("from", false)?,
        to: params.moment("to", true)?,
        actor_id: params.id("actor_id")?,
        movie_id: params.id("movie_id")?,
        role_id: params.id("role_id")?,
        location_key: params.text("location")?.map(|l| location_key(&l)),
    })
}

/// The 404 of an audition write, saying what is missing.
fn missing(what: AuditionMissing, role_id: i64, actor_id: i64) -> ApiError {
    match what {
        AuditionMissing::Role => ApiError::Missing(format!("there is no role {role_id}")),
        AuditionMissing::Actor => ApiError::Missing(format!("there is no actor {actor_id}")),
        AuditionMissing::RoleAndActor => ApiError::Missing(format!(
            "there is no role {role_id} and no actor {actor_id}"
        )),
        AuditionMissing::Audition => ApiError::NotFound,
    }
}

/// The 409 of an audition that would overlap others.
pub(crate) fn overlaps(conflicts: Vec<Audition>) -> ApiError {
    let detail = match conflicts.as_slice() {
        [one] => format!(
            "the audition would overlap audition {} ({} to {} at {}): an actor's auditions, and \
             the auditions at one location, never overlap",
            one.id,
            format_utc(one.starts_at),
            format_utc(one.ends_at),
            one.location
        ),
        many => format!(
            "the audition would overlap {} others (listed in `conflicts`): an actor's \
             auditions, and the auditions at one location, never overlap",
            many.len()
        ),
    };
    ApiError::Overlaps { detail, conflicts }
}

/// A write's outcome as the API answers it.
fn answer(
    outcome: Scheduling<Versioned<Audition>>,
    role_id: i64,
    actor_id: i64,
) -> Result<Versioned<Audition>> {
    match outcome {
        Scheduling::Done(audition) => Ok(audition),
        Scheduling::Missing(what) => Err(missing(what, role_id, actor_id)),
        Scheduling::Changed => Err(ApiError::PreconditionFailed),
        Scheduling::Invalid(fields) => Err(ApiError::Unprocessable(fields)),
        Scheduling::Overlaps(conflicts) => Err(overlaps(conflicts)),
    }
}

/// Schedule an audition of an actor for the role. The actor becomes a
/// candidate at `auditioning` (a later stage is left as it is).
#[utoipa::path(
    post, path = "/roles/{id}/auditions", tag = "auditions",
    params(("id" = i64, Path, minimum = 1, description = "Role id")),
    request_body = NewAudition,
    responses(
        (status = 201, description = "The audition, scheduled", body = AuditionCreated, headers(
            ("Location" = String, description = "The new audition's path"),
            ("ETag" = String, description = "The audition's version"))),
        (status = 404, description = "No such role or actor; `detail` says which", body = ErrorBody),
        (status = 409, description = "It would overlap another audition of the actor or at the location (compared trimmed, ignoring case); `conflicts` lists them", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn schedule_audition(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceId(role_id): ResourceId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, HeaderMap, Json<AuditionCreated>)> {
    let new = NewAudition::parse(&body).map_err(ApiError::Unprocessable)?;
    let outcome = state
        .store
        .schedule_audition(role_id, &new, &who.caller.author())
        .await?;
    let created = answer(outcome, role_id, new.actor_id)?;
    Ok((
        StatusCode::CREATED,
        created_headers("auditions", created.value.id, created.version),
        Json(AuditionCreated {
            success: true,
            created: created.value.id,
            audition: created.value,
        }),
    ))
}

/// One audition; the `ETag` names its version.
#[utoipa::path(
    get, path = "/auditions/{id}", tag = "auditions",
    params(("id" = i64, Path, minimum = 1, description = "Audition id")),
    responses(
        (status = 200, description = "The audition", body = AuditionBody, headers(("ETag" = String, description = "The audition's version"))),
        (status = 404, description = "No such audition", body = ErrorBody),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn get_audition(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<(HeaderMap, Json<AuditionBody>)> {
    let found = state
        .store
        .get_audition(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        with_etag(found.version),
        Json(AuditionBody {
            success: true,
            audition: found.value,
        }),
    ))
}

/// Move an audition or change its location or note: the fields given.
/// Send `If-Match` to refuse (412) if it changed since read.
#[utoipa::path(
    patch, path = "/auditions/{id}", tag = "auditions",
    params(("id" = i64, Path, minimum = 1, description = "Audition id"), IfMatch),
    request_body = AuditionChanges,
    responses(
        (status = 200, description = "The audition as changed", body = AuditionBody, headers(("ETag" = String, description = "The audition's new version"))),
        (status = 400, description = "Malformed JSON, not JSON, no field given, or an If-Match of another form", body = ErrorBody),
        (status = 404, description = "No such audition", body = ErrorBody),
        (status = 409, description = "It would overlap another audition of the actor or at the location; `conflicts` lists them", body = ErrorBody),
        (status = 412, description = "The audition changed since the If-Match version", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, or an end that would not be after the start (at most 12 hours later) once changed", body = ErrorBody),
    ),
    security(("bearer" = ["patch:movies"]))
)]
async fn update_audition(
    who: Authorized<PatchMovies>,
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<(HeaderMap, Json<AuditionBody>)> {
    let changes = change_of(
        AuditionChanges::parse(&body),
        "starts_at, ends_at, location, note",
    )?;
    let outcome = state
        .store
        .update_audition(id, &changes, if_match.versions(), &who.caller.author())
        .await?;
    let updated = answer(outcome, 0, 0)?;
    Ok((
        with_etag(updated.version),
        Json(AuditionBody {
            success: true,
            audition: updated.value,
        }),
    ))
}

delete_route! {
    /// Cancel an audition. Send `If-Match` to refuse (412) if it changed since read.
    async fn delete_audition = DELETE "/auditions/{id}", tag "auditions", id "Audition id",
        needs PatchMovies "patch:movies", store delete_audition,
        answers(
            "The audition is deleted",
            "No such audition",
            "The audition changed since the If-Match version"
        );
}

/// The schedule, a page at a time, by start, then id; each audition names
/// its role, movie and actor.
#[utoipa::path(
    get, path = "/auditions", tag = "auditions",
    params(AuditionQuery),
    responses(
        (status = 200, description = "A page of auditions, with the total and the next page's cursor", body = AuditionList),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn list_auditions(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<AuditionList>> {
    let mut params = QueryParams::new(pairs);
    let position = params.position(BY_START)?;
    let filter = read_filter(&mut params)?;
    params.finish()?;
    let found = state.store.list_auditions(&filter, &position).await?;
    Ok(Json(AuditionList {
        success: true,
        auditions: found.rows,
        total: found.total,
        total_exact: found.total_exact,
        page: position.page_number(),
        per_page: position.per_page(),
        next: found.next.map(|cursor| cursor.encode(BY_START)),
    }))
}

/// The schedule as an RFC 5545 calendar that calendar applications can
/// subscribe to: one event per audition (at most 10 000, the first by
/// start: narrow with `from`), its `UID` stable, times in UTC.
#[utoipa::path(
    get, path = "/auditions.ics", tag = "auditions",
    params(CalendarQuery),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) VCALENDAR with one VEVENT per audition", content_type = "text/calendar", body = String),
    ),
    security(("bearer" = ["get:movies"]))
)]
async fn audition_calendar(
    _: Authorized<GetMovies>,
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let mut params = QueryParams::new(pairs);
    let filter = read_filter(&mut params)?;
    params.finish()?;
    let auditions = state.store.audition_calendar(&filter, CALENDAR_MAX).await?;
    let events: Vec<Event> = auditions.iter().map(event).collect();
    let text = calendar::calendar("Casting auditions", OffsetDateTime::now_utc(), &events);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"auditions.ics\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// An audition as a calendar event: who, for which role in which movie.
fn event(scheduled: &ScheduledAudition) -> Event {
    let audition = &scheduled.audition;
    let role = match &scheduled.role.name {
        Some(name) => format!("{name} (role {})", scheduled.role.id),
        None => format!("role {}", scheduled.role.id),
    };
    Event {
        uid: format!("audition-{}@casting-agency", audition.id),
        starts_at: audition.starts_at,
        ends_at: audition.ends_at,
        summary: format!(
            "Audition: {} for {role} in {}",
            scheduled.actor.name, scheduled.movie.title
        ),
        location: audition.location.clone(),
        description: audition.note.clone(),
    }
}
