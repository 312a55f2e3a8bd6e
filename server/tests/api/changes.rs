//! The change log, as written: every write records one change in its own
//! transaction, with its author, before and after. (Reading it back:
//! `changes_reading.rs`.)

use std::collections::BTreeSet;

use casting_shared::Role;
use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

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
            json!({"subject": "auth0|tester", "name": "Pat Producer (casting-test.example.auth0.com)"})
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
async fn the_author_is_the_built_in_username_or_the_tokens_claims_marked_or_null() {
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
    // An external caller's name is marked with its issuer (issue 25).
    assert_eq!(
        by[1],
        json!({"subject": "auth0|eve", "name": "eve@example.com (casting-test.example.auth0.com)"})
    );
    assert_eq!(by[2]["name"], "fred (casting-test.example.auth0.com)");
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
    // The cast as the seed's clients see it: a booking also records its
    // role's and candidate's changes, which other tests follow.
    let rows: Vec<(String, String, i64, Value, Value)> = changes
        .iter()
        .filter(|c| !matches!(c["resource"].as_str(), Some("role" | "candidate")))
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
