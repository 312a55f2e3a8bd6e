//! The real app, built as `main` builds it, served over real HTTP on a
//! free port against a fresh database of the test's own.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use casting_server::db::{Location, Store, StoreSettings};
use casting_server::settings::{AuthSettings, ExternalIssuer};
use casting_server::{Application, HttpSettings, Settings};
use serde_json::{Value, json};

use super::*;

/// A server whose change log keeps a change for one second.
pub async fn spawn_with_one_second_retention(backend: Backend) -> TestApp {
    TestApp::spawn_with(Options {
        db: StoreSettings {
            changes_keep: Duration::from_secs(1),
            ..Default::default()
        },
        ..Options::new(backend)
    })
    .await
}

/// Knobs a test may turn before the app starts.
pub struct Options {
    pub backend: Backend,
    pub db: StoreSettings,
    pub http: HttpSettings,
    /// Everything but the external issuer, which is the test's own JWKS server.
    pub auth: AuthSettings,
    /// Connect the server to PostgreSQL through this address (a proxy).
    pub database_addr: Option<SocketAddr>,
    /// Share another app's database instead of a fresh one.
    pub shared_db: Option<String>,
    pub client_id: Option<String>,
    pub demo: bool,
    /// The external issuer's discovery document (default: the JWKS server's).
    pub discovery_url: Option<String>,
}

impl Options {
    pub fn new(backend: Backend) -> Self {
        Self {
            backend,
            db: StoreSettings::default(),
            http: HttpSettings {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
                ..HttpSettings::default()
            },
            auth: AuthSettings {
                public_url: Some(PUBLIC_URL.into()),
                audience: AUDIENCE.into(),
                // Tests hammer the login on purpose; the throttle test sets its own.
                login_max_failures: 1000,
                ..AuthSettings::default()
            },
            database_addr: None,
            shared_db: None,
            client_id: None,
            demo: false,
            discovery_url: None,
        }
    }

    pub fn jwks_min_refresh(mut self, every: Duration) -> Self {
        self.auth.jwks_min_refresh = every;
        self
    }
}

/// HTTP settings for a test server: any free port.
pub fn test_http() -> HttpSettings {
    HttpSettings {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..HttpSettings::default()
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub http: reqwest::Client,
    /// The server's own store, to call it behind the API.
    pub store: Store,
    /// The test's own connections, to look at the tables.
    pub pool: TestPool,
    pub jwks: JwksServer,
    pub db_url: String,
    /// Kept so the database lives as long as the app, and is dropped with it.
    #[allow(dead_code)]
    pub db: TestDb,
    /// Stops the server, and the task serving it.
    stop: Mutex<
        Option<(
            tokio::sync::oneshot::Sender<()>,
            tokio::task::JoinHandle<()>,
        )>,
    >,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(Options::new(backend)).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        init_test_log();
        let db = TestDb::new(options.backend);
        let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
        let url = match (&options.shared_db, options.database_addr) {
            (Some(url), _) => url.clone(),
            (None, Some(addr)) => db.url_via(addr),
            (None, None) => db.url.clone(),
        };
        let mut auth = options.auth;
        auth.external = Some(ExternalIssuer {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            jwks_url: jwks.url.clone(),
            discovery_url: options
                .discovery_url
                .unwrap_or_else(|| jwks.url.replace("jwks.json", "openid-configuration")),
            client_id: options.client_id,
        });
        let settings = Settings {
            database: Location::parse(&url).expect("a database URL"),
            store: options.db,
            http: options.http,
            auth,
            demo: options.demo,
        };
        let application = Application::build(settings)
            .await
            .expect("build the application");
        let addr = application.address();
        let store = application.store().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            application.run_until(shutdown).await.expect("serve");
        });
        let pool = match &options.shared_db {
            Some(url) => TestPool::connect(options.backend, url).await,
            None => db.pool().await,
        };
        Self {
            addr,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            store,
            pool,
            jwks,
            db_url: url,
            db,
            stop: Mutex::new(Some((stop, serving))),
        }
    }

    /// Stops the server and waits until it has let go of the store (and, on
    /// SQLite, of the file's instance lock); the database stays.
    pub async fn stop(&self) {
        let stop = self.stop.lock().expect("stop").take();
        if let Some((signal, serving)) = stop {
            let _ = signal.send(());
            let _ = serving.await;
        }
    }

    /// Another server on this one's database: a second instance on
    /// PostgreSQL. SQLite serves one instance per file, so there is none;
    /// callers let this app stand in for it.
    pub async fn another_instance(&self) -> Option<TestApp> {
        match self.db.backend {
            Backend::Postgres => Some(
                TestApp::spawn_with(Options {
                    shared_db: Some(self.db_url.clone()),
                    ..Options::new(Backend::Postgres)
                })
                .await,
            ),
            Backend::Sqlite => None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, token, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, token, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, token, None).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        read(response).await
    }

    /// Creates an actor directly with the API and returns its id.
    pub async fn actor(&self, name: &str, age: i64, gender: &str) -> i64 {
        let (status, body) = self
            .post(
                "/actors",
                &producer(),
                json!({"name": name, "age": age, "gender": gender}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["created"].as_i64().expect("id")
    }

    pub async fn movie(&self, title: &str, release_date: &str) -> i64 {
        let (status, body) = self
            .post(
                "/movies",
                &producer(),
                json!({"title": title, "release_date": release_date}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["created"].as_i64().expect("id")
    }

    /// Casts the actor in the movie with the API and asserts it worked.
    pub async fn cast(&self, movie: i64, actor: i64, character: Option<&str>) {
        let (status, body) = self
            .put(
                &format!("/movies/{movie}/cast/{actor}"),
                &producer(),
                json!({"character": character}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Every row of the actors, movies and cast tables, to prove a failed
    /// request changed nothing.
    pub async fn snapshot(&self) -> Vec<String> {
        let quote = match self.pool.backend() {
            Backend::Postgres => "quote_literal",
            Backend::Sqlite => "quote",
        };
        self.pool
            .fetch_all::<(String,)>(&format!(
                "SELECT 'actor ' || id || ' ' || name || ' ' || age || ' ' || gender || ' v' || version FROM actors \
                 UNION ALL \
                 SELECT 'movie ' || id || ' ' || title || ' ' || release_date || ' v' || version FROM movies \
                 UNION ALL \
                 SELECT 'cast ' || movie_id || ' ' || actor_id || ' ' || COALESCE({quote}(character), 'NULL') \
                        || ' ' || created_at FROM cast_entries \
                 ORDER BY 1"
            ))
            .await
            .into_iter()
            .map(|(row,)| row)
            .collect()
    }
}
