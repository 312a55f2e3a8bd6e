//! Prometheus metrics of one running application: what its HTTP layer
//! served, its database pool, database errors and logins, rendered at
//! `GET /metrics`.
//!
//! Every application owns its recorder (kept in [`AppState`]) instead of
//! installing a process-wide one, so several servers in one process (the
//! tests) each count only their own requests. The one process-wide piece is
//! [`pool_acquire_layer`]: sqlx's pools, and the store's own, report how
//! long each connection took to acquire only as a tracing event, which the
//! layer hands to the metrics of the application whose request is being
//! served (a task-local set by [`Track`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics::{Counter, Gauge, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;

use crate::db::{ACQUIRE_TARGET, Store};

/// Upper bounds of the latency buckets, in seconds: from a cached read
/// (well under a millisecond) to the request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody
/// scrapes, so memory stays bounded.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The target under which sqlx reports the time a pool acquire took.
const SQLX_ACQUIRE_TARGET: &str = "sqlx::pool::acquire";

/// Why a response failed on the database, attached to the response by the
/// error type and counted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseFailure {
    /// Unreachable, timed out, or shutting down (answered 503).
    Unavailable,
    /// Any other database error (answered 500).
    Failed,
}

impl DatabaseFailure {
    fn label(self) -> &'static str {
        match self {
            DatabaseFailure::Unavailable => "unavailable",
            DatabaseFailure::Failed => "failed",
        }
    }
}

/// One application's metrics.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    store: Store,
    gauges: Gauges,
    pool_acquire: Histogram,
    /// The requests' series met so far, by route template.
    series: Mutex<HashMap<String, RouteSeries>>,
}

/// A route's requests counters (by method and status) and duration
/// histograms (by method).
#[derive(Default)]
struct RouteSeries {
    requests: HashMap<(&'static str, u16), Counter>,
    durations: HashMap<&'static str, Histogram>,
}

/// Handles of the metrics without labels, registered once.
struct Gauges {
    in_flight: Gauge,
    pool_open: Gauge,
    pool_idle: Gauge,
    pool_in_use: Gauge,
    pool_max: Gauge,
    event_streams: Gauge,
}

impl Metrics {
    /// A recorder of its own with every metric described, and a background
    /// task that folds histogram samples every few seconds while the
    /// metrics are alive. Needs a Tokio runtime.
    pub fn new(store: Store) -> Arc<Self> {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            // Only an empty bucket list is refused, and ours is not empty.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let (gauges, pool_acquire) = metrics::with_local_recorder(&recorder, || {
            describe();
            let gauges = Gauges {
                in_flight: metrics::gauge!("casting_http_requests_in_flight"),
                pool_open: metrics::gauge!("casting_db_pool_connections"),
                pool_idle: metrics::gauge!("casting_db_pool_connections_idle"),
                pool_in_use: metrics::gauge!("casting_db_pool_connections_in_use"),
                pool_max: metrics::gauge!("casting_db_pool_max_connections"),
                event_streams: metrics::gauge!("casting_event_streams_open"),
            };
            (
                gauges,
                metrics::histogram!("casting_db_pool_acquire_seconds"),
            )
        });
        // Registered at 0 so a dashboard finds it before the first stream.
        gauges.event_streams.set(0.0);
        let metrics = Arc::new(Self {
            handle: recorder.handle(),
            recorder,
            store,
            gauges,
            pool_acquire,
            series: Mutex::default(),
        });
        tokio::spawn(upkeep(Arc::downgrade(&metrics)));
        metrics
    }

    /// The Prometheus text exposition of everything counted so far.
    pub fn render(&self) -> String {
        let pool = self.store.pool_stats();
        let gauges = &self.gauges;
        gauges.pool_open.set(pool.open);
        gauges.pool_idle.set(pool.idle);
        gauges.pool_in_use.set(pool.open - pool.idle);
        gauges.pool_max.set(pool.max);
        self.handle.run_upkeep();
        self.handle.render()
    }

    /// Counts an open event stream until the returned guard is dropped.
    pub fn event_stream_opened(&self) -> GaugeGuard {
        GaugeGuard::enter(&self.gauges.event_streams)
    }

    fn record(&self, route: &str, method: &'static str, response: &Response, took: Duration) {
        let status = response.status();
        let (requests, duration) = self.request_series(route, method, status);
        requests.increment(1);
        duration.record(took.as_secs_f64());
        let failure = response.extensions().get::<DatabaseFailure>();
        let login = route == "/auth/login" && method == "POST";
        if failure.is_none() && !login {
            return;
        }
        metrics::with_local_recorder(&self.recorder, || {
            if let Some(failure) = failure {
                metrics::counter!("casting_db_errors_total", "kind" => failure.label())
                    .increment(1);
            }
            if login {
                metrics::counter!("casting_logins_total", "outcome" => login_outcome(status))
                    .increment(1);
            }
        });
    }

    /// The requests counter of `route`, `method` and `status`, and the
    /// duration histogram of `route` and `method`: registered with the
    /// recorder the first time they are met, then handed out from here (no
    /// labels built, no key hashed in the recorder, per request).
    fn request_series(
        &self,
        route: &str,
        method: &'static str,
        status: StatusCode,
    ) -> (Counter, Histogram) {
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        if !series.contains_key(route) {
            series.insert(route.to_owned(), RouteSeries::default());
        }
        let of_route = series.get_mut(route).expect("inserted above");
        let labels = || {
            [
                ("route", route.to_owned()),
                ("method", method.to_owned()),
                ("status", status.as_str().to_owned()),
            ]
        };
        let requests = of_route
            .requests
            .entry((method, status.as_u16()))
            .or_insert_with(|| {
                metrics::with_local_recorder(&self.recorder, || {
                    metrics::counter!("casting_http_requests_total", &labels())
                })
            })
            .clone();
        let duration = of_route
            .durations
            .entry(method)
            .or_insert_with(|| {
                metrics::with_local_recorder(&self.recorder, || {
                    metrics::histogram!("casting_http_request_duration_seconds", &labels()[..2])
                })
            })
            .clone();
        (requests, duration)
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "casting_http_requests_total",
        "HTTP requests answered, by route template, method and status"
    );
    describe_histogram!(
        "casting_http_request_duration_seconds",
        Unit::Seconds,
        "Time from receiving a request to its response headers, by route template and method"
    );
    describe_gauge!(
        "casting_http_requests_in_flight",
        "HTTP requests being served now"
    );
    describe_gauge!(
        "casting_db_pool_connections",
        "Database connections open in the pool"
    );
    describe_gauge!(
        "casting_db_pool_connections_idle",
        "Open database connections waiting in the pool"
    );
    describe_gauge!(
        "casting_db_pool_connections_in_use",
        "Database connections lent to requests now"
    );
    describe_gauge!(
        "casting_db_pool_max_connections",
        "Most connections the pool may open (CASTING_DB_POOL_SIZE)"
    );
    describe_histogram!(
        "casting_db_pool_acquire_seconds",
        Unit::Seconds,
        "Time a request waited for a database connection from the pool"
    );
    describe_counter!(
        "casting_db_errors_total",
        "Requests that failed on the database: unavailable (503) or failed (500)"
    );
    describe_counter!(
        "casting_logins_total",
        "POST /auth/login by outcome: success, refused (wrong credentials), throttled (429), \
         invalid (malformed request), error"
    );
    describe_gauge!(
        "casting_event_streams_open",
        "Event streams open now (0 until a route streams events)"
    );
}

