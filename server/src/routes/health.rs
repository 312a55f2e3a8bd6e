//! Liveness, readiness, metrics and the OpenAPI document.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use casting_shared::api::{ErrorBody, Health};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Result};
use crate::state::AppState;

/// How long `/ready` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
}

/// 200 while the process is up.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        success: true,
        status: "ok".into(),
    })
}

/// 200 only while the database answers, else 503.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database is unreachable", body = ErrorBody),
    ))]
async fn ready(State(state): State<AppState>) -> Result<Json<Health>> {
    let ping = state.store.ping();
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => Ok(Json(Health {
            success: true,
            status: "ready".into(),
        })),
        Ok(Err(error)) => Err(ApiError::Unavailable(error.to_string())),
        Err(_) => Err(ApiError::Unavailable(
            "the database did not answer in time".into(),
        )),
    }
}

/// Prometheus metrics of this instance (no token): requests by route,
/// method and status, latency, requests in flight, the database pool,
/// database errors, logins by outcome and open event streams.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "The Prometheus text exposition format, version 0.0.4", content_type = "text/plain; version=0.0.4", body = String),
        (status = 404, description = "Metrics are turned off (CASTING_METRICS=off)", body = ErrorBody),
    ))]
async fn metrics(State(state): State<AppState>) -> Result<axum::response::Response> {
    let metrics = state.metrics.as_deref().ok_or(ApiError::NotFound)?;
    Ok(crate::metrics::exposition(metrics))
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let json = DOCUMENT.get_or_init(|| {
        super::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    });
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}
