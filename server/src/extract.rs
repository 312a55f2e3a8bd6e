//! Request extractors that turn raw HTTP into checked values or contract errors.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ApiError;

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body, not yet interpreted: syntax errors and a wrong content
/// type are 400, a body over [`BODY_LIMIT`] is 413.
#[derive(Debug)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::BadRequest(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )
            .into_response());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_json(&bytes)
            .map(JsonBody)
            .map_err(IntoResponse::into_response)
    }
}

/// Like [`JsonBody`], but a missing body (no bytes, no content type) is `None`.
#[derive(Debug)]
pub struct OptionalJsonBody(pub Option<Value>);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.is_empty() && content_type.is_none() {
            return Ok(OptionalJsonBody(None));
        }
        // A body that is there must say it is JSON, as for [`JsonBody`].
        if !is_json_content_type(content_type.as_ref()) {
            return Err(ApiError::BadRequest(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )
            .into_response());
        }
        parse_json(&bytes)
            .map(|v| OptionalJsonBody(Some(v)))
            .map_err(IntoResponse::into_response)
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("the request body is empty".into()));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))
}

fn is_json_content_type(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(mime) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A resource id from the path. Anything but a positive integer names no
/// resource, so it is 404 like an unknown id.
#[derive(Debug, Clone, Copy)]
pub struct ResourceId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ResourceId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        parse_id(&raw).map(ResourceId)
    }
}

/// Two resource ids from the path, in the order the route names them
/// (`/movies/{id}/cast/{actor_id}`); either one malformed is 404.
#[derive(Debug, Clone, Copy)]
pub struct ResourceIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ResourceIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        Ok(ResourceIds(parse_id(&first)?, parse_id(&second)?))
    }
}

pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(ApiError::NotFound),
    }
}

/// The versions an `If-Match` header accepts: `None` when absent or `*`
/// (last write wins). Weak or malformed tags match nothing, so they give 412.
#[derive(Debug, Default)]
pub struct IfMatch(pub Option<Vec<i64>>);

impl IfMatch {
    pub fn versions(&self) -> Option<&[i64]> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let values: Vec<&str> = parts
            .headers
            .get_all(header::IF_MATCH)
            .iter()
            .map(|v| v.to_str().unwrap_or(""))
            .collect();
        if values.is_empty() {
            return Ok(IfMatch(None));
        }
        let tags: Vec<&str> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if tags == ["*"] {
            return Ok(IfMatch(None));
        }
        let versions = tags
            .iter()
            .filter_map(|t| t.strip_prefix('"')?.strip_suffix('"')?.parse::<i64>().ok())
            .collect();
        Ok(IfMatch(Some(versions)))
    }
}

/// The strong `ETag` naming a row's version.
pub fn etag(version: i64) -> axum::http::HeaderValue {
    // Digits and quotes are always a valid header value.
    axum::http::HeaderValue::try_from(format!("\"{version}\""))
        .unwrap_or(axum::http::HeaderValue::from_static("\"0\""))
}
