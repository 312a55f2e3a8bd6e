//! Who the change log shows, and to whom (issue 25, points 5 and 6): an
//! actor's history keeps cast entries for `get:movies`, as `/changes`
//! does; no name in it can pass for another caller's — usernames that do
//! not show as themselves are refused, an external caller's name is
//! marked with its issuer, and the labels the server records itself are
//! reserved.

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

fn resources(changes: &Value) -> Vec<&str> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_actors_history_shows_cast_entries_only_to_a_token_with_get_movies() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Unannounced", "2031-01-01").await;
    let actor = app.actor("Ada", 40, "Female").await;
    app.cast(movie, actor, Some("Secret Character X")).await;
    let history = format!("/actors/{actor}/history");

    let actors_only = token(&["get:actors"]);
    let (status, body) = app.get(&history, &actors_only).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(resources(&body["history"]), ["actor"]);
    assert!(!body.to_string().contains("Secret Character X"), "{body}");
    // As `/changes` gives it to the same token.
    let (_, changes) = app.get("/changes", &actors_only).await;
    assert_eq!(resources(&changes["changes"]), ["actor"]);

    let both = token(&["get:actors", "get:movies"]);
    let (status, body) = app.get(&history, &both).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(resources(&body["history"]), ["candidate", "cast", "actor"]);
    assert_eq!(
        body["history"][1]["after"]["character"],
        "Secret Character X"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usernames_that_do_not_show_as_themselves_or_look_like_the_logs_labels_are_refused() {
    let app = TestApp::spawn(STORE).await;
    let db = &app.db_url;
    let add = |name: &str| {
        [
            "users".to_owned(),
            "add".to_owned(),
            name.to_owned(),
            "--role".to_owned(),
            "producer".to_owned(),
            "--password-stdin".to_owned(),
        ]
    };
    for (name, expected) in [
        // Shows as "producer".
        ("\u{202E}recudorp", "invisible or bidirectional"),
        ("pro\u{200B}ducer", "invisible or bidirectional"),
        ("producer\u{2069}", "invisible or bidirectional"),
        ("database", "writes made straight in the database"),
        ("DataBase", "writes made straight in the database"),
        // With a Cyrillic а.
        ("dаtabase", "writes made straight in the database"),
    ] {
        let args = add(name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(db, &args, Some("long-enough\n"), expected);
    }
    let count: i64 = app.pool.scalar("SELECT count(*) FROM users").await;
    assert_eq!(count, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_external_callers_name_cannot_pass_for_a_built_in_user() {
    let app = TestApp::spawn(STORE).await;
    add_user(&app.db_url, "producer", "producer", "right-password");
    let built_in = login_token(&app, "producer", "right-password").await;
    app.actor("Before", 30, "Other").await;
    let (status, _) = app
        .post(
            "/actors",
            &built_in,
            json!({"name": "By the user", "age": 30}),
        )
        .await;
    assert_eq!(status, 201);
    let mut external = claims(&["post:actors"]);
    external["sub"] = json!("auth0|mallory");
    external["preferred_username"] = json!("producer");
    let (status, _) = app
        .post(
            "/actors",
            &sign(&external),
            json!({"name": "By them", "age": 30}),
        )
        .await;
    assert_eq!(status, 201);
    // A right-to-left override cannot turn the mark around either.
    external["name"] = json!("\u{202E}recudorp");
    let (status, _) = app
        .post(
            "/actors",
            &sign(&external),
            json!({"name": "Reversed", "age": 30}),
        )
        .await;
    assert_eq!(status, 201);

    let by: Vec<Value> = all_changes(&app)
        .await
        .iter()
        .skip(1)
        .map(|c| c["by"].clone())
        .collect();
    assert_eq!(by[0]["name"], "producer");
    assert!(by[0]["subject"].as_str().unwrap().starts_with("casting|"));
    assert_eq!(
        by[1],
        json!({"subject": "auth0|mallory", "name": "producer (casting-test.example.auth0.com)"})
    );
    assert_eq!(by[2]["name"], "recudorp (casting-test.example.auth0.com)");
}

#[tokio::test]
async fn an_external_token_with_a_subject_the_server_records_itself_is_refused() {
    let app = TestApp::spawn(STORE).await;
    let before = app.snapshot().await;
    for subject in [
        "database",
        "database|psql",
        "database:postgres",
        "Database:casting",
        "casting|1",
        "auth0|\u{202E}abc",
    ] {
        let mut claims = claims(&["get:actors", "post:actors"]);
        claims["sub"] = json!(subject);
        let token = sign(&claims);
        let (status, body) = app
            .post("/actors", &token, json!({"name": "Forged", "age": 30}))
            .await;
        assert_error(status, &body, 401);
        assert!(
            body["detail"].as_str().unwrap().contains("subject"),
            "{subject}: {body}"
        );
        assert_eq!(app.get("/actors", &token).await.0, 401);
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(all_changes(&app).await.len(), 0);
}
