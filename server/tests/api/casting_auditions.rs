//! Auditions: scheduling one (`POST /roles/{id}/auditions`), moving and
//! cancelling it (`/auditions/{id}`), the overlap rules (an actor's
//! auditions, and the auditions at one location, never overlap; back to
//! back is fine), the cascades, and the race of requests that would
//! overlap, through two instances where the store has them.

use serde_json::{Value, json};

use super::STORE;
use crate::helpers::*;

/// A role named `name` in the movie, written straight into the table (the
/// roles' own endpoints are tested with them).
pub async fn role(app: &TestApp, movie: i64, name: &str) -> i64 {
    app.pool
        .scalar(&format!(
            "INSERT INTO roles (movie_id, name) VALUES ({movie}, '{}') RETURNING id",
            name.replace('\'', "''")
        ))
        .await
}

/// Each candidate of the role and their stage, by actor id.
async fn stages(app: &TestApp, role: i64) -> Vec<(i64, String)> {
    app.pool
        .fetch_all(&format!(
            "SELECT actor_id, stage FROM candidates WHERE role_id = {role} ORDER BY actor_id"
        ))
        .await
}

/// `POST /roles/{role}/auditions` for the actor, `[start, end)` at `location`.
pub async fn schedule(
    app: &TestApp,
    role: i64,
    actor: i64,
    (starts_at, ends_at): (&str, &str),
    location: &str,
) -> (u16, Value) {
    app.post(
        &format!("/roles/{role}/auditions"),
        &producer(),
        json!({"actor_id": actor, "starts_at": starts_at, "ends_at": ends_at, "location": location}),
    )
    .await
}

/// Schedules and asserts it worked; answers the audition's id.
pub async fn scheduled(
    app: &TestApp,
    role: i64,
    actor: i64,
    times: (&str, &str),
    location: &str,
) -> i64 {
    let (status, body) = schedule(app, role, actor, times, location).await;
    assert_eq!(status, 201, "{body}");
    body["created"].as_i64().unwrap()
}

/// A movie with a role, and two actors.
struct Casting {
    movie: i64,
    role: i64,
    ann: i64,
    bo: i64,
}

async fn casting(app: &TestApp) -> Casting {
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    Casting {
        movie,
        role: role(app, movie, "Margot Wren").await,
        ann: app.actor("Ann Abbot", 40, "Female").await,
        bo: app.actor("Bo Brand", 61, "Male").await,
    }
}

const TEN_ELEVEN: (&str, &str) = ("2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z");

fn conflict_ids(body: &Value) -> Vec<i64> {
    body["conflicts"]
        .as_array()
        .unwrap_or_else(|| panic!("no conflicts in {body}"))
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

/// Every audition and candidate, to prove a refused request changed nothing.
async fn casting_rows(app: &TestApp) -> Vec<(String,)> {
    app.pool
        .fetch_all(
            "SELECT 'audition ' || id || ' ' || role_id || ' ' || actor_id || ' ' || starts_at \
               || ' ' || ends_at || ' ' || location || ' ' || COALESCE(note, '-') || ' v' || version \
             FROM auditions \
             UNION ALL SELECT 'candidate ' || role_id || ' ' || actor_id || ' ' || stage \
               || ' ' || updated_at FROM candidates \
             ORDER BY 1",
        )
        .await
}

async fn audition_count(app: &TestApp) -> i64 {
    app.pool.scalar("SELECT count(*) FROM auditions").await
}

#[tokio::test]
async fn an_audition_is_scheduled_in_utc_and_makes_the_actor_a_candidate_at_auditioning() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let response = app
        .http
        .post(app.url(&format!("/roles/{}/auditions", c.role)))
        .bearer_auth(producer())
        .json(&json!({
            "actor_id": c.ann, "starts_at": "2027-03-01T15:30:00+01:00",
            "ends_at": "2027-03-01T16:15:00.000+01:00", "location": "  Studio A ", "note": "sides"
        }))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (status, body) = read(response).await;
    assert_eq!(status, 201, "{body}");
    let id = body["created"].as_i64().unwrap();
    assert_eq!(location, format!("/auditions/{id}"));
    let audition = json!({
        "id": id, "role_id": c.role, "actor_id": c.ann,
        "starts_at": "2027-03-01T14:30:00Z", "ends_at": "2027-03-01T15:15:00Z",
        "location": "Studio A", "note": "sides"
    });
    assert_eq!(
        body,
        json!({"success": true, "created": id, "audition": audition})
    );

    let (status, read_back) = app.get(&location, &producer()).await;
    assert_eq!(status, 200, "{read_back}");
    assert_eq!(read_back["audition"], audition);
    let again = app
        .http
        .get(app.url(&location))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    assert_eq!(
        stages(&app, c.role).await,
        [(c.ann, "auditioning".to_owned())]
    );

    // An earlier stage moves on to auditioning; a later one is left as it is.
    let cy = app.actor("Cy Crane", 50, "Male").await;
    app.pool
        .execute(&format!(
            "INSERT INTO candidates (role_id, actor_id, stage) VALUES ({role}, {bo}, 'offered'), \
             ({role}, {cy}, 'shortlisted')",
            role = c.role,
            bo = c.bo
        ))
        .await;
    scheduled(&app, c.role, c.bo, TEN_ELEVEN, "Studio B").await;
    scheduled(&app, c.role, cy, TEN_ELEVEN, "Studio C").await;
    let mut expected = vec![
        (c.ann, "auditioning".to_owned()),
        (c.bo, "offered".to_owned()),
        (cy, "auditioning".to_owned()),
    ];
    expected.sort();
    assert_eq!(stages(&app, c.role).await, expected);
}

