//! End to end, issue 30's undo, recent changes, bulk delete and copy: the
//! real binary in tmux on the real server, each step checked on screen and
//! through the API.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

/// The first `n` actors by id: (id, name).
async fn first_actors(api: &Api, n: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for row in 1..=n {
        let actor = actor_at(api, row).await;
        out.push((
            actor["id"].as_i64().unwrap(),
            actor["name"].as_str().unwrap().to_owned(),
        ));
    }
    out
}

/// Waits (at most 20 s) for a line of the recent changes panel (inside its
/// double border) showing every one of `texts`.
async fn wait_for_panel_line(tmux: &Tmux, texts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = tmux.screen().await;
        if screen
            .lines()
            .any(|l| l.starts_with('║') && texts.iter().all(|t| l.contains(t)))
        {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "waited for a line with {texts:?}:\n{screen}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn u_right_after_a_delete_brings_the_row_back_and_a_409_changes_nothing() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let tmux = client(&server, "producer", &passwords).await;
    let (id, name) = first_actors(&api, 1).await.remove(0);
    let movies_before = api.get(&format!("/actors/{id}/movies")).await.1["movies"].clone();

    tmux.keys(&["d"]).await;
    tmux.wait_for("Delete actor?").await;
    tmux.wait_for("go with it. u undoes it.").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for(&format!("Deleted {name}")).await;
    assert_eq!(api.get(&format!("/actors/{id}")).await.0, 404);

    tmux.keys(&["u"]).await;
    tmux.wait_for(&format!("Undid the delete of actor {name}"))
        .await;
    let (status, body) = api.get(&format!("/actors/{id}")).await;
    assert_eq!(
        (status, body["actor"]["name"].as_str()),
        (200, Some(name.as_str())),
        "back with its id"
    );
    assert_eq!(
        api.get(&format!("/actors/{id}/movies")).await.1["movies"],
        movies_before,
        "and its cast entries"
    );
    wait_for_row(&tmux, &format!("{id} "), &name).await;
    tmux.keys(&["u"]).await;
    tmux.wait_for("Nothing to undo").await;

    // An edit, then a colleague's: undoing the edit is refused, and changes nothing.
    tmux.keys(&["e"]).await;
    tmux.wait_for(&format!("Edit actor #{id}")).await;
    tmux.keys(&["Tab", "BSpace", "BSpace", "BSpace"]).await;
    tmux.type_text("61").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id}")).await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    assert_eq!(
        director
            .patch(&format!("/actors/{id}"), &json!({"age": 62}))
            .await,
        200
    );
    wait_for_row(&tmux, &name, "62").await;
    tmux.keys(&["u"]).await;
    let screen = tmux.wait_for("Cannot undo the edit of actor").await;
    assert!(screen.contains("409"), "{screen}");
    let (_, body) = api.get(&format!("/actors/{id}")).await;
    assert_eq!(body["actor"]["age"], 62, "nothing changed");
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn c_lists_the_changes_live_newest_first_and_u_undoes_the_selected_one() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let tmux = client(&server, "producer", &passwords).await;
    let (id, name) = first_actors(&api, 2).await.remove(1);
    let age = api.get(&format!("/actors/{id}")).await.1["actor"]["age"].clone();

    tmux.keys(&["C"]).await;
    tmux.wait_for("Recent changes, newest first").await;
    assert_eq!(
        director
            .patch(&format!("/actors/{id}"), &json!({"age": 97}))
            .await,
        200
    );
    let (_, history) = api.get(&format!("/actors/{id}/history")).await;
    let seq = history["history"][0]["seq"].as_i64().unwrap();
    // Live, at the top: the newest is selected.
    let screen = wait_for_panel_line(&tmux, &[&seq.to_string(), "director", "age to 97"]).await;
    let first_row = screen
        .lines()
        .filter(|l| l.starts_with('║'))
        .nth(1)
        .unwrap_or_default();
    assert!(first_row.contains("age to 97"), "newest first:\n{screen}");

    tmux.keys(&["u"]).await;
    tmux.wait_for(&format!("Undid change {seq}")).await;
    let (_, body) = api.get(&format!("/actors/{id}")).await;
    assert_eq!(body["actor"]["age"], age, "the age is back");
    // The undo's own change joins the list.
    wait_for_panel_line(&tmux, &["producer", &format!("{name}'s age to {age}")]).await;

    // Enter opens the record; Esc comes back to the list.
    tmux.keys(&["Enter"]).await;
    tmux.wait_for(&format!("Actor #{id}")).await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("Recent changes, newest first").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Recent changes, newest first").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn three_marked_rows_go_after_one_question_and_one_u_brings_them_all_back() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let tmux = client(&server, "producer", &passwords).await;
    let rows = first_actors(&api, 3).await;

    tmux.keys(&["Space", "j", "Space", "j", "Space"]).await;
    tmux.wait_for("3 marked").await;
    tmux.keys(&["d"]).await;
    let screen = tmux.wait_for("Delete these 3 actors?").await;
    for (id, name) in &rows {
        assert!(screen.contains(&format!("{name} (#{id})")), "{screen}");
    }
    tmux.keys(&["y"]).await;
    tmux.wait_for("Deleted 3 actors").await;
    for (id, _) in &rows {
        assert_eq!(api.get(&format!("/actors/{id}")).await.0, 404);
    }
    tmux.wait_without("marked").await;

    tmux.keys(&["u"]).await;
    tmux.wait_for("Undid all 3").await;
    for (id, name) in &rows {
        let (status, body) = api.get(&format!("/actors/{id}")).await;
        assert_eq!(
            (status, body["actor"]["name"].as_str()),
            (200, Some(name.as_str()))
        );
    }
    for (_, name) in &rows {
        tmux.wait_for(name).await;
    }
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn y_copies_the_selected_row_through_osc_52() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let tmux = client(&server, "producer", &passwords).await;
    // tmux takes an application's OSC 52 into a paste buffer.
    tmux.tmux(&["set-option", "-g", "set-clipboard", "on"])
        .await;
    let first = actor_at(&api, 1).await;

    tmux.keys(&["y"]).await;
    tmux.wait_for(&format!(
        "Copied {} to the clipboard",
        first["name"].as_str().unwrap()
    ))
    .await;
    let expected = format!(
        "ID\tName\tAge\tGender\n{}\t{}\t{}\t{}",
        first["id"],
        first["name"].as_str().unwrap(),
        first["age"],
        first["gender"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = tmux.tmux(&["show-buffer"]).await;
        let copied = String::from_utf8_lossy(&out.stdout).into_owned();
        if copied == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the clipboard holds {copied:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
