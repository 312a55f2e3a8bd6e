//! The API's one error type and the JSON error format every non-2xx response uses.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use casting_shared::api::{ErrorBody, status_message};
use casting_shared::domain::FieldErrors;

use crate::db::{DbError, Outcome};
use crate::limits;
use crate::metrics::DatabaseFailure;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// A 404 whose detail says which of several resources is missing.
    #[error("not found: {0}")]
    Missing(String),
    #[error("precondition failed")]
    PreconditionFailed,
    /// An audition would overlap others (of the actor, or at the location): 409.
    #[error("conflict: {detail}")]
    Overlaps {
        detail: String,
        conflicts: Vec<casting_shared::casting::Audition>,
    },
    /// A write that would break a casting rule: 409, the detail says which.
    #[error("conflict: {0}")]
    Conflict(String),
    /// What was asked for is no longer kept (a pruned change): 410.
    #[error("gone: {0}")]
    Gone(String),
    #[error("invalid fields: {0:?}")]
    Unprocessable(FieldErrors),
    #[error("request target too long")]
    UriTooLong,
    #[error("request headers too large")]
    HeadersTooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    /// Too many of one kind held at once by one caller (event streams):
    /// 429 saying which.
    #[error("too many at once: {detail}")]
    TooManyAtOnce {
        retry_after: Duration,
        detail: String,
    },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Too much work of one kind at once (logins hashing passwords): 503.
    #[error("busy")]
    Busy { retry_after: Duration },
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

/// What a 503 for an unavailable database tells the client to wait.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(2);

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::Missing(_) => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Overlaps { .. } | ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } | ApiError::TooManyAtOnce { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether this error is the database's, for the metrics.
    fn database_failure(&self) -> Option<DatabaseFailure> {
        match self {
            ApiError::Unavailable(_) => Some(DatabaseFailure::Unavailable),
            ApiError::Internal(cause)
                if cause.downcast_ref::<DbError>().is_some()
                    || cause.downcast_ref::<sqlx::Error>().is_some() =>
            {
                Some(DatabaseFailure::Failed)
            }
            _ => None,
        }
    }

    /// A 422 naming one field.
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        ApiError::Unprocessable(BTreeMap::from([(field.to_owned(), problem.into())]))
    }
}

/// Maps store failures: an outage is 503, a named constraint is 422, the rest 500.
impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(cause) => ApiError::Unavailable(cause),
            DbError::Invalid("body") => ApiError::field("body", "must not contain NUL characters"),
            DbError::Invalid(field) => ApiError::field(field, "is not acceptable"),
            other @ (DbError::Duplicate | DbError::Other(_)) => ApiError::Internal(other.into()),
        }
    }
}

pub fn error_body(
    status: StatusCode,
    detail: Option<String>,
    fields: Option<FieldErrors>,
) -> ErrorBody {
    ErrorBody {
        success: false,
        error: status.as_u16(),
        message: status_message(status.as_u16()).to_owned(),
        detail,
        fields,
        conflicts: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let status = self.status();
        let detail = match &self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::Missing(d)
            | ApiError::Conflict(d)
            | ApiError::Gone(d)
            | ApiError::TooManyAtOnce { detail: d, .. }
            | ApiError::Overlaps { detail: d, .. } => Some(d.clone()),
            ApiError::Unprocessable(_) => Some("the request has invalid fields".to_owned()),
            ApiError::PreconditionFailed => {
                Some("the resource changed since the version named in If-Match".to_owned())
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Some("the database is unavailable; try again shortly".to_owned())
            }
            ApiError::Busy { .. } => Some("too many logins at once; try again shortly".to_owned()),
            ApiError::Internal(cause) => {
                tracing::error!(cause = format!("{cause:#}"), "internal error");
                None
            }
            ApiError::UriTooLong => Some(format!(
                "the request target is over {} bytes",
                limits::MAX_URI_BYTES
            )),
            ApiError::HeadersTooLarge => Some(format!(
                "at most {} header fields of {} bytes in all",
                limits::MAX_HEADERS,
                limits::MAX_HEADER_BYTES
            )),
            ApiError::NotFound | ApiError::TooManyRequests { .. } => None,
        };
        let fields = match self {
            ApiError::Unprocessable(ref fields) => Some(fields.clone()),
            _ => None,
        };
        let mut body = error_body(status, detail, fields);
        if let ApiError::Overlaps { ref conflicts, .. } = self {
            body.conflicts = Some(conflicts.clone());
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(failure) = self.database_failure() {
            response.extensions_mut().insert(failure);
        }
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, bearer_challenge());
            }
            ApiError::TooManyRequests { retry_after }
            | ApiError::TooManyAtOnce { retry_after, .. }
            | ApiError::Busy { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            // An outage or a failover in progress: a new leader usually
            // takes writes within seconds.
            ApiError::Unavailable(_) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(UNAVAILABLE_RETRY_AFTER.as_secs()),
                );
            }
            _ => {}
        }
        response
    }
}

fn bearer_challenge() -> HeaderValue {
    HeaderValue::from_static("Bearer realm=\"casting-agency\"")
}

/// Gives every error response that is not already JSON (axum's own rejections,
/// 405s, tower-http's 413 and timeouts, caught panics) the contract's JSON body,
/// keeping its status and headers such as `Allow`.
pub async fn json_errors<B>(response: Response<B>) -> Response<Body>
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(Body::new);
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The framework's plain-text reason is useful to people unless it is a 5xx.
    let detail = if status.is_client_error() {
        axum::body::to_bytes(body, 4096)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .filter(|s| !s.trim().is_empty())
    } else {
        None
    };
    if status == StatusCode::UNAUTHORIZED && !parts.headers.contains_key(header::WWW_AUTHENTICATE) {
        parts
            .headers
            .insert(header::WWW_AUTHENTICATE, bearer_challenge());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = serde_json::to_vec(&error_body(status, detail, None)).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(json))
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

impl<T> Outcome<T> {
    /// An update's or delete's outcome as the API answers it.
    pub fn into_api(self) -> Result<T> {
        match self {
            Outcome::Done(value) => Ok(value),
            Outcome::NotFound => Err(ApiError::NotFound),
            Outcome::Changed => Err(ApiError::PreconditionFailed),
        }
    }
}