#[tokio::test]
async fn an_actors_auditions_never_overlap_even_for_another_role_or_place() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let other_movie = app.movie("Copper Sky", "2027-09-01").await;
    let other_role = role(&app, other_movie, "Inspector Vance").await;
    let first = scheduled(&app, c.role, c.ann, TEN_ELEVEN, "Studio A").await;
    let before = casting_rows(&app).await;
    for (times, role) in [
        (("2027-03-01T10:59:59Z", "2027-03-01T12:00:00Z"), other_role),
        (("2027-03-01T09:00:00Z", "2027-03-01T10:00:01Z"), c.role),
        (("2027-03-01T10:15:00Z", "2027-03-01T10:45:00Z"), other_role),
        (("2027-03-01T09:00:00Z", "2027-03-01T12:00:00Z"), c.role),
    ] {
        let (status, body) = schedule(&app, role, c.ann, times, "Room 9").await;
        assert_error(status, &body, 409);
        assert_eq!(conflict_ids(&body), vec![first], "{times:?}");
        assert_eq!(body["conflicts"][0]["location"], "Studio A");
        assert!(
            body["detail"].as_str().unwrap().contains("overlap"),
            "{body}"
        );
    }
    assert_eq!(casting_rows(&app).await, before);
    assert_eq!(audition_count(&app).await, 1);
}

#[tokio::test]
async fn auditions_at_one_location_never_overlap_compared_trimmed_and_ignoring_case() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let first = scheduled(&app, c.role, c.ann, TEN_ELEVEN, "Studio A").await;
    let (status, body) = schedule(
        &app,
        c.role,
        c.bo,
        ("2027-03-01T10:30:00Z", "2027-03-01T11:30:00Z"),
        "  sTUDIO a ",
    )
    .await;
    assert_error(status, &body, 409);
    assert_eq!(conflict_ids(&body), vec![first]);
    // Another place at the same time is fine, for another actor.
    scheduled(
        &app,
        c.role,
        c.bo,
        ("2027-03-01T10:30:00Z", "2027-03-01T11:30:00Z"),
        "Studio B",
    )
    .await;
    // Both rules at once name both auditions, by start.
    let (status, body) = schedule(
        &app,
        c.role,
        c.ann,
        ("2027-03-01T10:45:00Z", "2027-03-01T11:15:00Z"),
        "studio b",
    )
    .await;
    assert_error(status, &body, 409);
    assert_eq!(conflict_ids(&body).len(), 2, "{body}");
    assert_eq!(conflict_ids(&body)[0], first);
}

