//! Verifies bearer JWTs against the issuers this server trusts.
//!
//! The algorithm is pinned to RS256 (a token claiming `none` or HS256 is
//! refused), `iss` must equal a trusted issuer exactly, `aud` (a string or a
//! list) must contain its audience, and `exp`/`nbf` are checked with a small
//! leeway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::jwks::JwksCache;
use super::{Caller, names};
use crate::error::ApiError;
use crate::identity::revocation::Session;
use crate::identity::{Keyring, Revocations, tokens};
use casting_shared::{Permission, Role};

/// Where an issuer's public keys come from.
pub enum KeySource {
    /// An external provider's JWKS, fetched over HTTP and cached.
    Jwks(JwksCache),
    /// This server's own keys (built-in login).
    BuiltIn(Arc<Keyring>),
}

impl KeySource {
    async fn key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        match self {
            KeySource::Jwks(cache) => cache.key(kid).await,
            KeySource::BuiltIn(keyring) => keyring.decoding_key(kid).await,
        }
    }
}

pub struct TrustedIssuer {
    issuer: String,
    keys: KeySource,
    validation: Validation,
}

impl TrustedIssuer {
    /// `leeway` is the clock skew tolerated on `exp` and `nbf`.
    pub fn new(issuer: String, audience: String, keys: KeySource, leeway: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&issuer]);
        validation.set_audience(&[&audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        Self {
            issuer,
            keys,
            validation,
        }
    }
}

/// The latest `exp` taken (9999-12-31T23:59:59Z): one beyond is no time
/// the server can count to (`2^64 - 1` made `/events` panic), and is
/// refused as any other bad `exp`.
const LATEST_EXP: u64 = 253_402_300_799;

#[derive(Deserialize)]
struct IssuerOnly {
    iss: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    #[serde(default)]
    sub: Option<String>,
    iss: String,
    #[serde(default)]
    permissions: Option<Vec<String>>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    auth_time: Option<u64>,
    /// Built-in tokens: the user's token generation (none before it existed: 0).
    #[serde(default, rename = "gen")]
    generation: Option<i64>,
}

/// Tokens already verified, so a signature is checked once per token, not
/// per request. Entries hold until the token's `exp` (plus the leeway, as
/// the full check allows), are keyed by the token's 128-bit fingerprint
/// (the cache holds no usable credential), and never stand in for
/// revocation, which [`Verifier::verify`] checks on every use.
#[derive(Default)]
struct VerifiedTokens {
    fingerprints: Fingerprints,
    entries: Mutex<HashMap<TokenHash, (Caller, u64)>>,
}

type TokenHash = u128;

/// A token's fingerprint: SipHash-1-3 (std's `RandomState`) under a key
/// drawn at random when the server starts, over the token behind two
/// different prefixes: two outputs of a keyed pseudo-random function, 128
/// bits. Without the key nobody can make a token whose fingerprint is that
/// of another; a fifth of the cost of a SHA-256 of the token, which was
/// 20 % of the instructions of a revalidation (`bench/instructions.py`).
#[derive(Default)]
struct Fingerprints(std::hash::RandomState);

impl Fingerprints {
    fn of(&self, token: &str) -> TokenHash {
        use std::hash::{BuildHasher, Hasher};
        let half = |prefix: u8| {
            let mut hasher = self.0.build_hasher();
            hasher.write_u8(prefix);
            hasher.write(token.as_bytes());
            hasher.finish()
        };
        (u128::from(half(0)) << 64) | u128::from(half(1))
    }
}

/// Tokens remembered at most; the cache starts afresh beyond that.
const CACHE_MAX: usize = 10_000;

impl VerifiedTokens {
    fn get(&self, token: &TokenHash, now: u64) -> Option<Caller> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (caller, valid_until) = entries.get(token)?;
        (now < *valid_until).then(|| caller.clone())
    }

    fn put(&self, token: TokenHash, caller: &Caller, valid_until: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHE_MAX {
            let now = jsonwebtoken::get_current_timestamp();
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= CACHE_MAX {
                entries.clear();
            }
        }
        entries.insert(token, (caller.clone(), valid_until));
    }
}

#[derive(Default)]
pub struct Verifier {
    issuers: Vec<TrustedIssuer>,
    verified: VerifiedTokens,
    /// Takes built-in tokens back (disabled users, revoked keys...).
    revocations: Option<Arc<Revocations>>,
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::Unauthorized(detail.to_owned())
}

impl Verifier {
    pub fn new(issuers: Vec<TrustedIssuer>) -> Self {
        Self {
            issuers,
            verified: VerifiedTokens::default(),
            revocations: None,
        }
    }