fn login_outcome(status: StatusCode) -> &'static str {
    match status {
        StatusCode::OK => "success",
        StatusCode::UNAUTHORIZED => "refused",
        StatusCode::TOO_MANY_REQUESTS => "throttled",
        s if s.is_client_error() => "invalid",
        _ => "error",
    }
}

/// Methods the API serves keep their name; anything else is `other`, so a
/// client inventing methods cannot grow the label set without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Folds histogram samples into buckets until the metrics are dropped.
async fn upkeep(metrics: Weak<Metrics>) {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match metrics.upgrade() {
            Some(metrics) => metrics.handle.run_upkeep(),
            None => return,
        }
    }
}

/// Adds one to a gauge while alive.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn enter(gauge: &Gauge) -> Self {
        gauge.increment(1.0);
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

tokio::task_local! {
    /// The pool-acquire histogram of the application serving the current request.
    static POOL_ACQUIRE: Histogram;
}

/// Middleware: counts every request by route template (never the raw path,
/// so ids do not multiply the series), method and status, and times it.
/// A tower service of its own that calls the next directly, rather than
/// `axum::middleware::from_fn`, which clones the rest of the stack and boxes
/// it on every request.
#[derive(Clone)]
pub struct TrackLayer(pub Arc<Metrics>);

impl<S> tower::Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Track<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> tower::Service<Request> for Track<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = method_label(request.method());
        let metrics = self.metrics.clone();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = {
                let _in_flight = GaugeGuard::enter(&metrics.gauges.in_flight);
                POOL_ACQUIRE
                    .scope(metrics.pool_acquire.clone(), answer)
                    .await?
            };
            let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
            metrics.record(route, method, &response, started.elapsed());
            Ok(response)
        })
    }
}

/// `GET /metrics`: the Prometheus text format, version 0.0.4.
pub fn exposition(metrics: &Metrics) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

/// A tracing layer that records pool-acquire times into the metrics of the
/// application whose request acquired the connection: sqlx's (its pools
/// must report them: `acquire_time_level`, set by both stores in `db/`) and
/// those of the store's own pool of readers ([`ACQUIRE_TARGET`]). The layer
/// listens to nothing else.
pub fn pool_acquire_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    PoolAcquireLayer.with_filter(
        Targets::new()
            .with_target(SQLX_ACQUIRE_TARGET, tracing::Level::TRACE)
            .with_target(ACQUIRE_TARGET, tracing::Level::TRACE),
    )
}

struct PoolAcquireLayer;

impl<S: tracing::Subscriber> Layer<S> for PoolAcquireLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut seconds = AcquiredAfter(None);
        event.record(&mut seconds);
        if let Some(seconds) = seconds.0 {
            // Outside a request (start-up, background refreshes) nobody counts it.
            let _ = POOL_ACQUIRE.try_with(|histogram| histogram.record(seconds));
        }
    }
}

struct AcquiredAfter(Option<f64>);

impl Visit for AcquiredAfter {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "acquired_after_secs" {
            self.0 = Some(value);
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}
