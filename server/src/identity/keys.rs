//! The server's own RSA signing keys and the tokens it signs with them.
//!
//! Keys live in the database (generated on first start, under an advisory
//! lock, so every instance on the database agrees) unless a PEM file is
//! configured. `casting-server keys rotate` adds a new key and retires the
//! old one, which keeps verifying until every token it signed has expired.
//! Each instance re-reads the keys when a token names a key id it does not
//! know and at least every [`REFRESH_EVERY`], so rotation reaches all.
//! `casting-server keys revoke KID` removes a key at once (a new one takes
//! over if it was signing); every instance drops it within seconds (see
//! `revocation.rs`). With a key-encryption key set, private keys are stored
//! encrypted (`sealing.rs`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;
use sqlx::PgPool;

use super::sealing::{self, KeySealer};

/// How often an instance re-reads the key table at the latest.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// Shortest time between two re-reads caused by unknown key ids.
const UNKNOWN_KID_REFRESH: Duration = Duration::from_secs(1);
/// Any constant; it names the lock that serialises key creation.
const KEY_LOCK: i64 = 0x6361_7374_6b65_7973; // "castkeys"

struct ParsedKey {
    kid: String,
    signing: EncodingKey,
    verifying: DecodingKey,
    public: Jwk,
}

fn parse_key(pem: &str) -> anyhow::Result<ParsedKey> {
    let signing =
        EncodingKey::from_rsa_pem(pem.as_bytes()).context("not an RSA private key PEM")?;
    let mut public = Jwk::from_encoding_key(&signing, Algorithm::RS256)
        .context("cannot derive the public key")?;
    let kid = public
        .thumbprint(ThumbprintHash::SHA256)
        .context("cannot compute the key id")?;
    public.common.key_id = Some(kid.clone());
    public.common.public_key_use = Some(PublicKeyUse::Signature);
    let verifying = DecodingKey::from_jwk(&public).context("cannot build the verifying key")?;
    Ok(ParsedKey {
        kid,
        signing,
        verifying,
        public,
    })
}

/// A new 2048-bit RSA private key as a PKCS#8 PEM.
pub fn generate_pem() -> anyhow::Result<String> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("cannot generate an RSA key"))?;
    let der = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("cannot encode the RSA key"))?;
    Ok(pem::encode(&pem::Pem::new(
        "PRIVATE KEY",
        der.as_ref().to_vec(),
    )))
}

struct Loaded {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: JwkSet,
    loaded_at: Instant,
}

impl Loaded {
    fn from_keys(current: ParsedKey, others: Vec<ParsedKey>) -> Self {
        let mut verifying = HashMap::new();
        let mut jwks = JwkSet { keys: Vec::new() };
        for key in std::iter::once(&current).chain(others.iter()) {
            verifying.insert(key.kid.clone(), key.verifying.clone());
            jwks.keys.push(key.public.clone());
        }
        Loaded {
            signing_kid: current.kid,
            signing: current.signing,
            verifying,
            jwks,
            loaded_at: Instant::now(),
        }
    }
}

enum KeyStore {
    Database(PgPool, Option<Arc<KeySealer>>),
    /// One key from `CASTING_SIGNING_KEY_FILE`; nothing to re-read.
    File,
}

pub struct Keyring {
    store: KeyStore,
    /// How long retired keys keep verifying: the token lifetime plus slack.
    retention: Duration,
    loaded: RwLock<Loaded>,
    reloading: tokio::sync::Mutex<()>,
    /// When a token with an unknown key id last caused a re-read.
    unknown_kid_reload: std::sync::Mutex<Option<Instant>>,
}

impl Keyring {
    /// Keys from the database, creating the first one if there is none.
    pub async fn from_database(
        db: PgPool,
        token_ttl: Duration,
        sealer: Option<Arc<KeySealer>>,
    ) -> anyhow::Result<Self> {
        if let Some(sealer) = &sealer {
            seal_plain_keys(&db, sealer).await?;
        }
        ensure_current_key(&db, sealer.as_deref()).await?;
        let retention = token_ttl + REFRESH_EVERY * 2 + Duration::from_secs(300);
        let loaded = load(&db, retention, sealer.as_deref()).await?;
        Ok(Self {
            store: KeyStore::Database(db, sealer),
            retention,
            loaded: RwLock::new(loaded),
            reloading: tokio::sync::Mutex::new(()),
            unknown_kid_reload: std::sync::Mutex::new(None),
        })
    }

