//! Tokens as the tests sign them with their own RSA keys, and the JWKS
//! endpoint, served over real HTTP, that publishes the public half.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use casting_shared::Role;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const ISSUER: &str = "https://casting-test.example.auth0.com/";
pub const AUDIENCE: &str = "casting-agency";
pub const KID: &str = "test-key-1";
/// `iss` of the tokens the server under test signs itself.
pub const PUBLIC_URL: &str = "http://casting.test";

pub const TEST_KEY: &[u8] = include_bytes!("../../fixtures/test_signing_key.pem");
pub const OTHER_KEY: &[u8] = include_bytes!("../../fixtures/other_signing_key.pem");
pub const TEST_PUBLIC_KEY: &[u8] = include_bytes!("../../fixtures/test_signing_key.pub.pem");

/// A JWKS endpoint served over real HTTP that counts its fetches.
#[derive(Clone)]
pub struct JwksServer {
    pub url: String,
    pub keys: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Jwk>) -> Self {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (k, f) = (keys.clone(), fetches.clone());
        let base = Arc::new(Mutex::new(String::new()));
        let discovery_base = base.clone();
        let router = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || {
                    let base = discovery_base.lock().expect("base").clone();
                    async move {
                        axum::Json(json!({
                            "issuer": ISSUER,
                            "device_authorization_endpoint": format!("{base}/oauth/device/code"),
                            "token_endpoint": format!("{base}/oauth/token"),
                        }))
                    }
                }),
            )
            .route(
                "/.well-known/jwks.json",
                axum::routing::get(move || {
                    let (k, f) = (k.clone(), f.clone());
                    async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        let set = JwkSet {
                            keys: k.lock().expect("keys").clone(),
                        };
                        axum::Json(set)
                    }
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind jwks");
        let addr = listener.local_addr().expect("addr");
        *base.lock().expect("base") = format!("http://{addr}");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url: format!("http://{addr}/.well-known/jwks.json"),
            keys,
            fetches,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

/// The public JWK of a private key PEM.
pub fn public_jwk(private_pem: &[u8], kid: &str) -> Jwk {
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    jwk
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Claims of a valid token with `permissions`; tests change what they need.
pub fn claims(permissions: &[&str]) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "auth0|tester",
        "iat": now(),
        "exp": now() + 3600,
        "permissions": permissions,
    })
}

pub fn sign_with(claims: &Value, header: &Header, private_pem: &[u8]) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key");
    jsonwebtoken::encode(header, claims, &key).expect("sign")
}

pub fn rs256_header(kid: &str) -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header
}

pub fn sign(claims: &Value) -> String {
    sign_with(claims, &rs256_header(KID), TEST_KEY)
}

pub fn token(permissions: &[&str]) -> String {
    sign(&claims(permissions))
}

pub fn role_token(role: Role) -> String {
    let permissions: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
    token(&permissions)
}

/// A token with every permission.
pub fn producer() -> String {
    role_token(Role::ExecutiveProducer)
}
