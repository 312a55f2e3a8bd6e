//! The read replica over HTTP: a `GET`'s (or `HEAD`'s) reads may go to the
//! replica, after the position the request sends back in
//! `X-Casting-Position` if any, and each successful write answers with the
//! primary's position after it, so a client reads its own writes through
//! any instance. Whether the replica may serve a read, the store decides
//! ([`crate::db::postgres::replica`]); this layer only tells it which
//! reads are a `GET`'s and after which position.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::db::postgres::replica::{Lsn, ReadScope, Replica};

/// The header a write answers with, and a read may send back.
pub const POSITION_HEADER: HeaderName = HeaderName::from_static("x-casting-position");
/// Its form: PostgreSQL's text form of a WAL position.
pub const POSITION_PATTERN: &str = "^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$";

/// The layer that lets a `GET`'s reads use the replica (after the position
/// it sends, if any), and answers each successful write with the
/// primary's position after it.
pub async fn route(
    State(replica): State<std::sync::Arc<Replica>>,
    request: Request,
    next: Next,
) -> Response {
    match *request.method() {
        Method::GET | Method::HEAD => {
            let scope = match request.headers().get(POSITION_HEADER) {
                None => Some(ReadScope::Any),
                // A position the server cannot read: the primary, to be safe.
                Some(value) => value
                    .to_str()
                    .ok()
                    .and_then(Lsn::parse)
                    .map(ReadScope::After),
            };
            match scope {
                Some(scope) => scope.run(next.run(request)).await,
                None => next.run(request).await,
            }
        }
        Method::OPTIONS => next.run(request).await,
        _ => {
            let mut response = next.run(request).await;
            if response.status().is_success()
                && let Some(position) = replica.primary_position().await
                && let Ok(value) = HeaderValue::try_from(position.to_string())
            {
                response.headers_mut().insert(POSITION_HEADER, value);
            }
            response
        }
    }
}
