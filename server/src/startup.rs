//! Start-up: open (create, migrate) the store, build the application,
//! serve until SIGTERM or Ctrl-C, then drain in-flight requests and exit.
//! `main`, the integration tests and the terminal client's end-to-end tests
//! all start a server through [`Application::build`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::auth::discovery::ExternalLoginInfo;
use crate::auth::jwks::JwksCache;
use crate::auth::verifier::KeySource;
use crate::auth::{TrustedIssuer, Verifier};
use crate::connections::{self, ConnectionLimits};
use crate::db::sqlite::InstanceLock;
use crate::db::{Location, Store, StoreSettings};
use crate::feed::Feed;
use crate::identity::demo::{self, DemoError, DemoUser};
use crate::identity::{
    HashingPool, Identity, Keyring, LoginThrottle, RefreshLimit, Revocations, users,
};
use crate::metrics::Metrics;
use crate::routes::app;
use crate::settings::{AuthSettings, Settings};
use crate::state::AppState;
use crate::systemd;

/// What `--demo` found.
pub enum DemoSeed {
    /// Seeded now: the users and their passwords, shown only this once.
    Seeded(Vec<DemoUser>),
    /// An earlier `--demo` seeded this database.
    AlreadySeeded,
}

/// A server, built and bound, ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Store,
    /// Ends its streams when the server stops.
    feed: Arc<Feed>,
    limits: ConnectionLimits,
    demo: Option<DemoSeed>,
    /// Held while serving a SQLite file: one server per file.
    _instance_lock: Option<InstanceLock>,
}

impl Application {
    /// Opens the store (taking the SQLite file's instance lock), seeds the
    /// demo data if asked, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let instance_lock = match &settings.database {
            Location::SqliteFile(path) => Some(InstanceLock::acquire(path)?),
            _ => None,
        };
        let store = open_store(&settings.database, &settings.store).await?;
        let demo = if settings.demo {
            Some(seed_demo(&store).await?)
        } else {
            None
        };
        let listener = TcpListener::bind(settings.http.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.http.bind))?;
        let public_url = match &settings.auth.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", listener.local_addr()?),
        };
        let state = build_state(
            store.clone(),
            &settings.auth,
            public_url,
            ChangeFeedSettings {
                keep: settings.store.changes_keep,
                backlog: settings.http.event_backlog,
                streams: settings.http.stream_limits(),
            },
        )
        .await?;
        let feed = state.feed.clone();
        crate::keying::start(store.clone(), feed.closed());
        let limits = settings.http.connection_limits();
        let router = app(state, &settings.http);
        // Outermost: the reads of a GET may use the read replica, and
        // writes answer with the position a later read may send back.
        let router = match store.replica() {
            Some(replica) => router.layer(axum::middleware::from_fn_with_state(
                replica,
                crate::replica_routing::route,
            )),
            None => router,
        };
        Ok(Self {
            listener,
            router,
            store,
            feed,
            limits,
            demo,
            _instance_lock: instance_lock,
        })
    }

    /// The address it listens on (the real port when asked for port 0).
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn demo(&self) -> Option<&DemoSeed> {
        self.demo.as_ref()
    }

    /// Serves until `shutdown` resolves, drains, and closes the store.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let address = self.address();
        tracing::info!(%address, "listening");
        tracing::info!(
            max_connections = self.limits.max_connections,
            "connection limits"
        );
        systemd::ready(address);
        // Event streams never finish by themselves: they end as the drain
        // starts. A store whose tables are gone stops the server too: it
        // must not go on answering from an empty database.
        let feed = self.feed.clone();
        let loss = self.store.schema_loss();
        let lost = loss.clone();
        let shutdown = async move {
            match lost {
                Some(lost) => tokio::select! {
                    () = shutdown => {},
                    _ = lost.reported() => {},
                },
                None => shutdown.await,
            }
            feed.close();
        };
        // Out of connections with none idle: the oldest event stream of
        // whoever holds the most is closed to make room.
        let streams = self.feed.streams().clone();
        let make_room = move || streams.make_room();
        connections::serve(self.listener, self.router, self.limits, make_room, shutdown).await?;
        self.feed.close();
        self.store.close().await;
        if let Some(reason) = loss.and_then(|loss| loss.reason()) {
            anyhow::bail!("stopped: the database's tables are gone ({reason})");
        }
        tracing::info!("stopped");
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Opens and migrates the store, saying in the log which one and where,
/// and gives usernames stored before migration 0005 their key.
pub async fn open_store(location: &Location, settings: &StoreSettings) -> anyhow::Result<Store> {
    let store = Store::open(location, settings).await?;
    match location {
        Location::SqliteMemory => tracing::warn!(
            "using a throwaway in-memory SQLite database: everything is lost when the server stops \
             (set DATABASE_URL to keep the data)"
        ),
        Location::SqliteFile(path) => {
            tracing::info!(file = %path.display(), "using the SQLite database")
        }
        Location::Postgres(_) => {
            tracing::info!(database = %location.describe(), "using PostgreSQL")
        }
    }
    let clashes = users::fill_missing_keys(&store)
        .await
        .context("cannot normalise the stored usernames")?;
    for name in clashes {
        tracing::warn!(
            username = ?name,
            "this user's name is the same as an older user's once normalised (case, width, \
             compatibility forms); it cannot log in until one of them is removed \
             (`casting-server users remove NAME`)"
        );
    }
    Ok(store)
}

