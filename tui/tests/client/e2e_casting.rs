//! End to end: the real `casting-tui` in tmux against the real server, a
//! producer runs a casting without leaving the keyboard: a role, a
//! candidate through the picker, a stage on, an audition (and one that
//! clashes, refused with the clash named), the booking, and the cast that
//! shows it; then the Auditions tab and its calendar file. Checked on
//! screen and through the API.

use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn casting_role_to_candidate_to_audition_to_booking_shows_in_the_cast() {
    let (server, passwords) = start_server().await;
    let api = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let movie = api
        .post(
            "/movies",
            json!({"title": "Tuicast Nights", "release_date": "2031-01-01"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let actor = api
        .post(
            "/actors",
            json!({"name": "Tess Tuicast", "age": 31, "gender": "Female"}),
        )
        .await["created"]
        .as_i64()
        .unwrap();
    let tmux = client(&server, "producer", &passwords).await;

    // The movie's roles: none yet; n creates one.
    tmux.keys(&["2", "/"]).await;
    tmux.type_text("Tuicast Nights").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 1").await;
    tmux.keys(&["r"]).await;
    tmux.wait_for("No roles yet: n adds one").await;
    tmux.keys(&["n"]).await;
    tmux.wait_for("New role in Tuicast Nights").await;
    tmux.type_text("Gatekeeper").await;
    tmux.keys(&["Tab", "Tab"]).await;
    tmux.type_text("25").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("40").await;
    tmux.keys(&["Tab"]).await;
    tmux.type_text("Female").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for("Created role Gatekeeper").await;
    let (_, roles) = api.get(&format!("/movies/{movie}/roles")).await;
    let role = roles["roles"][0]["id"].as_i64().unwrap();
    assert_eq!(roles["roles"][0]["age_min"], 25);

    // Its pipeline: a candidate through the picker, offered first as fitting.
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Gatekeeper — open").await;
    tmux.keys(&["a"]).await;
    tmux.wait_for("Add a candidate").await;
    tmux.type_text("Tess Tuicast").await;
    // The matches of what was typed, not of a keystroke before.
    tmux.wait_for("1 fit, 0 others").await;
    wait_for_row(&tmux, "Tess Tuicast", "fits").await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Tess Tuicast is a candidate for Gatekeeper")
        .await;
    tmux.wait_for("▸ Considered (1)").await;
    tmux.keys(&[">"]).await;
    tmux.wait_for("▸ Shortlisted (1)").await;

    // An audition today, early (before anything the demo has on the day).
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    tmux.keys(&["A"]).await;
    tmux.wait_for("Audition Tess Tuicast for Gatekeeper").await;
    for (text, last) in [
        (day.as_str(), false),
        ("00:10", false),
        ("00:40", false),
        ("Tuicast Room", true),
    ] {
        tmux.type_text(text).await;
        if !last {
            tmux.keys(&["Tab"]).await;
        }
    }
    tmux.keys(&["C-s"]).await;
    tmux.wait_for("Audition scheduled:").await;
    tmux.wait_for("▸ Auditioning (1)").await;
    tmux.wait_for("00:10–00:40 at Tuicast Room").await;
    let (_, body) = api.get(&format!("/roles/{role}")).await;
    assert_eq!(body["auditions"].as_array().unwrap().len(), 1);

    // One that overlaps it: refused, the dialog stays and names the clash.
    tmux.keys(&["A"]).await;
    tmux.wait_for("Audition Tess Tuicast for Gatekeeper").await;
    for (text, last) in [
        (day.as_str(), false),
        ("00:30", false),
        ("01:00", false),
        ("Tuicast Room", true),
    ] {
        tmux.type_text(text).await;
        if !last {
            tmux.keys(&["Tab"]).await;
        }
    }
    tmux.keys(&["C-s"]).await;
    let screen = tmux.wait_for("✗ ").await;
    assert!(
        screen.contains("00:10–00:40 at Tuicast Room")
            && screen.contains("Audition Tess Tuicast for Gatekeeper"),
        "{screen}"
    );
    let (_, body) = api.get(&format!("/roles/{role}")).await;
    assert_eq!(body["auditions"].as_array().unwrap().len(), 1);
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("Cancelled").await;

    // The booking: asked first, then done.
    tmux.keys(&["b"]).await;
    tmux.wait_for("Book Tess Tuicast as Gatekeeper in Tuicast Nights?")
        .await;
    tmux.keys(&["y"]).await;
    tmux.wait_for("Booked Tess Tuicast as Gatekeeper").await;
    tmux.wait_for("Gatekeeper — cast: Tess Tuicast").await;
    let (_, body) = api.get(&format!("/roles/{role}")).await;
    assert_eq!(body["role"]["status"], "cast");
    assert_eq!(body["role"]["actor"]["id"], actor);

    // Back to the roles (cast, booked), to the table, and the cast shows it.
    tmux.keys(&["Escape"]).await;
    tmux.wait_for("Roles of Tuicast Nights").await;
    wait_for_row(&tmux, "Gatekeeper", "Tess Tuicast").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Roles of Tuicast Nights").await;
    tmux.keys(&["c"]).await;
    tmux.wait_for("Cast of Tuicast Nights").await;
    wait_for_row(&tmux, "Tess Tuicast", "Gatekeeper").await;
    let cast = api.cast(&format!("/movies/{movie}/cast")).await;
    assert_eq!(cast.len(), 1);
    assert_eq!(cast[0]["character"], "Gatekeeper");
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("Cast of Tuicast Nights").await;

    // The Auditions tab: today first; l keeps this location; x writes it.
    tmux.keys(&["3"]).await;
    tmux.wait_for("Auditions (UTC)").await;
    wait_for_row(&tmux, &day, "today").await;
    wait_for_row(&tmux, "00:10–00:40", "Tuicast Room").await;
    tmux.keys(&["l"]).await;
    tmux.wait_for("From today, at Tuicast Room").await;
    tmux.keys(&["x"]).await;
    tmux.wait_for("auditions.ics").await;
    let path = tmux.config_dir.join("tuicast.ics");
    for _ in 0.."auditions.ics".len() {
        tmux.keys(&["BSpace"]).await;
    }
    tmux.type_text(&path.display().to_string()).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("Wrote 1 auditions to").await;
    let calendar = std::fs::read_to_string(&path).unwrap();
    assert!(
        calendar.contains("BEGIN:VCALENDAR") && calendar.contains("Tuicast Room"),
        "{calendar}"
    );
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
