//! End to end, issue 14: the real binary against the real server. A session
//! that ends keeps the user's work (tmux, short-lived tokens), log-out, the
//! detail view, and the `export` and `logout` commands.

use std::time::Duration;

use casting_tui::session::{self, SavedToken};
use tokio::process::Command;

use crate::support::*;

fn client() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casting-tui"))
}

/// Logs in as `user` and opens the edit dialog of the second actor whose
/// name contains "Amara", typing " II" after the name; returns its id and
/// when the client's first screen after the login was seen (after the
/// server issued the client's first token).
async fn edit_an_actor(
    tmux: &Tmux,
    server: &str,
    user: &str,
    password: &str,
) -> (i64, std::time::Instant) {
    let api = Api::login(server, user, password).await;
    let (_, body) = api.get("/actors?q=Amara&sort=id").await;
    let id = body["actors"][1]["id"].as_i64().unwrap();
    tmux.wait_for("Username").await;
    tmux.type_text(user).await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text(password).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 64").await;
    let logged_in = std::time::Instant::now();
    tmux.keys(&["/"]).await;
    tmux.type_text("Amara").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 3").await;
    tmux.keys(&["j"]).await;
    tmux.wait_for("row 2 of 3").await;
    tmux.keys(&["e"]).await;
    tmux.wait_for(&format!("Edit actor #{id} ")).await;
    tmux.type_text(" II").await;
    tmux.wait_for(" II").await;
    (id, logged_in)
}

/// The session ends under the client (an administrator took the user's
/// tokens back): the save fails with 401, the login overlay comes up over
/// the dialog with the username filled in, and after logging in the save
/// is sent again and everything is where it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_that_ends_logs_in_again_over_the_screen_and_the_save_goes_through() {
    let db = Database::new();
    let (server, passwords) = start_server_on(&db).await;
    let producer = password(&passwords, "producer");
    let tmux = Tmux::new();
    tmux.launch(&server).await;
    let (id, _) = edit_an_actor(&tmux, &server, "producer", producer).await;
    let probe = Api::login(&server, "producer", producer).await;
    db.take_tokens_back("producer").await;
    probe.wait_until_refused().await;
    tmux.keys(&["C-s"]).await;
    let screen = tmux.wait_for("Session ended").await;
    assert!(
        screen.contains("producer"),
        "the username is filled in:\n{screen}"
    );
    tmux.type_text(producer).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for(&format!("Saved actor #{id} ")).await;
    // The table is read again after the save.
    let screen = tmux.wait_for(" II ").await;
    assert!(
        screen.contains("Filter: Amara"),
        "the filter stayed:\n{screen}"
    );
    assert!(screen.contains("row 2 of 3"), "the row stayed:\n{screen}");
    assert_name_ends_with(&server, producer, id, " II").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

/// Someone else changes the gender while the producer adds " II" to the
/// name: the save is refused (412), the whole difference is shown, and
/// Ctrl-R loads theirs keeping the producer's own change, which then saves.
#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_loads_theirs_and_keeps_the_users_own_change() {
    let db = Database::new();
    let (server, passwords) = start_server_on(&db).await;
    let producer = password(&passwords, "producer");
    let tmux = Tmux::new();
    tmux.launch(&server).await;
    let (id, _) = edit_an_actor(&tmux, &server, "producer", producer).await;
    let other = Api::login(&server, "director", password(&passwords, "director")).await;
    let (_, before) = other.get(&format!("/actors/{id}")).await;
    let name = before["actor"]["name"].as_str().unwrap().to_owned();
    assert_eq!(
        other
            .patch(
                &format!("/actors/{id}"),
                &serde_json::json!({"gender": "Non-binary"})
            )
            .await,
        200
    );
    tmux.keys(&["C-s"]).await;
    // The live feed may say so before the save; the save is refused all the same.
    let screen = tmux.wait_for("Not saved.").await;
    assert!(
        screen.contains("Gender is now") && screen.contains("\"Non-binary\""),
        "{screen}"
    );
    tmux.keys(&["C-r"]).await;
    tmux.wait_for("kept your change to Name").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id} ")).await;
    let (_, after) = other.get(&format!("/actors/{id}")).await;
    assert_eq!(
        (
            after["actor"]["name"].as_str(),
            after["actor"]["gender"].as_str()
        ),
        (Some(format!("{name} II").as_str()), Some("Non-binary")),
        "{after}"
    );
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

