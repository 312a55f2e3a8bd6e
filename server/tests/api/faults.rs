//! Fault injection: the database cut off (by a proxy of our own) under load,
//! SIGTERM under load, two editors racing on one row, and several instances
//! writing at once. After each, every acknowledged write is compared with
//! the table, and the figures are printed (run with `--nocapture` to see them).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Barrier;

use super::STORE;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_completes_accepted_requests_and_loses_nothing() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| server.address());
    let base = format!("http://{addr}");
    let progress = Arc::new(AtomicUsize::new(0));
    // Writers that go on until the server stops answering.
    let tasks: Vec<_> = (0..6)
        .map(|w| {
            tokio::spawn(writer(
                base.clone(),
                format!("redeploy-{w}"),
                400,
                progress.clone(),
            ))
        })
        .collect();
    assert!(
        eventually(Duration::from_secs(60), || async {
            progress.load(Ordering::SeqCst) >= 60
        })
        .await
    );
    server.terminate();
    let exit = tokio::task::block_in_place(|| server.child.wait()).unwrap();
    assert_eq!(exit.code(), Some(0), "exit 0 after draining");

    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.unwrap());
    }
    assert!(
        tally.failed.keys().all(|s| *s == 0),
        "requests are answered properly or refused, never failed: {:?}",
        tally.failed
    );
    let pool = db.pool().await;
    check_nothing_lost(&pool, &tally, "SIGTERM under load").await;
    // Nothing was written that was not acknowledged, but for requests cut
    // before their answer could be read: at most one per writer.
    let rows = names_in_table(&pool).await.len();
    assert!(
        rows <= tally.acknowledged.len() + 6,
        "{rows} rows for {} acknowledged",
        tally.acknowledged.len()
    );
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_write_load_loses_no_acknowledged_write() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| server.address());
    let base = format!("http://{addr}");
    let progress = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..6)
        .map(|w| {
            tokio::spawn(writer(
                base.clone(),
                format!("crash-{w}"),
                400,
                progress.clone(),
            ))
        })
        .collect();
    assert!(
        eventually(Duration::from_secs(60), || async {
            progress.load(Ordering::SeqCst) >= 120
        })
        .await
    );
    // No chance to flush or finish anything.
    tokio::task::block_in_place(|| server.child.kill()).unwrap();
    tokio::task::block_in_place(|| server.child.wait()).unwrap();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.unwrap());
    }
    assert!(tally.acknowledged.len() >= 100, "the load ran");
    // What the next start finds: every acknowledged write.
    let mut restarted = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    tokio::task::block_in_place(|| restarted.address());
    let pool = db.pool().await;
    check_nothing_lost(&pool, &tally, "kill -9 under load").await;
    let (total,): (i64,) = pool
        .fetch_all("SELECT count(*) FROM actors")
        .await
        .into_iter()
        .next()
        .unwrap();
    let (counted,): (i64,) = pool
        .fetch_all(match STORE {
            Backend::Postgres => {
                "SELECT sum(n)::bigint FROM row_counts WHERE table_name = 'actors'"
            }
            Backend::Sqlite => "SELECT n FROM row_counts WHERE table_name = 'actors'",
        })
        .await
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(counted, total, "the counters survived with the rows");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_editors_racing_on_one_row_one_wins_the_other_gets_412() {
    let app = TestApp::spawn(STORE).await;
    let mut outcomes: BTreeMap<(u16, u16), usize> = BTreeMap::new();
    for round in 0..20 {
        let id = app.actor(&format!("Raced {round}"), 30, "Other").await;
        let path = format!("/actors/{id}");
        let read = app
            .http
            .get(app.url(&path))
            .bearer_auth(producer())
            .send()
            .await
            .unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        // Both edits leave together.
        let start = Arc::new(Barrier::new(2));
        let edit = |age: i64| {
            let (http, url, etag, start) = (
                app.http.clone(),
                app.url(&path),
                etag.clone(),
                start.clone(),
            );
            tokio::spawn(async move {
                start.wait().await;
                let response = http
                    .patch(url)
                    .bearer_auth(producer())
                    .header("if-match", etag)
                    .json(&json!({"age": age}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        };
        let (first, second) = (edit(41), edit(42));
        let (a, b) = (first.await.unwrap(), second.await.unwrap());
        *outcomes.entry((a.0.min(b.0), a.0.max(b.0))).or_default() += 1;
        assert_eq!(
            (a.0.min(b.0), a.0.max(b.0)),
            (200, 412),
            "round {round}: {a:?} {b:?}"
        );
        let winner = if a.0 == 200 { 41 } else { 42 };
        let loser = if a.0 == 412 { &a.1 } else { &b.1 };
        assert_eq!(loser["message"], "precondition failed");
        let (_, stored) = app.get(&path, &producer()).await;
        assert_eq!(
            stored["actor"]["age"], winner,
            "the table holds the winner's write"
        );
    }
    println!("racing editors: 20 rounds, outcomes {outcomes:?}");

    // Without If-Match the last write wins, as in the original.
    let id = app.actor("Unguarded", 30, "Other").await;
    for age in [50, 51] {
        let (status, _) = app
            .patch(&format!("/actors/{id}"), &producer(), json!({"age": age}))
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn etags_name_versions_and_if_match_guards_patch_and_delete() {
    let app = TestApp::spawn(STORE).await;
    let id = app.movie("Versioned", "2001-01-01").await;
    let path = format!("/movies/{id}");
    let etag_of =
        |response: &reqwest::Response| response.headers()["etag"].to_str().unwrap().to_owned();
    let fetched = app
        .http
        .get(app.url(&path))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    let first = etag_of(&fetched);
    assert_eq!(first, "\"1\"");
    let patch = |etag: &str, body: Value| {
        app.http
            .patch(app.url(&path))
            .bearer_auth(producer())
            .header("if-match", etag.to_owned())
            .json(&body)
            .send()
    };
    let updated = patch(&first, json!({"title": "Versioned II"}))
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let second = etag_of(&updated);
    assert_eq!(second, "\"2\"", "a write names the new version");
    let before = app.snapshot().await;
    for stale in [first.as_str(), "\"99999999999999999999\""] {
        let (status, body) = read(patch(stale, json!({"title": "Lost"})).await.unwrap()).await;
        assert_error(status, &body, 412);
    }
    // Not the form of the ETags this server sends: 400, as the document says.
    for malformed in ["W/\"2\"", "\"banana\"", "2", "null", "*, \"2\""] {
        let (status, body) = read(patch(malformed, json!({"title": "Lost"})).await.unwrap()).await;
        assert_error(status, &body, 400);
    }
    let delete = |etag: &str| {
        app.http
            .delete(app.url(&path))
            .bearer_auth(producer())
            .header("if-match", etag.to_owned())
            .send()
    };
    let (status, body) = read(delete(&first).await.unwrap()).await;
    assert_error(status, &body, 412);
    assert_eq!(app.snapshot().await, before, "a 412 changes nothing");
    assert_eq!(
        patch("\"1\", \"2\"", json!({"title": "Any of these"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        patch("*", json!({"title": "Star"})).await.unwrap().status(),
        200
    );
    let (status, _) = read(delete("\"4\"").await.unwrap()).await;
    assert_eq!(status, 200);
    let (status, body) = read(delete("*").await.unwrap()).await;
    assert_error(status, &body, 404);
}
