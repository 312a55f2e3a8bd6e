//! Connections that try to hold the server (issue 10): silent sockets, a
//! lone `P`, HTTP/2 prior knowledge, more sockets than file descriptors;
//! hyper's own errors; an issuer whose discovery document keeps failing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use casting_server::HttpSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::STORE;
use crate::support::*;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
const H2_SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

fn http(header_timeout: Duration, idle_timeout: Duration) -> Options {
    Options {
        http: HttpSettings {
            header_timeout,
            idle_timeout,
            ..test_http()
        },
        ..Options::new(STORE)
    }
}

/// Reads until the server closes the connection, for at most `limit`;
/// `None` if it is still open then.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_without_a_complete_request_are_closed_whatever_they_speak() {
    let app = TestApp::spawn_with(http(Duration::from_secs(1), Duration::from_secs(60))).await;
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    let mut lone_p = TcpStream::connect(app.addr).await.unwrap();
    lone_p.write_all(b"P").await.unwrap();
    let mut h2c = TcpStream::connect(app.addr).await.unwrap();
    h2c.write_all(H2_PREFACE).await.unwrap();
    h2c.write_all(H2_SETTINGS).await.unwrap();
    let mut half = TcpStream::connect(app.addr).await.unwrap();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    for (name, stream) in [
        ("silent", &mut silent),
        ("lone P", &mut lone_p),
        ("h2c preface", &mut h2c),
        ("unfinished headers", &mut half),
    ] {
        assert!(
            read_until_closed(stream, Duration::from_secs(10))
                .await
                .is_some(),
            "the {name} connection is still open"
        );
    }
    let (status, _) = app.get("/health", "").await;
    assert_eq!(status, 200);
}

/// An HTTP/2 preface alone (no SETTINGS) never ends its handshake: it was
/// held for the header timeout and then the 5 s close grace besides.
#[tokio::test(flavor = "multi_thread")]
async fn an_http2_preface_alone_is_closed_at_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(http(header_timeout, Duration::from_secs(60))).await;
    let mut h2c = TcpStream::connect(app.addr).await.unwrap();
    let started = std::time::Instant::now();
    h2c.write_all(H2_PREFACE).await.unwrap();
    assert!(
        read_until_closed(&mut h2c, Duration::from_secs(10))
            .await
            .is_some(),
        "still open after 10 s"
    );
    let held = started.elapsed();
    println!("a lone preface held {held:?} (header timeout {header_timeout:?})");
    assert!(
        held < header_timeout + Duration::from_millis(1500),
        "held {held:?} with a header timeout of {header_timeout:?}"
    );
}

