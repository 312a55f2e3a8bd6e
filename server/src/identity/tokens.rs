//! The tokens this server signs for its built-in users: their claims, and
//! how often a session may be refreshed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use casting_shared::api::LoginResponse;
use serde::Serialize;

use super::Identity;
use super::users::User;

#[derive(Serialize)]
struct IssuedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    /// When the session's password login happened (OpenID Connect's name).
    auth_time: u64,
    /// The user's token generation; see `revocation.rs`.
    #[serde(rename = "gen")]
    generation: i64,
    role: &'static str,
    permissions: Vec<&'static str>,
    preferred_username: &'a str,
}

/// The subject of a built-in user's tokens.
pub fn subject(user_id: i64) -> String {
    format!("casting|{user_id}")
}

/// The user id of a built-in subject.
pub fn user_id(subject: &str) -> Option<i64> {
    subject.strip_prefix("casting|")?.parse().ok()
}

impl Identity {
    /// A token for `user` in a session whose password login was at
    /// `auth_time` (Unix seconds); it never outlives the session.
    pub async fn issue(
        &self,
        user: &User,
        auth_time: u64,
        now: u64,
    ) -> anyhow::Result<LoginResponse> {
        let session_end = auth_time.saturating_add(self.session_max.as_secs());
        let exp = now
            .saturating_add(self.token_ttl.as_secs())
            .min(session_end);
        let claims = IssuedClaims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: subject(user.id),
            iat: now,
            nbf: now,
            exp,
            auth_time,
            generation: user.token_generation,
            role: user.role.name(),
            permissions: user.role.permissions().iter().map(|p| p.as_str()).collect(),
            preferred_username: &user.username,
        };
        if self.revocations.is_revoked_kid(&self.keyring.signing_kid()) {
            self.keyring.reload().await;
        }
        let access_token = self.keyring.sign(&claims).await?;
        Ok(LoginResponse {
            success: true,
            access_token,
            token_type: "Bearer".into(),
            expires_in: exp.saturating_sub(now),
            role: user.role,
            permissions: user.role.permissions().to_vec(),
        })
    }
}

/// Refreshes allowed per user per minute: plenty for any client, too few to
/// make the refresh endpoint a way to load the database.
const REFRESHES_PER_MINUTE: u32 = 10;

/// Counts refreshes per user.
#[derive(Default)]
pub struct RefreshLimit {
    counts: Mutex<HashMap<i64, (u32, Instant)>>,
}

impl RefreshLimit {
    /// `Err(retry_after)` when `user_id` refreshed too often lately.
    pub fn check(&self, user_id: i64) -> Result<(), Duration> {
        let minute = Duration::from_secs(60);
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded by the number of users; expired counts go at each sweep.
        if counts.len() > 10_000 {
            counts.retain(|_, (_, since)| now.duration_since(*since) < minute);
        }
        let (count, since) = counts.entry(user_id).or_insert((0, now));
        if now.duration_since(*since) >= minute {
            *count = 0;
            *since = now;
        }
        if *count >= REFRESHES_PER_MINUTE {
            return Err(minute.saturating_sub(now.duration_since(*since)));
        }
        *count += 1;
        Ok(())
    }
}
