//! Operations: constraints behind the code, graceful shutdown of the real binary, logs, CORS and request ids.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::STORE;
use crate::support::*;

#[tokio::test]
async fn database_constraints_back_the_code_and_map_to_422() {
    use casting_server::error::ApiError;
    use casting_shared::domain::NewActor;
    let app = TestApp::spawn(STORE).await;
    // Bypass the parsing at the edge: the database still refuses, by name.
    for (actor, field) in [
        (
            NewActor {
                name: "".into(),
                age: 30,
                gender: "Other".into(),
            },
            "name",
        ),
        (
            NewActor {
                name: "A".into(),
                age: 151,
                gender: "Other".into(),
            },
            "age",
        ),
        (
            NewActor {
                name: "A".into(),
                age: 30,
                gender: "g".repeat(51),
            },
            "gender",
        ),
    ] {
        let error = app
            .store
            .insert_actor(&actor, &test_author())
            .await
            .unwrap_err();
        match ApiError::from(error) {
            ApiError::Unprocessable(fields) => assert!(fields.contains_key(field), "{fields:?}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(app.snapshot().await.is_empty());
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(Options {
        http: casting_server::HttpSettings {
            cors_origins: vec!["https://studio.example".parse().unwrap()],
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/actors"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://studio.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://studio.example"
    );
    // What a browser client of the read replica and the event stream sends.
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["if-match", "last-event-id", "x-casting-position"] {
        assert!(allowed_headers.contains(name), "{allowed_headers}");
    }
    // And reads back from an answer.
    let answer = app
        .http
        .get(app.url("/health"))
        .header("origin", "https://studio.example")
        .send()
        .await
        .unwrap();
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["etag", "location", "retry-after", "x-casting-position"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn responses_carry_a_request_id_and_keep_the_callers() {
    let app = TestApp::spawn(STORE).await;
    let response = app.http.get(app.url("/health")).send().await.unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let response = app
        .http
        .get(app.url("/health"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_in_flight_requests_refuses_new_ones_and_exits_0() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| server.address());

    // A request whose body is still on its way when SIGTERM arrives.
    let body = serde_json::to_vec(&json!({"name": "In Flight", "age": 33})).unwrap();
    let (first, rest) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /actors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        producer(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await; // let the server start on it

    server.terminate();
    tokio::task::block_in_place(|| server.wait_for("shutting down"));
    let refused = eventually(Duration::from_secs(10), || async {
        tokio::net::TcpStream::connect(addr).await.is_err()
    })
    .await;
    assert!(refused, "new connections are refused after SIGTERM");

    stream.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let (status, created) = parse_http_response(&answer);
    assert_eq!(status, 201, "the in-flight request completes: {created}");

    let exit = tokio::task::block_in_place(|| server.child.wait()).unwrap();
    assert_eq!(exit.code(), Some(0), "exit 0 after draining");

    let pool = db.pool().await;
    let names: Vec<(String,)> = pool.fetch_all("SELECT name FROM actors").await;
    assert_eq!(names, vec![("In Flight".to_owned(),)]);
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn request_logs_have_id_method_path_status_latency_and_never_the_token() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| server.address());
    let token = producer();
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/actors?per_page=3"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let line = tokio::task::block_in_place(|| server.wait_for_all(&[&id, "finished processing"]));
    let log: Value = serde_json::from_str(&line).unwrap();
    let text = log.to_string();
    for expected in ["\"GET\"", "/actors", "200", "latency"] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    server.terminate();
    let all = tokio::task::block_in_place(|| server.drain()).join("\n");
    let signature = token.rsplit('.').next().unwrap();
    assert!(!all.contains(signature), "the token leaked into the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_cannot_hold_the_server() {
    let app = TestApp::spawn_with(Options {
        http: casting_server::HttpSettings {
            request_timeout: Duration::from_secs(1),
            header_timeout: Duration::from_secs(1),
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    // Fifty clients that never finish their headers...
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }
    // ...do not keep anyone else waiting.
    let (status, _) = app.get("/health", "").await;
    assert_eq!(status, 200);
    // And they are cut off after the header timeout.
    for mut stream in slow {
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "a connection with unfinished headers stayed open"
        );
    }
    // A body that never arrives ends in 408, in the JSON format.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /actors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n{{\"name\":",
        producer()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers a stalled body")
        .unwrap();
    let (status, body) = parse_http_response(&answer);
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["message"], "request timeout");
    assert!(app.snapshot().await.is_empty());
}
