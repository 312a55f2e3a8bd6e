//! Signing keys encrypted at rest: with `CASTING_KEY_ENCRYPTION_KEY` (or
//! `CASTING_KEY_ENCRYPTION_KEY_FILE`) set, each private key is stored in
//! `signing_keys.private_key_pem` as `sealed:v1:` + base64(nonce ‖ AES-256-GCM
//! ciphertext ‖ tag), its key id bound as associated data, so a copy of the
//! database alone cannot mint tokens.

use anyhow::{Context, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const PREFIX: &str = "sealed:v1:";

/// The key-encryption key.
pub struct KeySealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for KeySealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySealer(..)")
    }
}

impl KeySealer {
    /// From 32 bytes written in base64 (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .context("the key encryption key is not base64")?;
        if bytes.len() != 32 {
            bail!(
                "the key encryption key must be 32 bytes (base64 of `openssl rand -base64 32`), not {}",
                bytes.len()
            );
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| anyhow::anyhow!("cannot use the key encryption key"))?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }

    /// The stored form of the private key `pem` whose id is `kid`.
    pub fn seal(&self, kid: &str, pem: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| anyhow::anyhow!("no randomness"))?;
        let mut data = pem.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut data,
            )
            .map_err(|_| anyhow::anyhow!("cannot encrypt the signing key"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}", STANDARD.encode(sealed)))
    }

    fn open(&self, kid: &str, sealed: &str) -> anyhow::Result<String> {
        let bytes = STANDARD
            .decode(sealed)
            .with_context(|| format!("the stored signing key {kid} is damaged"))?;
        if bytes.len() < NONCE_LEN {
            bail!("the stored signing key {kid} is damaged");
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| anyhow::anyhow!("the stored signing key {kid} is damaged"))?;
        let mut data = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut data)
            .map_err(|_| {
                anyhow::anyhow!(
                    "cannot decrypt the signing key {kid}: wrong CASTING_KEY_ENCRYPTION_KEY?"
                )
            })?;
        String::from_utf8(plain.to_vec()).context("the decrypted signing key is not text")
    }
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The PEM of a stored key, decrypting it if it is sealed.
pub fn unseal(sealer: Option<&KeySealer>, kid: &str, stored: &str) -> anyhow::Result<String> {
    match (stored.strip_prefix(PREFIX), sealer) {
        (None, _) => Ok(stored.to_owned()),
        (Some(sealed), Some(sealer)) => sealer.open(kid, sealed),
        (Some(_), None) => bail!(
            "the signing keys in the database are encrypted: set CASTING_KEY_ENCRYPTION_KEY \
             (or CASTING_KEY_ENCRYPTION_KEY_FILE)"
        ),
    }
}

/// What to store for a new key: sealed when a sealer is configured.
pub fn stored_form(sealer: Option<&KeySealer>, kid: &str, pem: &str) -> anyhow::Result<String> {
    match sealer {
        Some(sealer) => sealer.seal(kid, pem),
        None => Ok(pem.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_key_and_kid() {
        let sealer = KeySealer::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let other = KeySealer::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        let sealed = sealer.seal("kid1", "-----BEGIN PRIVATE KEY-----").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("BEGIN"));
        assert_eq!(
            unseal(Some(&sealer), "kid1", &sealed).unwrap(),
            "-----BEGIN PRIVATE KEY-----"
        );
        assert!(
            unseal(Some(&sealer), "kid2", &sealed).is_err(),
            "bound to its kid"
        );
        assert!(unseal(Some(&other), "kid1", &sealed).is_err());
        assert!(unseal(None, "kid1", &sealed).is_err());
        assert!(KeySealer::from_base64("c2hvcnQ=").is_err());
    }
}