    /// One fixed key from a PEM file's text.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let key = parse_key(pem)?;
        Ok(Self {
            store: KeyStore::File,
            retention: Duration::ZERO,
            loaded: RwLock::new(Loaded::from_keys(key, Vec::new())),
            reloading: tokio::sync::Mutex::new(()),
            unknown_kid_reload: std::sync::Mutex::new(None),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Re-reads the keys if the last read is older than `age`.
    async fn refresh_if_older(&self, age: Duration) {
        let KeyStore::Database(db, sealer) = &self.store else {
            return;
        };
        if self.read().loaded_at.elapsed() < age {
            return;
        }
        let _one_at_a_time = self.reloading.lock().await;
        if self.read().loaded_at.elapsed() < age {
            return;
        }
        match load(db, self.retention, sealer.as_deref()).await {
            Ok(loaded) => *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded,
            // Keep the keys we have; try again on the next occasion.
            Err(error) => tracing::warn!(%error, "cannot re-read the signing keys"),
        }
    }

    pub async fn decoding_key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let kid = kid?;
        self.refresh_if_older(REFRESH_EVERY).await;
        if let Some(key) = self.read().verifying.get(kid) {
            return Some(key.clone());
        }
        // Perhaps a key rotated in since the last read: re-read, but at most
        // once per UNKNOWN_KID_REFRESH however many made-up kids arrive.
        let may_reload = {
            let mut last = self
                .unknown_kid_reload
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let due = last.is_none_or(|at| at.elapsed() >= UNKNOWN_KID_REFRESH);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if may_reload {
            self.refresh_if_older(Duration::ZERO).await;
        }
        self.read().verifying.get(kid).cloned()
    }

    /// The id of the key tokens are signed with now.
    pub fn signing_kid(&self) -> String {
        self.read().signing_kid.clone()
    }

    /// Re-reads the keys now (a key was revoked).
    pub async fn reload(&self) {
        self.refresh_if_older(Duration::ZERO).await;
    }

    pub async fn jwks(&self) -> JwkSet {
        self.refresh_if_older(REFRESH_EVERY).await;
        self.read().jwks.clone()
    }

    /// Signs `claims` with the current key (RS256, with its `kid`).
    pub async fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        self.refresh_if_older(REFRESH_EVERY).await;
        let loaded = self.read();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(loaded.signing_kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &loaded.signing).context("cannot sign the token")
    }
}

async fn load(
    db: &PgPool,
    retention: Duration,
    sealer: Option<&KeySealer>,
) -> anyhow::Result<Loaded> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT kid, private_key_pem, retired_at IS NULL FROM signing_keys \
         WHERE revoked_at IS NULL \
         AND (retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)) \
         ORDER BY created_at DESC",
    )
    .bind(retention.as_secs_f64())
    .fetch_all(db)
    .await
    .context("cannot read the signing keys")?;
    let mut current = None;
    let mut others = Vec::new();
    for (kid, stored, is_current) in rows {
        let key = parse_key(&sealing::unseal(sealer, &kid, &stored)?)?;
        if is_current && current.is_none() {
            current = Some(key);
        } else {
            others.push(key);
        }
    }
    let current = current.context("there is no current signing key")?;
    Ok(Loaded::from_keys(current, others))
}

/// Creates the first signing key unless one exists; safe when several
/// instances start at once.
async fn ensure_current_key(db: &PgPool, sealer: Option<&KeySealer>) -> anyhow::Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)")
            .fetch_one(db)
            .await?;
    if exists {
        return Ok(());
    }
    let pem = tokio::task::spawn_blocking(generate_pem).await??;
    let kid = parse_key(&pem)?.kid;
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(KEY_LOCK)
        .execute(&mut *tx)
        .await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)")
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
            .bind(&kid)
            .bind(sealing::stored_form(sealer, &kid, &pem)?)
            .execute(&mut *tx)
            .await?;
        tracing::info!(%kid, "generated the first signing key");
    }
    tx.commit().await?;
    Ok(())
}

