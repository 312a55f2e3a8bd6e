//! One `GET /events` stream: first what the store holds after the point to
//! resume from, then the feed's live changes, each once and in `seq` order,
//! filtered to what the caller may read.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::Event;
use casting_shared::changes::Change;
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::auth::Verifier;
use crate::feed::Feed;
use crate::feed::replay::Page;
use crate::feed::streams::StreamTicket;
use crate::metrics::GaugeGuard;

/// What `Last-Event-ID` may be: the `id` of an event, a `seq`.
pub const LAST_EVENT_ID_PATTERN: &str = "^[0-9]{1,18}$";

/// How often a stream checks that its token is still accepted (a user
/// disabled, a key revoked), besides ending at the token's `exp`.
const RECHECK: Duration = Duration::from_secs(5);

pub struct Follower {
    feed: Arc<Feed>,
    verifier: Arc<Verifier>,
    token: String,
    live: broadcast::Receiver<Arc<Change>>,
    resources: Vec<&'static str>,
    /// The highest seq sent or skipped.
    last: i64,
    /// A page of the log being replayed (shared with other streams), and
    /// how much of it was sent.
    page: Option<(Page, usize)>,
    /// Still reading the store (not yet at the live feed).
    catching_up: bool,
    /// When it subscribed to the live feed: a replay read before then
    /// cannot end the replay (see `Replays::page`).
    subscribed: std::time::Instant,
    expires: Instant,
    recheck: Instant,
    ended: bool,
    /// Counts this stream among the open ones (bounded per token, per
    /// user and in all); tells it when it must end to make room.
    ticket: StreamTicket,
    /// Counts this stream in `casting_event_streams_open` while it lives.
    _counted: Option<GaugeGuard>,
}

enum Next {
    Send(Event),
    End,
}

impl Follower {
    /// A stream resuming after `after`. It subscribes to the live feed before
    /// it reads the store, so nothing committed meanwhile is missed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        feed: Arc<Feed>,
        verifier: Arc<Verifier>,
        token: String,
        resources: Vec<&'static str>,
        expires_at: u64,
        after: i64,
        ticket: StreamTicket,
        counted: Option<GaugeGuard>,
    ) -> Self {
        let live = feed.subscribe();
        let subscribed = std::time::Instant::now();
        let now_unix = jsonwebtoken::get_current_timestamp();
        let expires = Instant::now() + Duration::from_secs(expires_at.saturating_sub(now_unix));
        Self {
            feed,
            verifier,
            token,
            live,
            resources,
            last: after,
            page: None,
            catching_up: true,
            subscribed,
            expires,
            recheck: Instant::now() + RECHECK,
            ended: false,
            ticket,
            _counted: counted,
        }
    }

    pub fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        futures::stream::unfold(self, |mut follower| async move {
            match follower.next().await {
                Next::Send(event) => Some((Ok(event), follower)),
                Next::End => None,
            }
        })
    }

    fn visible(&self, change: &Change) -> bool {
        self.resources.contains(&change.resource.as_str())
    }

    async fn next(&mut self) -> Next {
        if self.ended {
            return Next::End;
        }
        let closed = self.feed.closed();
        tokio::pin!(closed);
        loop {
            if let Some((page, sent)) = &mut self.page {
                if let Some(change) = page.get(*sent) {
                    *sent += 1;
                    self.last = change.seq;
                    return Next::Send(change_event(change));
                }
                self.page = None;
            }
            if self.catching_up {
                // Read a page of the log (shared with streams resuming from
                // the same place); ended early if the stream must make room.
                let read = tokio::select! {
                    () = &mut closed => return Next::End,
                    () = self.ticket.ended() => return self.error(MADE_ROOM),
                    read = self.feed.replays().page(self.last, &self.resources, self.subscribed) => read,
                };
                match read {
                    Ok(page) if page.is_empty() => self.catching_up = false,
                    Ok(page) => self.page = Some((page, 0)),
                    Err(error) => {
                        tracing::warn!(%error, "an event stream cannot read the change log; it ends");
                        return self.error(UNAVAILABLE);
                    }
                }
                continue;
            }
            tokio::select! {
                () = &mut closed => return Next::End,
                () = self.ticket.ended() => return self.error(MADE_ROOM),
                () = tokio::time::sleep_until(self.expires) => return self.expired(),
                () = tokio::time::sleep_until(self.recheck) => {
                    if self.verifier.verify(&self.token).await.is_err() {
                        return self.expired();
                    }
                    self.recheck = Instant::now() + RECHECK;
                }
                received = self.live.recv() => match received {
                    Ok(change) => {
                        if change.seq <= self.last {
                            continue;
                        }
                        self.last = change.seq;
                        if self.visible(&change) {
                            return Next::Send(change_event(&change));
                        }
                    }
                    // Too far behind (a slow reader): dropped, never
                    // buffered without bound; the client resumes with
                    // Last-Event-ID.
                    Err(RecvError::Lagged(_)) => return self.error(LAGGED),
                    Err(RecvError::Closed) => return Next::End,
                },
            }
        }
    }

    /// The last event of a stream whose token is no longer accepted.
    fn expired(&mut self) -> Next {
        self.ended = true;
        Next::Send(
            Event::default()
                .event("expired")
                .data("the token expired or was revoked: renew it and reconnect"),
        )
    }

    /// The last event of a stream that has to end for another reason: it
    /// says why, and the client resumes with `Last-Event-ID`.
    fn error(&mut self, why: &str) -> Next {
        self.ended = true;
        Next::Send(Event::default().event("error").data(why))
    }
}

