//! Who the change log shows, and to whom (issue 25): an actor's history
//! keeps cast entries for `get:movies`, as `/changes` does.

use serde_json::Value;

use super::STORE;
use crate::helpers::*;

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
    assert_eq!(resources(&body["history"]), ["cast", "actor"]);
    assert_eq!(
        body["history"][0]["after"]["character"],
        "Secret Character X"
    );
}