/// Encrypts the keys stored in plain text before a key-encryption key was
/// configured.
async fn seal_plain_keys(db: &PgPool, sealer: &KeySealer) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(KEY_LOCK)
        .execute(&mut *tx)
        .await?;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT kid, private_key_pem FROM signing_keys")
            .fetch_all(&mut *tx)
            .await?;
    for (kid, stored) in rows {
        if sealing::is_sealed(&stored) {
            continue;
        }
        sqlx::query("UPDATE signing_keys SET private_key_pem = $2 WHERE kid = $1")
            .bind(&kid)
            .bind(sealer.seal(&kid, &stored)?)
            .execute(&mut *tx)
            .await?;
        tracing::info!(%kid, "encrypted the stored signing key");
    }
    tx.commit().await?;
    Ok(())
}

/// Makes a new key the current one, retiring the one before (inside `tx`,
/// which holds the key lock).
async fn add_current_key(
    tx: &mut sqlx::PgConnection,
    sealer: Option<&KeySealer>,
) -> anyhow::Result<String> {
    if sealer.is_none() {
        let stored: Vec<String> = sqlx::query_scalar("SELECT private_key_pem FROM signing_keys")
            .fetch_all(&mut *tx)
            .await?;
        if stored.iter().any(|s| sealing::is_sealed(s)) {
            anyhow::bail!(
                "the signing keys in the database are encrypted: set CASTING_KEY_ENCRYPTION_KEY \
                 (or CASTING_KEY_ENCRYPTION_KEY_FILE) so the new key is encrypted too"
            );
        }
    }
    let pem = tokio::task::spawn_blocking(generate_pem).await??;
    let kid = parse_key(&pem)?.kid;
    sqlx::query("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO signing_keys (kid, private_key_pem) VALUES ($1, $2)")
        .bind(&kid)
        .bind(sealing::stored_form(sealer, &kid, &pem)?)
        .execute(&mut *tx)
        .await?;
    Ok(kid)
}

async fn lock_keys(db: &PgPool) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(KEY_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// `casting-server keys rotate`: a new current key; the old one is retired
/// but keeps verifying the tokens it signed until they expire.
pub async fn rotate(db: &PgPool, sealer: Option<&KeySealer>) -> anyhow::Result<String> {
    let mut tx = lock_keys(db).await?;
    let kid = add_current_key(&mut tx, sealer).await?;
    tx.commit().await?;
    Ok(kid)
}

/// What `keys revoke` did.
#[derive(Debug)]
pub enum Revoked {
    /// The key was revoked; if it was signing, this new key took over.
    Done {
        replaced_by: Option<String>,
    },
    NotFound,
    AlreadyRevoked,
}

/// `casting-server keys revoke KID`: tokens signed with the key are refused
/// from now on, everywhere, and it leaves the JWKS.
pub async fn revoke(db: &PgPool, kid: &str, sealer: Option<&KeySealer>) -> anyhow::Result<Revoked> {
    let mut tx = lock_keys(db).await?;
    let found: Option<(bool, bool)> = sqlx::query_as(
        "SELECT retired_at IS NULL, revoked_at IS NOT NULL FROM signing_keys WHERE kid = $1",
    )
    .bind(kid)
    .fetch_optional(&mut *tx)
    .await?;
    let replaced_by = match found {
        None => return Ok(Revoked::NotFound),
        Some((_, true)) => return Ok(Revoked::AlreadyRevoked),
        Some((true, false)) => Some(add_current_key(&mut tx, sealer).await?),
        Some((false, false)) => None,
    };
    sqlx::query(
        "UPDATE signing_keys SET revoked_at = now(), retired_at = COALESCE(retired_at, now()) \
         WHERE kid = $1",
    )
    .bind(kid)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Revoked::Done { replaced_by })
}

/// Ids of the revoked keys.
pub async fn revoked_kids(db: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT kid FROM signing_keys WHERE revoked_at IS NOT NULL")
        .fetch_all(db)
        .await
}

/// One row of `keys list`.
#[derive(Debug, sqlx::FromRow)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: time::OffsetDateTime,
    pub retired_at: Option<time::OffsetDateTime>,
    pub revoked_at: Option<time::OffsetDateTime>,
}

/// Every stored key, newest first.
pub async fn list(db: &PgPool) -> sqlx::Result<Vec<KeyInfo>> {
    sqlx::query_as(
        "SELECT kid, created_at, retired_at, revoked_at FROM signing_keys ORDER BY created_at DESC",
    )
    .fetch_all(db)
    .await
}