#[tokio::test]
async fn back_to_back_auditions_do_not_overlap() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    scheduled(&app, c.role, c.ann, TEN_ELEVEN, "Studio A").await;
    // The same actor at the same place, ending and starting at 11:00 and 10:00.
    scheduled(
        &app,
        c.role,
        c.ann,
        ("2027-03-01T11:00:00Z", "2027-03-01T12:00:00Z"),
        "studio a",
    )
    .await;
    scheduled(
        &app,
        c.role,
        c.ann,
        ("2027-03-01T09:00:00+00:00", "2027-03-01T11:00:00+01:00"),
        "Studio A",
    )
    .await;
    assert_eq!(audition_count(&app).await, 3);
}

#[tokio::test]
async fn an_audition_ends_after_it_starts_and_at_most_12_hours_later_in_whole_seconds() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    for (times, field) in [
        (("2027-03-01T10:00:00Z", "2027-03-01T10:00:00Z"), "ends_at"),
        (("2027-03-01T10:00:00Z", "2027-03-01T09:00:00Z"), "ends_at"),
        (("2027-03-01T10:00:00Z", "2027-03-01T22:00:01Z"), "ends_at"),
        (
            ("2027-03-01T10:00:00.5Z", "2027-03-01T11:00:00Z"),
            "starts_at",
        ),
        (("2027-03-01 10:00", "2027-03-01T11:00:00Z"), "starts_at"),
        (("2027-03-01T10:00:00Z", "tomorrow"), "ends_at"),
    ] {
        let (status, body) = schedule(&app, c.role, c.ann, times, "Studio A").await;
        assert_error(status, &body, 422);
        assert!(body["fields"].get(field).is_some(), "{times:?}: {body}");
    }
    for body in [
        json!({"actor_id": c.ann, "starts_at": TEN_ELEVEN.0, "ends_at": TEN_ELEVEN.1}),
        json!({"actor_id": c.ann, "starts_at": TEN_ELEVEN.0, "ends_at": TEN_ELEVEN.1, "location": " "}),
        json!({"actor_id": c.ann, "starts_at": TEN_ELEVEN.0, "ends_at": TEN_ELEVEN.1, "location": "A", "room": 1}),
    ] {
        let (status, answer) = app
            .post(&format!("/roles/{}/auditions", c.role), &producer(), body)
            .await;
        assert_error(status, &answer, 422);
    }
    assert_eq!(audition_count(&app).await, 0);
    scheduled(
        &app,
        c.role,
        c.ann,
        ("2027-03-01T10:00:00Z", "2027-03-01T22:00:00Z"),
        "Studio A",
    )
    .await;
}

#[tokio::test]
async fn a_missing_role_or_actor_is_404_saying_which() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let (status, body) = schedule(&app, 999_999, c.ann, TEN_ELEVEN, "A").await;
    assert_error(status, &body, 404);
    assert!(
        body["detail"].as_str().unwrap().contains("role 999999"),
        "{body}"
    );
    let (status, body) = schedule(&app, c.role, 999_999, TEN_ELEVEN, "A").await;
    assert_error(status, &body, 404);
    assert!(
        body["detail"].as_str().unwrap().contains("actor 999999"),
        "{body}"
    );
    for (method, path) in [
        (reqwest::Method::GET, "/auditions/999999"),
        (reqwest::Method::DELETE, "/auditions/999999"),
    ] {
        let (status, body) = app.send(method, path, &producer(), None).await;
        assert_error(status, &body, 404);
    }
    let (status, body) = app
        .patch("/auditions/999999", &producer(), json!({"note": "x"}))
        .await;
    assert_error(status, &body, 404);
    assert_eq!(audition_count(&app).await, 0);
}

#[tokio::test]
async fn auditions_need_get_movies_to_read_and_patch_movies_to_write() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let id = scheduled(&app, c.role, c.ann, TEN_ELEVEN, "Studio A").await;
    let reader = token(&["get:movies"]);
    for path in ["/auditions", "/auditions.ics", &format!("/auditions/{id}")] {
        let response = app
            .http
            .get(app.url(path))
            .bearer_auth(&reader)
            .send()
            .await;
        assert_eq!(response.unwrap().status(), 200, "{path}");
        let (status, body) = app.get(path, &token(&["get:actors"])).await;
        assert_error(status, &body, 403);
    }
    let (status, body) = app
        .patch(&format!("/auditions/{id}"), &reader, json!({"note": "x"}))
        .await;
    assert_error(status, &body, 403);
    let (status, body) = app
        .post(
            &format!("/roles/{}/auditions", c.role),
            &reader,
            json!({"actor_id": c.ann, "starts_at": "2027-04-01T10:00:00Z",
                   "ends_at": "2027-04-01T11:00:00Z", "location": "B"}),
        )
        .await;
    assert_error(status, &body, 403);
    let (status, body) = app.delete(&format!("/auditions/{id}"), &reader).await;
    assert_error(status, &body, 403);
}

