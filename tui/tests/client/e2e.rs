//! End to end: the real `casting-tui` binary in tmux against the real server
//! (in this process, over real HTTP) on a fresh in-memory database. Every step is
//! checked on screen and through the API. Waits are for text, bounded.

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn log_in_browse_create_edit_filter_and_delete_an_actor() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let tmux = Tmux::new();
    tmux.launch(&server).await;

    tmux.wait_for("Username").await;
    tmux.type_text("producer").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("wrong-password").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Wrong username or password").await;
    tmux.type_text(password(&passwords, "producer")).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Logged in as producer").await;
    let screen = tmux.wait_for("row 1 of 64").await;
    let (_, first) = api.get("/actors?per_page=1").await;
    assert!(
        screen.contains(first["actors"][0]["name"].as_str().unwrap()),
        "{screen}"
    );

    // Create through the dialog.
    tmux.keys(&["n"]).await;
    tmux.wait_for("New actor").await;
    tmux.type_text("Zed Tester").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("44").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("Male").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Created actor #").await;
    let created = api.actors_named("Zed Tester").await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0]["age"].as_i64(), created[0]["gender"].as_str()),
        (Some(44), Some("Male"))
    );
    let id = created[0]["id"].as_i64().unwrap();

    // Filter to it.
    tmux.keys(&["/"]).await;
    tmux.type_text("zed test").await;
    tmux.keys(&["Enter"]).await;
    let screen = tmux.wait_for("row 1 of 1").await;
    assert!(
        screen.contains("Zed Tester") && screen.contains("Filter: zed test"),
        "{screen}"
    );

    // Edit it.
    tmux.keys(&["e"]).await;
    tmux.wait_for(&format!("Edit actor #{id}")).await;
    tmux.keys(&["Tab", "BSpace", "BSpace"]).await;
    tmux.type_text("45").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id}")).await;
    tmux.wait_for("45").await;
    let (status, body) = api.get(&format!("/actors/{id}")).await;
    assert_eq!((status, body["actor"]["age"].as_i64()), (200, Some(45)));

    // Delete it: Cancel is the default, y confirms.
    tmux.keys(&["d"]).await;
    tmux.wait_for("Delete actor?").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Nothing deleted").await;
    assert_eq!(api.get(&format!("/actors/{id}")).await.0, 200);
    tmux.keys(&["d"]).await;
    tmux.wait_for("Delete actor?").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Deleted Zed Tester").await;
    tmux.wait_for("actors: none").await;
    assert_eq!(api.get(&format!("/actors/{id}")).await.0, 404);

    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_assistant_sees_only_their_keys_and_remember_me_survives_a_restart() {
    let (server, passwords) = start_server().await;
    let tmux = Tmux::new();
    tmux.launch(&server).await;
    tmux.wait_for("Username").await;
    tmux.type_text("assistant").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text(password(&passwords, "assistant")).await;
    tmux.keys(&["Tab", "Space", "Enter"]).await;
    let screen = tmux.wait_for("row 1 of 64").await;
    assert!(screen.contains("assistant · Casting Assistant"), "{screen}");
    assert!(
        !screen.contains("n new") && !screen.contains("d delete"),
        "{screen}"
    );
    tmux.keys(&["n"]).await;
    tmux.wait_for("Casting Assistant cannot add actors").await;
    tmux.keys(&["2"]).await;
    tmux.wait_for("movies: row 1 of").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;

    let saved = std::fs::read_to_string(tmux.config_dir.join("tokens.json")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmux.config_dir.join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the user can read the token");
    }
    // Remembered: straight to the tables.
    tmux.launch(&server).await;
    tmux.wait_for("row 1 of 64").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;

    // A revoked token sends the user back to the login screen with a message.
    let mut tokens: Value = serde_json::from_str(&saved).unwrap();
    assert!(
        tokens[&server]["token"].is_string(),
        "kept for its server: {tokens}"
    );
    tokens[&server]["token"] = json!("revoked.token.value");
    std::fs::write(tmux.config_dir.join("tokens.json"), tokens.to_string()).unwrap();
    tmux.launch(&server).await;
    tmux.wait_for("remembered session has expired or was revoked")
        .await;
    assert!(
        !tmux.config_dir.join("tokens.json").exists(),
        "a dead token is forgotten"
    );
    tmux.keys(&["Escape"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cast_an_actor_change_the_character_and_remove_them() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let movie = api
        .post(
            "/movies",
            json!({"title": "Casting Test Movie", "release_date": "2026-05-01"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let actor = api
        .post("/actors", json!({"name": "Quentin Unique", "age": 52}))
        .await["created"]
        .as_i64()
        .unwrap();
    let cast_path = format!("/movies/{movie}/cast");

    let tmux = Tmux::new();
    tmux.launch(&server).await;
    tmux.wait_for("Username").await;
    tmux.type_text("director").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text(password(&passwords, "director")).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 65").await;
    tmux.keys(&["2", "/"]).await;
    tmux.type_text("casting test").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("movies: row 1 of 1").await;
    tmux.keys(&["c"]).await;
    tmux.wait_for("Cast of Casting Test Movie").await;
    tmux.wait_for("Nobody is cast yet").await;

    // Add through the picker, which searches the server as you type.
    tmux.keys(&["a"]).await;
    tmux.wait_for("Add an actor to the cast").await;
    tmux.type_text("quentin uni").await;
    tmux.wait_for("1 of 1").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Cast Quentin Unique").await;
    tmux.type_text("The Stranger").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Quentin Unique plays The Stranger").await;
    let entries = api.cast(&cast_path).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (
            entries[0]["actor"]["id"].as_i64(),
            entries[0]["character"].as_str()
        ),
        (Some(actor), Some("The Stranger"))
    );

    // Change the character.
    tmux.keys(&["e"]).await;
    tmux.wait_for("Character of Quentin Unique").await;
    for _ in 0.."The Stranger".len() {
        tmux.keys(&["BSpace"]).await;
    }
    tmux.type_text("The Visitor").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Quentin Unique plays The Visitor").await;
    assert_eq!(api.cast(&cast_path).await[0]["character"], "The Visitor");

    // Remove: asks first.
    tmux.keys(&["x"]).await;
    tmux.wait_for("Remove from the cast?").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Removed Quentin Unique from the cast").await;
    tmux.wait_for("Nobody is cast yet").await;
    assert!(api.cast(&cast_path).await.is_empty());
    let (status, _) = api.get(&format!("/actors/{actor}")).await;
    assert_eq!(status, 200, "the actor stays");

    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Cast of Casting Test Movie").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