    /// Checks every built-in token against `revocations` too.
    pub fn with_revocations(mut self, revocations: Arc<Revocations>) -> Self {
        self.revocations = Some(revocations);
        self
    }

    pub async fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let hash = self.verified.fingerprints.of(token);
        let caller = match self.verified.get(&hash, now) {
            Some(caller) => caller,
            None => {
                let (caller, valid_until) = self.verify_signature(token).await?;
                self.verified.put(hash, &caller, valid_until);
                caller
            }
        };
        // Checked on every use, cached or not: revocation is not cached with the token.
        if let (Some(session), Some(revocations)) = (&caller.session, &self.revocations)
            && !revocations.admits(session).await
        {
            return Err(unauthorized("the token has been revoked"));
        }
        Ok(caller)
    }

    /// The full check: header, issuer, key, signature and claims.
    async fn verify_signature(&self, token: &str) -> Result<(Caller, u64), ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| unauthorized("the token is not a well-formed JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(unauthorized("the token must be signed with RS256"));
        }
        if let Some(typ) = header.typ.as_deref()
            && !(typ.eq_ignore_ascii_case("JWT") || typ.eq_ignore_ascii_case("at+jwt"))
        {
            return Err(unauthorized("the token type must be JWT or at+jwt"));
        }
        // The issuer picks the key set; the signature and `iss` are verified below.
        let claimed = jsonwebtoken::dangerous::insecure_decode_claims::<IssuerOnly>(token)
            .map_err(|_| unauthorized("the token is not a well-formed JWT"))?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| claimed.iss.as_deref() == Some(i.issuer.as_str()))
            .ok_or_else(|| unauthorized("the token's issuer is not trusted"))?;
        let key = issuer
            .keys
            .key(header.kid.as_deref())
            .await
            .ok_or_else(|| unauthorized("the token's signing key is unknown"))?;
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &issuer.validation).map_err(|e| {
                unauthorized(match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    ErrorKind::InvalidAudience => "the token is for another audience",
                    ErrorKind::InvalidIssuer => "the token's issuer is not trusted",
                    ErrorKind::InvalidSignature => "the token's signature is invalid",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    _ => "the token is invalid",
                })
            })?;
        let claims = data.claims;
        if claims.exp > LATEST_EXP {
            return Err(unauthorized("the token is invalid"));
        }
        let session = match &issuer.keys {
            KeySource::BuiltIn(_) => {
                let user_id = claims.sub.as_deref().and_then(tokens::user_id);
                let user_id = user_id.ok_or_else(|| unauthorized("the token has no user"))?;
                let issued_at = claims.iat.unwrap_or(0);
                Some(Session {
                    user_id,
                    generation: claims.generation.unwrap_or(0),
                    issued_at,
                    auth_time: claims.auth_time.unwrap_or(issued_at),
                    kid: header.kid.clone().unwrap_or_default(),
                })
            }
            KeySource::Jwks(_) => {
                names::check_external_subject(claims.sub.as_deref().unwrap_or_default())
                    .map_err(unauthorized)?;
                None
            }
        };
        let shown = [
            claims.name.as_deref(),
            claims.preferred_username.as_deref(),
            claims.email.as_deref(),
        ];
        let display_name = match session {
            Some(_) => shown.into_iter().flatten().next().map(str::to_owned),
            None => names::external_name(shown, &claims.iss),
        };
        let permissions = claims
            .permissions
            .unwrap_or_default()
            .iter()
            .filter_map(|p| Permission::parse(p))
            .collect();
        let caller = Caller {
            subject: claims.sub.unwrap_or_default(),
            issuer: claims.iss,
            role: claims.role.as_deref().and_then(Role::parse),
            display_name,
            username: claims.preferred_username,
            expires_at: claims.exp,
            permissions,
            session,
        };
        Ok((caller, claims.exp.saturating_add(issuer.validation.leeway)))
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprints;

    #[test]
    fn a_fingerprint_is_the_same_for_a_token_and_differs_for_another() {
        let fingerprints = Fingerprints::default();
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert_eq!(fingerprints.of(token), fingerprints.of(token));
        assert_ne!(
            fingerprints.of(token),
            fingerprints.of(&format!("{token}x"))
        );
        // Both halves depend on the token, under a key of this server's own.
        let (a, b) = (fingerprints.of("a"), fingerprints.of("b"));
        assert_ne!(a >> 64, b >> 64);
        assert_ne!(a as u64, b as u64);
        assert_ne!(Fingerprints::default().of(token), fingerprints.of(token));
    }
}
