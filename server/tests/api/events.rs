//! `GET /events`: the live feed as server-sent events.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_stream_gets_each_change_made_after_it_opened_with_its_seq_as_id() {
    let app = TestApp::spawn(STORE).await;
    app.actor("Before", 40, "Male").await;
    let mut stream = EventStream::open(&app, &producer(), "", None)
        .await
        .unwrap();
    let id = app.actor("Ann Lee", 31, "Female").await;
    app.patch(&format!("/actors/{id}"), &producer(), json!({"age": 32}))
        .await;

    let created = stream.next(WAIT).await.expect("the create");
    let change = created.change();
    assert_eq!(change["action"], "created");
    assert_eq!(change["after"]["name"], "Ann Lee");
    assert_eq!(
        created.id.as_deref(),
        Some(change["seq"].to_string().as_str())
    );
    let updated = stream.next(WAIT).await.expect("the update").change();
    assert_eq!(updated["action"], "updated");
    assert_eq!(updated["before"]["age"], 31);
    assert_eq!(updated["after"]["age"], 32);
    assert!(updated["seq"].as_i64() > change["seq"].as_i64());
}

#[tokio::test]
async fn a_stream_resumes_after_last_event_id_or_after() {
    let app = TestApp::spawn(STORE).await;
    for name in ["One", "Two", "Three"] {
        app.actor(name, 30, "Female").await;
    }
    let (_, body) = app.get("/changes", &producer()).await;
    let seqs: Vec<i64> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.len(), 3);

    let mut stream = EventStream::open(&app, &producer(), "", Some(&seqs[0].to_string()))
        .await
        .unwrap();
    for (seq, name) in seqs[1..].iter().zip(["Two", "Three"]) {
        let change = stream.next(WAIT).await.expect("a change").change();
        assert_eq!(change["seq"].as_i64(), Some(*seq));
        assert_eq!(change["after"]["name"], name);
    }
    app.actor("Four", 30, "Female").await;
    let change = stream.next(WAIT).await.expect("the live one").change();
    assert_eq!(change["after"]["name"], "Four");

    let mut from_query = EventStream::open(&app, &producer(), "?after=0", None)
        .await
        .unwrap();
    let names: Vec<Value> = [
        from_query.next(WAIT).await,
        from_query.next(WAIT).await,
        from_query.next(WAIT).await,
        from_query.next(WAIT).await,
    ]
    .into_iter()
    .map(|e| e.expect("an event").change()["after"]["name"].clone())
    .collect();
    assert_eq!(names, ["One", "Two", "Three", "Four"]);
    // Last-Event-ID wins over ?after (a browser reconnecting keeps the URL).
    let mut both = EventStream::open(&app, &producer(), "?after=0", Some(&seqs[2].to_string()))
        .await
        .unwrap();
    let change = both
        .next(WAIT)
        .await
        .expect("after the header's id")
        .change();
    assert_eq!(change["after"]["name"], "Four");
}

#[tokio::test]
async fn a_stream_shows_only_what_the_token_may_read() {
    let app = TestApp::spawn(STORE).await;
    let mut actors_only = EventStream::open(&app, &token(&["get:actors"]), "", None)
        .await
        .unwrap();
    app.movie("Up", "2009-05-29").await;
    app.actor("Carl", 78, "Male").await;
    let change = actors_only.next(WAIT).await.expect("the actor").change();
    assert_eq!(change["resource"], "actor");
}

