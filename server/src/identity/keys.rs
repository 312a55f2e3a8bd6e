//! The server's own RSA signing keys and the tokens it signs with them.
//!
//! Keys live in the store (generated on first start, once however many
//! instances start together, so every instance on the database agrees)
//! unless a PEM file is configured. `casting-server keys rotate` adds a new key and retires the
//! old one, which keeps verifying until every token it signed has expired.
//! Each instance re-reads the keys when a token names a key id it does not
//! know and at least every [`REFRESH_EVERY`], so rotation reaches all.
//! `casting-server keys revoke KID` removes a key at once (a new one takes
//! over if it was signing); every instance drops it within seconds (see
//! `revocation.rs`). With a key-encryption key set, private keys are stored
//! encrypted (`sealing.rs`); a key found in plain text at start is sealed
//! and, if it was signing, rotated out (see [`seal_plain_keys`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;

use super::sealing::{self, KeySealer};
use crate::db::{RevokeOutcome, SealOutcome, Store};

/// How often an instance re-reads the key table at the latest.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// Shortest time between two re-reads caused by unknown key ids.
const UNKNOWN_KID_REFRESH: Duration = Duration::from_secs(1);

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
    Database(Store, Option<Arc<KeySealer>>),
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
        db: Store,
        token_ttl: Duration,
        sealer: Option<Arc<KeySealer>>,
    ) -> anyhow::Result<Self> {
        let retention = token_ttl + REFRESH_EVERY * 2 + Duration::from_secs(300);
        if let Some(sealer) = &sealer {
            seal_plain_keys(&db, sealer, retention).await?;
        }
        ensure_current_key(&db, sealer.as_deref()).await?;
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
    db: &Store,
    retention: Duration,
    sealer: Option<&KeySealer>,
) -> anyhow::Result<Loaded> {
    let rows = db
        .signing_keys(retention)
        .await
        .context("cannot read the signing keys")?;
    let mut current = None;
    let mut others = Vec::new();
    for row in rows {
        let key = parse_key(&sealing::unseal(sealer, &row.kid, &row.stored)?)?;
        if row.current && current.is_none() {
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
async fn ensure_current_key(db: &Store, sealer: Option<&KeySealer>) -> anyhow::Result<()> {
    let has_current = db
        .signing_keys(Duration::ZERO)
        .await?
        .iter()
        .any(|key| key.current);
    if has_current {
        return Ok(());
    }
    let pem = tokio::task::spawn_blocking(generate_pem).await??;
    let kid = parse_key(&pem)?.kid;
    let stored = sealing::stored_form(sealer, &kid, &pem)?;
    if db.add_first_signing_key(&kid, &stored).await? {
        tracing::info!(%kid, "generated the first signing key");
    }
    Ok(())
}

/// Encrypts the keys stored in plain text before a key-encryption key was
/// configured. Their plain text may have left with a copy of the database
/// (a backup, `copy`), and the store kept it in space it had freed: so the
/// plain key that was signing is retired for a new one (it verifies the
/// tokens it signed until they expire, `retention` from now, as after
/// `keys rotate`), and the store overwrites what it still held of them.
async fn seal_plain_keys(
    db: &Store,
    sealer: &KeySealer,
    retention: Duration,
) -> anyhow::Result<()> {
    let plain: Vec<(String, String)> = db
        .stored_signing_keys()
        .await?
        .into_iter()
        .filter(|(_, stored)| !sealing::is_sealed(stored))
        .collect();
    if plain.is_empty() {
        return Ok(());
    }
    let pem = tokio::task::spawn_blocking(generate_pem).await??;
    let successor = parse_key(&pem)?.kid;
    let successor_stored = sealer.seal(&successor, &pem)?;
    let mut sealed = 0;
    for (kid, stored) in plain {
        let outcome = db
            .seal_signing_key(
                &kid,
                &stored,
                &sealer.seal(&kid, &stored)?,
                (&successor, &successor_stored),
            )
            .await?;
        match outcome {
            // Another instance sealed it meanwhile.
            SealOutcome::Unchanged => continue,
            SealOutcome::Sealed => tracing::info!(%kid, "encrypted the stored signing key"),
            SealOutcome::SealedAndReplaced => {
                let retired_until = time::OffsetDateTime::now_utc() + retention;
                tracing::warn!(
                    %kid,
                    new_kid = %successor,
                    verifies_until = %retired_until.format(&time::format_description::well_known::Rfc3339)?,
                    "encrypted the signing key, which was stored in plain text, and rotated: a \
                     new key signs from now on; the old one, which a copy of the database may \
                     hold in plain text, only verifies the tokens it signed until they expire, \
                     then no longer at all"
                );
            }
        }
        sealed += 1;
    }
    if sealed > 0 {
        match db.scrub_signing_keys().await {
            Ok(true) => tracing::info!(
                "overwrote the plain text the database still held of the signing keys \
                 (free pages, write-ahead log)"
            ),
            Ok(false) => tracing::warn!(
                "the write-ahead log could not be truncated (another process reads the \
                 database): the plain text of the old signing key may stay in it until the \
                 next checkpoint"
            ),
            Err(error) => tracing::warn!(
                %error,
                "cannot overwrite the plain text the database still holds of the old signing \
                 key; it is retired, and tokens it signs are refused once it expires"
            ),
        }
    }
    Ok(())
}

/// A new key as stored, and its id. Without a key-encryption key, refuses
/// to add a plain key beside encrypted ones.
async fn new_key(db: &Store, sealer: Option<&KeySealer>) -> anyhow::Result<(String, String)> {
    if sealer.is_none() {
        let stored = db.stored_signing_keys().await?;
        if stored.iter().any(|(_, s)| sealing::is_sealed(s)) {
            anyhow::bail!(
                "the signing keys in the database are encrypted: set CASTING_KEY_ENCRYPTION_KEY \
                 (or CASTING_KEY_ENCRYPTION_KEY_FILE) so the new key is encrypted too"
            );
        }
    }
    let pem = tokio::task::spawn_blocking(generate_pem).await??;
    let kid = parse_key(&pem)?.kid;
    let stored = sealing::stored_form(sealer, &kid, &pem)?;
    Ok((kid, stored))
}

/// `casting-server keys rotate`: a new current key; the old one is retired
/// but keeps verifying the tokens it signed until they expire.
pub async fn rotate(db: &Store, sealer: Option<&KeySealer>) -> anyhow::Result<String> {
    let (kid, stored) = new_key(db, sealer).await?;
    db.rotate_signing_key(&kid, &stored).await?;
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
/// from now on, everywhere, and it leaves the JWKS. A replacement is made
/// beforehand and takes over only if the key was signing.
pub async fn revoke(db: &Store, kid: &str, sealer: Option<&KeySealer>) -> anyhow::Result<Revoked> {
    let (new_kid, stored) = new_key(db, sealer).await?;
    Ok(match db.revoke_signing_key(kid, &new_kid, &stored).await? {
        RevokeOutcome::NotFound => Revoked::NotFound,
        RevokeOutcome::AlreadyRevoked => Revoked::AlreadyRevoked,
        RevokeOutcome::Revoked { replaced } => Revoked::Done {
            replaced_by: replaced.then_some(new_kid),
        },
    })
}

/// Ids of the revoked keys.
pub async fn revoked_kids(db: &Store) -> anyhow::Result<Vec<String>> {
    Ok(db.revoked_kids().await?)
}

pub use crate::db::KeyInfo;

/// Every stored key, newest first.
pub async fn list(db: &Store) -> anyhow::Result<Vec<KeyInfo>> {
    Ok(db.list_signing_keys().await?)
}
