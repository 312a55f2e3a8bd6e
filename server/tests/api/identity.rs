//! Built-in identity: the `users` and `keys` commands as the real binary,
//! login and its failures, throttling, built-in tokens on the API, the JWKS
//! checked by an independent verifier, shared keys across instances, key
//! rotation, and demo mode.

use std::process::Command;
use std::time::{Duration, Instant};

use casting_server::settings::AuthSettings;
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn users_commands_manage_accounts_and_refuse_bad_input() {
    let app = TestApp::spawn(STORE).await;
    let db = &app.db_url;
    let out = ok(
        db,
        &[
            "users",
            "add",
            "Ann",
            "--role",
            "producer",
            "--password-stdin",
        ],
        Some("s3cret-pass\n"),
    );
    assert!(out.contains("added Ann (Executive Producer)"), "{out}");
    add_user(db, "bob", "assistant", "bobs-password");

    fails(
        db,
        &[
            "users",
            "add",
            "ANN",
            "--role",
            "director",
            "--password-stdin",
        ],
        Some("another-pass\n"),
        "already exists",
    );
    fails(
        db,
        &["users", "add", "cy", "--role", "boss", "--password-stdin"],
        Some("long-enough\n"),
        "invalid value 'boss'",
    );
    fails(
        db,
        &[
            "users",
            "add",
            "cy",
            "--role",
            "director",
            "--password-stdin",
        ],
        Some("short\n"),
        "at least 8 characters",
    );
    fails(
        db,
        &[
            "users",
            "add",
            "cy",
            "--role",
            "director",
            "--password-stdin",
        ],
        Some("\n"),
        "at least 8 characters",
    );
    fails(
        db,
        &["users", "add", "cy", "--role", "director"],
        None,
        "--password-stdin",
    );
    fails(
        db,
        &[
            "users",
            "add",
            "c y",
            "--role",
            "director",
            "--password-stdin",
        ],
        Some("long-enough\n"),
        "must not contain spaces",
    );
    fails(
        db,
        &["users", "set-role", "nobody", "director"],
        None,
        "no user named nobody",
    );
    fails(
        db,
        &["users", "set-password", "nobody", "--password-stdin"],
        Some("long-enough\n"),
        "no user named nobody",
    );
    fails(
        db,
        &["users", "remove", "nobody"],
        None,
        "no user named nobody",
    );
    fails(
        db,
        &["users", "disable", "nobody"],
        None,
        "no user named nobody",
    );

    let list = ok(db, &["users", "list"], None);
    assert!(
        list.contains("Ann") && list.contains("Executive Producer"),
        "{list}"
    );
    assert!(
        list.contains("bob") && list.contains("Casting Assistant"),
        "{list}"
    );
    assert!(!list.contains("cy"), "failed adds left nothing: {list}");

    // Roles, passwords, disabling and removal take effect on login.
    let (_, body) = login(&app, "bob", "bobs-password").await;
    assert_eq!(body["role"], "Casting Assistant");
    ok(db, &["users", "set-role", "bob", "director"], None);
    let (_, body) = login(&app, "bob", "bobs-password").await;
    assert_eq!(body["role"], "Casting Director");
    ok(
        db,
        &["users", "set-password", "bob", "--password-stdin"],
        Some("new-bob-password\n"),
    );
    assert_eq!(login(&app, "bob", "bobs-password").await.0, 401);
    assert_eq!(login(&app, "bob", "new-bob-password").await.0, 200);
    ok(db, &["users", "disable", "bob"], None);
    assert!(ok(db, &["users", "list"], None).contains("disabled"));
    assert_eq!(login(&app, "bob", "new-bob-password").await.0, 401);
    ok(db, &["users", "enable", "bob"], None);
    assert_eq!(login(&app, "bob", "new-bob-password").await.0, 200);
    ok(db, &["users", "remove", "bob"], None);
    assert_eq!(login(&app, "bob", "new-bob-password").await.0, 401);
    let hash: String = app
        .pool
        .scalar("SELECT password_hash FROM users WHERE username = 'Ann'")
        .await;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_gives_a_token_with_the_roles_permissions_on_the_api() {
    let app = TestApp::spawn(STORE).await;
    for (name, role) in [
        ("assistant", "assistant"),
        ("director", "director"),
        ("producer", "producer"),
    ] {
        add_user(&app.db_url, name, role, "password-123");
    }
    let (status, body) = login(&app, "Director", "password-123").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["role"], "Casting Director");
    assert_eq!(
        body["permissions"],
        json!([
            "get:actors",
            "get:movies",
            "post:actors",
            "patch:actors",
            "delete:actors",
            "patch:movies"
        ])
    );
    let director = body["access_token"].as_str().unwrap().to_owned();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            director.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], PUBLIC_URL);
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["role"], "Casting Director");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    assert!(claims["sub"].as_str().unwrap().starts_with("casting|"));

    let (status, me) = app.get("/auth/me", &director).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "Casting Director");
    assert_eq!(me["username"], "director");
    assert_eq!(me["issuer"], PUBLIC_URL);

    let assistant = login_token(&app, "assistant", "password-123").await;
    let producer_token = login_token(&app, "producer", "password-123").await;
    for (token, method, path, body, expected) in [
        (&assistant, "GET", "/actors", None, 200),
        (
            &assistant,
            "POST",
            "/actors",
            Some(json!({"name": "A", "age": 3})),
            403,
        ),
        (
            &director,
            "POST",
            "/actors",
            Some(json!({"name": "A", "age": 3})),
            201,
        ),
        (
            &director,
            "POST",
            "/movies",
            Some(json!({"title": "T", "release_date": "2020-01-01"})),
            403,
        ),
        (
            &producer_token,
            "POST",
            "/movies",
            Some(json!({"title": "T", "release_date": "2020-01-01"})),
            201,
        ),
        (&producer_token, "DELETE", "/movies/1", None, 200),
    ] {
        let (status, response) = app.send(method.parse().unwrap(), path, token, body).await;
        assert_eq!(status, expected, "{method} {path}: {response}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_unknown_and_disabled_users_get_the_same_401_in_about_the_same_time() {
    let app = TestApp::spawn(STORE).await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    add_user(&app.db_url, "off", "producer", "right-password");
    ok(&app.db_url, &["users", "disable", "off"], None);
    let mut answers = Vec::new();
    let mut times = Vec::new();
    for (user, password) in [
        ("ann", "wrong-password"),
        ("nobody", "right-password"),
        ("off", "right-password"),
    ] {
        let mut fastest = Duration::MAX;
        for _ in 0..3 {
            let started = Instant::now();
            let (status, body) = login(&app, user, password).await;
            fastest = fastest.min(started.elapsed());
            answers.push((status, body));
        }
        times.push(fastest);
    }
    for (status, body) in &answers {
        assert_error(*status, body, 401);
        assert_eq!(body, &answers[0].1, "every failure reads the same");
    }
    // An unknown user is checked against a dummy hash: not orders of magnitude faster.
    assert!(
        times[1] * 4 > times[0],
        "unknown user {:?} vs wrong password {:?}",
        times[1],
        times[0]
    );

    for bad in [
        json!({"username": "ann"}),
        json!({"username": "ann", "password": "x", "otp": 1}),
        json!(["ann"]),
        json!({"username": 5, "password": "x"}),
    ] {
        let response = app
            .http
            .post(app.url("/auth/login"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        let (status, body) = read(response).await;
        assert_error(status, &body, 422);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_are_throttled_with_429_and_retry_after() {
    let app = TestApp::spawn_with(Options {
        auth: AuthSettings {
            login_max_failures: 3,
            ..Options::new(STORE).auth
        },
        ..Options::new(STORE)
    })
    .await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    add_user(&app.db_url, "bea", "producer", "right-password");
    for _ in 0..3 {
        assert_eq!(login(&app, "ann", "guess").await.0, 401);
    }
    let response = app
        .http
        .post(app.url("/auth/login"))
        .json(&json!({"username": "ANN", "password": "right-password"}))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    let (status, body) = read(response).await;
    assert_error(status, &body, 429);
    // Another user from the same address is not locked out by ann's attempts...
    assert_eq!(login(&app, "bea", "right-password").await.0, 200);
    // ...until the address itself has failed too often (4 × the per-user allowance).
    for i in 0..9 {
        assert_eq!(login(&app, &format!("spray{i}"), "guess").await.0, 401);
    }
    assert_eq!(login(&app, "bea", "right-password").await.0, 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_built_in_token_is_refused_once_it_expires() {
    let app = TestApp::spawn_with(Options {
        auth: AuthSettings {
            token_ttl: Duration::from_secs(1),
            leeway: Duration::ZERO,
            ..Options::new(STORE).auth
        },
        ..Options::new(STORE)
    })
    .await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    let token = login_token(&app, "ann", "right-password").await;
    assert_eq!(app.get("/actors", &token).await.0, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = app.get("/actors", &token).await;
    assert_error(status, &body, 401);
    assert_eq!(body["detail"], "the token has expired");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_independent_verifier_accepts_our_tokens_with_the_published_jwks() {
    let app = TestApp::spawn(STORE).await;
    add_user(&app.db_url, "ann", "director", "right-password");
    let token = login_token(&app, "ann", "right-password").await;
    let (status, jwks) = app.get("/.well-known/jwks.json", "").await;
    assert_eq!(status, 200);
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("sig"))
    );
    assert!(key.get("d").is_none(), "no private part is published");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/verify_jwt.mjs");
    let verify = |token: &str| {
        Command::new("node")
            .args([
                script,
                &app.url("/.well-known/jwks.json"),
                PUBLIC_URL,
                AUDIENCE,
                token,
            ])
            .output()
            .expect("node runs (it verifies our tokens independently)")
    };
    let output = tokio::task::block_in_place(|| verify(&token));
    assert!(output.status.success(), "{}", text(&output));
    let claims: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(claims["preferred_username"], "ann");
    // The same verifier refuses a forged token: it really checks.
    let forged = sign_with(
        &claims,
        &rs256_header(key["kid"].as_str().unwrap()),
        OTHER_KEY,
    );
    let output = tokio::task::block_in_place(|| verify(&forged));
    assert!(!output.status.success());
}

#[tokio::test]
async fn auth_config_describes_both_issuers() {
    let app = TestApp::spawn_with(Options {
        client_id: Some("tui-client".into()),
        ..Options::new(STORE)
    })
    .await;
    let (status, config) = app.get("/auth/config", "").await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["builtin"]["enabled"], true);
    assert_eq!(config["builtin"]["issuer"], PUBLIC_URL);
    assert_eq!(config["builtin"]["login_path"], "/auth/login");
    assert_eq!(config["external"]["issuer"], ISSUER);
    assert_eq!(config["external"]["audience"], AUDIENCE);
    assert_eq!(config["external"]["client_id"], "tui-client");
    let device = config["external"]["device_authorization_endpoint"]
        .as_str()
        .unwrap();
    assert!(
        device.starts_with("http://127.0.0.1:") && device.ends_with("/oauth/device/code"),
        "{device}"
    );
    assert!(
        config["external"]["token_endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/oauth/token")
    );
}

/// Runs `serve --demo` until it listens, returning what it printed and the exit status.
fn serve_demo(db_url: &str) -> (String, bool) {
    let (server, listening) = Server::until_listening(serving(&["serve", "--demo"], Some(db_url)));
    (format!("{}{}", server.stdout(), server.stderr()), listening)
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_mode_seeds_an_empty_database_once_and_refuses_a_non_empty_one() {
    // The demo server runs first and alone: a SQLite file serves one server at a time.
    let db = TestDb::new(STORE);
    let (printed, listening) = tokio::task::block_in_place(|| serve_demo(&db.url));
    assert!(listening, "{printed}");
    // A second start does not seed again.
    let (again, listening) = tokio::task::block_in_place(|| serve_demo(&db.url));
    assert!(listening && again.contains("already"), "{again}");

    let app = TestApp::spawn_with(Options {
        shared_db: Some(db.url.clone()),
        ..Options::new(STORE)
    })
    .await;
    let count = |table: &'static str| {
        let pool = &app.pool;
        async move {
            pool.scalar::<i64>(&format!("SELECT count(*) FROM {table}"))
                .await
        }
    };
    assert!((60..100).contains(&count("actors").await));
    assert!(count("movies").await >= 25);
    assert_eq!(count("users").await, 3);
    // Every movie has a cast of 3–6 actors, each playing a named character.
    let cast_sizes: Vec<(i64, i64, i64)> = app
        .pool
        .fetch_all(
            "SELECT m.id, count(c.actor_id), count(c.character) \
             FROM movies m LEFT JOIN cast_entries c ON c.movie_id = m.id GROUP BY m.id",
        )
        .await;
    assert_eq!(cast_sizes.len() as i64, count("movies").await);
    for (movie, actors, characters) in &cast_sizes {
        assert!(
            (3..=6).contains(actors),
            "movie {movie} has {actors} actors"
        );
        assert_eq!(characters, actors, "movie {movie} has unnamed characters");
    }
    let seeded_cast: i64 = cast_sizes.iter().map(|(_, actors, _)| actors).sum();
    assert_eq!(count("cast_entries").await, seeded_cast);
    let (movie, actors, _) = cast_sizes[0];
    let (status, body) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cast"].as_array().unwrap().len() as i64, actors);
    assert!(body["cast"][0]["character"].is_string(), "{body}");
    for (user, role) in [
        ("assistant", "Casting Assistant"),
        ("director", "Casting Director"),
        ("producer", "Executive Producer"),
    ] {
        let line = printed
            .lines()
            .find(|l| l.trim_start().starts_with(user))
            .unwrap_or_else(|| panic!("{printed}"));
        let password = line.rsplit("password: ").next().unwrap().trim();
        let (status, body) = login(&app, user, password).await;
        assert_eq!(status, 200, "{user}: {body}");
        assert_eq!(body["role"], role);
    }

    // A database with data of its own is refused.
    let other = TestDb::new(STORE);
    add_user(&other.url, "real-person", "producer", "real-password");
    let (printed, listening) = tokio::task::block_in_place(|| serve_demo(&other.url));
    assert!(!listening, "{printed}");
    assert!(
        printed.contains("only seeded into an empty database"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_demo_nothing_is_seeded_and_no_account_exists() {
    let db = TestDb::new(STORE);
    let output = tokio::task::block_in_place(|| server_command(&db.url, &["migrate"], None));
    assert!(output.status.success(), "{}", text(&output));
    let pool = db.pool().await;
    for table in ["actors", "movies", "cast_entries", "users"] {
        let n: i64 = pool.scalar(&format!("SELECT count(*) FROM {table}")).await;
        assert_eq!(n, 0, "{table}");
    }
    pool.close().await;
}