/// HTTP/2 frame types the server sent, in order.
fn frame_types(mut bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while bytes.len() >= 9 {
        let length = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]) as usize;
        types.push(bytes[3]);
        bytes = &bytes[(9 + length).min(bytes.len())..];
    }
    types
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_connections_are_pinged_and_closed_without_a_request() {
    let app = TestApp::spawn_with(http(Duration::from_secs(3), Duration::from_secs(2))).await;
    let mut h2c = TcpStream::connect(app.addr).await.unwrap();
    h2c.write_all(H2_PREFACE).await.unwrap();
    h2c.write_all(H2_SETTINGS).await.unwrap();
    let seen = read_until_closed(&mut h2c, Duration::from_secs(15))
        .await
        .expect("the idle HTTP/2 connection is closed");
    let types = frame_types(&seen);
    const PING: u8 = 6;
    assert!(types.contains(&PING), "no keep-alive ping: {types:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_connections_are_closed_after_the_idle_timeout() {
    let app = TestApp::spawn_with(http(Duration::from_secs(30), Duration::from_secs(1))).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let seen = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("an idle keep-alive connection is closed");
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_connection_cap_idle_sockets_make_room_for_normal_requests() {
    let app = TestApp::spawn_with(Options {
        http: HttpSettings {
            // Far longer than the test: only the cap can close them.
            header_timeout: Duration::from_secs(120),
            max_connections: Some(20),
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    for _ in 0..5 {
        let response = client
            .get(app.url("/health"))
            .send()
            .await
            .expect("answered at the cap");
        assert_eq!(response.status(), 200);
    }
    let mut closed = 0;
    for stream in &mut idle {
        if read_until_closed(stream, Duration::from_millis(200))
            .await
            .is_some()
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 20,
        "only {closed} of 40 idle sockets were closed at a cap of 20"
    );
}

/// At the cap with every other connection served before (keep-alive
/// connections idle after a request, as streams and busy clients leave
/// them), a new connection is served, not closed as the one that "never
/// sent a request" before its request arrives.
#[tokio::test(flavor = "multi_thread")]
async fn at_the_connection_cap_a_new_connection_is_served_among_idle_served_ones() {
    let app = TestApp::spawn_with(Options {
        http: HttpSettings {
            max_connections: Some(20),
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..25 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 12];
        // Answered (or closed at once to make room for a later one).
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
        idle.push(stream);
    }
    for i in 0..10 {
        let fresh = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let response = fresh
            .get(app.url("/health"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("request {i} at the cap was not answered: {e}"));
        assert_eq!(response.status(), 200);
    }
}

/// The real binary with `ulimit -n` set, JSON logs read.
fn server_with_fd_limit(db: &TestDb, limit: u32, envs: &[(&str, &str)]) -> Server {
    let mut command = serving(&["serve"], Some(&db.url));
    command
        .env("CASTING_HEADER_TIMEOUT", "120s")
        .envs(envs.iter().copied());
    Server::spawn(after_shell(&format!("ulimit -n {limit}"), &command))
}

#[tokio::test(flavor = "multi_thread")]
async fn running_out_of_file_descriptors_never_takes_the_server_down() {
    // A cap above the process's 64 descriptors: accept fails with EMFILE.
    // And the default cap, derived from the limit.
    for envs in [vec![("CASTING_MAX_CONNECTIONS", "1000")], vec![]] {
        let db = TestDb::new(STORE);
        let mut server = tokio::task::block_in_place(|| server_with_fd_limit(&db, 64, &envs));
        let addr = tokio::task::block_in_place(|| server.address());
        let mut idle = Vec::new();
        for _ in 0..100 {
            if let Ok(stream) = TcpStream::connect(addr).await {
                idle.push(stream);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        for _ in 0..3 {
            let response = client
                .get(format!("http://{addr}/health"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{envs:?}: not answered with 100 idle sockets: {e}"));
            assert_eq!(response.status(), 200);
        }
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
        drop(idle);
        tokio::task::block_in_place(|| server.kill());
        let mut accept_errors = 0;
        for line in server.drain() {
            if line.contains("cannot accept") {
                accept_errors += 1;
            }
        }
        assert!(
            accept_errors <= 3,
            "{envs:?}: {accept_errors} accept errors logged"
        );
    }
}

#[tokio::test]
async fn over_long_targets_and_headers_get_the_json_error() {
    let app = TestApp::spawn(STORE).await;
    let long_target = format!(
        "GET /actors?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(10_000)
    );
    let (status, body) = raw_http(app.addr, long_target.as_bytes()).await;
    assert_error(status, &body, 414);
    let big_header = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(20_000)
    );
    let (status, body) = raw_http(app.addr, big_header.as_bytes()).await;
    assert_error(status, &body, 431);
    let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many_headers =
        format!("GET /health HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n");
    let (status, body) = raw_http(app.addr, many_headers.as_bytes()).await;
    assert_error(status, &body, 431);
}

#[tokio::test]
async fn auth_config_does_not_refetch_a_failing_discovery_document() {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let stub = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stub_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, stub).await });
    let app = TestApp::spawn_with(Options {
        discovery_url: Some(format!(
            "http://{stub_addr}/.well-known/openid-configuration"
        )),
        client_id: Some("tui".into()),
        ..Options::new(STORE)
    })
    .await;
    for _ in 0..50 {
        let (status, config) = app.get("/auth/config", "").await;
        assert_eq!(status, 200);
        assert!(config["external"]["device_authorization_endpoint"].is_null());
    }
    let calls = futures::future::join_all((0..20).map(|_| app.get("/auth/config", ""))).await;
    assert!(calls.iter().all(|(status, _)| *status == 200));
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch, then a backoff"
    );
}
