//! Test harness: a fresh database per test on either store (a PostgreSQL
//! database, or a SQLite file in a directory of its own), the real app
//! served over real HTTP on a free port, a JWKS served over HTTP by a tiny
//! local server, and tokens signed with the test's own RSA keys.
//! `TEST_LOG=1` shows the server's logs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use casting_server::db::{Location, Store, StoreSettings};
use casting_server::settings::{AuthSettings, ExternalIssuer};
use casting_server::{Application, HttpSettings, Settings};
use casting_shared::Role;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use crate::cluster::server_url;

mod databases;
mod wire;

pub use databases::*;
pub use wire::*;

pub const ISSUER: &str = "https://casting-test.example.auth0.com/";
pub const AUDIENCE: &str = "casting-agency";
pub const KID: &str = "test-key-1";
/// `iss` of the tokens the server under test signs itself.
pub const PUBLIC_URL: &str = "http://casting.test";

pub const TEST_KEY: &[u8] = include_bytes!("../fixtures/test_signing_key.pem");
pub const OTHER_KEY: &[u8] = include_bytes!("../fixtures/other_signing_key.pem");
pub const TEST_PUBLIC_KEY: &[u8] = include_bytes!("../fixtures/test_signing_key.pub.pem");

/// Installs, once per test process, the tracing layer through which sqlx's
/// pool-acquire times reach each application's metrics (`main` installs it
/// with the logs), and shows the server's logs when `TEST_LOG` is set.
pub fn init_test_log() {
    use tracing_subscriber::prelude::*;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let logs = std::env::var_os("TEST_LOG").is_some().then(|| {
            tracing_subscriber::fmt::layer()
                .with_test_writer()
                .with_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
        });
        let _ = tracing_subscriber::registry()
            .with(casting_server::metrics::pool_acquire_layer())
            .with(logs)
            .try_init();
    });
}

/// Polls until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A JWKS endpoint served over real HTTP that counts its fetches.
#[derive(Clone)]
pub struct JwksServer {
    pub url: String,
    pub keys: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Jwk>) -> Self {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (k, f) = (keys.clone(), fetches.clone());
        let base = Arc::new(Mutex::new(String::new()));
        let discovery_base = base.clone();
        let router = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || {
                    let base = discovery_base.lock().expect("base").clone();
                    async move {
                        axum::Json(json!({
                            "issuer": ISSUER,
                            "device_authorization_endpoint": format!("{base}/oauth/device/code"),
                            "token_endpoint": format!("{base}/oauth/token"),
                        }))
                    }
                }),
            )
            .route(
                "/.well-known/jwks.json",
                axum::routing::get(move || {
                    let (k, f) = (k.clone(), f.clone());
                    async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        let set = JwkSet {
                            keys: k.lock().expect("keys").clone(),
                        };
                        axum::Json(set)
                    }
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind jwks");
        let addr = listener.local_addr().expect("addr");
        *base.lock().expect("base") = format!("http://{addr}");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{addr}/.well-known/jwks.json"),
            keys,
            fetches,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// The public JWK of a private key PEM.
pub fn public_jwk(private_pem: &[u8], kid: &str) -> Jwk {
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    jwk
}

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

/// Whom a write made straight through the store is put down to.
pub fn test_author() -> casting_server::db::Author {
    casting_server::db::Author {
        subject: "test".into(),
        name: Some("test".into()),
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Claims of a valid token with `permissions`; tests change what they need.
pub fn claims(permissions: &[&str]) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "auth0|tester",
        "iat": now(),
        "exp": now() + 3600,
        "permissions": permissions,
    })
}

pub fn sign_with(claims: &Value, header: &Header, private_pem: &[u8]) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key");
    jsonwebtoken::encode(header, claims, &key).expect("sign")
}

pub fn rs256_header(kid: &str) -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header
}

pub fn sign(claims: &Value) -> String {
    sign_with(claims, &rs256_header(KID), TEST_KEY)
}

pub fn token(permissions: &[&str]) -> String {
    sign(&claims(permissions))
}

pub fn role_token(role: Role) -> String {
    let permissions: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
    token(&permissions)
}

/// A token with every permission.
pub fn producer() -> String {
    role_token(Role::ExecutiveProducer)
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