#[tokio::test]
async fn patching_an_audition_checks_its_version_its_interval_and_the_overlaps() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let first = scheduled(&app, c.role, c.ann, TEN_ELEVEN, "Studio A").await;
    let second = scheduled(
        &app,
        c.role,
        c.bo,
        ("2027-03-01T12:00:00Z", "2027-03-01T13:00:00Z"),
        "Studio B",
    )
    .await;
    let path = format!("/auditions/{second}");
    let etag =
        |response: &reqwest::Response| response.headers()["etag"].to_str().unwrap().to_owned();
    let read = app
        .http
        .get(app.url(&path))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    let version = etag(&read);

    // Into Studio A at 10:30: the location's audition is in the way.
    let before = casting_rows(&app).await;
    let (status, body) = app
        .patch(
            &path,
            &producer(),
            json!({"starts_at": "2027-03-01T10:30:00Z", "ends_at": "2027-03-01T11:30:00Z",
                   "location": "STUDIO A"}),
        )
        .await;
    assert_error(status, &body, 409);
    assert_eq!(conflict_ids(&body), vec![first]);
    // The start alone moved past the end it keeps: 422 on ends_at.
    let (status, body) = app
        .patch(
            &path,
            &producer(),
            json!({"starts_at": "2027-03-01T14:00:00Z"}),
        )
        .await;
    assert_error(status, &body, 422);
    assert!(body["fields"].get("ends_at").is_some(), "{body}");
    let (status, body) = app.patch(&path, &producer(), json!({})).await;
    assert_error(status, &body, 400);
    let (status, body) = app.patch(&path, &producer(), json!({"actor_id": 3})).await;
    assert_error(status, &body, 422);
    assert_eq!(casting_rows(&app).await, before);
    let (_, unchanged) = app.get(&path, &producer()).await;
    assert_eq!(unchanged["audition"]["starts_at"], "2027-03-01T12:00:00Z");

    // Back to back with the first, at its location, with the version read.
    let moved = app
        .http
        .patch(app.url(&path))
        .bearer_auth(producer())
        .header("if-match", &version)
        .json(
            &json!({"starts_at": "2027-03-01T11:00:00+00:00", "ends_at": "2027-03-01T11:45:00Z",
                      "location": "studio a ", "note": "callback"}),
        )
        .send()
        .await
        .unwrap();
    let new_version = etag(&moved);
    let (status, body) = crate::helpers::read(moved).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(new_version, version);
    assert_eq!(
        body["audition"],
        json!({"id": second, "role_id": c.role, "actor_id": c.bo,
               "starts_at": "2027-03-01T11:00:00Z", "ends_at": "2027-03-01T11:45:00Z",
               "location": "studio a", "note": "callback"})
    );
    // The version read before is stale now.
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let mut request = app
            .http
            .request(method.clone(), app.url(&path))
            .bearer_auth(producer())
            .header("if-match", &version);
        if method == reqwest::Method::PATCH {
            request = request.json(&json!({"note": null}));
        }
        let (status, body) = crate::helpers::read(request.send().await.unwrap()).await;
        assert_error(status, &body, 412);
    }
    // A null note clears it; deleting with the current version works.
    let (status, body) = app.patch(&path, &producer(), json!({"note": null})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["audition"]["note"], Value::Null);
    let current = app
        .http
        .get(app.url(&path))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    let current = etag(&current);
    let deleted = app
        .http
        .delete(app.url(&path))
        .bearer_auth(producer())
        .header("if-match", current)
        .send()
        .await
        .unwrap();
    let (status, body) = crate::helpers::read(deleted).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": true, "deleted": second}));
    assert_eq!(audition_count(&app).await, 1);
}

