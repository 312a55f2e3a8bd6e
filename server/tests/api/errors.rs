//! Bad input: every case gets the right status and the contract's JSON error
//! body, and the tables are exactly as they were afterwards.

use reqwest::Method;
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

struct BadBody {
    case: &'static str,
    body: Value,
    status: u16,
    /// Fields the 422 must name.
    fields: &'static [&'static str],
}

fn bad(case: &'static str, body: Value, status: u16, fields: &'static [&'static str]) -> BadBody {
    BadBody {
        case,
        body,
        status,
        fields,
    }
}

async fn check_table(app: &TestApp, method: Method, path: &str, cases: Vec<BadBody>) {
    let before = app.snapshot().await;
    for case in cases {
        let (status, body) = app
            .send(method.clone(), path, &producer(), Some(case.body))
            .await;
        assert_error(status, &body, case.status);
        if case.status == 422 {
            let fields = body["fields"]
                .as_object()
                .unwrap_or_else(|| panic!("{}: {body}", case.case));
            let mut named: Vec<&str> = fields.keys().map(String::as_str).collect();
            named.sort_unstable();
            let mut expected = case.fields.to_vec();
            expected.sort_unstable();
            assert_eq!(named, expected, "{}: {body}", case.case);
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "{} changed the tables",
            case.case
        );
    }
}

#[tokio::test]
async fn bad_actor_bodies_are_refused_and_change_nothing() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Existing", 40, "Other").await;
    let long = "x".repeat(10_000);
    check_table(
        &app,
        Method::POST,
        "/actors",
        vec![
            bad("missing fields", json!({}), 422, &["age", "name"]),
            bad("missing age", json!({"name": "A"}), 422, &["age"]),
            bad(
                "wrong types",
                json!({"name": 5, "age": true, "gender": []}),
                422,
                &["age", "gender", "name"],
            ),
            bad("null name", json!({"name": null, "age": 3}), 422, &["name"]),
            bad(
                "negative age",
                json!({"name": "A", "age": -1}),
                422,
                &["age"],
            ),
            bad(
                "age over 150",
                json!({"name": "A", "age": 151}),
                422,
                &["age"],
            ),
            bad("huge age", json!({"name": "A", "age": 1e30}), 422, &["age"]),
            bad(
                "huge string age",
                json!({"name": "A", "age": "99999999999999999999"}),
                422,
                &["age"],
            ),
            bad(
                "fractional age",
                json!({"name": "A", "age": 20.5}),
                422,
                &["age"],
            ),
            bad(
                "word age",
                json!({"name": "A", "age": "twenty"}),
                422,
                &["age"],
            ),
            bad("empty name", json!({"name": "", "age": 3}), 422, &["name"]),
            bad(
                "blank name",
                json!({"name": "   ", "age": 3}),
                422,
                &["name"],
            ),
            bad(
                "10 000-character name",
                json!({"name": long, "age": 3}),
                422,
                &["name"],
            ),
            bad(
                "51-character gender",
                json!({"name": "A", "age": 3, "gender": "g".repeat(51)}),
                422,
                &["gender"],
            ),
            bad(
                "NUL in name",
                json!({"name": "a\u{0}b", "age": 3}),
                422,
                &["name"],
            ),
            bad(
                "unknown field",
                json!({"name": "A", "age": 3, "nickname": "x"}),
                422,
                &["nickname"],
            ),
            bad(
                "array body",
                json!([{"name": "A", "age": 3}]),
                422,
                &["body"],
            ),
            bad("string body", json!("A"), 422, &["body"]),
        ],
    )
    .await;
    check_table(
        &app,
        Method::PATCH,
        &format!("/actors/{id}"),
        vec![
            bad("empty patch", json!({}), 400, &[]),
            bad("negative age", json!({"age": -5}), 422, &["age"]),
            bad("empty name", json!({"name": ""}), 422, &["name"]),
            bad("null gender", json!({"gender": null}), 422, &["gender"]),
            bad("typo field", json!({"nmae": "B"}), 422, &["nmae"]),
            bad(
                "good and bad field",
                json!({"name": "Fine", "age": 400}),
                422,
                &["age"],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn bad_movie_bodies_are_refused_and_change_nothing() {
    let app = TestApp::spawn(STORE).await;
    let id = app.movie("Existing", "2000-01-01").await;
    check_table(
        &app,
        Method::POST,
        "/movies",
        vec![
            bad("missing fields", json!({}), 422, &["release_date", "title"]),
            bad(
                "impossible date",
                json!({"title": "T", "release_date": "2020-02-30"}),
                422,
                &["release_date"],
            ),
            bad(
                "not a date",
                json!({"title": "T", "release_date": "soon"}),
                422,
                &["release_date"],
            ),
            bad(
                "numeric date",
                json!({"title": "T", "release_date": 20200101}),
                422,
                &["release_date"],
            ),
            bad(
                "month 13",
                json!({"title": "T", "release_date": "2020-13-01"}),
                422,
                &["release_date"],
            ),
            bad(
                "empty title",
                json!({"title": " ", "release_date": "2020-01-01"}),
                422,
                &["title"],
            ),
            bad(
                "10 000-character title",
                json!({"title": "t".repeat(10_000), "release_date": "2020-01-01"}),
                422,
                &["title"],
            ),
            bad(
                "unknown field",
                json!({"title": "T", "release_date": "2020-01-01", "rating": 5}),
                422,
                &["rating"],
            ),
        ],
    )
    .await;
    check_table(
        &app,
        Method::PATCH,
        &format!("/movies/{id}"),
        vec![
            bad("empty patch", json!({}), 400, &[]),
            bad(
                "bad date",
                json!({"release_date": "2021-02-29"}),
                422,
                &["release_date"],
            ),
            bad("typo field", json!({"titel": "X"}), 422, &["titel"]),
        ],
    )
    .await;
}

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = app
        .http
        .request(method, app.url(path))
        .bearer_auth(producer())
        .body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.unwrap();
    let headers = response.headers().clone();
    let (status, body) = read(response).await;
    (status, body, headers)
}

#[tokio::test]
async fn framework_errors_use_the_json_format() {
    let app = TestApp::spawn(STORE).await;
    let id = app.actor("Existing", 40, "Other").await;
    let before = app.snapshot().await;
    let json_ct = Some("application/json");
    let actor = br#"{"name":"A","age":3}"#.to_vec();

    let (status, body, _) = raw(
        &app,
        Method::POST,
        "/actors",
        json_ct,
        br#"{"name": "A", "#.to_vec(),
    )
    .await;
    assert_error(status, &body, 400);
    let (status, body, _) = raw(&app, Method::POST, "/actors", json_ct, Vec::new()).await;
    assert_error(status, &body, 400);
    let (status, body, _) = raw(
        &app,
        Method::POST,
        "/actors",
        Some("text/plain"),
        actor.clone(),
    )
    .await;
    assert_error(status, &body, 400);
    let (status, body, _) = raw(&app, Method::POST, "/actors", None, actor.clone()).await;
    assert_error(status, &body, 400);
    let (status, body, _) = raw(
        &app,
        Method::PATCH,
        &format!("/actors/{id}"),
        Some("application/x-www-form-urlencoded"),
        b"age=3".to_vec(),
    )
    .await;
    assert_error(status, &body, 400);

    let huge = serde_json::to_vec(&json!({"name": "n".repeat(70 * 1024), "age": 3})).unwrap();
    let (status, body, _) = raw(&app, Method::POST, "/actors", json_ct, huge.clone()).await;
    assert_error(status, &body, 413);
    // The same without a Content-Length: streamed in chunks.
    let mut request = format!(
        "POST /actors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        producer()
    )
    .into_bytes();
    for chunk in huge.chunks(8192) {
        request.extend(format!("{:x}\r\n", chunk.len()).into_bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    let (status, body) = raw_http(app.addr, &request).await;
    assert_error(status, &body, 413);

    let (status, body, _) = raw(&app, Method::GET, "/nowhere", None, Vec::new()).await;
    assert_error(status, &body, 404);
    let (status, body, headers) = raw(&app, Method::PUT, "/actors", json_ct, actor.clone()).await;
    assert_error(status, &body, 405);
    assert!(headers["allow"].to_str().unwrap().contains("POST"));
    let (status, body, _) = raw(&app, Method::POST, &format!("/actors/{id}"), json_ct, actor).await;
    assert_error(status, &body, 405);
    let (status, body, _) = raw(&app, Method::GET, "/actors/not-a-number", None, Vec::new()).await;
    assert_error(status, &body, 404);

    // Unknown routes are 404 without a token too, never HTML or text.
    let response = app.http.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    let (status, body) = read(response).await;
    assert_error(status, &body, 404);

    assert_eq!(app.snapshot().await, before);
}
