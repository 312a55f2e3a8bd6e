//! Taking tokens back (issue 10): users disabled, removed, demoted or given a
//! new password, revoked keys, session refresh, keys encrypted at rest,
//! demo passwords kept off standard output.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use casting_server::db::{Location, StoreSettings};
use casting_server::identity::sealing::KeySealer;
use casting_server::settings::AuthSettings;
use casting_server::{Application, Settings};
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

/// The bound the issue sets on how long a taken-back token may still work.
const REVOCATION_BOUND: Duration = Duration::from_secs(10);

fn shared(first: &TestApp) -> Options {
    Options {
        shared_db: Some(first.db_url.clone()),
        ..Options::new(STORE)
    }
}

/// What `Application::build` says when it refuses to start on `db_url`.
async fn refusal(db_url: &str, auth: AuthSettings) -> String {
    let settings = Settings {
        database: Location::parse(db_url).unwrap(),
        store: StoreSettings::default(),
        http: test_http(),
        auth,
        demo: false,
    };
    let error = Application::build(settings).await.err().expect("refused");
    format!("{error:#}")
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Waits until `token` is refused (401) by every app.
async fn refused_everywhere(apps: &[&TestApp], token: &str) -> bool {
    eventually(REVOCATION_BOUND, || async {
        for app in apps {
            if app.get("/actors", token).await.0 != 401 {
                return false;
            }
        }
        true
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn user_changes_take_tokens_back_on_every_instance_within_seconds() {
    let first = TestApp::spawn(STORE).await;
    let other = first.another_instance().await;
    let second = other.as_ref().unwrap_or(&first);
    let db = &first.db_url;
    let names = [
        "demoted",
        "disabled",
        "removed",
        "repassworded",
        "untouched",
    ];
    for name in names {
        add_user(db, name, "producer", "right-password");
    }
    let mut tokens = Vec::new();
    for name in names {
        tokens.push(login_token(&first, name, "right-password").await);
    }
    for token in &tokens {
        let (status, body) = second
            .post(
                "/actors",
                token,
                json!({"name": "Ok", "age": 30, "gender": "Other"}),
            )
            .await;
        assert_eq!(
            status, 201,
            "a new user's token works at once on another instance: {body}"
        );
    }
    ok(db, &["users", "set-role", "demoted", "assistant"], None);
    ok(db, &["users", "disable", "disabled"], None);
    ok(db, &["users", "remove", "removed"], None);
    ok(
        db,
        &["users", "set-password", "repassworded", "--password-stdin"],
        Some("a-new-password\n"),
    );
    for (name, token) in names.iter().zip(&tokens).take(4) {
        assert!(
            refused_everywhere(&[&first, second], token).await,
            "{name}'s token still works after {REVOCATION_BOUND:?}"
        );
        let (status, body) = second.get("/actors", token).await;
        assert_error(status, &body, 401);
        assert_eq!(body["detail"], "the token has been revoked");
    }
    assert_eq!(second.get("/actors", &tokens[4]).await.0, 200);
    // Enabling again does not bring old tokens back; a new login works.
    ok(db, &["users", "enable", "disabled"], None);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(first.get("/actors", &tokens[1]).await.0, 401);
    let fresh = login_token(&first, "disabled", "right-password").await;
    assert_eq!(second.get("/actors", &fresh).await.0, 200);
    // The demoted user's new token carries the new role.
    let demoted = login_token(second, "demoted", "right-password").await;
    assert_eq!(claims_of(&demoted)["role"], "Casting Assistant");
    let (status, _) = first
        .post(
            "/actors",
            &demoted,
            json!({"name": "No", "age": 30, "gender": "Other"}),
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_is_refused_everywhere_and_leaves_the_jwks() {
    let first = TestApp::spawn(STORE).await;
    let other = first.another_instance().await;
    let second = other.as_ref().unwrap_or(&first);
    add_user(&first.db_url, "ann", "producer", "right-password");
    let old = login_token(&first, "ann", "right-password").await;
    let kid = jsonwebtoken::decode_header(&old).unwrap().kid.unwrap();
    assert_eq!(second.get("/actors", &old).await.0, 200);

    let out = ok(&first.db_url, &["keys", "revoke", &kid], None);
    assert!(out.contains("the new signing key is"), "{out}");
    assert!(
        refused_everywhere(&[&first, second], &old).await,
        "the revoked key still verifies"
    );
    for app in [&first, second] {
        let (_, jwks) = app.get("/.well-known/jwks.json", "").await;
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert!(!kids.contains(&kid.as_str()), "{kids:?}");
        assert_eq!(kids.len(), 1, "the key that took over is published");
    }
    // Both instances sign with the new key and accept each other's tokens.
    let from_first = login_token(&first, "ann", "right-password").await;
    let from_second = login_token(second, "ann", "right-password").await;
    for token in [&from_first, &from_second] {
        assert_ne!(
            jsonwebtoken::decode_header(token).unwrap().kid.unwrap(),
            kid
        );
        assert_eq!(first.get("/actors", token).await.0, 200);
        assert_eq!(second.get("/actors", token).await.0, 200);
    }
    let listed = ok(&first.db_url, &["keys", "list"], None);
    assert!(
        listed.contains(&kid) && listed.lines().count() == 3,
        "{listed}"
    );
    fails(
        &first.db_url,
        &["keys", "revoke", "no-such-kid"],
        None,
        "no signing key",
    );
}

async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    app.post("/auth/refresh", token, json!({})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_gives_a_fresh_token_with_the_current_role_until_the_session_ends() {
    let app = TestApp::spawn(STORE).await;
    let db = &app.db_url;
    add_user(db, "ann", "producer", "right-password");
    let token = login_token(&app, "ann", "right-password").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = refresh(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["role"], "Executive Producer");
    assert_eq!(body["permissions"].as_array().unwrap().len(), 8);
    let expires_in = body["expires_in"].as_u64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    let fresh = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, token);
    assert_eq!(
        claims_of(&fresh)["auth_time"],
        claims_of(&token)["auth_time"],
        "same session"
    );
    assert!(claims_of(&fresh)["iat"].as_u64() > claims_of(&token)["iat"].as_u64());
    assert_eq!(app.get("/actors", &fresh).await.0, 200);

    // A token from another issuer cannot be refreshed here.
    let (status, body) = refresh(&app, &producer()).await;
    assert_error(status, &body, 401);
    let (status, body) = refresh(&app, "").await;
    assert_error(status, &body, 401);

    // A demoted user's old tokens cannot be refreshed, however fast one tries.
    ok(db, &["users", "set-role", "ann", "director"], None);
    let (status, body) = refresh(&app, &fresh).await;
    assert_error(status, &body, 401);
    let director = login_token(&app, "ann", "right-password").await;
    let (status, body) = refresh(&app, &director).await;
    assert_eq!(
        (status, body["role"].as_str()),
        (200, Some("Casting Director")),
        "{body}"
    );
    let director = body["access_token"].as_str().unwrap().to_owned();
    ok(db, &["users", "disable", "ann"], None);
    let (status, body) = refresh(&app, &director).await;
    assert_error(status, &body, 401);
    ok(db, &["users", "enable", "ann"], None);
    let again = login_token(&app, "ann", "right-password").await;
    ok(db, &["users", "remove", "ann"], None);
    let (status, body) = refresh(&app, &again).await;
    assert_error(status, &body, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_ends_session_max_after_its_password_login_and_refreshes_are_bounded() {
    let app = TestApp::spawn_with(Options {
        auth: AuthSettings {
            session_max: Duration::from_secs(3),
            leeway: Duration::ZERO,
            ..Options::new(STORE).auth
        },
        ..Options::new(STORE)
    })
    .await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    let token = login_token(&app, "ann", "right-password").await;
    let claims = claims_of(&token);
    assert!(claims["exp"].as_u64().unwrap() <= claims["auth_time"].as_u64().unwrap() + 3);
    let (status, body) = refresh(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    let refreshed = body["access_token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body) = refresh(&app, &refreshed).await;
    assert_error(status, &body, 401);

    // Ten refreshes a minute per user, then 429 with Retry-After.
    let token = login_token(&app, "ann", "right-password").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(refresh(&app, &token).await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let response = app
        .http
        .post(app.url("/auth/refresh"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
}

fn sealer(byte: u8) -> Arc<KeySealer> {
    Arc::new(KeySealer::from_base64(&STANDARD.encode([byte; 32])).unwrap())
}

async fn stored_keys(app: &TestApp) -> Vec<String> {
    app.pool
        .fetch_all::<(String,)>("SELECT private_key_pem FROM signing_keys")
        .await
        .into_iter()
        .map(|(key,)| key)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_keys_are_encrypted_at_rest_when_a_key_encryption_key_is_set() {
    // An instance without the setting stores its key in plain text...
    let plain = TestApp::spawn(STORE).await;
    assert!(stored_keys(&plain).await[0].contains("BEGIN PRIVATE KEY"));
    // One server at a time: a SQLite file serves one instance.
    plain.stop().await;
    // ...which one with the setting encrypts in place.
    let with_key = |byte| Options {
        auth: AuthSettings {
            key_sealer: Some(sealer(byte)),
            ..Options::new(STORE).auth
        },
        ..shared(&plain)
    };
    let sealed = TestApp::spawn_with(with_key(7)).await;
    add_user(&sealed.db_url, "ann", "producer", "right-password");
    let key_env = STANDARD.encode([7u8; 32]);
    let out = run(
        binary(&["keys", "rotate"])
            .env("DATABASE_URL", &sealed.db_url)
            .env("CASTING_KEY_ENCRYPTION_KEY", &key_env),
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The plain key, sealed and rotated out at the start; its successor; the rotated-in one.
    let rows = stored_keys(&sealed).await;
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert!(
            row.starts_with("sealed:v1:") && !row.contains("BEGIN"),
            "{row}"
        );
    }
    let token = login_token(&sealed, "ann", "right-password").await;
    assert_eq!(sealed.get("/actors", &token).await.0, 200);
    sealed.stop().await;
    let again = TestApp::spawn_with(with_key(7)).await;
    assert_eq!(again.get("/actors", &token).await.0, 200);
    again.stop().await;

    // Without the key, or with another one, nothing starts and nothing is written.
    for (auth, expected) in [
        (Options::new(STORE).auth, "CASTING_KEY_ENCRYPTION_KEY"),
        (with_key(8).auth, "cannot decrypt"),
    ] {
        let error = refusal(&sealed.db_url, auth).await;
        assert!(error.contains(expected), "{error}");
    }
    fails(
        &sealed.db_url,
        &["keys", "rotate"],
        None,
        "CASTING_KEY_ENCRYPTION_KEY",
    );
    assert_eq!(stored_keys(&sealed).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_passwords_go_to_standard_error_only() {
    let db = TestDb::new(STORE);
    let demo = serving(&["serve", "--demo"], Some(&db.url));
    let (server, _) = tokio::task::block_in_place(|| Server::until_listening(demo));
    let (printed, errors) = (server.stdout(), server.stderr());
    assert!(printed.contains("\"listening\""), "{printed}");
    assert!(
        !printed.contains("password:"),
        "a password on standard output: {printed}"
    );
    assert_eq!(errors.matches("password:").count(), 3, "{errors}");
}
