//! `GET /metrics`: scraped over HTTP and parsed with a Prometheus text-format
//! parser; the counters move exactly with the requests the test makes.

use std::time::Duration;

use casting_server::HttpSettings;
use casting_server::db::StoreSettings;
use casting_server::settings::AuthSettings;
use prometheus_parse::{Sample, Scrape, Value as Metric};
use serde_json::json;

use super::STORE;
use crate::support::*;

/// One scrape: its text, and the text parsed.
struct Metrics {
    text: String,
    scrape: Scrape,
}

impl Metrics {
    async fn scrape(app: &TestApp) -> Self {
        let response = app.http.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let text = response.text().await.unwrap();
        let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        Self { text, scrape }
    }

    fn samples<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample> {
        self.scrape.samples.iter().filter(move |s| {
            s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
    }

    /// The value of a counter or gauge with these labels (0 when absent).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples(name, labels)
            .map(|s| match s.value {
                Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => v,
                ref other => panic!("{name} is not a counter or gauge: {other:?}"),
            })
            .sum()
    }

    /// The value of the one sample written exactly `series` (name and
    /// labels), read from the text: prometheus-parse 0.2 drops samples whose
    /// label values contain `}`, as route templates like `/actors/{id}` do.
    fn raw(&self, series: &str) -> f64 {
        self.text
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |value| value.trim().parse().unwrap())
    }

