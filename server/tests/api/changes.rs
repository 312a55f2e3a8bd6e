//! The change log: every write records one change in its own transaction,
//! `GET /changes` pages through them by `seq`, history per record, retention.

use std::collections::BTreeSet;
use std::time::Duration;

use casting_shared::Role;
use serde_json::{Value, json};

use super::STORE;
use super::identity::{add_user, login_token};
use crate::helpers::*;

/// Every change after `after` that `token` may read, following `next`.
async fn changes_after(app: &TestApp, token: &str, after: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = after;
    loop {
        let (status, body) = app
            .get(&format!("/changes?after={after}&limit=1000"), token)
            .await;
        assert_eq!(status, 200, "{body}");
        let page = body["changes"].as_array().expect("changes").clone();
        let next = body["next"].as_i64().expect("next");
        if page.is_empty() {
            assert_eq!(next, after, "next moves only with changes: {body}");
            return all;
        }
        assert_eq!(next, page.last().unwrap()["seq"].as_i64().unwrap());
        after = next;
        all.extend(page);
    }
}

async fn all_changes(app: &TestApp) -> Vec<Value> {
    changes_after(app, &producer(), 0).await
}

/// `(action, resource, id)` of each change, for compact assertions.
fn summary(changes: &[Value]) -> Vec<(String, String, i64)> {
    changes
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn named_token(permissions: &[&str], name: &str) -> String {
    let mut claims = claims(permissions);
    claims["name"] = json!(name);
    sign(&claims)
}

#[tokio::test]
async fn each_actor_write_records_its_change_with_before_after_who_and_when() {
    let app = TestApp::spawn(STORE).await;
    let permissions: Vec<&str> = Role::ExecutiveProducer
        .permissions()
        .iter()
        .map(|p| p.as_str())
        .collect();
    let token = named_token(&permissions, "Pat Producer");
    let (status, body) = app
        .post(
            "/actors",
            &token,
            json!({"name": "Ann Lee", "age": 31, "gender": "Female"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["created"].as_i64().unwrap();
    let (status, _) = app
        .patch(&format!("/actors/{id}"), &token, json!({"age": 32}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.delete(&format!("/actors/{id}"), &token).await;
    assert_eq!(status, 200);

    let changes = all_changes(&app).await;
    assert_eq!(
        summary(&changes),
        vec![
            ("created".into(), "actor".into(), id),
            ("updated".into(), "actor".into(), id),
            ("deleted".into(), "actor".into(), id),
        ]
    );
    let ann = |age: i64| json!({"id": id, "name": "Ann Lee", "age": age, "gender": "Female"});
    assert_eq!(changes[0]["before"], Value::Null);
    assert_eq!(changes[0]["after"], ann(31));
    assert_eq!(changes[1]["before"], ann(31));
    assert_eq!(changes[1]["after"], ann(32));
    assert_eq!(changes[2]["before"], ann(32));
    assert_eq!(changes[2]["after"], Value::Null);
    let at = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$").unwrap();
    let mut last_seq = 0;
    for change in &changes {
        assert_eq!(
            change["by"],
            json!({"subject": "auth0|tester", "name": "Pat Producer"})
        );
        assert!(at.is_match(change["at"].as_str().unwrap()), "{change}");
        let seq = change["seq"].as_i64().unwrap();
        assert!(seq > last_seq, "seq increases: {changes:?}");
        last_seq = seq;
        let keys: BTreeSet<&str> = change
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "seq", "at", "by", "action", "resource", "id", "before", "after"
            ])
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_author_is_the_built_in_username_or_the_tokens_claims_or_null() {
    let app = TestApp::spawn(STORE).await;
    add_user(&app.db_url, "dora", "director", "correct horse battery");
    let dora = login_token(&app, "dora", "correct horse battery").await;
    app.post("/actors", &dora, json!({"name": "A", "age": 30}))
        .await;
    let mut by_email = claims(&["post:actors"]);
    by_email["email"] = json!("eve@example.com");
    by_email["sub"] = json!("auth0|eve");
    app.post("/actors", &sign(&by_email), json!({"name": "B", "age": 30}))
        .await;
    let mut by_login = claims(&["post:actors"]);
    by_login["preferred_username"] = json!("fred");
    by_login["email"] = json!("fred@example.com");
    app.post("/actors", &sign(&by_login), json!({"name": "C", "age": 30}))
        .await;
    app.post(
        "/actors",
        &token(&["post:actors"]),
        json!({"name": "D", "age": 30}),
    )
    .await;

    let by: Vec<Value> = all_changes(&app)
        .await
        .iter()
        .map(|c| c["by"].clone())
        .collect();
    assert_eq!(by.len(), 4, "{by:?}");
    assert!(
        by[0]["subject"].as_str().unwrap().starts_with("casting|"),
        "{by:?}"
    );
    assert_eq!(by[0]["name"], "dora");
    assert_eq!(
        by[1],
        json!({"subject": "auth0|eve", "name": "eve@example.com"})
    );
    assert_eq!(by[2]["name"], "fred");
    assert_eq!(by[3], json!({"subject": "auth0|tester", "name": null}));
}

#[tokio::test]
async fn cast_changes_are_recorded_including_those_a_delete_cascades() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Up", "2009-05-29").await;
    let carl = app.actor("Carl", 78, "Male").await;
    let russell = app.actor("Russell", 8, "Male").await;
    let start = all_changes(&app).await.last().unwrap()["seq"]
        .as_i64()
        .unwrap();

    app.cast(movie, carl, Some("Carl")).await;
    app.cast(movie, carl, Some("Carl")).await; // the same again: nothing changes
    app.cast(movie, carl, Some("Carl Fredricksen")).await;
    app.cast(movie, russell, None).await;
    let (status, _) = app
        .delete(&format!("/movies/{movie}/cast/{carl}"), &producer())
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.delete(&format!("/actors/{russell}"), &producer()).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .patch(
            &format!("/movies/{movie}"),
            &producer(),
            json!({"title": "Up!"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.delete(&format!("/movies/{movie}"), &producer()).await;
    assert_eq!(status, 200);

    let changes = changes_after(&app, &producer(), start).await;
    let entry = |actor: i64, character: Option<&str>| json!({"movie_id": movie, "actor_id": actor, "character": character});
    let rows: Vec<(String, String, i64, Value, Value)> = changes
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_i64().unwrap(),
                c["before"].clone(),
                c["after"].clone(),
            )
        })
        .collect();
    let movie_row =
        |title: &str| json!({"id": movie, "title": title, "release_date": "2009-05-29"});
    let russell_row = json!({"id": russell, "name": "Russell", "age": 8, "gender": "Male"});
    let expected: [(String, String, i64, Value, Value); 4] = [
        (
            "created".into(),
            "cast".into(),
            movie,
            Value::Null,
            entry(carl, Some("Carl")),
        ),
        (
            "updated".into(),
            "cast".into(),
            movie,
            entry(carl, Some("Carl")),
            entry(carl, Some("Carl Fredricksen")),
        ),
        (
            "created".into(),
            "cast".into(),
            movie,
            Value::Null,
            entry(russell, None),
        ),
        (
            "deleted".into(),
            "cast".into(),
            movie,
            entry(carl, Some("Carl Fredricksen")),
            Value::Null,
        ),
    ];
    assert_eq!(rows[..4], expected[..], "{changes:#?}");
    // Deleting Russell removes his cast entry too: both are changes, in one transaction.
    let mut cascade: Vec<_> = rows[4..6].to_vec();
    cascade.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        cascade,
        vec![
            (
                "deleted".into(),
                "actor".into(),
                russell,
                russell_row,
                Value::Null
            ),
            (
                "deleted".into(),
                "cast".into(),
                movie,
                entry(russell, None),
                Value::Null
            ),
        ]
    );
    assert_eq!(
        rows[6..],
        [
            (
                "updated".into(),
                "movie".into(),
                movie,
                movie_row("Up"),
                movie_row("Up!")
            ),
            (
                "deleted".into(),
                "movie".into(),
                movie,
                movie_row("Up!"),
                Value::Null
            ),
        ]
    );
}

#[tokio::test]
async fn a_write_that_fails_or_rolls_back_records_nothing() {
    let app = TestApp::spawn(STORE).await;
    let actor = app.actor("Ann Lee", 31, "Female").await;
    let movie = app.movie("Up", "2009-05-29").await;
    let before = all_changes(&app).await;

    // Refused at the edge, by If-Match, by the database, or not found.
    let (status, _) = app
        .post("/actors", &producer(), json!({"name": "", "age": 30}))
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            &format!("/actors/{actor}"),
            &producer(),
            None,
        )
        .await;
    assert_eq!(status, 400);
    let response = app
        .http
        .patch(app.url(&format!("/actors/{actor}")))
        .bearer_auth(producer())
        .header("If-Match", "\"99\"")
        .json(&json!({"age": 40}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 412);
    let (status, _) = app.delete("/actors/999999", &producer()).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .put(
            &format!("/movies/{movie}/cast/999999"),
            &producer(),
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let long = "x".repeat(201);
    let refused = app
        .store
        .assign_cast(movie, actor, Some(&long), &test_author())
        .await;
    assert!(refused.is_err());
    let refused = app
        .store
        .insert_actor(
            &casting_shared::domain::NewActor {
                name: "A".into(),
                age: 30,
                gender: "g".repeat(51),
            },
            &test_author(),
        )
        .await;
    assert!(refused.is_err());

    // A transaction that wrote and rolled back, straight in the database.
    app.pool
        .execute_in_rolled_back_transaction(&format!(
            "UPDATE actors SET age = 77 WHERE id = {actor}"
        ))
        .await;

    assert_eq!(all_changes(&app).await, before);
}

#[tokio::test]
async fn a_write_made_outside_the_server_is_recorded_as_the_databases() {
    let app = TestApp::spawn(STORE).await;
    let actor = app.actor("Ann Lee", 31, "Female").await;
    app.pool
        .execute(&format!("UPDATE actors SET age = 33 WHERE id = {actor}"))
        .await;
    let changes = all_changes(&app).await;
    let last = changes.last().unwrap();
    assert_eq!(last["action"], "updated");
    assert_eq!(last["after"]["age"], 33);
    assert!(
        last["by"]["subject"]
            .as_str()
            .unwrap()
            .starts_with("database"),
        "{last}"
    );
}

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
        ["movie", "cast"]
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
    let history = body["history"].as_array().unwrap().clone();
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
        summary(body["history"].as_array().unwrap()),
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
    let history = body["history"].as_array().unwrap();
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
    let app = TestApp::spawn_with(Options {
        db: casting_server::db::StoreSettings {
            changes_keep: Duration::from_secs(1),
            ..Default::default()
        },
        ..Options::new(STORE)
    })
    .await;
    app.actor("Old News", 50, "Male").await;
    app.actor("Older News", 60, "Male").await;
    let pruned = eventually(Duration::from_secs(15), || async {
        app.get("/changes?after=0", &producer()).await.0 == 410
    })
    .await;
    assert!(pruned, "the changes were never pruned");
    let (status, body) = app.get("/changes?after=1", &producer()).await;
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