/// What a stream's last `event: error` says.
const UNAVAILABLE: &str =
    "the change log cannot be read now: reconnect later with Last-Event-ID to resume";
const LAGGED: &str =
    "this stream fell too far behind the changes: reconnect with Last-Event-ID to resume";
const MADE_ROOM: &str = "closed to make room for other clients (the server is at its \
                         connection limit): reconnect later with Last-Event-ID to resume";

fn change_event(change: &Change) -> Event {
    let data = serde_json::to_string(change).unwrap_or_else(|_| "{}".to_owned());
    Event::default()
        .id(change.seq.to_string())
        .event("change")
        .data(data)
}

/// One event of a `GET /events` stream as an event-stream parser reads it:
/// the OpenAPI schema of each event (OpenAPI 3.1 describes an event stream
/// by the schema of one event).
pub enum StreamEvent {}

impl utoipa::PartialSchema for StreamEvent {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        let kind = |name: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([name]))
        };
        let change = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "id",
                text("The change's `seq`: resume after it with `Last-Event-ID`")
                    .pattern(Some(LAST_EVENT_ID_PATTERN)),
            )
            .property("event", kind("change"))
            .property(
                "data",
                text("The change as JSON (the `Change` schema)")
                    .content_media_type("application/json"),
            )
            .required("id")
            .required("event")
            .required("data");
        let expired = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("event", kind("expired"))
            .property(
                "data",
                text("Why the stream ends: the token expired or was taken back"),
            )
            .required("event")
            .required("data");
        let error = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("event", kind("error"))
            .property(
                "data",
                text(
                    "Why the stream ends otherwise: the change log cannot be read now, the \
                     stream fell too far behind, or it was closed to make room for other \
                     clients; reconnect with `Last-Event-ID` to resume",
                ),
            )
            .required("event")
            .required("data");
        OneOfBuilder::new()
            .item(change)
            .item(expired)
            .item(error)
            .description(Some(
                "`change` for each change; `expired`, the last, when the token expires or is \
                 taken back; `error`, the last, when the stream ends for another reason",
            ))
            .into()
    }
}

impl utoipa::ToSchema for StreamEvent {
    fn name() -> std::borrow::Cow<'static, str> {
        "StreamEvent".into()
    }
}