    /// How many observations a histogram with these labels has.
    fn observations(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.samples(name, labels)
            .map(|s| match &s.value {
                Metric::Histogram(buckets) => buckets.last().map_or(0, |b| b.count as u64),
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .sum()
    }
}

fn requests(route: &str, method: &str, status: &str) -> [(&'static str, String); 3] {
    [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_owned()),
    ]
}

fn labels<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn login(app: &TestApp, username: &str, password: &str) -> u16 {
    app.http
        .post(app.url("/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_route_method_and_status_with_latency() {
    let app = TestApp::spawn(STORE).await;
    let before = Metrics::scrape(&app).await;
    let token = producer();
    let id = app.actor("Counted", 30, "Other").await;
    for _ in 0..3 {
        assert_eq!(app.get("/actors", &token).await.0, 200);
    }
    assert_eq!(app.get(&format!("/actors/{id}"), &token).await.0, 200);
    assert_eq!(app.get("/actors/999999", &token).await.0, 404);
    assert_eq!(app.get("/actors", "").await.0, 401);
    assert_eq!(app.get("/no/such/place", "").await.0, 404);
    let after = Metrics::scrape(&app).await;

    let moved = |route, method, status| {
        let pairs = requests(route, method, status);
        let labels = labels(&pairs);
        after.value("casting_http_requests_total", &labels)
            - before.value("casting_http_requests_total", &labels)
    };
    assert_eq!(moved("/actors", "GET", "200"), 3.0);
    assert_eq!(moved("/actors", "GET", "401"), 1.0);
    assert_eq!(moved("/actors", "POST", "201"), 1.0);
    // Route templates, never raw paths: both ids count under one series.
    let by_id = |status| {
        let series = format!(
            "casting_http_requests_total{{route=\"/actors/{{id}}\",method=\"GET\",status=\"{status}\"}}"
        );
        after.raw(&series) - before.raw(&series)
    };
    assert_eq!(by_id("200"), 1.0);
    assert_eq!(by_id("404"), 1.0);
    assert_eq!(moved("unmatched", "GET", "404"), 1.0);
    assert!(
        !after
            .scrape
            .samples
            .iter()
            .any(|s| s.labels.get("route").is_some_and(|r| r.contains("999999"))),
        "a raw path became a label"
    );
    // The first scrape itself was counted before the second one rendered.
    assert_eq!(moved("/metrics", "GET", "200"), 1.0);

    let latency = |m: &Metrics| {
        m.observations(
            "casting_http_request_duration_seconds",
            &[("route", "/actors"), ("method", "GET")],
        )
    };
    assert_eq!(latency(&after) - latency(&before), 4, "3 × 200 and 1 × 401");
    let buckets = after
        .samples(
            "casting_http_request_duration_seconds",
            &[("route", "/actors")],
        )
        .next()
        .unwrap();
    match &buckets.value {
        Metric::Histogram(buckets) => assert!(buckets.len() > 5, "{buckets:?}"),
        other => panic!("{other:?}"),
    }

    // The scrape in progress is the one request in flight.
    assert_eq!(after.value("casting_http_requests_in_flight", &[]), 1.0);

    // The pool: its size, what is lent, and how long acquiring took. SQLite
    // has two pools of readers (at most two per core each: sqlx's, and the
    // one for the reads of GETs) and its one writer; PostgreSQL the pool for
    // writes and the one for the reads of GETs.
    let cores = std::thread::available_parallelism().unwrap().get() as u32;
    let max = match STORE {
        Backend::Postgres => 2 * StoreSettings::default().pool_size,
        Backend::Sqlite => 2 * StoreSettings::default().pool_size.min(2 * cores) + 1,
    } as f64;
    assert_eq!(after.value("casting_db_pool_max_connections", &[]), max);
    let open = after.value("casting_db_pool_connections", &[]);
    assert!((1.0..=max).contains(&open), "{open}");
    assert_eq!(
        after.value("casting_db_pool_connections_idle", &[])
            + after.value("casting_db_pool_connections_in_use", &[]),
        open
    );
    let acquires = after.observations("casting_db_pool_acquire_seconds", &[])
        - before.observations("casting_db_pool_acquire_seconds", &[]);
    // The pool's acquire times reach this application's histogram.
    assert!(acquires > 0, "no pool acquire recorded");

    // Registered before any stream exists.
    assert!(
        after
            .samples("casting_event_streams_open", &[])
            .next()
            .is_some(),
        "the event-stream gauge is missing"
    );
    assert_eq!(after.value("casting_event_streams_open", &[]), 0.0);
    assert_eq!(after.value("casting_db_errors_total", &[]), 0.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_logins_by_outcome_and_throttling() {
    let app = TestApp::spawn_with(Options {
        auth: AuthSettings {
            login_max_failures: 2,
            ..Options::new(STORE).auth
        },
        ..Options::new(STORE)
    })
    .await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    let before = Metrics::scrape(&app).await;
    assert_eq!(login(&app, "ann", "right-password").await, 200);
    assert_eq!(login(&app, "ann", "guess").await, 401);
    assert_eq!(login(&app, "ann", "guess").await, 401);
    assert_eq!(login(&app, "ann", "right-password").await, 429);
    assert_eq!(login(&app, "ann", "again").await, 429);
    let after = Metrics::scrape(&app).await;
    let moved = |outcome| {
        after.value("casting_logins_total", &[("outcome", outcome)])
            - before.value("casting_logins_total", &[("outcome", outcome)])
    };
    assert_eq!(moved("success"), 1.0);
    assert_eq!(moved("refused"), 2.0);
    assert_eq!(moved("throttled"), 2.0);
}

/// A database that stops answering writes: PostgreSQL cut off by a proxy,
/// or a SQLite file whose write lock another program holds past the busy
/// timeout.
enum Outage {
    Cut(PgProxy),
    Locked(Option<sqlx::SqliteConnection>),
}

impl Outage {
    async fn app() -> (TestApp, Outage) {
        let db = StoreSettings {
            pool_size: 2,
            timeout: Duration::from_secs(1),
            ..StoreSettings::default()
        };
        match STORE {
            Backend::Postgres => {
                let (proxy, app) = app_behind_proxy(db).await;
                (app, Outage::Cut(proxy))
            }
            Backend::Sqlite => {
                let app = TestApp::spawn_with(Options {
                    db,
                    ..Options::new(STORE)
                })
                .await;
                (app, Outage::Locked(None))
            }
        }
    }

    async fn begin(&mut self, app: &TestApp) {
        use sqlx::Connection;
        match self {
            Outage::Cut(proxy) => proxy.cut(),
            Outage::Locked(held) => {
                let mut connection = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut connection)
                    .await
                    .unwrap();
                *held = Some(connection);
            }
        }
    }

    async fn end(&mut self) {
        match self {
            Outage::Cut(proxy) => proxy.restore(),
            Outage::Locked(held) => {
                if let Some(connection) = held.take() {
                    use sqlx::Connection;
                    connection.close().await.unwrap();
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_database_errors() {
    let (app, mut outage) = Outage::app().await;
    let token = producer();
    let actor = json!({"name": "Ann", "age": 30, "gender": "Female"});
    assert_eq!(app.post("/actors", &token, actor.clone()).await.0, 201);
    outage.begin(&app).await;
    assert_eq!(app.post("/actors", &token, actor.clone()).await.0, 503);
    assert_eq!(app.post("/actors", &token, actor.clone()).await.0, 503);
    let metrics = Metrics::scrape(&app).await;
    assert_eq!(
        metrics.value("casting_db_errors_total", &[("kind", "unavailable")]),
        2.0
    );
    let pairs = requests("/actors", "POST", "503");
    assert_eq!(
        metrics.value("casting_http_requests_total", &labels(&pairs)),
        2.0
    );
    outage.end().await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.post("/actors", &token, actor.clone()).await.0 == 201
        })
        .await,
        "writes work again once the outage ends"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_application_counts_only_its_own_requests() {
    let (one, other) = tokio::join!(TestApp::spawn(STORE), TestApp::spawn(STORE));
    let before = Metrics::scrape(&other).await;
    for _ in 0..5 {
        assert_eq!(one.get("/health", "").await.0, 200);
    }
    let after = Metrics::scrape(&other).await;
    let pairs = requests("/health", "GET", "200");
    assert_eq!(
        after.value("casting_http_requests_total", &labels(&pairs)),
        before.value("casting_http_requests_total", &labels(&pairs)),
        "another application's requests leaked into this one's metrics"
    );
    assert_eq!(
        Metrics::scrape(&one)
            .await
            .value("casting_http_requests_total", &labels(&pairs)),
        5.0
    );
}

#[tokio::test]
async fn metrics_off_answers_404() {
    let app = TestApp::spawn_with(Options {
        http: HttpSettings {
            metrics: false,
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    let (status, body) = app.get("/metrics", "").await;
    assert_error(status, &body, 404);
    let (status, _) = app.get("/health", "").await;
    assert_eq!(status, 200);
}