#[tokio::test]
async fn removing_a_candidate_role_actor_or_movie_removes_their_auditions() {
    let app = TestApp::spawn(STORE).await;
    let c = casting(&app).await;
    let second_role = role(&app, c.movie, "Ruth Halloran").await;
    let cy = app.actor("Cy Crane", 50, "Male").await;
    let times = |hour: u32| {
        (
            format!("2027-03-01T{hour:02}:00:00Z"),
            format!("2027-03-01T{hour:02}:30:00Z"),
        )
    };
    let mut hour = 8;
    let mut next = || {
        hour += 1;
        times(hour)
    };
    for (role, actor) in [
        (c.role, c.ann),
        (c.role, c.bo),
        (second_role, c.ann),
        (second_role, cy),
    ] {
        let (start, end) = next();
        scheduled(&app, role, actor, (&start, &end), "Studio A").await;
    }
    let other_movie = app.movie("Copper Sky", "2027-09-01").await;
    let other_role = role(&app, other_movie, "Elias Thorne").await;
    let (start, end) = next();
    let kept = scheduled(&app, other_role, cy, (&start, &end), "Studio A").await;
    assert_eq!(audition_count(&app).await, 5);

    // The candidate: their auditions for that role only.
    app.pool
        .execute(&format!(
            "DELETE FROM candidates WHERE role_id = {} AND actor_id = {}",
            c.role, c.bo
        ))
        .await;
    assert_eq!(audition_count(&app).await, 4);
    // The actor: all theirs.
    let (status, body) = app.delete(&format!("/actors/{}", c.ann), &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(audition_count(&app).await, 2);
    // The role: its auditions.
    app.pool
        .execute(&format!("DELETE FROM roles WHERE id = {second_role}"))
        .await;
    assert_eq!(audition_count(&app).await, 1);
    // The movie: its roles' auditions.
    let (status, body) = app
        .delete(&format!("/movies/{other_movie}"), &producer())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(audition_count(&app).await, 0);
    let (status, _) = app.get(&format!("/auditions/{kept}"), &producer()).await;
    assert_eq!(status, 404);
}

/// Requests that would all overlap (the same actor, or the same place),
/// sent at once: on PostgreSQL through two server instances on one
/// database, on SQLite (one server per file) through the one. Exactly one
/// is scheduled; the others are 409, each naming the one that was.
#[tokio::test]
async fn of_concurrent_requests_that_would_overlap_exactly_one_succeeds() {
    const N: usize = 12;
    let app = TestApp::spawn(STORE).await;
    let second = app.another_instance().await;
    let servers: Vec<&TestApp> = match &second {
        Some(second) => vec![&app, second],
        None => vec![&app],
    };
    let c = casting(&app).await;
    let mut actors = Vec::new();
    for i in 0..N {
        actors.push(app.actor(&format!("Racer {i}"), 30, "Other").await);
    }
    for round in 0..2 {
        // Round 0: one actor, each request at its own place. Round 1: one
        // place, each request for its own actor.
        let day = format!("2027-05-0{}", round + 1);
        let requests = (0..N).map(|i| {
            let server = servers[i % servers.len()];
            let (actor, location) = if round == 0 {
                (c.ann, format!("Room {i}"))
            } else {
                (actors[i], " The Stage ".to_owned())
            };
            let start = format!("{day}T10:{:02}:00Z", i);
            let end = format!("{day}T11:{:02}:00Z", i);
            async move {
                let (status, body) =
                    schedule(server, c.role, actor, (&start, &end), &location).await;
                (status, body)
            }
        });
        let answers = futures::future::join_all(requests).await;
        let created: Vec<i64> = answers
            .iter()
            .filter(|(status, _)| *status == 201)
            .map(|(_, body)| body["created"].as_i64().unwrap())
            .collect();
        assert_eq!(created.len(), 1, "round {round}: {answers:?}");
        for (status, body) in &answers {
            if *status != 201 {
                assert_error(*status, body, 409);
                assert_eq!(conflict_ids(body), created, "round {round}: {body}");
            }
        }
    }
    assert_eq!(audition_count(&app).await, 2);
}
