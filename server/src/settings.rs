//! Settings of the application itself, independent of where they come from
//! (the command line in production, the test harness in tests).

use std::sync::Arc;
use std::time::Duration;

use crate::identity::sealing::KeySealer;

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
    /// `iss` of the tokens this server issues: its public URL.
    pub public_url: String,
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
            public_url: "http://127.0.0.1:8080".into(),
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
