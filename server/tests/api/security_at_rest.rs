//! Secrets at rest (issue 25, point 4): a signing key stored in plain text
//! and found at a start with `CASTING_KEY_ENCRYPTION_KEY` is sealed, what
//! the store kept of its plain text is overwritten, and it is rotated out:
//! it verifies the tokens it signed until they expire, then nothing, so a
//! copy of the database made before cannot mint tokens for long.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::STORE;
use crate::support::*;

const PLAIN_KEY: &str = "BEGIN PRIVATE KEY";

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// The files PostgreSQL keeps `signing_keys` in (the table and its TOAST
/// table), relative to its data directory.
async fn table_files(pool: &TestPool) -> Vec<String> {
    pool.fetch_all::<(String,)>(
        "SELECT pg_relation_filepath(oid) FROM pg_class WHERE relname = 'signing_keys' \
         UNION ALL SELECT pg_relation_filepath(reltoastrelid) FROM pg_class \
         WHERE relname = 'signing_keys' AND reltoastrelid <> 0",
    )
    .await
    .into_iter()
    .map(|(path,)| path)
    .collect()
}

/// Whether the bytes the store keeps on disk hold `text`: the SQLite file
/// and its write-ahead log, or PostgreSQL's files of `signing_keys` (these
/// and `earlier` ones, after a checkpoint wrote its buffers out).
async fn on_disk(db: &TestDb, pool: &TestPool, earlier: &[String], text: &str) -> bool {
    match db.backend {
        Backend::Sqlite => {
            let file = db.url.strip_prefix("sqlite:").unwrap();
            [file.to_owned(), format!("{file}-wal")].iter().any(|path| {
                std::fs::read(path).is_ok_and(|bytes| {
                    bytes
                        .windows(text.len())
                        .any(|window| window == text.as_bytes())
                })
            })
        }
        Backend::Postgres => {
            pool.execute("CHECKPOINT").await;
            let mut files = table_files(pool).await;
            files.extend_from_slice(earlier);
            for file in files {
                let found: bool = pool
                    .scalar(&format!(
                        "SELECT coalesce(position(convert_to('{text}', 'UTF8') IN \
                         pg_read_binary_file('{file}', 0, 16777216, true)), 0) > 0"
                    ))
                    .await;
                if found {
                    return true;
                }
            }
            false
        }
    }
}

/// `GET path` on the server at `address`.
async fn get(address: std::net::SocketAddr, path: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("http://{address}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    read(response).await
}

/// A token from `POST /auth/login` on the server at `address`.
async fn login_at(address: std::net::SocketAddr, username: &str, password: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("http://{address}/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The real server on `db` with the key-encryption key, its logs read.
fn start_sealed(db: &TestDb, jwks: &JwksServer) -> Server {
    Server::start_with(db, jwks, |command| {
        command
            .env("CASTING_KEY_ENCRYPTION_KEY", STANDARD.encode([7u8; 32]))
            .env("CASTING_PUBLIC_URL", PUBLIC_URL);
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_key_found_at_start_is_sealed_overwritten_rotated_and_then_retired() {
    // A database whose key is stored in plain text, and a copy of it.
    let plain = TestApp::spawn(STORE).await;
    add_user(&plain.db_url, "ann", "producer", "right-password");
    let old_token = login_token(&plain, "ann", "right-password").await;
    let old_kid = kid_of(&old_token);
    let (old_pem,): (String,) = plain
        .pool
        .fetch_all("SELECT private_key_pem FROM signing_keys")
        .await
        .remove(0);
    assert!(old_pem.contains(PLAIN_KEY));
    plain.stop().await;
    let db = TestDb::new(STORE);
    ok(
        &plain.db_url,
        &["copy", "--from", &plain.db_url, "--to", &db.url],
        None,
    );
    let pool = db.pool().await;
    let earlier = match STORE {
        Backend::Postgres => table_files(&pool).await,
        Backend::Sqlite => Vec::new(),
    };
    assert!(
        on_disk(&db, &pool, &earlier, PLAIN_KEY).await,
        "the copy holds the key in plain text"
    );

    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| start_sealed(&db, &jwks));
    let said = tokio::task::block_in_place(|| server.wait_for_all(&[&old_kid, "rotated"]));
    let log: Value = serde_json::from_str(&said).unwrap();
    let new_kid = log["new_kid"].as_str().unwrap().to_owned();
    assert!(log["verifies_until"].is_string(), "{said}");
    tokio::task::block_in_place(|| server.wait_for("overwrote the plain text"));
    let address = tokio::task::block_in_place(|| server.address());
    // Nothing of the plain key is left in the files, while the server runs.
    assert!(
        !on_disk(&db, &pool, &earlier, PLAIN_KEY).await,
        "the plain key is still in the files"
    );
    let stored: Vec<(String, String)> = pool
        .fetch_all("SELECT kid, private_key_pem FROM signing_keys")
        .await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (kid, key) in &stored {
        assert!(key.starts_with("sealed:v1:"), "{kid}: {key}");
    }
    // The old key still verifies what it signed; a new login is signed
    // with the new key.
    assert_eq!(get(address, "/actors", &old_token).await.0, 200);
    let new_token = login_at(address, "ann", "right-password").await;
    assert_eq!(kid_of(&new_token), new_kid);
    assert_ne!(new_kid, old_kid);
    server.terminate();
    tokio::task::block_in_place(|| server.child.wait()).unwrap();

    // Once the tokens the old key signed have expired (its retirement, made
    // that long ago here), nothing it signs is accepted, not even a token
    // minted now from the plain copy.
    let long_ago = match STORE {
        Backend::Postgres => "now() - interval '1 day'",
        Backend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')",
    };
    pool.execute(&format!(
        "UPDATE signing_keys SET retired_at = {long_ago} WHERE kid = '{old_kid}'"
    ))
    .await;
    let mut server = tokio::task::block_in_place(|| start_sealed(&db, &jwks));
    let address = tokio::task::block_in_place(|| server.address());
    let mut minted = claims_of(&old_token);
    minted["iat"] = now().into();
    minted["exp"] = (now() + 600).into();
    let minted = sign_with(&minted, &rs256_header(&old_kid), old_pem.as_bytes());
    for token in [&old_token, &minted] {
        let (status, body) = get(address, "/actors", token).await;
        assert_error(status, &body, 401);
        assert_eq!(body["detail"], "the token's signing key is unknown");
    }
    assert_eq!(get(address, "/actors", &new_token).await.0, 200);
    login_at(address, "ann", "right-password").await;
    pool.close().await;
}