/// Short-lived tokens are renewed through /auth/refresh while the user
/// works; when the server's maximum session is reached the login overlay
/// comes up by itself, over the open dialog, which stays with what was typed.
#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_renewed_and_at_the_sessions_end_the_login_comes_over_the_open_dialog() {
    let db = Database::new();
    let (server, passwords) = start_server_with(&db, |auth| {
        auth.token_ttl = Duration::from_secs(12);
        auth.session_max = Duration::from_secs(30);
        auth.leeway = Duration::ZERO;
    })
    .await;
    let producer = password(&passwords, "producer");
    let tmux = Tmux::new();
    tmux.launch(&server).await;
    let (id, logged_in) = edit_an_actor(&tmux, &server, "producer", producer).await;
    // The first token (12 s from the login, which came before `logged_in`)
    // is over by then; only a renewed one can save. Timed from the login,
    // not from the dialog, so a slow machine cannot push the save past the
    // session's end.
    tokio::time::sleep_until((logged_in + Duration::from_secs(13)).into()).await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id} ")).await;
    assert!(
        !tmux.screen().await.contains("Session ended"),
        "renewed, not logged out"
    );
    tmux.keys(&["e"]).await;
    tmux.wait_for("Edit actor #").await;
    tmux.type_text("I").await;
    tmux.wait_for(" III").await;
    let screen = tmux.wait_for("Session ended").await;
    assert!(screen.contains("producer"), "{screen}");
    tmux.type_text(producer).await;
    tmux.keys(&["Enter"]).await;
    let screen = tmux.wait_for("Welcome back").await;
    assert!(
        screen.contains(" III"),
        "the dialog is still open with what was typed:\n{screen}"
    );
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id} ")).await;
    assert_name_ends_with(&server, producer, id, " III").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_detail_view_and_log_out_in_the_real_client() {
    let db = Database::new();
    let (server, passwords) = start_server_on(&db).await;
    let tmux = Tmux::new();
    tmux.launch(&server).await;
    tmux.wait_for("Username").await;
    tmux.type_text("director").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text(password(&passwords, "director")).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 64").await;
    // After a while with nothing to animate, a message stays its few seconds
    // (the clock's missed ticks used to arrive at once and wipe it).
    tmux.keys(&["e"]).await;
    tmux.wait_for("Edit actor #").await;
    tokio::time::sleep(Duration::from_secs(11)).await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("Cancelled").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let screen = tmux.screen().await;
    assert!(
        screen.contains("Cancelled"),
        "the message went at once:\n{screen}"
    );
    tmux.keys(&["2"]).await;
    tmux.wait_for("movies: row 1 of 26").await;
    tmux.keys(&["Enter"]).await;
    let screen = tmux.wait_for("Movies #1").await;
    assert!(screen.contains("Release date"), "{screen}");
    tmux.wait_for("Cast (").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Actors #").await;
    tmux.wait_for("Movies (").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("Movies #1").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Movies #1").await;
    tmux.keys(&["L"]).await;
    tmux.wait_for("Log out?").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Logged out.").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_until_gone().await;
}

