//! The per-request layers of our own, each written as one tower service that
//! calls the next directly: [`Front`], before the request's span (its id,
//! the token's header kept out of debug output, a write answered once it is
//! on the disk, the feed woken after it) and [`Checks`], inside it (the
//! limits on a request's head, errors in the JSON format). Written by hand
//! rather than with `axum::middleware::from_fn`, which clones the rest of
//! the stack and boxes it on every request (issue 31).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::db::Store;
use crate::error::{ApiError, json_errors};
use crate::feed::Feed;
use crate::limits::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};

/// The header that names a request, in its log lines and in its answer.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// A service of this module: over an inner service answering bodies of
/// bytes, ready when the inner one is, answering a boxed future of a
/// response; what differs is `call`.
macro_rules! answering_service {
    ($name:ident, fn call(&mut $this:ident, $request:pat) -> Answer $body:block) => {
        impl<S, B> Service<Request> for $name<S>
        where
            S: Service<Request, Response = Response<B>, Error = Infallible>,
            S::Future: Send + 'static,
            B: HttpBody<Data = Bytes> + Send + 'static,
            B::Error: Into<axum::BoxError>,
        {
            type Response = Response;
            type Error = Infallible;
            type Future = Answer;

            fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                self.inner.poll_ready(cx)
            }

/// Before the request's span: a caller's `x-request-id` is kept only if it
/// is short and plain (it can neither forge nor bloat a log line), else one
/// is made (a UUID v4); the answer carries it back. `Authorization` is
/// marked sensitive, so no debug output shows the token. A write that
/// succeeded is answered once what it wrote is on the disk
/// ([`Store::durable`]; a 503 if the disk failed it), and wakes the feed,
/// which publishes it at once rather than at its next poll.
            fn call(&mut $this, $request: Request) -> Answer $body
        }
    };
}

#[derive(Clone)]
pub struct FrontLayer {
    pub feed: Arc<Feed>,
    pub store: Store,
}

impl<S> Layer<S> for FrontLayer {
    type Service = Front<S>;

    fn layer(&self, inner: S) -> Front<S> {
        Front {
            inner,
            feed: self.feed.clone(),
            store: self.store.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Front<S> {
    inner: S,
    feed: Arc<Feed>,
    store: Store,
}

answering_service!(Front, fn call(&mut self, mut request) -> Answer {
    let headers = request.headers_mut();
    if let Some(token) = headers.get_mut(header::AUTHORIZATION) {
        token.set_sensitive(true);
    }
    let id = match headers.get(&REQUEST_ID) {
        Some(id) if plain_request_id(id) => id.clone(),
        _ => {
            let id = new_request_id();
            headers.insert(REQUEST_ID, id.clone());
            id
        }
    };
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let answer = self.inner.call(request);
    let wrote = writes.then(|| (self.feed.clone(), self.store.clone()));
    Box::pin(async move {
        let mut response = answer.await?.map(Body::new);
        // Only a write that succeeded committed anything (a refused one
        // changed nothing): no fsync is asked for the others, so a flood of
        // refused requests costs the disk nothing.
        if let Some((feed, store)) = wrote
            && response.status().is_success()
        {
            match store.durable().await {
                Ok(()) => feed.wake(),
                Err(error) => response = ApiError::from(error).into_response(),
            }
        }
        response.headers_mut().entry(REQUEST_ID).or_insert(id);
        Ok(response)
    })
});

/// Short, and of characters that mean nothing in a log line or a header.
fn plain_request_id(id: &HeaderValue) -> bool {
    id.len() <= 128
        && id
            .as_bytes()
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// A new request id: a UUID v4, formatted without a `String` in between.
fn new_request_id() -> HeaderValue {
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(text).expect("a UUID is a header value")
}

/// Inside the request's span, so what they answer is logged: the API's own
/// limits on a request's head (414, 431: hyper's own, well above these,
/// answer without a body), and every error the framework answers in plain
/// text turned into the JSON error format ([`json_errors`]).
#[derive(Clone, Copy)]
pub struct ChecksLayer;

impl<S> Layer<S> for ChecksLayer {
    type Service = Checks<S>;

    fn layer(&self, inner: S) -> Checks<S> {
        Checks { inner }
    }
}

#[derive(Clone)]
pub struct Checks<S> {
    inner: S,
}

answering_service!(Checks, fn call(&mut self, request) -> Answer {
    if let Some(refused) = head_too_large(&request) {
        return Box::pin(std::future::ready(Ok(refused.into_response())));
    }
    let answer = self.inner.call(request);
    Box::pin(async move { Ok(json_errors(answer.await?).await) })
});

fn head_too_large(request: &Request) -> Option<ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::UriTooLong);
    }
    let headers = request.headers();
    if headers.len() > MAX_HEADERS {
        return Some(ApiError::HeadersTooLarge);
    }
    let size: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (size > MAX_HEADER_BYTES).then_some(ApiError::HeadersTooLarge)
}
