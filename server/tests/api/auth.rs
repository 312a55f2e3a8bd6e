//! Bearer tokens: the role × endpoint permission matrix, every token problem,
//! and the JWKS fetch-and-cache path.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use casting_shared::{Permission, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

struct Endpoint {
    method: Method,
    /// `{actor}` and `{movie}` are replaced by ids of existing rows; the
    /// actor is in the movie's cast.
    path: &'static str,
    body: Option<Value>,
    permission: Permission,
    success: u16,
}

fn endpoints() -> Vec<Endpoint> {
    let e = |method, path, body, permission, success| Endpoint {
        method,
        path,
        body,
        permission,
        success,
    };
    vec![
        e(Method::GET, "/actors", None, Permission::GetActors, 200),
        e(
            Method::GET,
            "/actors/{actor}",
            None,
            Permission::GetActors,
            200,
        ),
        e(
            Method::POST,
            "/actors",
            Some(json!({"name": "New", "age": 30})),
            Permission::PostActors,
            201,
        ),
        e(
            Method::PATCH,
            "/actors/{actor}",
            Some(json!({"age": 31})),
            Permission::PatchActors,
            200,
        ),
        e(
            Method::DELETE,
            "/actors/{actor}",
            None,
            Permission::DeleteActors,
            200,
        ),
        e(Method::GET, "/movies", None, Permission::GetMovies, 200),
        e(
            Method::GET,
            "/movies/{movie}",
            None,
            Permission::GetMovies,
            200,
        ),
        e(
            Method::POST,
            "/movies",
            Some(json!({"title": "New", "release_date": "2024-01-01"})),
            Permission::PostMovies,
            201,
        ),
        e(
            Method::PATCH,
            "/movies/{movie}",
            Some(json!({"title": "Renamed"})),
            Permission::PatchMovies,
            200,
        ),
        e(
            Method::DELETE,
            "/movies/{movie}",
            None,
            Permission::DeleteMovies,
            200,
        ),
        e(
            Method::GET,
            "/movies/{movie}/cast",
            None,
            Permission::GetMovies,
            200,
        ),
        e(
            Method::PUT,
            "/movies/{movie}/cast/{actor}",
            Some(json!({"character": "Neo"})),
            Permission::PatchMovies,
            200,
        ),
        e(
            Method::DELETE,
            "/movies/{movie}/cast/{actor}",
            None,
            Permission::PatchMovies,
            200,
        ),
        e(
            Method::GET,
            "/actors/{actor}/movies",
            None,
            Permission::GetActors,
            200,
        ),
    ]
}

#[tokio::test]
async fn every_role_gets_exactly_its_permissions_on_every_endpoint() {
    let app = TestApp::spawn(STORE).await;
    let no_permissions = sign(&{
        let mut c = claims(&[]);
        c.as_object_mut().unwrap().remove("permissions");
        c
    });
    let callers: Vec<(&str, String, &[Permission])> = vec![
        (
            "Casting Assistant",
            role_token(Role::CastingAssistant),
            Role::CastingAssistant.permissions(),
        ),
        (
            "Casting Director",
            role_token(Role::CastingDirector),
            Role::CastingDirector.permissions(),
        ),
        (
            "Executive Producer",
            role_token(Role::ExecutiveProducer),
            Role::ExecutiveProducer.permissions(),
        ),
        ("no permissions claim", no_permissions, &[]),
        (
            "foreign permissions only",
            token(&["read:reports", "get:everything"]),
            &[],
        ),
    ];
    for (who, token, permissions) in &callers {
        for endpoint in endpoints() {
            let actor = app.actor("Matrix Actor", 40, "Other").await;
            let movie = app.movie("Matrix Movie", "1999-03-31").await;
            // So that taking the actor out of the cast has an entry to remove.
            app.cast(movie, actor, Some("Trinity")).await;
            let path = endpoint
                .path
                .replace("{actor}", &actor.to_string())
                .replace("{movie}", &movie.to_string());
            let before = app.snapshot().await;
            let (status, body) = app
                .send(endpoint.method.clone(), &path, token, endpoint.body.clone())
                .await;
            let case = format!("{who}: {} {}", endpoint.method, endpoint.path);
            if permissions.contains(&endpoint.permission) {
                assert_eq!(status, endpoint.success, "{case}: {body}");
                assert_eq!(body["success"], true, "{case}");
            } else {
                assert_error(status, &body, 403);
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .contains(endpoint.permission.as_str()),
                    "{case}: {body}"
                );
                assert_eq!(
                    app.snapshot().await,
                    before,
                    "{case}: a 403 changed the tables"
                );
            }
        }
    }
}

