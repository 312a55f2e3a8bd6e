//! Reading the change log back: `GET /changes` by `seq` with permissions and
//! bad parameters, each record's history, order under racing writers,
//! retention.

use std::time::Duration;

use casting_shared::Role;
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

#[tokio::test]
async fn a_caller_sees_only_the_changes_of_what_it_may_read() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Up", "2009-05-29").await;
    let actor = app.actor("Carl", 78, "Male").await;
    app.cast(movie, actor, None).await;

    let resources = |changes: Vec<Value>| -> Vec<String> {
        changes
            .iter()
            .map(|c| c["resource"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        resources(changes_after(&app, &token(&["get:actors"]), 0).await),
        ["actor"]
    );
    assert_eq!(
        resources(changes_after(&app, &token(&["get:movies"]), 0).await),
        ["movie", "role", "cast", "candidate"]
    );
    assert_eq!(
        resources(changes_after(&app, &token(&[]), 0).await),
        Vec::<String>::new()
    );
    let (status, body) = app.get("/changes", "not-a-token").await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn changes_page_by_seq_with_limit_and_refuse_bad_parameters() {
    let app = TestApp::spawn(STORE).await;
    for n in 0..5 {
        app.actor(&format!("Actor {n}"), 30, "Female").await;
    }
    let (status, body) = app.get("/changes?limit=2", &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["changes"].as_array().unwrap().len(), 2);
    let next = body["next"].as_i64().unwrap();
    let (_, body) = app
        .get(&format!("/changes?after={next}&limit=2"), &producer())
        .await;
    assert_eq!(body["changes"][0]["seq"].as_i64().unwrap(), next + 1);
    let (_, body) = app.get("/changes", &producer()).await;
    assert_eq!(
        body["changes"].as_array().unwrap().len(),
        5,
        "default limit 100"
    );
    let (status, body) = app.get("/changes?limit=5000", &producer()).await;
    assert_eq!(status, 200, "a limit above 1000 is taken as 1000: {body}");
    let last = body["next"].as_i64().unwrap();
    let (_, body) = app
        .get(&format!("/changes?after={last}"), &producer())
        .await;
    assert_eq!(body["changes"], json!([]));
    assert_eq!(
        body["next"].as_i64().unwrap(),
        last,
        "unchanged when nothing is new"
    );

    for bad in [
        "after=-1",
        "after=abc",
        "after=1.5",
        "after=99999999999999999999",
        "limit=0",
        "limit=-3",
        "limit=2147483648",
        "after=1&after=2",
        "page=2",
    ] {
        let (status, body) = app.get(&format!("/changes?{bad}"), &producer()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["success"], false);
    }
}

#[tokio::test]
async fn history_is_newest_first_includes_casts_and_outlives_the_record() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Up", "2009-05-29").await;
    let other = app.movie("Cars", "2006-06-09").await;
    let carl = app.actor("Carl", 78, "Male").await;
    app.cast(movie, carl, Some("Carl")).await;
    app.cast(other, carl, None).await;
    app.patch(&format!("/actors/{carl}"), &producer(), json!({"age": 79}))
        .await;

    let (status, body) = app
        .get(
            &format!("/actors/{carl}/history"),
            &role_token(Role::CastingAssistant),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    let history = seed_era(body["history"].as_array().unwrap());
    assert_eq!(
        summary(&history),
        vec![
            ("updated".into(), "actor".into(), carl),
            ("created".into(), "cast".into(), other),
            ("created".into(), "cast".into(), movie),
            ("created".into(), "actor".into(), carl),
        ]
    );

    let (_, body) = app
        .get(&format!("/movies/{movie}/history"), &producer())
        .await;
    assert_eq!(
        summary(&seed_era(body["history"].as_array().unwrap())),
        vec![
            ("created".into(), "cast".into(), movie),
            ("created".into(), "movie".into(), movie),
        ]
    );

    app.delete(&format!("/actors/{carl}"), &producer()).await;
    let (status, body) = app
        .get(&format!("/actors/{carl}/history"), &producer())
        .await;
    assert_eq!(status, 200, "a deleted actor's history stays: {body}");
    let history = seed_era(body["history"].as_array().unwrap());
    assert_eq!(history.len(), 7, "{history:#?}");
    assert_eq!(history[0]["action"], "deleted");

    let (status, body) = app.get("/actors/424242/history", &producer()).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = app.get("/movies/424242/history", &producer()).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&format!("/actors/{carl}/history"), &token(&["get:movies"]))
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .get(&format!("/movies/{movie}/history"), &token(&["get:actors"]))
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.get("/actors/0/history", &producer()).await;
    assert_eq!(status, 404, "as for /actors/0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_following_after_sees_every_change_of_racing_writers_once_in_order() {
    let app = TestApp::spawn_with(Options {
        db: casting_server::db::StoreSettings {
            pool_size: 16,
            ..Default::default()
        },
        ..Options::new(STORE)
    })
    .await;
    const WRITERS: usize = 8;
    const EACH: usize = 60;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let app_base = app.base.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut seen = Vec::new();
            let mut after = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let body: Value = http
                    .get(format!("{app_base}/changes?after={after}&limit=7"))
                    .bearer_auth(producer())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let page = body["changes"].as_array().unwrap();
                for change in page {
                    seen.push(change["seq"].as_i64().unwrap());
                }
                after = body["next"].as_i64().unwrap();
                if page.is_empty() && finished {
                    return seen;
                }
            }
        })
    };
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let base = app.base.clone();
        writers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0..EACH {
                let response = http
                    .post(format!("{base}/actors"))
                    .bearer_auth(producer())
                    .json(&json!({"name": format!("W{w} N{n}"), "age": 30}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let stored: Vec<i64> = all_changes(&app)
        .await
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(stored.len(), WRITERS * EACH);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "the reader saw seqs out of order or twice"
    );
    assert_eq!(seen, stored, "the reader missed changes");
}

#[tokio::test]
async fn changes_older_than_the_retention_are_pruned_and_resuming_before_them_is_410() {
    let app = spawn_with_one_second_retention(STORE).await;
    app.actor("Old News", 50, "Male").await;
    app.actor("Older News", 60, "Male").await;
    // Each change goes once it is a second old: wait until both have gone
    // (the first may go a pruning round before the second).
    let pruned = eventually(Duration::from_secs(15), || async {
        app.get("/changes?after=1", &producer()).await.0 == 410
    })
    .await;
    assert!(pruned, "the changes were never pruned");
    let (status, body) = app.get("/changes?after=0", &producer()).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["message"], "gone");
    let (status, body) = app.get("/changes", &producer()).await;
    assert_eq!(status, 200, "without after: from the oldest kept: {body}");
    let next = body["next"].as_i64().unwrap();
    assert!(next >= 2, "{body}");
    let (status, _) = app
        .get(&format!("/changes?after={next}"), &producer())
        .await;
    assert_eq!(status, 200);
}

/// A history as the seed's clients know it: without the role and candidate
/// changes a booking also records (the casting suites follow those).
fn seed_era(history: &[Value]) -> Vec<Value> {
    history
        .iter()
        .filter(|c| !matches!(c["resource"].as_str(), Some("role" | "candidate")))
        .cloned()
        .collect()
}
