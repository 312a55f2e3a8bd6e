//! `GET /events` against a hostile caller (issue 25, points 1 and 2): one
//! read-only token must not be able to hold the server with streams, over
//! HTTP/1 or HTTP/2, and streams resuming from far back must neither starve
//! ordinary requests nor end without saying why.

use std::time::Duration;

use casting_server::HttpSettings;
use serde_json::json;

use super::STORE;
use crate::support::*;

/// A Casting Assistant's token for `subject`; `nonce` makes another token
/// of the same user.
fn assistant_token(subject: &str, nonce: u32) -> String {
    let mut claims = claims(&["get:actors", "get:movies"]);
    claims["sub"] = json!(subject);
    claims["jti"] = json!(format!("{subject}-{nonce}"));
    sign(&claims)
}

async fn limited(per_token: usize, per_user: usize, max_connections: Option<usize>) -> TestApp {
    TestApp::spawn_with(Options {
        http: HttpSettings {
            streams_per_token: per_token,
            streams_per_user: per_user,
            max_connections,
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await
}

/// Opens a stream that must be refused: 429, `Retry-After`, and a detail
/// naming what is bounded.
async fn assert_refused(app: &TestApp, token: &str, bounded: &str) {
    let response = app
        .http
        .get(app.url("/events"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let retry_after = response.headers().get("retry-after").cloned();
    let (status, body) = read(response).await;
    assert_error(status, &body, 429);
    let seconds: u64 = retry_after
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(seconds >= 1, "{seconds}");
    assert!(
        body["detail"].as_str().unwrap_or("").contains(bounded),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_token_and_one_user_hold_a_bounded_number_of_streams() {
    let app = limited(3, 5, None).await;
    let first = assistant_token("auth0|mallory", 1);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(EventStream::open(&app, &first, "", None).await.unwrap());
    }
    assert_refused(&app, &first, "token").await;
    let second = assistant_token("auth0|mallory", 2);
    for _ in 0..2 {
        held.push(EventStream::open(&app, &second, "", None).await.unwrap());
    }
    assert_refused(&app, &second, "user").await;
    // Somebody else is not affected.
    let other = assistant_token("auth0|alice", 1);
    let _alice = EventStream::open(&app, &other, "", None).await.unwrap();
    // A stream closed frees its place.
    drop(held.remove(0));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match EventStream::open(&app, &first, "", None).await {
            Ok(stream) => {
                held.push(stream);
                break;
            }
            Err((status, body)) => assert!(
                std::time::Instant::now() < deadline,
                "a closed stream's place is not given back: {status} {body}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_streams_count_as_well() {
    let app = limited(3, 5, None).await;
    let token = assistant_token("auth0|mallory", 1);
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        let response = h2
            .get(app.url("/events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        assert_eq!(response.status(), 200);
        held.push(response);
    }
    let refused = h2
        .get(app.url("/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.version(), reqwest::Version::HTTP_2);
    let (status, body) = read(refused).await;
    assert_error(status, &body, 429);
}

/// Streams may take three quarters of the connections: past that, the
/// oldest stream of the heaviest holder ends (saying why) to make room,
/// and new connections for ordinary requests are still served.
#[tokio::test(flavor = "multi_thread")]
async fn at_the_bound_the_heaviest_holders_oldest_stream_makes_room() {
    // 20 connections: 15 streams at most.
    let app = limited(8, 16, Some(20)).await;
    let tokens = [
        assistant_token("auth0|mallory", 1),
        assistant_token("auth0|mallory", 2),
    ];
    let mut mallory = Vec::new();
    for i in 0..15 {
        mallory.push(
            EventStream::open(&app, &tokens[i % 2], "", None)
                .await
                .unwrap(),
        );
    }
    let alice = assistant_token("auth0|alice", 1);
    let _alice = EventStream::open(&app, &alice, "", None)
        .await
        .expect("room is made for another user");
    let last = mallory[0]
        .next(Duration::from_secs(10))
        .await
        .expect("mallory's oldest stream says why it ends");
    assert_eq!(last.event, "error", "{last:?}");
    assert!(last.data.contains("make room"), "{last:?}");
    assert!(mallory[0].ends_within(Duration::from_secs(10)).await);

    // New connections, ordinary requests: answered while every stream is held.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    for path in ["/health", "/ready"] {
        for _ in 0..3 {
            let fresh = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let response = fresh.get(app.url(path)).send().await.expect("answered");
            assert_eq!(response.status(), 200);
        }
    }
    let response = client
        .get(app.url("/actors"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Many streams resuming from the start of a long log: each gets every
/// change once and in order, reads of the API go on beside them, and the
/// database pool is not taken by the replays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn streams_replaying_a_long_log_leave_the_pool_to_requests() {
    let app = TestApp::spawn_with(Options {
        db: casting_server::db::StoreSettings {
            pool_size: 2,
            timeout: Duration::from_secs(2),
            ..Default::default()
        },
        ..Options::new(STORE)
    })
    .await;
    let (_, body) = app.get("/changes", &producer()).await;
    let before = body["next"].as_i64().unwrap();
    const WRITES: i64 = 1_000;
    insert_actors_behind_the_api(&app, WRITES as usize, "Replayed").await;
    let id = app.actor("Read Beside The Replays", 40, "Male").await;
    let last = before + WRITES + 1;

    let streams = (0..40).map(|i| {
        let token = assistant_token(&format!("auth0|reader{i}"), 1);
        let app = &app;
        async move {
            let mut stream = EventStream::open(app, &token, "", Some(&before.to_string()))
                .await
                .expect("opened");
            let mut expected = before + 1;
            while expected <= last {
                let event = stream
                    .next(Duration::from_secs(30))
                    .await
                    .unwrap_or_else(|| panic!("stream {i} stopped before {expected}"));
                assert_eq!(event.event, "change", "stream {i}: {event:?}");
                assert_eq!(event.id, Some(expected.to_string()), "stream {i}");
                expected += 1;
            }
        }
    });
    let reads = async {
        for _ in 0..20 {
            let (status, body) = app.get(&format!("/actors/{id}"), &producer()).await;
            assert_eq!(status, 200, "{body}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (_, ()) = tokio::join!(futures::future::join_all(streams), reads);
}
