//! Undo (`POST /changes/{seq}/undo`): a delete comes back with its id and
//! with what the same write removed (bookings, candidacies, auditions); an
//! update goes back to `before`; a create is deleted; 409 when a record
//! changed since or an audition would overlap, and nothing changes then;
//! the permission of the change's own write; the undo's changes recorded
//! like any other.

use serde_json::{Value, json};

use super::STORE;
use super::casting_auditions::{role, schedule, scheduled};
use crate::support::*;

/// The `seq` of the newest change of `resource` with `action` (the store
/// numbers pending changes when `/changes` is read).
async fn last_change(app: &TestApp, resource: &str, action: &str) -> i64 {
    let (status, body) = app.get("/changes?limit=1", &producer()).await;
    assert_eq!(status, 200, "{body}");
    app.pool
        .scalar(&format!(
            "SELECT max(seq) FROM changes WHERE resource = '{resource}' AND action = '{action}'"
        ))
        .await
}

/// Every casting row that an undo must bring back as it was (ids and
/// fields; versions and timestamps aside).
async fn casting_rows(app: &TestApp) -> Vec<(String,)> {
    app.pool
        .fetch_all(
            "SELECT 'actor ' || id || ' ' || name || ' ' || age || ' ' || gender FROM actors \
             UNION ALL SELECT 'movie ' || id || ' ' || title || ' ' || release_date FROM movies \
             UNION ALL SELECT 'role ' || id || ' ' || movie_id || ' ' || COALESCE(name, '-') \
               || ' ' || COALESCE(CAST(actor_id AS TEXT), '-') FROM roles \
             UNION ALL SELECT 'candidate ' || role_id || ' ' || actor_id || ' ' || stage FROM candidates \
             UNION ALL SELECT 'audition ' || id || ' ' || role_id || ' ' || actor_id || ' ' \
               || starts_at || ' ' || ends_at || ' ' || location || ' ' || location_key FROM auditions \
             ORDER BY 1",
        )
        .await
}

/// A role of the movie with the actor booked, as the store keeps a
/// booking: the role's actor and their candidacy at `booked`.
async fn booked(app: &TestApp, movie: i64, name: &str, actor: i64) -> i64 {
    let id = role(app, movie, name).await;
    app.pool
        .execute(&format!(
            "INSERT INTO candidates (role_id, actor_id, stage) VALUES ({id}, {actor}, 'booked')"
        ))
        .await;
    app.pool
        .execute(&format!(
            "UPDATE roles SET actor_id = {actor} WHERE id = {id}"
        ))
        .await;
    id
}

async fn undo(app: &TestApp, seq: i64, token: &str) -> (u16, Value) {
    app.post(&format!("/changes/{seq}/undo"), token, json!({}))
        .await
}

async fn undone(app: &TestApp, seq: i64) -> Value {
    let (status, body) = undo(app, seq, &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["undone"], seq);
    body
}

fn actions(changes: &Value, resource: &str) -> Vec<String> {
    changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"] == resource)
        .map(|c| c["action"].as_str().unwrap().to_owned())
        .collect()
}

const TEN_ELEVEN: (&str, &str) = ("2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z");
const NOON_ONE: (&str, &str) = ("2027-03-01T12:00:00Z", "2027-03-01T13:00:00Z");