/// Every row the API lists for these query parameters, as CSV lines.
async fn expected_csv(
    api: &Api,
    query: &str,
    header: &str,
    row: impl Fn(&serde_json::Value) -> String,
) -> String {
    let (_, body) = api.get(&format!("{query}&per_page=1000")).await;
    let key = if query.starts_with("/actors") {
        "actors"
    } else {
        "movies"
    };
    let mut out = format!("{header}\n");
    for item in body[key].as_array().unwrap() {
        out.push_str(&row(item));
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_every_matching_row_as_csv_through_every_page() {
    let db = Database::new();
    let (server, passwords) = start_server_on(&db).await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let output = client()
        .args([
            "--server", &server, "export", "actors", "--sort", "-age", "--gender", "Female",
        ])
        .env("CASTING_TOKEN", &api.token)
        .env(
            "CASTING_TUI_CONFIG_DIR",
            std::env::temp_dir().join("casting-tui-export-none"),
        )
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = expected_csv(
        &api,
        "/actors?sort=-age&gender=Female",
        "id,name,age,gender",
        |a| {
            format!(
                "{},{},{},{}",
                a["id"],
                a["name"].as_str().unwrap(),
                a["age"],
                a["gender"].as_str().unwrap()
            )
        },
    )
    .await;
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
    assert!(expected.lines().count() > 10);

    let output = client()
        .args([
            "--server",
            &server,
            "export",
            "movies",
            "--released-from",
            "2000-01-01",
            "--sort",
            "title",
        ])
        .env("CASTING_TOKEN", &api.token)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = expected_csv(
        &api,
        "/movies?released_from=2000-01-01&sort=title",
        "id,title,release_date",
        |m| {
            let title = m["title"].as_str().unwrap();
            let title = if title.contains(',') || title.contains('"') {
                format!("\"{}\"", title.replace('"', "\"\""))
            } else {
                title.to_owned()
            };
            format!(
                "{},{title},{}",
                m["id"],
                m["release_date"].as_str().unwrap()
            )
        },
    )
    .await;
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);

    let output = client()
        .args(["--server", &server, "export", "directors"])
        .env("CASTING_TOKEN", &api.token)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("export actors or movies"));
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_forgets_the_token_of_that_server_only() {
    let dir = std::env::temp_dir().join(format!("casting-tui-logout-{}", uuid::Uuid::new_v4()));
    let token = |server: &str| SavedToken {
        server: server.into(),
        token: "t".into(),
        expires_at: session::now() + 600,
    };
    session::save_token(&dir, &token("http://one:1")).unwrap();
    session::save_token(&dir, &token("http://two:2")).unwrap();
    let output = client()
        .args(["--server", "http://one:1", "logout"])
        .env("CASTING_TUI_CONFIG_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Logged out of http://one:1\n"
    );
    assert_eq!(session::load_token(&dir, "http://one:1"), None);
    assert!(session::load_token(&dir, "http://two:2").is_some());
    std::fs::write(
        dir.join("config.toml"),
        "[[servers]]\nname = \"two\"\nurl = \"http://two:2\"\n",
    )
    .unwrap();
    let output = client()
        .args(["--server", "two", "logout"])
        .env("CASTING_TUI_CONFIG_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Logged out of http://two:2\n"
    );
    let output = client()
        .args(["--server", "three", "logout"])
        .env("CASTING_TUI_CONFIG_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("known: two"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether a screen's escape sequences set a foreground colour (SGR 30–38,
/// 90–97, or 38;5 / 38;2).
fn has_colour(styled: &str) -> bool {
    styled.split("\u{1b}[").skip(1).any(|sequence| {
        let parameters = sequence.split('m').next().unwrap_or("");
        parameters.split(';').any(|p| {
            p.parse::<u16>()
                .is_ok_and(|n| (30..=38).contains(&n) || (90..=97).contains(&n))
        })
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn no_color_in_the_environment_draws_without_colour() {
    let db = Database::new();
    let (server, _) = start_server_on(&db).await;
    let coloured = Tmux::new();
    coloured.launch(&server).await;
    coloured.wait_for("Username").await;
    assert!(has_colour(&coloured.screen_with_styles().await));
    let plain = Tmux::new();
    plain.launch_with(&server, &[("NO_COLOR", "1")]).await;
    plain.wait_for("Username").await;
    let styled = plain.screen_with_styles().await;
    assert!(!has_colour(&styled), "{styled:?}");
    for tmux in [coloured, plain] {
        tmux.keys(&["Escape"]).await;
        tmux.wait_until_gone().await;
    }
}

/// The actor's name, read through the API as the producer, ends with `suffix`.
async fn assert_name_ends_with(server: &str, producer: &str, id: i64, suffix: &str) {
    let api = Api::login(server, "producer", producer).await;
    let (_, body) = api.get(&format!("/actors/{id}")).await;
    assert!(
        body["actor"]["name"].as_str().unwrap().ends_with(suffix),
        "{body}"
    );
}