/// `casting-server migrate`, and the store of the `users` and `keys` commands.
pub async fn migrate(location: &Location, settings: &StoreSettings) -> anyhow::Result<Store> {
    let store = open_store(location, settings).await?;
    tracing::info!("the database is migrated");
    Ok(store)
}

/// How long changes are kept, and how far a stream may fall behind.
struct ChangeFeedSettings {
    keep: Duration,
    backlog: usize,
    streams: crate::feed::streams::StreamLimits,
}

/// The application state: the built-in identity (keys from the store or
/// a PEM file), its revocations, every trusted issuer and the metrics.
async fn build_state(
    store: Store,
    auth: &AuthSettings,
    public_url: String,
    changes: ChangeFeedSettings,
) -> anyhow::Result<AppState> {
    let keyring = Arc::new(match &auth.signing_key_pem {
        Some(pem) => Keyring::from_pem(pem).context("CASTING_SIGNING_KEY_FILE")?,
        None => {
            Keyring::from_database(store.clone(), auth.token_ttl, auth.key_sealer.clone()).await?
        }
    });
    let feed = Feed::start(
        store.clone(),
        changes.keep,
        changes.backlog,
        changes.streams,
    )
    .await
    .context("cannot read the change log")?;
    let revocations = Revocations::start(store.clone(), keyring.clone())
        .await
        .context("cannot read the token revocations")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("cannot build the HTTP client")?;
    let mut issuers = vec![TrustedIssuer::new(
        public_url.clone(),
        auth.audience.clone(),
        KeySource::BuiltIn(keyring.clone()),
        auth.leeway,
    )];
    let mut external_login = None;
    if let Some(external) = &auth.external {
        tracing::info!(issuer = %external.issuer, audience = %external.audience, jwks = %external.jwks_url, "trusting external issuer");
        issuers.push(TrustedIssuer::new(
            external.issuer.clone(),
            external.audience.clone(),
            KeySource::Jwks(JwksCache::new(
                external.jwks_url.clone(),
                client.clone(),
                auth.jwks_min_refresh,
            )),
            auth.leeway,
        ));
        external_login = Some(Arc::new(ExternalLoginInfo::new(external.clone(), client)));
    }
    let identity = Identity {
        keyring,
        throttle: LoginThrottle::new(auth.login_max_failures, auth.login_window),
        hashing: HashingPool::new(auth.login_concurrency),
        revocations: revocations.clone(),
        refresh_limit: RefreshLimit::default(),
        issuer: public_url,
        audience: auth.audience.clone(),
        token_ttl: auth.token_ttl,
        session_max: auth.session_max,
    };
    Ok(AppState {
        metrics: Some(Metrics::new(store.clone())),
        store,
        feed,
        verifier: Arc::new(Verifier::new(issuers).with_revocations(revocations)),
        identity: Arc::new(identity),
        external_login,
    })
}

/// `--demo`: seeds an empty database.
async fn seed_demo(store: &Store) -> anyhow::Result<DemoSeed> {
    match demo::seed(store).await {
        Ok(users) => {
            // The demo's passwords are printed: what they log in to is on the disk.
            store.durable().await?;
            Ok(DemoSeed::Seeded(users))
        }
        Err(DemoError::NotEmpty) if demo::already_seeded(store).await? => {
            Ok(DemoSeed::AlreadySeeded)
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
    systemd::stopping();
}
