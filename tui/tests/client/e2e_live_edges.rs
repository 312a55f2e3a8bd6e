//! End to end, the edges of the live feed, through the request-recording
//! relay: a save from the edit dialog never goes without the `If-Match` of
//! the version the user started from, even when a colleague's change is
//! announced before that version was read; and a server without the feed
//! (404 or 405 on `/events`, an older one) is said to be so once and not
//! asked again, while everything else works as before.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

/// A value for a field that is neither `avoid` nor `other`.
fn age_other_than(avoid: i64, other: i64) -> i64 {
    (40..).find(|age| *age != avoid && *age != other).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_names_the_version_it_started_from_even_when_a_colleagues_change_comes_first() {
    let (server, passwords) = start_server().await;
    let recorder = Recorder::start(&server).await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let actor = actor_at(&director, 2).await;
    let id = actor["id"].as_i64().unwrap();
    let age = actor["age"].as_i64().unwrap();
    let theirs = age_other_than(age, 0);
    let mine = age_other_than(age, theirs);
    let path = format!("/actors/{id}");

    let tmux = client(&recorder.url, "producer", &passwords).await;
    // The dialog's read of the version the user starts from is slow.
    recorder.hold_next(&format!("GET /actors/{id} "));
    tmux.keys(&["j", "e"]).await;
    tmux.wait_for(&format!("Edit actor #{id} ")).await;
    tmux.keys(&["Tab"]).await;
    for _ in 0..age.to_string().len() {
        tmux.keys(&["BSpace"]).await;
    }
    tmux.type_text(&mine.to_string()).await;
    // A colleague changes the same field; the client hears of it first.
    assert_eq!(director.patch(&path, &json!({"age": theirs})).await, 200);
    tmux.wait_for("director changed this actor: Age is now")
        .await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for("Not saved. director changed this actor")
        .await;
    assert_eq!(director.get(&path).await.1["actor"]["age"], theirs);

    // Overwriting theirs is the user's choice, and names what was shown.
    recorder.release();
    tmux.keys(&["C-o"]).await;
    tmux.wait_for(&format!("Saved actor #{id}")).await;
    assert_eq!(director.get(&path).await.1["actor"]["age"], mine);
    let patches: Vec<String> = recorder
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PATCH "))
        .collect();
    assert!(
        !patches.is_empty() && patches.iter().all(|p| p.contains("(If-Match: \"")),
        "every save names a version: {patches:#?}"
    );
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

/// A producer's client on the real server, behind a relay that makes it
/// answer `status` on `/events` as a server without the feed does.
async fn without_the_live_feed(status: u16) {
    let (server, passwords) = start_server().await;
    let recorder = Recorder::start(&server).await;
    recorder.without_live_feed(status);
    let tmux = Tmux::new();
    tmux.launch(&recorder.url).await;
    log_in(&tmux, "producer", password(&passwords, "producer")).await;
    tmux.wait_for("row 1 of 64").await;
    let screen = tmux
        .wait_for("Live updates are not available from this server")
        .await;
    let refused = Instant::now();
    assert!(
        screen.lines().next().unwrap().contains("no live updates"),
        "{screen}"
    );

    // Everything else as before: R shows a colleague's change, and the
    // user's own edit saves.
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let first = actor_at(&director, 1).await;
    let (id, name) = (
        first["id"].as_i64().unwrap(),
        first["name"].as_str().unwrap(),
    );
    let path = format!("/actors/{id}");
    assert_eq!(director.patch(&path, &json!({"age": 77})).await, 200);
    tmux.keys(&["R"]).await;
    wait_for_row(&tmux, name, " 77 ").await;
    tmux.keys(&["e", "Tab", "BSpace", "BSpace"]).await;
    tmux.type_text("78").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id}")).await;
    wait_for_row(&tmux, name, " 78 ").await;

    // Not asked again: a client trying again would have asked twice more
    // by now (after 0.5 s, then 1 s more, each ±25 %).
    let after = refused + Duration::from_secs(3);
    tokio::time::sleep_until(after.into()).await;
    let asked: Vec<String> = recorder
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /events"))
        .collect();
    assert_eq!(asked.len(), 1, "{asked:#?}");
    let screen = tmux.screen().await;
    assert!(!screen.contains("reconnecting"), "{screen}");
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_answering_404_on_events_is_said_to_have_no_live_feed_and_not_asked_again() {
    without_the_live_feed(404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_answering_405_on_events_is_said_to_have_no_live_feed_and_not_asked_again() {
    without_the_live_feed(405).await;
}
