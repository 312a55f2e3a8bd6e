//! The schedule: `GET /auditions` (by start, then id; paging, the cursor,
//! every filter) and `GET /auditions.ics`, read back with an iCalendar parser.

use serde_json::{Value, json};

use super::STORE;
use super::casting_auditions::{role, scheduled};
use crate::support::*;

/// The schedule's ids for a query.
async fn ids(app: &TestApp, query: &str) -> Vec<i64> {
    let (status, body) = app.get(&format!("/auditions{query}"), &producer()).await;
    assert_eq!(status, 200, "{query}: {body}");
    body["auditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

struct Week {
    movie: i64,
    other_movie: i64,
    role: i64,
    other_role: i64,
    ann: i64,
    bo: i64,
    /// Audition ids in the order of their start.
    by_start: Vec<i64>,
}

/// Six auditions over three days, scheduled out of order.
async fn week(app: &TestApp) -> Week {
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let other_movie = app.movie("Copper Sky", "2027-09-01").await;
    let role_id = role(app, movie, "Margot Wren").await;
    let other_role = role(app, other_movie, "Inspector Vance").await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    let bo = app.actor("Bo Brand", 61, "Male").await;
    let plan = [
        // (start, end, role, actor, location)
        (
            "2027-03-02T09:00:00Z",
            "2027-03-02T10:00:00Z",
            role_id,
            ann,
            "Studio A",
        ),
        (
            "2027-03-01T23:00:00Z",
            "2027-03-02T01:00:00Z",
            other_role,
            bo,
            "Night Hall",
        ),
        (
            "2027-03-01T10:00:00Z",
            "2027-03-01T11:00:00Z",
            role_id,
            bo,
            "Studio A",
        ),
        (
            "2027-03-03T10:00:00Z",
            "2027-03-03T11:00:00Z",
            other_role,
            ann,
            "studio a",
        ),
        (
            "2027-03-01T10:00:00Z",
            "2027-03-01T11:00:00Z",
            other_role,
            ann,
            "Studio B",
        ),
        (
            "2027-03-02T15:00:00Z",
            "2027-03-02T16:00:00Z",
            role_id,
            bo,
            "Studio B",
        ),
    ];
    let mut made = Vec::new();
    for (start, end, role, actor, location) in plan {
        let id = scheduled(app, role, actor, (start, end), location).await;
        made.push((start, id));
    }
    made.sort();
    Week {
        movie,
        other_movie,
        role: role_id,
        other_role,
        ann,
        bo,
        by_start: made.into_iter().map(|(_, id)| id).collect(),
    }
}

#[tokio::test]
async fn the_schedule_is_by_start_then_id_and_names_role_movie_and_actor() {
    let app = TestApp::spawn(STORE).await;
    let w = week(&app).await;
    let (status, body) = app.get("/auditions", &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 6);
    assert_eq!(body["total_exact"], true);
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 10);
    assert_eq!(body["next"], Value::Null);
    let listed: Vec<i64> = body["auditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    // Two start at 10:00 on the 1st: the smaller id first.
    assert_eq!(listed, w.by_start);
    let first = &body["auditions"][0];
    let expected_first = first["id"].as_i64().unwrap();
    assert_eq!(
        first,
        &json!({
            "id": expected_first, "role_id": first["role_id"], "actor_id": first["actor_id"],
            "starts_at": "2027-03-01T10:00:00Z", "ends_at": "2027-03-01T11:00:00Z",
            "location": first["location"], "note": null,
            "role": {"id": first["role_id"], "name": first["role"]["name"]},
            "movie": {"id": first["movie"]["id"], "title": first["movie"]["title"]},
            "actor": {"id": first["actor_id"], "name": first["actor"]["name"]},
        })
    );
    let night = body["auditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["location"] == "Night Hall")
        .unwrap();
    assert_eq!(
        night["role"],
        json!({"id": w.other_role, "name": "Inspector Vance"})
    );
    assert_eq!(
        night["movie"],
        json!({"id": w.other_movie, "title": "Copper Sky"})
    );
    assert_eq!(night["actor"], json!({"id": w.bo, "name": "Bo Brand"}));
}

#[tokio::test]
async fn the_schedule_pages_by_number_and_by_cursor() {
    let app = TestApp::spawn(STORE).await;
    let w = week(&app).await;
    assert_eq!(ids(&app, "?per_page=4&page=2").await, w.by_start[4..]);
    let mut seen = Vec::new();
    let mut query = "?per_page=2".to_owned();
    loop {
        let (status, body) = app.get(&format!("/auditions{query}"), &producer()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], 6);
        seen.extend(
            body["auditions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap()),
        );
        match body["next"].as_str() {
            Some(next) => {
                if seen.len() > 2 {
                    assert_eq!(body["page"], Value::Null);
                }
                query = format!("?per_page=2&after={next}");
            }
            None => break,
        }
    }
    assert_eq!(seen, w.by_start);
    // A cursor of another list, or with page, is 400.
    let (_, actors) = app.get("/actors?per_page=1", &producer()).await;
    let foreign = actors["next"].as_str().unwrap();
    for query in [
        format!("?after={foreign}"),
        "?after=nonsense".to_owned(),
        format!("?after={foreign}&page=1"),
    ] {
        let (status, body) = app.get(&format!("/auditions{query}"), &producer()).await;
        assert_error(status, &body, 400);
    }
}

#[tokio::test]
async fn the_schedule_filters_by_time_window_actor_movie_role_and_location() {
    let app = TestApp::spawn(STORE).await;
    let w = week(&app).await;
    let s = &w.by_start;
    // by_start: [1st 10:00 (bo, role), 1st 10:00 (ann, other_role)] in id
    // order, 1st 23:00 night (bo), 2nd 09:00 (ann), 2nd 15:00 (bo), 3rd (ann).
    let day_two = ids(&app, "?from=2027-03-02&to=2027-03-03").await;
    // The night audition ends after midnight: it is on both days.
    assert_eq!(day_two, s[2..5]);
    assert_eq!(ids(&app, "?from=2027-03-01&to=2027-03-02").await, s[0..3]);
    // RFC 3339 with an offset: 2027-03-02T10:00+01:00 is 09:00Z, the
    // start of the 09:00 audition, which ends after it.
    assert_eq!(
        ids(
            &app,
            "?from=2027-03-02T10:00:00%2B01:00&to=2027-03-02T15:00:00Z"
        )
        .await,
        s[3..4]
    );
    // Half-open: ending at `from` or starting at `to` is outside.
    assert_eq!(
        ids(&app, "?from=2027-03-02T10:00:00Z&to=2027-03-02T15:00:00Z").await,
        Vec::<i64>::new()
    );
    assert_eq!(ids(&app, "?from=2027-03-03").await, s[5..]);
    assert_eq!(ids(&app, "?to=2027-03-01T10:00:01Z").await, s[0..2]);
    let of = |query: String| {
        let app = &app;
        async move { ids(app, &query).await }
    };
    assert_eq!(of(format!("?actor_id={}", w.ann)).await, [s[1], s[3], s[5]]);
    assert_eq!(of(format!("?actor_id={}", w.bo)).await, [s[0], s[2], s[4]]);
    assert_eq!(of(format!("?role_id={}", w.role)).await.len(), 3);
    assert_eq!(of(format!("?movie_id={}", w.other_movie)).await.len(), 3);
    assert_eq!(of(format!("?movie_id={}", w.movie)).await.len(), 3);
    assert_eq!(of("?location=%20STUDIO%20a%20".to_owned()).await.len(), 3);
    assert_eq!(of("?location=Studio".to_owned()).await.len(), 0);
    assert_eq!(of("?location=%20".to_owned()).await.len(), 6);
    let (status, body) = app
        .get(
            &format!(
                "/auditions?actor_id={}&location=studio%20b&from=2027-03-02",
                w.bo
            ),
            &producer(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["auditions"][0]["starts_at"], "2027-03-02T15:00:00Z");
    for bad in [
        "?from=yesterday",
        "?from=2027-02-30",
        "?to=2027-03-01T10:00",
        "?actor_id=0",
        "?actor_id=x",
        "?role_id=-1",
        "?movie_id=99999999999999999999",
        "?sort=starts_at",
        "?from=2027-03-01&from=2027-03-02",
        "?colour=red",
    ] {
        let (status, body) = app.get(&format!("/auditions{bad}"), &producer()).await;
        assert_error(status, &body, 400);
        let (status, body) = app.get(&format!("/auditions.ics{bad}"), &producer()).await;
        assert_error(status, &body, 400);
    }
}

/// The text of `GET /auditions.ics{query}`, checked to be a calendar.
async fn calendar(app: &TestApp, query: &str) -> String {
    let response = app
        .http
        .get(app.url(&format!("/auditions.ics{query}")))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    response.text().await.unwrap()
}

/// Each event's properties by name (values as written, escapes kept).
fn events(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("a calendar").expect("it parses");
    assert!(parser.next().is_none(), "one calendar");
    let property = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(property("VERSION").as_deref(), Some("2.0"));
    assert!(property("PRODID").is_some());
    assert_eq!(property("CALSCALE").as_deref(), Some("GREGORIAN"));
    assert!(property("X-WR-CALNAME").is_some());
    calendar
        .events
        .iter()
        .map(|event| {
            event
                .properties
                .iter()
                .map(|p| (p.name.clone(), p.value.clone().unwrap_or_default()))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_calendar_is_rfc_5545_with_stable_uids_and_utc_times() {
    let app = TestApp::spawn(STORE).await;
    let w = week(&app).await;
    let movie = app
        .movie("Commas, Semicolons; and \\ Slashes", "2027-01-01")
        .await;
    let tricky_role = role(&app, movie, "The \"Long\" Role").await;
    let tricky = scheduled(
        &app,
        tricky_role,
        w.ann,
        ("2027-03-04T10:00:00+02:00", "2027-03-04T12:30:00+02:00"),
        "Hall 7; door B, upstairs",
    )
    .await;
    let (status, body) = app
        .patch(
            &format!("/auditions/{tricky}"),
            &producer(),
            json!({"note": format!("Bring sides; line two, {}end", "long ".repeat(40))}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let text = calendar(&app, "").await;
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "CRLF only"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let all = events(&text);
    assert_eq!(all.len(), 7);
    let uids: Vec<&str> = all.iter().map(|e| e["UID"].as_str()).collect();
    let mut expected: Vec<String> = w
        .by_start
        .iter()
        .map(|id| format!("audition-{id}@casting-agency"))
        .collect();
    expected.push(format!("audition-{tricky}@casting-agency"));
    assert_eq!(uids, expected);
    for event in &all {
        for property in ["DTSTAMP", "DTSTART", "DTEND"] {
            let value = &event[property];
            assert!(
                value.len() == 16 && value.ends_with('Z') && value.as_bytes()[8] == b'T',
                "{property}:{value}"
            );
        }
        assert!(event["SUMMARY"].starts_with("Audition: "), "{event:?}");
    }
    let last = all.last().unwrap();
    assert_eq!(last["DTSTART"], "20270304T080000Z");
    assert_eq!(last["DTEND"], "20270304T103000Z");
    assert_eq!(last["LOCATION"], "Hall 7\\; door B\\, upstairs");
    assert!(
        last["SUMMARY"].contains("Ann Abbot")
            && last["SUMMARY"].contains("The \"Long\" Role")
            && last["SUMMARY"].contains("Commas\\, Semicolons\\; and \\\\ Slashes"),
        "{}",
        last["SUMMARY"]
    );
    assert!(last["DESCRIPTION"].starts_with("Bring sides\\; line two\\, long long"));
    assert!(last["DESCRIPTION"].ends_with("long end"));

    // The same filters as the list; a UID stays the same across requests.
    let day = events(&calendar(&app, "?from=2027-03-02&to=2027-03-03").await);
    let day_uids: Vec<&str> = day.iter().map(|e| e["UID"].as_str()).collect();
    assert_eq!(day_uids, expected[2..5]);
    let annes = events(&calendar(&app, &format!("?actor_id={}&location=STUDIO%20A", w.ann)).await);
    assert_eq!(annes.len(), 2);
    let empty = events(&calendar(&app, "?role_id=999999").await);
    assert!(empty.is_empty());
}

#[tokio::test]
async fn a_roles_pipeline_embeds_its_candidates_and_auditions_as_written() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let role = role(&app, movie, "Lead").await;
    let zoe = app.actor("Zoë \"Z\" O'Hara", 33, "Female").await;
    let bo = app.actor("bo", 41, "Male").await;
    let ann = app.actor("Ann", 29, "Other").await;
    // Text that JSON must escape, written as a note and read back whole.
    let note = "say \"two\" \\ then ✓ 名前 </b> \u{1F3AC}";
    for (actor, stage) in [
        (zoe, "shortlisted"),
        (bo, "considered"),
        (ann, "shortlisted"),
    ] {
        let (status, body) = app
            .put(
                &format!("/roles/{role}/candidates/{actor}"),
                &producer(),
                json!({"stage": stage, "note": note}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // Scheduled out of order: the pipeline lists them by start.
    let late = scheduled(
        &app,
        role,
        zoe,
        ("2027-03-02T10:00:00Z", "2027-03-02T10:30:00Z"),
        "Studio B",
    )
    .await;
    let early = scheduled(
        &app,
        role,
        bo,
        ("2027-03-01T09:00:00Z", "2027-03-01T09:20:00Z"),
        "Studio A",
    )
    .await;
    let (status, body) = app
        .patch(
            &format!("/auditions/{early}"),
            &producer(),
            json!({"note": note}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = app.get(&format!("/roles/{role}"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    // Scheduling made zoe and bo auditioning; ann stays shortlisted.
    let candidates: Vec<(i64, &str, &str)> = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["role_id"], role, "{c}");
            assert!(c["updated_at"].as_str().unwrap().ends_with('Z'), "{c}");
            (
                c["actor"]["id"].as_i64().unwrap(),
                c["stage"].as_str().unwrap(),
                c["note"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        candidates,
        [
            (ann, "shortlisted", note),
            (bo, "auditioning", note),
            (zoe, "auditioning", note)
        ],
        "by stage, then name as people read it: {body}"
    );
    assert_eq!(
        body["candidates"][2]["actor"],
        json!({"id": zoe, "name": "Zoë \"Z\" O'Hara", "age": 33, "gender": "Female"})
    );
    assert_eq!(
        body["auditions"],
        json!([
            {"id": early, "role_id": role, "actor_id": bo, "starts_at": "2027-03-01T09:00:00Z",
             "ends_at": "2027-03-01T09:20:00Z", "location": "Studio A", "note": note},
            {"id": late, "role_id": role, "actor_id": zoe, "starts_at": "2027-03-02T10:00:00Z",
             "ends_at": "2027-03-02T10:30:00Z", "location": "Studio B", "note": null},
        ])
    );
    assert_eq!(
        body["role"]["candidates"],
        json!({"considered": 0, "shortlisted": 1, "auditioning": 2, "offered": 0, "booked": 0,
               "passed": 0})
    );
}
