//! End to end (issue 30): the `:` command palette, `/` in help, help by
//! role, the empty table's text, history times in local time, the server
//! changed on the login screen, and "save as new" after a colleague's
//! delete: the real binary in tmux on the real server.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_palette_runs_an_action_by_name_and_jumps_to_a_record() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let movie = api
        .post(
            "/movies",
            json!({"title": "Palette Jump Picture", "release_date": "2031-02-03"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let tmux = client(&server, "producer", &passwords).await;

    // An action by a part of its name: the delete's question comes up.
    tmux.keys(&[":"]).await;
    tmux.wait_for("Actions — Tables").await;
    tmux.type_text("delet").await;
    let screen = tmux.wait_for("delete the selected row").await;
    assert!(!screen.contains("export every"), "{screen}");
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Delete actor?").await;
    tmux.keys(&["n"]).await;
    tmux.wait_for("Nothing deleted").await;

    // A name that matches nothing says so.
    tmux.keys(&[":"]).await;
    tmux.type_text("frobnicate").await;
    tmux.wait_for("No action matches").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Unknown command \"frobnicate\"").await;

    // Jumps: by id, then by name.
    let actor = actor_at(&api, 7).await;
    let id = actor["id"].as_i64().unwrap();
    tmux.keys(&[":"]).await;
    tmux.type_text(&format!("actor {id}")).await;
    tmux.wait_for(&format!("Enter opens actor #{id}")).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for(&format!("Actor #{id}")).await;
    tmux.wait_for(actor["name"].as_str().unwrap()).await;
    tmux.keys(&[":"]).await;
    tmux.wait_for("Actions — Detail view").await;
    tmux.type_text("movie palette jump").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for(&format!("Movie #{movie}")).await;
    tmux.wait_for("Palette Jump Picture").await;
    tmux.keys(&[":"]).await;
    tmux.type_text("actor 999999").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("No actor #999999").await;
    tmux.keys(&["C-c"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn help_is_filtered_with_slash_and_lists_only_what_the_role_can_reach() {
    let (server, passwords) = start_server().await;
    let producer = client(&server, "producer", &passwords).await;
    producer.keys(&["?"]).await;
    producer.wait_for("Keys").await;
    producer.keys(&["/"]).await;
    producer.type_text("close the picker").await;
    let screen = producer.wait_for("Filter: close the picker").await;
    assert!(
        screen.contains("Actor picker (search)") && !screen.contains("move up"),
        "{screen}"
    );
    producer.keys(&["Enter"]).await;
    producer.keys(&["q"]).await;
    producer.wait_without("Filter: close the picker").await;

    // An assistant never reaches the picker, the character dialog or an
    // edit dialog: their sections are not in help.
    let assistant = client(&server, "assistant", &passwords).await;
    assistant.keys(&["?"]).await;
    assistant.wait_for("Keys").await;
    assistant.keys(&["/"]).await;
    assistant.type_text("close the picker").await;
    let screen = assistant
        .wait_for("No keys match \"close the picker\"")
        .await;
    assert!(!screen.contains("Actor picker"), "{screen}");
    for tmux in [&producer, &assistant] {
        tmux.keys(&["C-c"]).await;
        tmux.wait_until_gone().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_table_says_so_and_how_to_add_the_first_row() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    loop {
        let (_, page) = api.get("/movies?per_page=100").await;
        let movies = page["movies"].as_array().unwrap().clone();
        if movies.is_empty() {
            break;
        }
        for movie in movies {
            let path = format!("/movies/{}", movie["id"]);
            assert_eq!(api.send(Method::DELETE, &path, &Value::Null).await, 200);
        }
    }
    let tmux = client(&server, "producer", &passwords).await;
    tmux.keys(&["2"]).await;
    tmux.wait_for("No movies yet — n to add").await;
    tmux.keys(&["C-c"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn history_and_change_times_are_local_and_utc_on_request() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let id = actor_at(&api, 1).await["id"].as_i64().unwrap();
    assert_eq!(
        api.patch(&format!("/actors/{id}"), &json!({"age": 61}))
            .await,
        200
    );
    let (_, history) = api.get(&format!("/actors/{id}/history")).await;
    let at = history["history"][0]["at"].as_str().unwrap().to_owned();
    let hour: u32 = at[11..13].parse().unwrap();
    let utc = format!("{} {}", &at[..10], &at[11..16]);
    let local_hour = format!("{:02}:{}", (hour + 3) % 24, &at[14..16]);

    // Three hours east of Greenwich (POSIX spells it UTC-3).
    let tmux = Tmux::new();
    tmux.launch_with(&server, &[("TZ", "XYZ-3")]).await;
    log_in(&tmux, "producer", password(&passwords, "producer")).await;
    tmux.wait_for("row 1 of").await;
    tmux.keys(&["h"]).await;
    // The header shows before the rows have loaded: wait for the row.
    tmux.wait_for("When (UTC+03:00)").await;
    let screen = tmux.wait_for(&local_hour).await;
    assert!(
        screen.contains("When (UTC+03:00)")
            && screen.contains(&local_hour)
            && !screen.contains(&utc),
        "local {local_hour}, not {utc}:\n{screen}"
    );
    tmux.keys(&["z"]).await;
    tmux.wait_for("When (UTC)").await;
    let screen = tmux.wait_for(&utc).await;
    assert!(screen.contains(&utc), "{utc}:\n{screen}");
    // One choice for every view: recent changes show UTC too, and `z`
    // there brings local time back.
    tmux.keys(&["Escape"]).await;
    tmux.keys(&["C"]).await;
    let screen = tmux.wait_for(&utc).await;
    assert!(screen.contains("When (UTC)"), "{screen}");
    tmux.keys(&["z"]).await;
    let screen = tmux.wait_for(&local_hour).await;
    assert!(screen.contains("When (UTC+03:00)"), "{screen}");
    tmux.keys(&["C-c"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_changed_on_the_login_screen() {
    let (server, passwords) = start_server().await;
    let tmux = Tmux::new();
    // Nothing listens on the discard port.
    tmux.launch("http://127.0.0.1:9").await;
    let screen = tmux.wait_for("config.toml").await;
    assert!(
        screen.contains("--server") && screen.contains("log in") && screen.contains("next"),
        "how to set it, and the keys:\n{screen}"
    );
    // The Server field has the keyboard, with the address to correct.
    let field = |screen: &str| {
        let line = screen.lines().find(|l| l.contains("Server")).unwrap_or("");
        line.to_owned()
    };
    assert!(field(&screen).contains("127.0.0.1:9"), "{screen}");
    tmux.keys(&["C-u"]).await;
    tmux.type_text("?").await;
    tmux.wait_for("Log in").await;
    tmux.wait_for("Keys").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Keys").await;
    tmux.type_text(&server).await;
    tmux.keys(&["Enter"]).await;
    log_in(&tmux, "producer", password(&passwords, "producer")).await;
    tmux.wait_for("row 1 of").await;
    tmux.keys(&["C-c"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_deleted_while_being_edited_is_saved_as_new() {
    let (server, passwords) = start_server().await;
    // A colleague with the same rights, in a session of their own.
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let actor = actor_at(&api, 1).await;
    let id = actor["id"].as_i64().unwrap();
    let name = actor["name"].as_str().unwrap().to_owned();
    let tmux = client(&server, "producer", &passwords).await;
    tmux.keys(&["e"]).await;
    tmux.wait_for(&format!("Edit actor #{id}")).await;
    tmux.type_text(" Again").await;
    let path = format!("/actors/{id}");
    assert_eq!(api.send(Method::DELETE, &path, &Value::Null).await, 200);
    tmux.wait_for("deleted this actor meanwhile").await;
    tmux.wait_for("Ctrl-N saves it as a").await;
    tmux.keys(&["C-n"]).await;
    tmux.wait_for("Created actor #").await;
    let again = api.actors_named(&format!("{name} Again")).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0]["age"], actor["age"]);
    assert_ne!(again[0]["id"].as_i64(), Some(id));
    tmux.keys(&["C-c"]).await;
    tmux.wait_until_gone().await;
}
