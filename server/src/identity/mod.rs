//! Built-in identity for teams without an identity provider: users and their
//! passwords, the server's own signing keys, the tokens it signs and how
//! they are taken back, login throttling, and the demo data set.

pub mod demo;
pub mod keys;
pub mod passwords;
pub mod revocation;
pub mod sealing;
pub mod throttle;
pub mod tokens;
pub mod usernames;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

pub use keys::Keyring;
pub use passwords::HashingPool;
pub use revocation::Revocations;
pub use throttle::LoginThrottle;
pub use tokens::RefreshLimit;

/// What `POST /auth/login` and `POST /auth/refresh` need.
pub struct Identity {
    pub keyring: Arc<Keyring>,
    pub throttle: LoginThrottle,
    pub hashing: HashingPool,
    pub revocations: Arc<Revocations>,
    pub refresh_limit: RefreshLimit,
    /// `iss` of the tokens this server issues: its public URL.
    pub issuer: String,
    pub audience: String,
    pub token_ttl: Duration,
    /// How long after its password login a session may be refreshed.
    pub session_max: Duration,
}
