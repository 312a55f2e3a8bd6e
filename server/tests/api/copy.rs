//! `casting-server copy`: every record from one store into the other and
//! back again gives the same API answers; only an empty target is written.

use serde_json::{Value, json};

use super::STORE;
use crate::support::*;

/// The store the round trip passes through.
fn other_store() -> Backend {
    match STORE {
        Backend::Postgres => Backend::Sqlite,
        Backend::Sqlite => Backend::Postgres,
    }
}

/// Everything a client can read: lists in every order, searches, each row
/// with its ETag, each cast and filmography.
async fn answers(app: &TestApp) -> Vec<(String, u16, Option<String>, Value)> {
    let mut paths: Vec<String> = [
        "/actors?per_page=1000",
        "/actors?per_page=1000&sort=name",
        "/actors?per_page=1000&sort=-age",
        "/actors?per_page=7&page=3&sort=-name",
        "/actors?q=an&per_page=1000",
        "/actors?q=ović&per_page=1000",
        "/actors?q=SEN&gender=female&min_age=20&max_age=60&per_page=1000",
        "/movies?per_page=1000&sort=title",
        "/movies?per_page=1000&sort=-release_date",
        "/movies?q=the&released_from=2019-01-01&per_page=1000",
        // The change log and its horizon, and the history of what was deleted.
        "/changes?after=0&limit=1000",
        "/actors/2/history",
        "/movies/3/history",
    ]
    .map(str::to_owned)
    .to_vec();
    let (_, actors) = app.get("/actors?per_page=1000", &producer()).await;
    for actor in actors["actors"].as_array().unwrap() {
        paths.push(format!("/actors/{}", actor["id"]));
        paths.push(format!("/actors/{}/movies", actor["id"]));
        paths.push(format!("/actors/{}/history", actor["id"]));
    }
    let (_, movies) = app.get("/movies?per_page=1000", &producer()).await;
    for movie in movies["movies"].as_array().unwrap() {
        paths.push(format!("/movies/{}", movie["id"]));
        paths.push(format!("/movies/{}/cast", movie["id"]));
        paths.push(format!("/movies/{}/history", movie["id"]));
    }
    let mut seen = Vec::new();
    for path in paths {
        let response = app
            .http
            .get(app.url(&path))
            .bearer_auth(producer())
            .send()
            .await
            .unwrap();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = read(response).await;
        seen.push((path, status, etag, body));
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn a_round_trip_through_the_other_store_gives_identical_answers() {
    let source = TestApp::spawn_with(Options {
        demo: true,
        ..Options::new(STORE)
    })
    .await;
    // Versions past 1, gaps in the ids, a cascade, a user of our own.
    for age in [41, 42] {
        let (status, _) = source
            .patch("/actors/1", &producer(), json!({"age": age}))
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(source.delete("/actors/2", &producer()).await.0, 200);
    assert_eq!(source.delete("/movies/3", &producer()).await.0, 200);
    let last = source.actor("Last Made", 30, "Other").await;
    assert_eq!(
        source
            .delete(&format!("/actors/{last}"), &producer())
            .await
            .0,
        200
    );
    add_user(&source.db_url, "ann", "producer", "anns-password");
    let token = login_token(&source, "ann", "anns-password").await;
    let before = answers(&source).await;
    assert!(before.len() > 150, "a real data set");

    let middle = TestDb::new(other_store());
    let printed = ok(
        &source.db_url,
        &["copy", "--from", &source.db_url, "--to", &middle.url],
        None,
    );
    assert!(
        printed.contains("copied 63 actors, 25 movies,")
            && printed.contains("4 users, 1 signing keys"),
        "{printed}"
    );
    let back = TestDb::new(STORE);
    ok(
        &middle.url,
        &["copy", "--from", &middle.url, "--to", &back.url],
        None,
    );

    let copied = TestApp::spawn_with(Options {
        shared_db: Some(back.url.clone()),
        ..Options::new(STORE)
    })
    .await;
    let after = answers(&copied).await;
    assert_eq!(before.len(), after.len());
    for (was, is) in before.iter().zip(&after) {
        assert_eq!(
            was, is,
            "{} answers differently after the round trip",
            was.0
        );
    }
    // The signing keys and password hashes came along: old tokens and passwords work.
    assert_eq!(copied.get("/auth/me", &token).await.0, 200);
    login_token(&copied, "ann", "anns-password").await;
    // New rows continue the ids, and new changes the seqs, where the source would.
    assert_eq!(
        copied.actor("Next", 30, "Other").await,
        source.actor("Next", 30, "Other").await
    );
    let last_seq = |body: Value| body["changes"].as_array().unwrap().last().unwrap()["seq"].clone();
    assert_eq!(
        last_seq(copied.get("/changes?limit=1000", &producer()).await.1),
        last_seq(source.get("/changes?limit=1000", &producer()).await.1)
    );

    // Only an empty database is written; the target is left as it was.
    fails(
        &middle.url,
        &["copy", "--from", &source.db_url, "--to", &middle.url],
        None,
        "copy only writes into an empty database",
    );
    fails(
        &back.url,
        &["copy", "--from", &back.url, "--to", &back.url],
        None,
        "the same database",
    );
}