#[tokio::test]
async fn undoing_an_actors_delete_brings_back_their_booking_candidacies_and_auditions_with_their_ids()
 {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    let bo = app.actor("Bo Brand", 61, "Male").await;
    booked(&app, movie, "Margot Wren", ann).await;
    let lead = role(&app, movie, "The Engineer").await;
    scheduled(&app, lead, ann, TEN_ELEVEN, "Studio A").await;
    scheduled(&app, lead, bo, NOON_ONE, "Studio A").await;
    let before = casting_rows(&app).await;

    let (status, body) = app.delete(&format!("/actors/{ann}"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(casting_rows(&app).await, before);
    let seq = last_change(&app, "actor", "deleted").await;

    let body = undone(&app, seq).await;
    assert_eq!(casting_rows(&app).await, before);
    assert_eq!(actions(&body["changes"], "actor"), ["created"]);
    let (status, actor) = app.get(&format!("/actors/{ann}"), &producer()).await;
    assert_eq!(status, 200, "{actor}");
    assert_eq!(actor["actor"]["name"], "Ann Abbot");
}

#[tokio::test]
async fn undoing_a_movies_delete_brings_back_its_roles_candidates_and_auditions() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let other = app.movie("Loud Engines", "2028-06-01").await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    let bo = app.actor("Bo Brand", 61, "Male").await;
    booked(&app, movie, "Margot Wren", ann).await;
    booked(&app, other, "Margot Wren", ann).await;
    let lead = role(&app, movie, "The Engineer").await;
    scheduled(&app, lead, bo, TEN_ELEVEN, "Studio A").await;
    scheduled(&app, lead, ann, NOON_ONE, "Studio B").await;
    let before = casting_rows(&app).await;

    let (status, body) = app.delete(&format!("/movies/{movie}"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    let seq = last_change(&app, "movie", "deleted").await;
    let gone: i64 = app
        .pool
        .scalar(&format!(
            "SELECT count(*) FROM roles WHERE movie_id = {movie}"
        ))
        .await;
    assert_eq!(gone, 0);

    let body = undone(&app, seq).await;
    assert_eq!(casting_rows(&app).await, before);
    assert_eq!(actions(&body["changes"], "movie"), ["created"]);
}

#[tokio::test]
async fn undoing_an_update_restores_before_and_undoing_a_create_deletes() {
    let app = TestApp::spawn(STORE).await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    let (status, body) = app
        .patch(&format!("/actors/{ann}"), &producer(), json!({"age": 41}))
        .await;
    assert_eq!(status, 200, "{body}");
    let seq = last_change(&app, "actor", "updated").await;
    let body = undone(&app, seq).await;
    assert_eq!(body["changes"][0]["action"], "updated");
    assert_eq!(body["changes"][0]["before"]["age"], 41);
    assert_eq!(body["changes"][0]["after"]["age"], 40);
    let (_, actor) = app.get(&format!("/actors/{ann}"), &producer()).await;
    assert_eq!(actor["actor"]["age"], 40);

    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let seq = last_change(&app, "movie", "created").await;
    let body = undone(&app, seq).await;
    assert_eq!(actions(&body["changes"], "movie"), ["deleted"]);
    let (status, _) = app.get(&format!("/movies/{movie}"), &producer()).await;
    assert_eq!(status, 404);

    // The undo is a change like any other: undoing it redoes.
    let redo = body["changes"][0]["seq"].as_i64().unwrap();
    undone(&app, redo).await;
    let (status, again) = app.get(&format!("/movies/{movie}"), &producer()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["movie"]["title"], "Quiet Engines");
}

#[tokio::test]
async fn a_record_changed_since_is_409_and_nothing_changes() {
    let app = TestApp::spawn(STORE).await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    app.patch(&format!("/actors/{ann}"), &producer(), json!({"age": 41}))
        .await;
    let first = last_change(&app, "actor", "updated").await;
    app.patch(&format!("/actors/{ann}"), &producer(), json!({"age": 42}))
        .await;
    let before = casting_rows(&app).await;
    let (status, body) = undo(&app, first, &producer()).await;
    assert_error(status, &body, 409);
    assert!(
        body["detail"].as_str().unwrap().contains("changed since"),
        "{body}"
    );
    assert_eq!(casting_rows(&app).await, before);

    // Changed by hand (no change recorded): the row differs from `after`.
    let second = last_change(&app, "actor", "updated").await;
    app.pool
        .execute(&format!("UPDATE actors SET age = 50 WHERE id = {ann}"))
        .await;
    let (status, body) = undo(&app, second, &producer()).await;
    assert_error(status, &body, 409);
}

#[tokio::test]
async fn an_undo_that_would_overlap_an_audition_is_409_with_the_conflicts() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Quiet Engines", "2027-06-01").await;
    let lead = role(&app, movie, "The Engineer").await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    let bo = app.actor("Bo Brand", 61, "Male").await;
    let first = scheduled(&app, lead, ann, TEN_ELEVEN, "Studio A").await;
    let (status, body) = app
        .delete(&format!("/auditions/{first}"), &producer())
        .await;
    assert_eq!(status, 200, "{body}");
    let seq = last_change(&app, "audition", "deleted").await;
    let (status, body) = schedule(
        &app,
        lead,
        bo,
        ("2027-03-01T10:30:00Z", "2027-03-01T11:30:00Z"),
        "studio a ",
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let second = body["created"].as_i64().unwrap();
    let before = casting_rows(&app).await;

    let (status, body) = undo(&app, seq, &producer()).await;
    assert_error(status, &body, 409);
    assert_eq!(body["conflicts"][0]["id"], second, "{body}");
    assert_eq!(casting_rows(&app).await, before);
}

#[tokio::test]
async fn undo_needs_the_permission_of_the_changes_own_write() {
    let app = TestApp::spawn(STORE).await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    app.delete(&format!("/actors/{ann}"), &producer()).await;
    let seq = last_change(&app, "actor", "deleted").await;

    let reader = token(&["get:actors", "get:movies"]);
    let (status, body) = undo(&app, seq, &reader).await;
    assert_error(status, &body, 403);
    let movies_only = token(&["get:movies", "delete:movies", "patch:movies"]);
    let (status, body) = undo(&app, seq, &movies_only).await;
    assert_error(status, &body, 403);
    assert!(
        body["detail"].as_str().unwrap().contains("delete:actors"),
        "{body}"
    );
    let (status, _) = app.get(&format!("/actors/{ann}"), &producer()).await;
    assert_eq!(status, 404);

    let (status, body) = undo(&app, seq, &token(&["delete:actors"])).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = undo(&app, 999_999, &producer()).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn the_undos_changes_are_recorded_as_the_callers_in_the_feed_and_histories() {
    let app = TestApp::spawn(STORE).await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    app.delete(&format!("/actors/{ann}"), &producer()).await;
    let seq = last_change(&app, "actor", "deleted").await;
    let body = undone(&app, seq).await;
    let made = body["changes"][0]["seq"].as_i64().unwrap();
    assert!(made > seq);
    assert_eq!(body["changes"][0]["by"]["subject"], "auth0|tester");

    let (status, feed) = app.get(&format!("/changes?after={seq}"), &producer()).await;
    assert_eq!(status, 200, "{feed}");
    assert_eq!(feed["changes"][0]["seq"], made);
    assert_eq!(feed["changes"][0]["action"], "created");
    let (_, history) = app
        .get(&format!("/actors/{ann}/history"), &producer())
        .await;
    assert_eq!(history["history"][0]["seq"], made);
}

#[tokio::test]
async fn each_delete_of_a_bulk_is_undone_on_its_own() {
    let app = TestApp::spawn(STORE).await;
    let mut ids = Vec::new();
    for name in ["Ann Abbot", "Bo Brand", "Cy Cole"] {
        ids.push(app.actor(name, 30, "Other").await);
    }
    let before = casting_rows(&app).await;
    let mut seqs = Vec::new();
    for id in &ids {
        let (status, body) = app.delete(&format!("/actors/{id}"), &producer()).await;
        assert_eq!(status, 200, "{body}");
        seqs.push(last_change(&app, "actor", "deleted").await);
    }
    for seq in seqs.iter().rev() {
        let body = undone(&app, *seq).await;
        assert_eq!(actions(&body["changes"], "actor"), ["created"]);
    }
    assert_eq!(casting_rows(&app).await, before);
}

#[tokio::test]
async fn a_pruned_change_is_410() {
    let app = TestApp::spawn(STORE).await;
    let ann = app.actor("Ann Abbot", 40, "Female").await;
    app.patch(&format!("/actors/{ann}"), &producer(), json!({"age": 41}))
        .await;
    let seq = last_change(&app, "actor", "updated").await;
    app.pool
        .execute(&format!("DELETE FROM changes WHERE seq <= {seq}"))
        .await;
    app.pool
        .execute(&format!(
            "UPDATE changes_horizon SET pruned_through = {seq}"
        ))
        .await;
    let (status, body) = undo(&app, seq, &producer()).await;
    assert_error(status, &body, 410);
}
