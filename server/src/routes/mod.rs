//! The HTTP surface: every resource's router merged in one place, the
//! cross-cutting layers (request ids, logs, CORS, limits, JSON errors), and
//! the OpenAPI document generated from the same routes.

pub mod actors;
pub mod auth;
pub mod cast;
pub mod health;
pub mod movies;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{json_errors, not_found};
use casting_shared::api::Deleted;

use crate::db::Table;
use crate::extract::{BODY_LIMIT, IfMatch, etag};
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
        (name = "auth", description = "Built-in login and how to log in"),
        (name = "operations", description = "Health, readiness and this document"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An RS256 access token whose `permissions` claim lists what the caller may do",
                    ))
                    .build(),
            ),
        );
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(actors::router())
        .merge(movies::router())
        .merge(cast::router())
        .merge(auth::router())
        .merge(health::router())
}

/// The OpenAPI document of every route [`app`] serves.
pub fn openapi() -> OpenApiDocument {
    api_router().into_openapi()
}

/// The whole application, ready to serve.
pub fn app(state: AppState, config: &HttpSettings) -> Router {
    let (router, _) = api_router().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    let layers = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
        ]))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
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
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(axum::middleware::map_response(json_errors))
        .layer(CatchPanicLayer::new())
        .layer(cors(&config.cors_origins))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(layers)
        .with_state(state)
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
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(600))
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

/// `DELETE /actors/{id}` and `DELETE /movies/{id}`: the row and its cast entries.
pub async fn delete_row(
    state: &AppState,
    table: Table,
    id: i64,
    if_match: &IfMatch,
) -> crate::error::Result<axum::Json<Deleted>> {
    let versions = if_match.versions();
    match table {
        Table::Actors => state.store.delete_actor(id, versions).await,
        Table::Movies => state.store.delete_movie(id, versions).await,
    }?
    .into_api()?;
    Ok(axum::Json(Deleted {
        success: true,
        deleted: id,
    }))
}
