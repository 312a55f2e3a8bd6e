//! Corners a hostile client pokes at (issue 25, point 7): a key id that
//! starts with `-`, token answers kept out of caches, an `exp` no clock
//! reaches, a cursor holding a NUL, a JSON object giving a key twice.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::STORE;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_key_id_starting_with_a_dash_is_revoked_as_given() {
    let db = TestDb::new(STORE);
    ok(&db.url, &["migrate"], None);
    let pool = db.pool().await;
    // Ids are base64url thumbprints: one in 64 starts with `-`.
    pool.execute(
        "INSERT INTO signing_keys (kid, private_key_pem, retired_at) \
         VALUES ('-Zq3dashed', 'not used', '2026-01-01T00:00:00.000Z')",
    )
    .await;
    let out = ok(&db.url, &["keys", "revoke", "-Zq3dashed"], None);
    assert!(out.contains("revoked -Zq3dashed"), "{out}");
    let out = ok(&db.url, &["keys", "revoke", "--", "-Zq3dashed"], None);
    assert!(out.contains("already revoked"), "{out}");
    // Options still read as options.
    let help = tokio::task::block_in_place(|| {
        server_command(&db.url, &["keys", "revoke", "--help"], None)
    });
    assert!(
        help.status.success() && text(&help).contains("Usage"),
        "{}",
        text(&help)
    );
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_with_tokens_or_about_credentials_are_never_cached() {
    let app = TestApp::spawn(STORE).await;
    add_user(&app.db_url, "ann", "producer", "right-password");
    let token = login_token(&app, "ann", "right-password").await;
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut request = app.http.post(app.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let answers = [
        post(
            "/auth/login",
            None,
            json!({"username": "ann", "password": "right-password"}),
        )
        .await,
        post(
            "/auth/login",
            None,
            json!({"username": "ann", "password": "wrong-password"}),
        )
        .await,
        post("/auth/login", None, json!({"username": "ann"})).await,
        post("/auth/refresh", Some(&token), json!({})).await,
        post("/auth/refresh", Some("not-a-token"), json!({})).await,
    ];
    for answer in answers {
        let answer = answer.unwrap();
        let headers = answer.headers();
        assert_eq!(
            (headers.get("cache-control"), headers.get("pragma")),
            (
                Some(&"no-store".parse().unwrap()),
                Some(&"no-cache".parse().unwrap())
            ),
            "{} {}",
            answer.url(),
            answer.status()
        );
    }
    let jwks = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        jwks.headers().get("cache-control"),
        None,
        "the keys may be cached"
    );
}

#[tokio::test]
async fn an_exp_no_clock_reaches_is_refused_as_any_bad_exp() {
    let app = TestApp::spawn(STORE).await;
    for exp in [json!(u64::MAX), json!(-1), json!("tomorrow"), json!(1e30)] {
        let mut far = claims(&["get:actors"]);
        far["exp"] = exp.clone();
        let token = sign(&far);
        for path in ["/actors", "/events", "/changes"] {
            let (status, body) = app.get(path, &token).await;
            assert_error(status, &body, 401);
            assert_eq!(
                body["detail"], "the token is invalid",
                "exp {exp} on {path}"
            );
        }
    }
    // The latest `exp` taken, 9999-12-31T23:59:59Z, is served.
    let mut latest = claims(&["get:actors"]);
    latest["exp"] = json!(253_402_300_799u64);
    assert_eq!(app.get("/actors", &sign(&latest)).await.0, 200);
}

/// A text sort's cursor as the server writes it: the folded key, the id and
/// the folding's version (an older cursor is refused for its form alone).
fn cursor(sort: &str, value: serde_json::Value, id: i64) -> String {
    let version = casting_shared::names::FOLD_VERSION;
    URL_SAFE_NO_PAD.encode(json!([sort, value, id, version]).to_string())
}

#[tokio::test]
async fn a_cursor_holding_a_nul_is_400_on_every_store() {
    let app = TestApp::spawn(STORE).await;
    for name in ["Ann", "Bob", "Cy"] {
        app.actor(name, 30, "Other").await;
    }
    let (status, body) = app
        .get(
            &format!(
                "/actors?sort=name&per_page=1&after={}",
                cursor("name", json!(casting_shared::names::fold("Ann")), 1)
            ),
            &producer(),
        )
        .await;
    assert_eq!(
        (status, body["actors"][0]["name"].as_str()),
        (200, Some("Bob")),
        "{body}"
    );
    for forged in [json!("A\u{0}nn"), json!("\u{0}")] {
        let (status, body) = app
            .get(
                &format!(
                    "/actors?sort=name&after={}",
                    cursor("name", forged.clone(), 1)
                ),
                &producer(),
            )
            .await;
        assert_error(status, &body, 400);
        let (status, body) = app
            .get(
                &format!("/movies?sort=-title&after={}", cursor("-title", forged, 1)),
                &producer(),
            )
            .await;
        assert_error(status, &body, 400);
    }
}

#[tokio::test]
async fn a_json_object_giving_a_key_twice_is_422_and_changes_nothing() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Ann", 30, "Female").await;
    let movie = app.movie("Up", "2009-05-29").await;
    let before = app.snapshot().await;
    for (method, path, body, field) in [
        (
            "POST",
            "/actors".to_owned(),
            r#"{"name":"Ann","age":3,"name":"Bob"}"#,
            "name",
        ),
        (
            "PATCH",
            format!("/actors/{id}"),
            r#"{"age":31,"age":99}"#,
            "age",
        ),
        // The same key, escaped the second time.
        (
            "PATCH",
            format!("/movies/{movie}"),
            r#"{"title":"A","\u0074itle":"B"}"#,
            "title",
        ),
        (
            "PUT",
            format!("/movies/{movie}/cast/{id}"),
            r#"{"character":"A","character":null}"#,
            "character",
        ),
        (
            "POST",
            "/auth/login".to_owned(),
            r#"{"username":"ann","password":"x","username":"bob"}"#,
            "username",
        ),
    ] {
        let response = app
            .http
            .request(method.parse().unwrap(), app.url(&path))
            .bearer_auth(producer())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, answer) = read(response).await;
        assert_error(status, &answer, 422);
        assert!(
            answer["fields"][field].is_string(),
            "{method} {path}: {answer}"
        );
    }
    assert_eq!(app.snapshot().await, before);
    let (status, _) = login(&app, "ann", "x").await;
    assert_eq!(status, 401, "a well-formed login still gets its answer");
}
