//! End to end: the real `casting-tui` in tmux against the real server,
//! with a local time zone two hours east of UTC (`TZ=Etc/GMT-2`): audition
//! times shown in local time (`z`: UTC), an audition moved (`m`) and
//! cancelled (`c`, asks first) from a role's pipeline and from the
//! Auditions tab, and a candidate removed from a role (`x`, asks first).
//! Checked on screen and through the API.

use serde_json::{Value, json};

use crate::support::*;

/// Two hours east of UTC all year (the sign of `Etc/` zones is POSIX's).
const EAST_TWO: &str = "Etc/GMT-2";

/// A movie with a role whose candidate has one audition (`starts` to
/// `ends`, UTC, at "Edit Room"): (role id, actor id, audition id).
async fn an_audition(
    api: &Api,
    title: &str,
    actor: &str,
    starts: &str,
    ends: &str,
) -> (i64, i64, i64) {
    let movie = api
        .post(
            "/movies",
            json!({"title": title, "release_date": "2031-01-01"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let actor = api
        .post(
            "/actors",
            json!({"name": actor, "age": 40, "gender": "Male"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let role = api
        .post(
            &format!("/movies/{movie}/roles"),
            json!({"name": "Ferryman"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let audition = api
        .post(
            &format!("/roles/{role}/auditions"),
            json!({"actor_id": actor, "starts_at": starts, "ends_at": ends, "location": "Edit Room"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    (role, actor, audition)
}

async fn client_east(server: &str, passwords: &[(String, String)]) -> Tmux {
    let tmux = Tmux::new();
    tmux.launch_with(server, &[("TZ", EAST_TWO)]).await;
    log_in(&tmux, "producer", password(passwords, "producer")).await;
    tmux.wait_for("row 1 of").await;
    tmux.wait_for("● live").await;
    tmux
}

/// Moves the open move dialog's times to `start`–`end` (local) and saves.
async fn move_to(tmux: &Tmux, start: &str, end: &str) {
    tmux.keys(&["Tab", "C-u"]).await;
    tmux.type_text(start).await;
    tmux.keys(&["Tab", "C-u"]).await;
    tmux.type_text(end).await;
    tmux.keys(&["C-s"]).await;
}

async fn auditions_of(api: &Api, role: i64) -> Vec<Value> {
    let (_, body) = api.get(&format!("/roles/{role}")).await;
    body["auditions"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn casting_pipeline_moves_and_cancels_an_audition_and_removes_a_candidate_in_local_time() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let (role, actor, audition) = an_audition(
        &api,
        "Edits Ahead",
        "Ned Edits",
        "2031-05-05T10:00:00Z",
        "2031-05-05T10:30:00Z",
    )
    .await;
    let tmux = client_east(&server, &passwords).await;
    tmux.keys(&["2", "/"]).await;
    tmux.type_text("Edits Ahead").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 1").await;
    tmux.keys(&["r"]).await;
    wait_for_row(&tmux, "Ferryman", "open").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Ferryman — open").await;

    // Local time (UTC+2), and UTC after z.
    tmux.wait_for("12:00–12:30 at Edit").await;
    tmux.keys(&["z"]).await;
    tmux.wait_for("Times in UTC").await;
    tmux.wait_for("10:00–10:30 at Edit").await;
    tmux.keys(&["z"]).await;
    tmux.wait_for("Times in local time (UTC+02:00)").await;
    tmux.wait_for("12:00–12:30 at Edit").await;

    // m: moved to 13:00 local, which is 11:00 UTC.
    tmux.keys(&["m"]).await;
    tmux.wait_for("Move the audition of Ned Edits for Ferryman")
        .await;
    move_to(&tmux, "13:00", "13:30").await;
    tmux.wait_for("Audition moved:").await;
    tmux.wait_for("13:00–13:30 at Edit").await;
    let auditions = auditions_of(&api, role).await;
    assert_eq!(auditions[0]["id"], audition);
    assert_eq!(auditions[0]["starts_at"], "2031-05-05T11:00:00Z");
    assert_eq!(auditions[0]["ends_at"], "2031-05-05T11:30:00Z");

    // c: asked first; no keeps it, yes cancels it.
    tmux.keys(&["c"]).await;
    let screen = tmux.wait_for("Cancel the audition of Ned Edits").await;
    assert!(screen.contains("13:00–13:30"), "{screen}");
    tmux.keys(&["n"]).await;
    tmux.wait_for("Nothing cancelled").await;
    assert_eq!(auditions_of(&api, role).await.len(), 1);
    tmux.keys(&["c"]).await;
    tmux.wait_for("Cancel the audition of Ned Edits").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Audition cancelled: Mon 2031-05-05 13:00–13:30")
        .await;
    assert!(auditions_of(&api, role).await.is_empty());
    tmux.keys(&["m"]).await;
    tmux.wait_for("No audition to move").await;

    // x: the candidate off the role, asked first.
    tmux.keys(&["x"]).await;
    tmux.wait_for("Remove Ned Edits from the").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Ned Edits is no longer a candidate").await;
    let (_, body) = api.get(&format!("/roles/{role}")).await;
    assert!(body["candidates"].as_array().unwrap().is_empty(), "{body}");
    let (_, roles) = api.get(&format!("/actors/{actor}/roles")).await;
    assert!(roles["roles"].as_array().unwrap().is_empty(), "{roles}");
    tmux.keys(&["q"]).await;
    tmux.keys(&["q"]).await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn casting_the_auditions_tab_moves_and_cancels_an_audition_in_local_time() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    // Today, early (before anything the demo has on the day): the first row.
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let (role, _, _) = an_audition(
        &api,
        "Tab Crossing",
        "Tabitha Early",
        &format!("{day}T00:05:00Z"),
        &format!("{day}T00:35:00Z"),
    )
    .await;
    let tmux = client_east(&server, &passwords).await;
    tmux.keys(&["3"]).await;
    tmux.wait_for("Auditions (UTC+02:00)").await;
    wait_for_row(&tmux, "02:05–02:35", "Tabitha Early").await;
    tmux.keys(&["z"]).await;
    tmux.wait_for("Auditions (UTC)").await;
    wait_for_row(&tmux, "00:05–00:35", "Tabitha Early").await;
    tmux.keys(&["z"]).await;
    wait_for_row(&tmux, "02:05–02:35", "Tabitha Early").await;

    // m: the move dialog over the tab; saved, back to the tab.
    tmux.keys(&["m"]).await;
    tmux.wait_for("Move the audition of Tabitha Early for Ferryman")
        .await;
    move_to(&tmux, "03:00", "03:30").await;
    tmux.wait_for("Audition moved:").await;
    wait_for_row(&tmux, "03:00–03:30", "Tabitha Early").await;
    tmux.wait_for("Auditions (UTC+02:00)").await;
    let auditions = auditions_of(&api, role).await;
    assert_eq!(auditions[0]["starts_at"], format!("{day}T01:00:00Z"));

    // c: asked first, then cancelled.
    tmux.keys(&["c"]).await;
    tmux.wait_for("Cancel the audition of Tabitha Early").await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Audition cancelled:").await;
    tmux.wait_without("Tabitha Early").await;
    assert!(auditions_of(&api, role).await.is_empty());
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
