//! The HTTP surface: every resource's router merged in one place, the
//! cross-cutting layers (request ids, logs, CORS, limits, JSON errors), and
//! the OpenAPI document generated from the same routes.

pub mod actors;
pub mod auditions;
pub mod auth;
pub mod cast;
pub mod changes;
mod deletes;
mod follow;
pub mod health;
pub mod movies;
pub mod resource;
pub mod roles;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::not_found;
use crate::extract::{BODY_LIMIT, etag};
use crate::middleware::{ChecksLayer, FrontLayer, REQUEST_ID};
use crate::openapi::{BearerScheme, SharedResponses};
use crate::settings::HttpSettings;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Casting Agency API",
        description = "Actors, movies and casting for a film company. Errors always have the body \
                       {\"success\": false, \"error\": status, \"message\": phrase}.",
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "actors", description = "Actors"),
        (name = "movies", description = "Movies"),
        (name = "cast", description = "Who plays whom in which movie"),
        (name = "auditions", description = "Auditions: scheduling them without overlaps, the schedule and its calendar"),
        (name = "roles", description = "The casting pipeline: a movie's roles to fill and the actors considered for each"),
        (name = "changes", description = "Who changed what and when: the change log, live events and each record's history"),
        (name = "auth", description = "Built-in login and how to log in"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    )
)]
struct ApiDoc;

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(resource::router::<actors::Actors>())
        .merge(resource::router::<movies::Movies>())
        .merge(cast::router())
        .merge(auditions::router())
        .merge(roles::router())
        .merge(changes::router())
        .merge(auth::router())
        .merge(health::router())
}

/// The OpenAPI document of every route [`app`] serves.
pub fn openapi() -> OpenApiDocument {
    let mut document = api_router().into_openapi();
    // After the routes are merged: a modifier of `ApiDoc` would see no paths.
    SharedResponses.modify(&mut document);
    document
}

/// The whole application, ready to serve.
pub fn app(mut state: AppState, config: &HttpSettings) -> Router {
    let (router, _) = api_router().split_for_parts();
    if !config.metrics {
        state.metrics = None;
    }
    let metrics = state.metrics.clone();
    let layers = ServiceBuilder::new()
        .layer(FrontLayer {
            feed: state.feed.clone(),
            store: state.store.clone(),
        })
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        id,
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(ChecksLayer)
        .layer(CatchPanicLayer::new())
        .layer(cors(&config.cors_origins))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(layers);
    // Outermost, so it counts the status the client finally gets.
    let router = match metrics {
        Some(metrics) => router.layer(crate::metrics::TrackLayer(metrics)),
        None => router,
    };
    router.with_state(state)
}

async fn method_not_allowed() -> (StatusCode, axum::Json<casting_shared::api::ErrorBody>) {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    (
        status,
        axum::Json(crate::error::error_body(status, None, None)),
    )
}

fn cors(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        // A browser client may send (and read) what other clients do: the
        // version it edits, where its stream resumes, the read replica's
        // position of its last write.
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("last-event-id"),
            crate::replica_routing::POSITION_HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            REQUEST_ID,
            crate::replica_routing::POSITION_HEADER,
        ])
        .max_age(Duration::from_secs(600))
}

/// What a client may keep of a read: the answer to this caller (`private`),
/// to be revalidated (`If-None-Match`) before each use (`no-cache`).
const REVALIDATE: HeaderValue = HeaderValue::from_static("private, no-cache");

/// Headers of a read (one row or a list) whose version is `tag`.
pub fn revalidated(tag: HeaderValue) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, tag);
    headers.insert(header::CACHE_CONTROL, REVALIDATE);
    headers
}

/// 304: the client's copy, named by `tag`, is current.
pub fn not_modified(tag: HeaderValue) -> axum::response::Response {
    use axum::response::IntoResponse;
    (StatusCode::NOT_MODIFIED, revalidated(tag)).into_response()
}

/// Headers of a response that returns one row.
pub fn with_etag(version: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(version));
    headers
}

/// Headers of a 201: where the new row lives, and its version.
pub fn created_headers(collection: &str, id: i64, version: i64) -> HeaderMap {
    let mut headers = with_etag(version);
    if let Ok(location) = HeaderValue::try_from(format!("/{collection}/{id}")) {
        headers.insert(header::LOCATION, location);
    }
    headers
}
