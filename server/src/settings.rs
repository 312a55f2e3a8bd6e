//! Settings of the application itself, independent of where they come from
//! (the command line in production, the test harness in tests): one tree,
//! built once, that [`crate::startup::Application::build`] takes whole.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;

use crate::connections::ConnectionLimits;
use crate::db::{Location, StoreSettings};
use crate::identity::sealing::KeySealer;

/// Everything a server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Which store, and where.
    pub database: Location,
    pub store: StoreSettings,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    /// Seed demo data and one user per role into an empty database.
    pub demo: bool,
}

/// Settings of the HTTP layer itself.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where to listen (port 0: any free port).
    pub bind: SocketAddr,
    /// Origins allowed by CORS; empty means no cross-origin access.
    pub cors_origins: Vec<HeaderValue>,
    /// Longest a request may take, body included (then 408).
    pub request_timeout: Duration,
    /// Longest a new connection may take to send a complete request's
    /// headers (then it is closed): a slow client cannot hold the server.
    pub header_timeout: Duration,
    /// Serve `GET /metrics` and count requests for it.
    pub metrics: bool,
    /// Longest a connection may stay open with nothing in flight.
    pub idle_timeout: Duration,
    /// Most connections at once; `None`: from the open-file limit.
    pub max_connections: Option<usize>,
    /// Most changes a `GET /events` stream may fall behind (a reader slower
    /// than the writes) before it is closed, to resume with `Last-Event-ID`.
    pub event_backlog: usize,
    /// Most `GET /events` streams one token may hold open at once.
    pub streams_per_token: usize,
    /// Most `GET /events` streams one user (`sub`) may hold open at once.
    pub streams_per_user: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            metrics: true,
            idle_timeout: Duration::from_secs(60),
            max_connections: None,
            event_backlog: crate::feed::DEFAULT_BACKLOG,
            streams_per_token: crate::feed::streams::DEFAULT_PER_TOKEN,
            streams_per_user: crate::feed::streams::DEFAULT_PER_USER,
        }
    }
}

impl HttpSettings {
    /// How many event streams may be open: per token and per user as set,
    /// and in all three quarters of the connection cap.
    pub fn stream_limits(&self) -> crate::feed::streams::StreamLimits {
        crate::feed::streams::StreamLimits {
            per_token: self.streams_per_token.max(1),
            per_user: self.streams_per_user.max(1),
            ..crate::feed::streams::StreamLimits::for_connections(
                self.connection_limits().max_connections,
            )
        }
    }

    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self
                .max_connections
                .unwrap_or_else(crate::connections::default_max_connections),
        }
    }
}

/// An external OpenID Connect / Auth0 issuer whose tokens are trusted.
#[derive(Debug, Clone)]
pub struct ExternalIssuer {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
    /// The OpenID Connect discovery document (device and token endpoints).
    pub discovery_url: String,
    /// The public client the terminal client signs in with (device flow).
    pub client_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub external: Option<ExternalIssuer>,
    pub jwks_min_refresh: Duration,
    /// Clock skew tolerated on `exp` and `nbf` of every token.
    pub leeway: Duration,
    /// `iss` of the tokens this server issues: its public URL (default:
    /// `http://` and the address it listens on).
    pub public_url: Option<String>,
    /// `aud` of the tokens this server issues.
    pub audience: String,
    pub token_ttl: Duration,
    /// A fixed signing key (PEM text) instead of keys kept in the database.
    pub signing_key_pem: Option<String>,
    pub login_max_failures: u32,
    pub login_window: Duration,
    /// Logins checking a password at once (0: one per core).
    pub login_concurrency: usize,
    /// How long after its password login a session may be refreshed.
    pub session_max: Duration,
    /// Encrypts the signing keys stored in the database.
    pub key_sealer: Option<Arc<KeySealer>>,
}

/// The audience built-in tokens carry when no external API identifier is set.
pub const DEFAULT_AUDIENCE: &str = "casting-agency";

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            external: None,
            jwks_min_refresh: Duration::from_secs(30),
            leeway: Duration::from_secs(30),
            public_url: None,
            audience: DEFAULT_AUDIENCE.into(),
            token_ttl: Duration::from_secs(3600),
            signing_key_pem: None,
            login_max_failures: 5,
            login_window: Duration::from_secs(300),
            login_concurrency: 0,
            session_max: Duration::from_secs(12 * 3600),
            key_sealer: None,
        }
    }
}
