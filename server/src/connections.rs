//! Accepting and holding connections so that no client can hold the server:
//!
//! - a connection must complete a request's headers within the header
//!   timeout of being accepted, whatever it speaks (a silent socket, a lone
//!   `P` that might become an HTTP/2 preface, an HTTP/2 connection that never
//!   opens a stream), and may then stay idle (nothing in flight) for at most
//!   the idle timeout; HTTP/2 connections are also pinged;
//! - at most `max_connections` are open at once; at the cap the longest-idle
//!   connection is closed to make room, so a request from a normal client is
//!   still answered while idle sockets pile up;
//! - running out of file descriptors (EMFILE) closes the longest-idle
//!   connection, backs off and carries on, logging it once in a while.
//!
//! On shutdown every connection is asked to finish gracefully (in-flight
//! requests complete), and [`serve`] returns when they have, or after the
//! drain timeout.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use http_body::Body as HttpBody;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// How connections are bounded.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// From accept to a complete request's headers.
    pub header_timeout: Duration,
    /// With no request in flight, after the first.
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// `header_timeout` with the default idle timeout and connection cap.
    pub fn new(header_timeout: Duration) -> Self {
        Self {
            header_timeout,
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }
}

/// Three quarters of the soft open-file limit (the rest is for the database
/// pool, outbound requests and the listener), 768 if it cannot be read.
pub fn default_max_connections() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|soft| soft.parse::<usize>().ok())
        .unwrap_or(1024);
    (soft / 4 * 3).clamp(16, 100_000)
}

/// Longest the server waits for in-flight requests after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a connection asked to close (idle, evicted) may take to do so.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How often at most "cannot accept" is logged.
const ACCEPT_ERROR_LOG_EVERY: Duration = Duration::from_secs(10);

/// One open connection, as the accept loop and its own task see it.
struct Conn {
    accepted: Instant,
    in_flight: AtomicUsize,
    /// A request's headers arrived at least once.
    served: AtomicBool,
    /// Since when nothing is in flight.
    idle_since: Mutex<Instant>,
    /// Asked to close to make room.
    evicted: AtomicBool,
    close: Notify,
    /// A request finished: the deadline moved.
    finished: Notify,
}

impl Conn {
    fn idle_since(&self) -> Instant {
        *self.idle_since.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When this connection must close if nothing happens meanwhile, or
    /// `None` while a request is in flight.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(if self.served.load(Ordering::SeqCst) {
            self.idle_since() + limits.idle_timeout
        } else {
            self.accepted + limits.header_timeout
        })
    }
}

