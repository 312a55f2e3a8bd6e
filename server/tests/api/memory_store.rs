//! The in-memory store (`serve --demo` without `DATABASE_URL`): its data
//! lives as long as the server, whatever happens to the connections that
//! serve the requests. Issue 24: a request or an event stream cut while it
//! held the store's one pooled connection closed that connection, and with
//! it the whole database; the pool then opened a fresh, empty one.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// Sends `request` on a new connection and resets it (`SO_LINGER` 0, then
/// close) right after, as a client that is killed or times out does.
/// `wait_for_answer` waits for the first bytes of the answer first (an
/// event stream that has started).
async fn send_and_reset(addr: SocketAddr, request: &[u8], wait_for_answer: bool) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("send");
    if wait_for_answer {
        let mut first = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut first)).await;
    }
    stream.set_zero_linger().expect("SO_LINGER 0");
    drop(stream);
}

fn post_actor_request(addr: SocketAddr, token: &str, name: &str) -> Vec<u8> {
    let body = json!({"name": name, "age": 40, "gender": "Female"}).to_string();
    format!(
        "POST /actors HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn events_request(addr: SocketAddr, token: &str) -> Vec<u8> {
    format!(
        "GET /events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Accept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_memory_database_survives_requests_and_streams_cut_while_they_hold_it() {
    let app = TestApp::spawn_with(Options {
        shared_db: Some("sqlite::memory:".into()),
        ..Options::new(Backend::Sqlite)
    })
    .await;
    let token = producer();
    let kept = app.actor("Kept From The Start", 50, "Male").await;
    let mut acknowledged = vec![kept];
    for round in 0..6 {
        // Writes and streams cut right after they are sent, one after the
        // other as a client killed in a loop does; an ordinary write beside
        // every tenth.
        for i in 0..50 {
            if i % 10 == 9 {
                send_and_reset(app.addr, &events_request(app.addr, &token), true).await;
                acknowledged.push(app.actor(&format!("Kept {round}-{i}"), 30, "Female").await);
            } else {
                let request = post_actor_request(app.addr, &token, &format!("Cut {round}-{i}"));
                send_and_reset(app.addr, &request, false).await;
            }
        }
        // Every acknowledged write is still there, and the store still works.
        for id in &acknowledged {
            let (status, body) = app.get(&format!("/actors/{id}"), &token).await;
            assert_eq!(status, 200, "round {round}, actor {id}: {body}");
        }
        let (status, body) = app.get("/ready", "").await;
        assert_eq!(status, 200, "round {round}: {body}");
    }
}

/// Streams cut while their replay reads the log (a client that gives up
/// after a second, as schemathesis does) must not leave the read holding
/// the store's connection: the in-memory store has one, and every request
/// after would wait for it and get 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streams_cut_during_their_replay_leave_no_read_holding_the_store() {
    let app = TestApp::spawn_with(Options {
        shared_db: Some("sqlite::memory:".into()),
        db: casting_server::db::StoreSettings {
            timeout: Duration::from_secs(2),
            ..Default::default()
        },
        ..Options::new(Backend::Sqlite)
    })
    .await;
    let id = app.actor("Read After The Cuts", 40, "Male").await;
    for i in 0..300 {
        app.actor(&format!("Logged {i}"), 30, "Female").await;
    }
    for round in 0..30 {
        let mut claims = claims(&["get:actors", "get:movies"]);
        claims["sub"] = json!(format!("auth0|cut{round}"));
        let token = sign(&claims);
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(
                format!(
                    "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                     Last-Event-ID: 0\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        // Cut at once, or after the replay has started.
        if round % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stream.set_zero_linger().unwrap();
        drop(stream);
    }
    for _ in 0..5 {
        let (status, body) = app.get(&format!("/actors/{id}"), &producer()).await;
        assert_eq!(status, 200, "{body}");
    }
}