fn unsigned(header: Value, claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!("{}.{}.", part(&header), part(claims))
}

fn with(changes: Value) -> Value {
    let mut c = claims(&["get:actors"]);
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

#[tokio::test]
async fn every_token_problem_is_401_with_a_bearer_challenge() {
    let app = TestApp::spawn(STORE).await;
    app.actor("Someone", 30, "Other").await;
    let before = app.snapshot().await;
    let hs256_with_public_key = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(KID.into());
        jsonwebtoken::encode(
            &header,
            &claims(&["get:actors", "post:actors"]),
            &EncodingKey::from_secret(TEST_PUBLIC_KEY).unwrap(),
        )
        .unwrap()
    };
    let mut typ_other = rs256_header(KID);
    typ_other.typ = Some("JOSE+JSON".into());
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("Basic scheme", Some("Basic dXNlcjpwYXNz".into())),
        ("Bearer without token", Some("Bearer ".into())),
        ("token without scheme", Some(token(&["get:actors"]))),
        ("garbage", Some("Bearer not.a.jwt".into())),
        ("random text", Some("Bearer hello".into())),
        (
            "bad signature",
            Some(format!(
                "Bearer {}",
                sign_with(&claims(&["get:actors"]), &rs256_header(KID), OTHER_KEY)
            )),
        ),
        (
            "tampered payload",
            Some({
                let good = token(&["get:actors"]);
                let parts: Vec<&str> = good.split('.').collect();
                let forged = URL_SAFE_NO_PAD
                    .encode(serde_json::to_vec(&claims(&["get:actors", "delete:actors"])).unwrap());
                format!("Bearer {}.{}.{}", parts[0], forged, parts[2])
            }),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"exp": now() - 120})))
            )),
        ),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"nbf": now() + 600})))
            )),
        ),
        (
            "wrong issuer",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"iss": "https://evil.example.com/"})))
            )),
        ),
        (
            "issuer without Auth0's trailing slash",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"iss": ISSUER.trim_end_matches('/')})))
            )),
        ),
        (
            "no issuer",
            Some(format!("Bearer {}", sign(&with(json!({"iss": null}))))),
        ),
        (
            "wrong audience",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"aud": "another-api"})))
            )),
        ),
        (
            "audience list without ours",
            Some(format!(
                "Bearer {}",
                sign(&with(json!({"aud": ["a", "b"]})))
            )),
        ),
        (
            "no audience",
            Some(format!("Bearer {}", sign(&with(json!({"aud": null}))))),
        ),
        (
            "no expiry",
            Some(format!("Bearer {}", sign(&with(json!({"exp": null}))))),
        ),
        (
            "alg none",
            Some(format!(
                "Bearer {}",
                unsigned(
                    json!({"alg": "none", "typ": "JWT"}),
                    &claims(&["get:actors"])
                )
            )),
        ),
        (
            "alg none with kid",
            Some(format!(
                "Bearer {}",
                unsigned(json!({"alg": "none", "kid": KID}), &claims(&["get:actors"]))
            )),
        ),
        (
            "HS256 signed with the public key",
            Some(format!("Bearer {hs256_with_public_key}")),
        ),
        (
            "unknown kid",
            Some(format!(
                "Bearer {}",
                sign_with(
                    &claims(&["get:actors"]),
                    &rs256_header("who-knows"),
                    OTHER_KEY
                )
            )),
        ),
        (
            "unexpected typ",
            Some(format!(
                "Bearer {}",
                sign_with(&claims(&["get:actors"]), &typ_other, TEST_KEY)
            )),
        ),
    ];
    for (case, authorization) in cases {
        for (method, path, body) in [
            (Method::GET, "/actors", None),
            (
                Method::POST,
                "/actors",
                Some(json!({"name": "Sneaky", "age": 1})),
            ),
        ] {
            let mut request = app.http.request(method.clone(), app.url(path));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let challenge = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let (status, body) = read(response).await;
            assert_error(status, &body, 401);
            assert!(
                challenge
                    .as_deref()
                    .is_some_and(|c| c.starts_with("Bearer")),
                "{case}: {challenge:?}"
            );
            assert!(body["detail"].is_string(), "{case}: {body}");
        }
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn real_world_token_shapes_are_accepted() {
    let app = TestApp::spawn(STORE).await;
    let mut at_jwt = rs256_header(KID);
    at_jwt.typ = Some("at+jwt".into());
    let mut no_typ = rs256_header(KID);
    no_typ.typ = None;
    let cases = vec![
        // Auth0 adds its userinfo URL to `aud` when `openid` is requested.
        (
            "aud list",
            sign(&with(
                json!({"aud": [AUDIENCE, "https://casting-test.example.auth0.com/userinfo"]}),
            )),
        ),
        (
            "typ at+jwt",
            sign_with(&claims(&["get:actors"]), &at_jwt, TEST_KEY),
        ),
        (
            "no typ",
            sign_with(&claims(&["get:actors"]), &no_typ, TEST_KEY),
        ),
        (
            "expired within the leeway",
            sign(&with(json!({"exp": now() - 5}))),
        ),
        (
            "nbf within the leeway",
            sign(&with(json!({"nbf": now() + 5}))),
        ),
        ("scheme in lower case", sign(&claims(&["get:actors"]))),
    ];
    for (case, token) in cases {
        let authorization = if case == "scheme in lower case" {
            format!("bearer {token}")
        } else {
            format!("Bearer {token}")
        };
        let response = app
            .http
            .get(app.url("/actors"))
            .header("authorization", authorization)
            .send()
            .await
            .unwrap();
        let (status, body) = read(response).await;
        assert_eq!(status, 200, "{case}: {body}");
    }
}

#[tokio::test]
async fn jwks_is_fetched_once_and_unknown_kids_cannot_hammer_it() {
    let app = TestApp::spawn(STORE).await;
    assert_eq!(
        app.jwks.fetches(),
        0,
        "nothing is fetched before a token arrives"
    );
    for _ in 0..5 {
        let (status, _) = app.get("/actors", &producer()).await;
        assert_eq!(status, 200);
    }
    assert_eq!(app.jwks.fetches(), 1, "keys are cached");
    for i in 0..20 {
        let bogus = sign_with(
            &claims(&["get:actors"]),
            &rs256_header(&format!("bogus-{i}")),
            OTHER_KEY,
        );
        let (status, body) = app.get("/actors", &bogus).await;
        assert_error(status, &body, 401);
    }
    assert_eq!(
        app.jwks.fetches(),
        1,
        "unknown kids within the refresh interval fetch nothing"
    );
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_on_its_first_token() {
    let app = TestApp::spawn_with(Options::new(STORE).jwks_min_refresh(Duration::ZERO)).await;
    let (status, _) = app.get("/actors", &producer()).await;
    assert_eq!(status, 200);
    assert_eq!(app.jwks.fetches(), 1);
    let rotated = sign_with(
        &claims(&["get:actors"]),
        &rs256_header("rotated"),
        OTHER_KEY,
    );
    let (status, _) = app.get("/actors", &rotated).await;
    assert_eq!(status, 401, "not published yet");
    app.jwks
        .keys
        .lock()
        .unwrap()
        .push(public_jwk(OTHER_KEY, "rotated"));
    let (status, body) = app.get("/actors", &rotated).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.get("/actors", &producer()).await;
    assert_eq!(status, 200, "the old key still works");
}