/// Every open connection.
#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// A connection closed or went idle.
    changed: Notify,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let now = Instant::now();
        let conn = Arc::new(Conn {
            accepted: now,
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            idle_since: Mutex::new(now),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
            finished: Notify::new(),
        });
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.lock().insert(id, conn.clone());
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
        self.changed.notify_waiters();
    }

    /// Asks the connection idle the longest to close — one that never sent
    /// a request before any other. `false` when every one is busy.
    fn evict_one(&self) -> bool {
        let conns = self.lock();
        let victim = conns
            .values()
            .filter(|c| {
                c.in_flight.load(Ordering::SeqCst) == 0 && !c.evicted.load(Ordering::SeqCst)
            })
            .min_by_key(|c| (c.served.load(Ordering::SeqCst), c.idle_since()));
        match victim {
            Some(conn) => {
                conn.evicted.store(true, Ordering::SeqCst);
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Counts a request in flight on its connection until its response body is
/// finished or dropped.
struct InFlight {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl InFlight {
    fn start(conn: Arc<Conn>, registry: Arc<Registry>) -> Self {
        conn.served.store(true, Ordering::SeqCst);
        conn.in_flight.fetch_add(1, Ordering::SeqCst);
        Self { conn, registry }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        *self
            .conn
            .idle_since
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.conn.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.conn.finished.notify_one();
        self.registry.changed.notify_waiters();
    }
}

/// A response body that keeps its request counted while it is being sent.
struct Counted {
    inner: Body,
    _in_flight: InFlight,
}

impl HttpBody for Counted {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

fn builder(limits: &ConnectionLimits) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // Room above the API's own limits (routes::limits), so that a
        // request over those gets the JSON error rather than hyper's.
        .max_headers(256);
    let ping = (limits.idle_timeout / 2).max(Duration::from_secs(1));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(ping)
        .keep_alive_timeout(ping)
        .max_concurrent_streams(100)
        .max_header_list_size(64 * 1024);
    builder
}

/// Logs accept errors at most once per [`ACCEPT_ERROR_LOG_EVERY`], with how
/// many were not logged.
struct AcceptErrors {
    last_logged: Option<Instant>,
    unlogged: u64,
    backoff: Duration,
}

impl AcceptErrors {
    fn record(&mut self, error: &io::Error) -> Duration {
        let due = self
            .last_logged
            .is_none_or(|at| at.elapsed() >= ACCEPT_ERROR_LOG_EVERY);
        if due {
            tracing::warn!(%error, more = self.unlogged, "cannot accept connections; backing off");
            self.last_logged = Some(Instant::now());
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        let wait = self.backoff;
        self.backoff = (self.backoff * 2).min(Duration::from_secs(1));
        wait
    }

    fn reset(&mut self) {
        self.backoff = Duration::from_millis(10);
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting and lets the accepted requests finish (for at most 30 s).
/// At the cap with no idle connection to close, `make_room` is asked to
/// end a long-running request (an event stream) instead, so that a new
/// request is still served; it answers whether it did.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    make_room: impl Fn() -> bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let builder = builder(&limits);
    let registry = Arc::new(Registry::default());
    let (stop, stopping) = watch::channel(false);
    let mut errors = AcceptErrors {
        last_logged: None,
        unlogged: 0,
        backoff: Duration::from_millis(10),
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    errors.reset();
                    accepted
                }
                Err(error) => {
                    // Out of file descriptors and the like: free one, wait, go on.
                    registry.evict_one();
                    let wait = errors.record(&error);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        // At the cap: make room for it by closing an idle connection (never
        // this one, not counted yet: a connection that has not sent its
        // request yet would otherwise be the first closed), or by ending an
        // event stream, else wait until one closes or goes idle.
        while registry.len() >= limits.max_connections && !registry.evict_one() && !make_room() {
            let changed = registry.changed.notified();
            tokio::select! {
                () = changed => {},
                () = tokio::time::sleep(Duration::from_millis(100)) => {},
                () = &mut shutdown => return drain(listener, &registry, stop).await,
            }
        }
        let _ = stream.set_nodelay(true);
        let (id, conn) = registry.add();
        let task = serve_one(
            stream,
            peer,
            app.clone(),
            builder.clone(),
            limits.clone(),
            conn,
            registry.clone(),
            stopping.clone(),
        );
        let registry = registry.clone();
        tokio::spawn(async move {
            task.await;
            registry.remove(id);
        });
    }
    drain(listener, &registry, stop).await
}

async fn drain(
    listener: TcpListener,
    registry: &Registry,
    stop: watch::Sender<bool>,
) -> io::Result<()> {
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while registry.len() > 0 {
            let changed = registry.changed.notified();
            if registry.len() == 0 {
                break;
            }
            tokio::select! {
                () = changed => {},
                () = tokio::time::sleep(Duration::from_millis(100)) => {},
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("in-flight requests still running after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn serve_one(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    builder: Builder<TokioExecutor>,
    limits: ConnectionLimits,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
    mut stopping: watch::Receiver<bool>,
) {
    let counted = (conn.clone(), registry.clone());
    let service = tower::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let in_flight = InFlight::start(counted.0.clone(), counted.1.clone());
        let app = app.clone();
        async move {
            let mut request = request.map(Body::new);
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let response = app.oneshot(request).await?;
            Ok::<_, Infallible>(response.map(|inner| {
                Body::new(Counted {
                    inner,
                    _in_flight: in_flight,
                })
            }))
        }
    });
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
        .into_owned();
    let mut connection = std::pin::pin!(connection);
    let mut closing: Option<Instant> = None;
    loop {
        let deadline = if let Some(asked) = closing {
            Some(asked + CLOSE_GRACE)
        } else {
            conn.deadline(&limits)
        };
        // While a request is in flight, look again after a while.
        let wake = deadline.unwrap_or_else(|| Instant::now() + limits.header_timeout);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake.into()) => {
                if closing.is_some() {
                    // It did not finish closing in time: drop it.
                    return;
                }
                if conn.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    // Never a complete request: nothing to finish, and an
                    // HTTP/2 preface alone would not end its handshake for
                    // a graceful close. Closed at the header timeout.
                    if !conn.served.load(Ordering::SeqCst) {
                        return;
                    }
                    connection.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                }
            }
            () = conn.finished.notified(), if closing.is_none() => {}
            () = conn.close.notified(), if closing.is_none() => {
                connection.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
            changed = stopping.changed(), if closing.is_none() => {
                if changed.is_err() || *stopping.borrow() {
                    connection.as_mut().graceful_shutdown();
                    // In-flight requests get the whole drain to finish.
                    closing = Some(Instant::now() + DRAIN_TIMEOUT);
                }
            }
        }
    }
}
