//! Public signing keys of an external issuer, fetched from its JWKS URL,
//! cached, and re-fetched when a token names an unknown key id — at most once
//! per `min_refresh`, so a flood of made-up key ids cannot hammer the provider.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use serde_json::Value;

#[derive(Default)]
struct Cached {
    keys: HashMap<String, DecodingKey>,
    /// Keys without a `kid`, usable only for tokens without one.
    anonymous: Vec<DecodingKey>,
    fetched_at: Option<Instant>,
}

pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    min_refresh: Duration,
    cached: RwLock<Cached>,
    fetching: tokio::sync::Mutex<()>,
}

impl JwksCache {
    pub fn new(url: String, client: reqwest::Client, min_refresh: Duration) -> Self {
        Self {
            url,
            client,
            min_refresh,
            cached: RwLock::new(Cached::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The key for `kid`, fetching the key set if it is not known yet.
    pub async fn key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        if let Some(key) = self.lookup(kid) {
            return Some(key);
        }
        // One fetch at a time; whoever waited may find the key already there.
        let _fetching = self.fetching.lock().await;
        if let Some(key) = self.lookup(kid) {
            return Some(key);
        }
        let recently = self
            .read()
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.min_refresh);
        if recently {
            return None;
        }
        self.refresh().await;
        self.lookup(kid)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.cached.read().unwrap_or_else(|e| e.into_inner())
    }

    fn lookup(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let cached = self.read();
        match kid {
            Some(kid) => cached.keys.get(kid).cloned(),
            None if cached.keys.len() + cached.anonymous.len() == 1 => cached
                .keys
                .values()
                .chain(cached.anonymous.iter())
                .next()
                .cloned(),
            None => None,
        }
    }

    async fn refresh(&self) {
        let fetched = self.fetch().await;
        let mut cached = self.cached.write().unwrap_or_else(|e| e.into_inner());
        cached.fetched_at = Some(Instant::now());
        match fetched {
            Ok((keys, anonymous)) => {
                tracing::info!(url = %self.url, keys = keys.len() + anonymous.len(), "fetched JWKS");
                cached.keys = keys;
                cached.anonymous = anonymous;
            }
            // Keep the keys we had: a provider hiccup must not log everybody out.
            Err(error) => tracing::warn!(url = %self.url, %error, "could not fetch JWKS"),
        }
    }

    async fn fetch(&self) -> anyhow::Result<(HashMap<String, DecodingKey>, Vec<DecodingKey>)> {
        let body: Value = self
            .client
            .get(&self.url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let entries = body
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow::anyhow!("the JWKS has no \"keys\" list"))?;
        let mut keys = HashMap::new();
        let mut anonymous = Vec::new();
        // Keys of kinds we do not use (EC, encryption keys) are skipped, not fatal.
        for entry in entries {
            let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
                continue;
            };
            if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
                continue;
            }
            let is_encryption = entry.get("use").and_then(Value::as_str) == Some("enc");
            if is_encryption {
                continue;
            }
            let Ok(key) = DecodingKey::from_jwk(&jwk) else {
                continue;
            };
            match jwk.common.key_id {
                Some(kid) => {
                    keys.insert(kid, key);
                }
                None => anonymous.push(key),
            }
        }
        Ok((keys, anonymous))
    }
}
