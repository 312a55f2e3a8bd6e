//! Built-in identity for teams without an identity provider: users and their
//! passwords, the server's own signing keys, tokens, login throttling, and
//! the demo data set.

pub mod demo;
pub mod keys;
pub mod passwords;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

pub use keys::Keyring;
pub use throttle::LoginThrottle;

/// What `POST /auth/login` needs.
pub struct Identity {
    pub keyring: Arc<Keyring>,
    pub throttle: LoginThrottle,
    /// `iss` of the tokens this server issues: its public URL.
    pub issuer: String,
    pub audience: String,
    pub token_ttl: Duration,
}