#[tokio::test]
async fn a_bad_resume_point_or_token_is_refused_before_the_stream_starts() {
    let app = TestApp::spawn(STORE).await;
    for bad in ["abc", "-1", "1.5", "", "1234567890123456789"] {
        let (status, body) = EventStream::open(&app, &producer(), "", Some(bad))
            .await
            .err()
            .expect("refused");
        assert_eq!(status, 400, "{bad:?}: {body}");
    }
    for bad in ["?after=x", "?after=-2", "?what=1", "?after=1&after=2"] {
        let (status, _) = EventStream::open(&app, &producer(), bad, None)
            .await
            .err()
            .expect("refused");
        assert_eq!(status, 400, "{bad}");
    }
    let (status, _) = EventStream::open(&app, "nonsense", "", None)
        .await
        .err()
        .expect("refused");
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_stream_says_expired_and_ends_when_its_token_expires() {
    let app = TestApp::spawn(STORE).await;
    let mut claims = claims(&["get:actors"]);
    claims["exp"] = json!(now() + 2);
    let mut stream = EventStream::open(&app, &sign(&claims), "", None)
        .await
        .unwrap();
    let event = stream
        .next(Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(event.event, "expired", "{event:?}");
    assert!(stream.ends_within(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn streams_end_when_the_server_stops_so_it_stops_at_once() {
    let app = TestApp::spawn(STORE).await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        streams.push(
            EventStream::open(&app, &producer(), "", None)
                .await
                .unwrap(),
        );
    }
    let started = Instant::now();
    app.stop().await;
    let took = started.elapsed();
    // The drain waits up to 30 s for in-flight requests: the streams must not be among them.
    assert!(took < Duration::from_secs(15), "stopping took {took:?}");
    for stream in &mut streams {
        assert!(stream.ends_within(Duration::from_secs(5)).await);
    }
}

#[tokio::test]
async fn pruned_changes_make_resuming_before_them_410() {
    let app = spawn_with_one_second_retention(STORE).await;
    app.actor("Old News", 50, "Male").await;
    let pruned = eventually(Duration::from_secs(15), || async {
        app.get("/changes?after=0", &producer()).await.0 == 410
    })
    .await;
    assert!(pruned);
    let (status, body) = EventStream::open(&app, &producer(), "", Some("0"))
        .await
        .err()
        .expect("refused");
    assert_eq!(status, 410, "{body}");
    assert!(EventStream::open(&app, &producer(), "", None).await.is_ok());
}

/// Streams cost no database connection each: many open at once, the pool
/// stays free for requests.
#[tokio::test]
async fn many_open_streams_leave_the_pool_to_requests() {
    let app = TestApp::spawn_with(Options {
        db: casting_server::db::StoreSettings {
            pool_size: 2,
            ..Default::default()
        },
        // One token holds them all here (see security_streams for the bounds).
        http: casting_server::HttpSettings {
            streams_per_token: 50,
            streams_per_user: 50,
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    let mut streams = Vec::new();
    for _ in 0..50 {
        streams.push(
            EventStream::open(&app, &producer(), "", None)
                .await
                .unwrap(),
        );
    }
    let id = app.actor("Busy", 30, "Female").await;
    let (status, _) = app.get(&format!("/actors/{id}"), &producer()).await;
    assert_eq!(status, 200);
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|line| line == "casting_event_streams_open 50"),
        "the gauge counts the open streams"
    );
    for stream in &mut streams {
        let change = stream
            .next(WAIT)
            .await
            .expect("every stream gets it")
            .change();
        assert_eq!(change["id"].as_i64(), Some(id));
    }
}

#[tokio::test]
async fn a_reader_too_far_behind_is_dropped_and_resumes_with_last_event_id() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(Options {
        http: casting_server::HttpSettings {
            event_backlog: 8,
            ..test_http()
        },
        ..Options::new(STORE)
    })
    .await;
    // A reader that does not read (with a small receive buffer): the
    // server's socket buffers fill and the stream stops being polled.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let mut slow = socket.connect(app.addr).await.unwrap();
    slow.write_all(
        format!(
            "GET /events HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
             Authorization: Bearer {}\r\n\r\n",
            producer()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // More changes than loopback's socket buffers hold (about 3 MB of
    // events), written at once.
    const WRITES: usize = 10_000;
    let (_, body) = app.get("/changes", &producer()).await;
    let before = body["next"].as_i64().unwrap();
    insert_actors_behind_the_api(&app, WRITES, "Bulk Writer").await;
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut received))
        .await
        .expect("the server closed the slow stream")
        .unwrap();
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{}",
        &text[..80.min(text.len())]
    );
    let ids: Vec<i64> = text
        .lines()
        .filter_map(|line| line.strip_prefix("id: "))
        .map(|id| id.trim().parse().unwrap())
        .collect();
    assert!(
        ids.len() < WRITES,
        "a reader {WRITES} changes behind with a backlog of 8 is dropped, not buffered for"
    );
    assert!(
        text.contains("event: error\ndata: this stream fell too far behind"),
        "the stream says why it ends: {}",
        &text[text.len().saturating_sub(300)..]
    );
    assert!(
        ids.iter()
            .zip(before + 1..)
            .all(|(id, expected)| *id == expected),
        "{ids:?}"
    );

    let last = ids.last().copied().unwrap_or(before);
    let mut resumed = EventStream::open(&app, &producer(), "", Some(&last.to_string()))
        .await
        .unwrap();
    let rest = (WRITES - ids.len()) as i64;
    for expected in last + 1..=last + rest {
        let change = resumed
            .next(WAIT)
            .await
            .expect("the rest, after the last id seen")
            .change();
        assert_eq!(change["seq"].as_i64(), Some(expected));
    }
}
