//! The casting pipeline's roles and candidates, rule by rule of the
//! contract: roles' reads and writes (ETag, If-Match, 404, 422, 403), the
//! booking rules (409 and nothing changed), unbooking by stage, removal and
//! actor deletion, the cascades, the cast endpoints' new meaning (a cast
//! entry is a booked role), the change log and histories, and the
//! migration of existing cast entries.

use casting_shared::Role as UserRole;
use serde_json::{Value, json};

use super::STORE;
use crate::helpers::*;

async fn role(app: &TestApp, movie: i64, body: Value) -> i64 {
    let (status, answer) = app
        .post(&format!("/movies/{movie}/roles"), &producer(), body)
        .await;
    assert_eq!(status, 201, "{answer}");
    answer["created"].as_i64().unwrap()
}

async fn candidate(app: &TestApp, role: i64, actor: i64, body: Value) -> (u16, Value) {
    app.put(
        &format!("/roles/{role}/candidates/{actor}"),
        &producer(),
        body,
    )
    .await
}

fn counts(role: &Value) -> Vec<i64> {
    [
        "considered",
        "shortlisted",
        "auditioning",
        "offered",
        "booked",
        "passed",
    ]
    .iter()
    .map(|stage| role["candidates"][*stage].as_i64().unwrap())
    .collect()
}

#[tokio::test]
async fn a_role_is_created_read_listed_changed_and_deleted() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let (status, body) = app
        .post(
            &format!("/movies/{movie}/roles"),
            &producer(),
            json!({"name": " Harbour Master ", "description": "Gruff, kind", "age_min": 40,
                   "age_max": 60, "gender": "Female"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["created"].as_i64().unwrap();
    assert_eq!(
        body["role"],
        json!({"id": id, "movie_id": movie, "name": "Harbour Master", "description": "Gruff, kind",
               "age_min": 40, "age_max": 60, "gender": "Female", "actor": null, "status": "open",
               "candidates": {"considered": 0, "shortlisted": 0, "auditioning": 0, "offered": 0,
                              "booked": 0, "passed": 0}})
    );
    let guard = role(&app, movie, json!({})).await;
    let (status, body) = app
        .get(
            &format!("/movies/{movie}/roles"),
            &role_token(UserRole::CastingAssistant),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<i64> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id, guard], "creation order");
    assert_eq!(body["roles"][1]["name"], Value::Null);

    // GET with its ETag; PATCH with an old one is 412, with the current one 200.
    let response = app
        .http
        .get(app.url(&format!("/roles/{id}")))
        .bearer_auth(producer())
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let (status, body) = read(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["candidates"], json!([]));
    assert_eq!(body["auditions"], json!([]));
    let patch = |if_match: String, body: Value| {
        app.http
            .patch(app.url(&format!("/roles/{id}")))
            .bearer_auth(producer())
            .header("if-match", if_match)
            .json(&body)
            .send()
    };
    let (status, body) = read(patch(etag.clone(), json!({"gender": null})).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"]["gender"], Value::Null);
    assert_eq!(body["role"]["name"], "Harbour Master");
    let (status, body) = read(patch(etag, json!({"name": "X"})).await.unwrap()).await;
    assert_error(status, &body, 412);
    // The range is checked against what is stored.
    let (status, body) = app
        .patch(&format!("/roles/{id}"), &producer(), json!({"age_max": 30}))
        .await;
    assert_error(status, &body, 422);
    assert!(body["fields"]["age_max"].is_string(), "{body}");
    let (status, body) = app
        .patch(&format!("/roles/{id}"), &producer(), json!({}))
        .await;
    assert_error(status, &body, 400);

    let (status, body) = app.delete(&format!("/roles/{id}"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": true, "deleted": id}));
    let (status, body) = app.get(&format!("/roles/{id}"), &producer()).await;
    assert_error(status, &body, 404);
}

#[tokio::test]
async fn bad_role_input_is_422_missing_records_404_and_read_only_tokens_403() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let actor = app.actor("Ann", 30, "Female").await;
    let id = role(&app, movie, json!({"name": "Lead"})).await;
    for (body, field) in [
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"age_min": 151}), "age_min"),
        (json!({"age_min": 50, "age_max": 40}), "age_max"),
        (json!({"gender": 3}), "gender"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (status, answer) = app
            .post(&format!("/movies/{movie}/roles"), &producer(), body.clone())
            .await;
        assert_error(status, &answer, 422);
        assert!(answer["fields"][field].is_string(), "{body}: {answer}");
    }
    let (status, answer) = candidate(&app, id, actor, json!({"stage": "hired"})).await;
    assert_error(status, &answer, 422);
    assert!(answer["fields"]["stage"].is_string(), "{answer}");

    for (status, answer) in [
        app.get("/movies/999/roles", &producer()).await,
        app.post("/movies/999/roles", &producer(), json!({})).await,
        app.get("/roles/999", &producer()).await,
        app.patch("/roles/999", &producer(), json!({"name": "A"}))
            .await,
        app.delete("/roles/999", &producer()).await,
        candidate(&app, 999, actor, json!({})).await,
        candidate(&app, id, 999, json!({})).await,
        app.delete(&format!("/roles/{id}/candidates/{actor}"), &producer())
            .await,
        app.get("/actors/999/roles", &producer()).await,
    ] {
        assert_error(status, &answer, 404);
    }

    let reader = role_token(UserRole::CastingAssistant);
    let before = app.get(&format!("/roles/{id}"), &producer()).await.1;
    for (status, answer) in [
        app.post(&format!("/movies/{movie}/roles"), &reader, json!({}))
            .await,
        app.patch(&format!("/roles/{id}"), &reader, json!({"name": "B"}))
            .await,
        app.delete(&format!("/roles/{id}"), &reader).await,
        app.put(
            &format!("/roles/{id}/candidates/{actor}"),
            &reader,
            json!({}),
        )
        .await,
        app.delete(&format!("/roles/{id}/candidates/{actor}"), &reader)
            .await,
    ] {
        assert_error(status, &answer, 403);
    }
    let (status, answer) = app
        .get(&format!("/actors/{actor}/roles"), &token(&["get:actors"]))
        .await;
    assert_error(status, &answer, 403);
    assert_eq!(
        app.get(&format!("/roles/{id}"), &producer()).await.1,
        before
    );
}

#[tokio::test]
async fn candidates_move_through_stages_and_booking_follows_the_booked_stage() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let ann = app.actor("Ann", 30, "Female").await;
    let bo = app.actor("Bo", 40, "Male").await;
    let id = role(&app, movie, json!({"name": "Lead"})).await;

    let (status, body) = candidate(&app, id, ann, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["candidate"]["stage"], "considered");
    assert_eq!(body["candidate"]["actor"]["id"], ann);
    assert!(
        body["candidate"]["updated_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(counts(&body["role"]), [1, 0, 0, 0, 0, 0]);
    let (_, body) = candidate(
        &app,
        id,
        bo,
        json!({"stage": "shortlisted", "note": "great"}),
    )
    .await;
    assert_eq!(body["candidate"]["note"], "great");
    // A body without the note leaves it.
    let (_, body) = candidate(&app, id, bo, json!({"stage": "offered"})).await;
    assert_eq!(body["candidate"]["note"], "great");

    let (status, body) = candidate(&app, id, bo, json!({"stage": "booked"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"]["status"], "cast");
    assert_eq!(body["role"]["actor"]["id"], bo);
    let (_, cast) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(cast["cast"][0]["actor"]["id"], bo);
    assert_eq!(cast["cast"][0]["character"], "Lead");

    // A second booking of the role is 409, and changes nothing.
    let before = app.get(&format!("/roles/{id}"), &producer()).await.1;
    let (status, body) = candidate(&app, id, ann, json!({"stage": "booked"})).await;
    assert_error(status, &body, 409);
    assert!(
        body["detail"].as_str().unwrap().contains("already booked"),
        "{body}"
    );
    assert_eq!(
        app.get(&format!("/roles/{id}"), &producer()).await.1,
        before
    );

    // Moving the booked candidate to another stage unbooks the role.
    let (_, body) = candidate(&app, id, bo, json!({"stage": "passed"})).await;
    assert_eq!(body["role"]["status"], "open");
    assert_eq!(body["role"]["actor"], Value::Null);
    let (_, cast) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(cast["cast"], json!([]));
    let (status, body) = candidate(&app, id, ann, json!({"stage": "booked"})).await;
    assert_eq!(status, 200, "{body}");

    // The pipeline lists candidates by stage, then name.
    let (_, body) = app.get(&format!("/roles/{id}"), &producer()).await;
    let stages: Vec<&str> = body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["booked", "passed"]);

    // Removing the booked candidate unbooks it.
    let (status, body) = app
        .delete(&format!("/roles/{id}/candidates/{ann}"), &producer())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"success": true, "deleted": ann}));
    let (_, body) = app.get(&format!("/roles/{id}"), &producer()).await;
    assert_eq!(body["role"]["status"], "open");
    assert_eq!(counts(&body["role"]), [0, 0, 0, 0, 0, 1]);

    let (status, body) = app.get(&format!("/actors/{bo}/roles"), &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"][0]["role"]["id"], id);
    assert_eq!(body["roles"][0]["movie"]["id"], movie);
    assert_eq!(body["roles"][0]["stage"], "passed");
}

#[tokio::test]
async fn an_actor_is_booked_in_at_most_one_role_of_a_movie() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let other_movie = app.movie("Copper Sky", "2028-01-01").await;
    let ann = app.actor("Ann", 30, "Female").await;
    let twin_a = role(&app, movie, json!({"name": "Twin A"})).await;
    let twin_b = role(&app, movie, json!({"name": "Twin B"})).await;
    let elsewhere = role(&app, other_movie, json!({"name": "Lead"})).await;
    let (status, _) = candidate(&app, twin_a, ann, json!({"stage": "booked"})).await;
    assert_eq!(status, 200);
    let before = app.snapshot().await;
    let (status, body) = candidate(&app, twin_b, ann, json!({"stage": "booked"})).await;
    assert_error(status, &body, 409);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("role {twin_a}")),
        "{body}"
    );
    assert_eq!(app.snapshot().await, before, "nothing changed");
    let (_, body) = app.get(&format!("/roles/{twin_b}"), &producer()).await;
    assert_eq!(body["candidates"], json!([]), "not even a candidacy");
    // A candidate for both is fine; booked in another movie too.
    let (status, _) = candidate(&app, twin_b, ann, json!({"stage": "offered"})).await;
    assert_eq!(status, 200);
    let (status, _) = candidate(&app, elsewhere, ann, json!({"stage": "booked"})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_cast_endpoints_read_and_write_booked_roles() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let ann = app.actor("Ann", 30, "Female").await;

    // PUT makes a role with the actor booked; again, it renames that role.
    app.cast(movie, ann, Some("Ada")).await;
    let (_, body) = app
        .get(&format!("/movies/{movie}/roles"), &producer())
        .await;
    let roles = body["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1, "{body}");
    let id = roles[0]["id"].as_i64().unwrap();
    assert_eq!(roles[0]["name"], "Ada");
    assert_eq!(roles[0]["status"], "cast");
    assert_eq!(counts(&roles[0]), [0, 0, 0, 0, 1, 0]);
    app.cast(movie, ann, Some("Ada Lovelace")).await;
    let (_, body) = app
        .get(&format!("/movies/{movie}/roles"), &producer())
        .await;
    assert_eq!(body["roles"].as_array().unwrap().len(), 1);
    assert_eq!(body["roles"][0]["name"], "Ada Lovelace");
    let (_, movies) = app.get(&format!("/actors/{ann}/movies"), &producer()).await;
    assert_eq!(movies["movies"][0]["character"], "Ada Lovelace");

    // A booking through the pipeline is a cast entry too.
    let bo = app.actor("Bo", 40, "Male").await;
    let guard = role(&app, movie, json!({"name": "Guard"})).await;
    candidate(&app, guard, bo, json!({"stage": "booked"})).await;
    let (_, cast) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(cast["cast"].as_array().unwrap().len(), 2, "{cast}");

    // DELETE unbooks: the role stays, open, the candidacy goes back to offered.
    let (status, body) = app
        .delete(&format!("/movies/{movie}/cast/{ann}"), &producer())
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.get(&format!("/roles/{id}"), &producer()).await;
    assert_eq!(body["role"]["status"], "open");
    assert_eq!(body["role"]["name"], "Ada Lovelace");
    assert_eq!(body["candidates"][0]["stage"], "offered");
    let (_, cast) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(cast["cast"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deletions_cascade_as_the_contract_says() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let ann = app.actor("Ann", 30, "Female").await;
    let bo = app.actor("Bo", 40, "Male").await;
    let lead = role(&app, movie, json!({"name": "Lead"})).await;
    let guard = role(&app, movie, json!({"name": "Guard"})).await;
    candidate(&app, lead, ann, json!({"stage": "booked"})).await;
    candidate(&app, lead, bo, json!({"stage": "shortlisted"})).await;
    candidate(&app, guard, bo, json!({"stage": "booked"})).await;

    // Deleting an actor: their candidacies go, their roles stay, open.
    let (status, _) = app.delete(&format!("/actors/{ann}"), &producer()).await;
    assert_eq!(status, 200);
    let (_, body) = app.get(&format!("/roles/{lead}"), &producer()).await;
    assert_eq!(body["role"]["status"], "open");
    assert_eq!(body["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(body["candidates"][0]["actor"]["id"], bo);

    // Deleting a role: its candidacies go, and its booking leaves the cast.
    let (status, _) = app.delete(&format!("/roles/{guard}"), &producer()).await;
    assert_eq!(status, 200);
    let (_, cast) = app.get(&format!("/movies/{movie}/cast"), &producer()).await;
    assert_eq!(cast["cast"], json!([]));
    let (_, body) = app.get(&format!("/actors/{bo}/roles"), &producer()).await;
    assert_eq!(body["roles"].as_array().unwrap().len(), 1);

    // Deleting a movie: its roles and candidacies go.
    let (status, _) = app.delete(&format!("/movies/{movie}"), &producer()).await;
    assert_eq!(status, 200);
    let (status, _) = app.get(&format!("/roles/{lead}"), &producer()).await;
    assert_eq!(status, 404);
    let (_, body) = app.get(&format!("/actors/{bo}/roles"), &producer()).await;
    assert_eq!(body["roles"], json!([]));
    let left: i64 = app.pool.scalar("SELECT count(*) FROM candidates").await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn roles_and_candidates_are_in_the_change_log_and_the_histories() {
    let app = TestApp::spawn(STORE).await;
    let movie = app.movie("Glass Harbour", "2027-05-01").await;
    let ann = app.actor("Ann", 30, "Female").await;
    let lead = role(&app, movie, json!({"name": "Lead"})).await;
    candidate(&app, lead, ann, json!({"stage": "booked", "note": "yes"})).await;

    let (_, body) = app.get("/changes", &producer()).await;
    let tail: Vec<(String, String, i64)> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .skip(2)
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [
            ("created".into(), "role".into(), lead),
            ("created".into(), "candidate".into(), lead),
            ("updated".into(), "role".into(), lead),
            ("created".into(), "cast".into(), movie),
        ]
    );
    let changes = body["changes"].as_array().unwrap();
    assert_eq!(
        changes[3]["after"],
        json!({"role_id": lead, "actor_id": ann, "stage": "booked", "note": "yes"})
    );
    assert_eq!(changes[4]["after"]["actor_id"], ann);
    assert_eq!(changes[5]["after"]["character"], "Lead");

    // Only with get:movies.
    let (_, body) = app.get("/changes", &token(&["get:actors"])).await;
    assert_eq!(body["changes"].as_array().unwrap().len(), 1);

    let (_, body) = app
        .get(&format!("/movies/{movie}/history"), &producer())
        .await;
    let resources: Vec<&str> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(resources, ["cast", "role", "candidate", "role", "movie"]);
    let (_, body) = app
        .get(&format!("/actors/{ann}/history"), &producer())
        .await;
    let resources: Vec<&str> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(resources, ["cast", "candidate", "actor"]);

    // Deleting the movie records the cascade in its history.
    app.delete(&format!("/movies/{movie}"), &producer()).await;
    let (_, body) = app
        .get(&format!("/movies/{movie}/history"), &producer())
        .await;
    let newest: Vec<(&str, &str)> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|c| {
            (
                c["action"].as_str().unwrap(),
                c["resource"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(newest.contains(&("deleted", "candidate")), "{newest:?}");
    assert!(newest.contains(&("deleted", "role")), "{newest:?}");
    assert!(newest.contains(&("deleted", "cast")), "{newest:?}");
}

/// A database at migration 0008 with cast entries, migrated by the server.
#[tokio::test(flavor = "multi_thread")]
async fn existing_cast_entries_become_booked_roles_when_the_store_migrates() {
    let db = TestDb::new(STORE);
    let migrator = match STORE {
        Backend::Postgres => {
            let admin = TestPool::connect(STORE, &format!("{}/postgres", server_url())).await;
            admin
                .execute(&format!("CREATE DATABASE \"{}\"", db.name))
                .await;
            casting_server::db::migrations::postgres()
        }
        Backend::Sqlite => {
            std::fs::create_dir_all(&db.name).unwrap();
            let file = std::path::Path::new(&db.name).join("casting.db");
            std::fs::File::create(&file).unwrap();
            // The server refuses a file others may read (it holds password hashes).
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
            casting_server::db::migrations::sqlite()
        }
    };
    let pool = db.pool().await;
    match &pool {
        TestPool::Postgres(p) => migrator.run_to(8, p).await.unwrap(),
        TestPool::Sqlite(p) => migrator.run_to(8, p).await.unwrap(),
    }
    pool.execute("INSERT INTO actors (name, age) VALUES ('Ann', 30), ('Bo', 40)")
        .await;
    pool.execute(
        "INSERT INTO movies (title, release_date) VALUES ('Up', '2009-05-29'), ('Cars', '2006-06-09')",
    )
    .await;
    for (movie, actor, character, at) in [
        (1, 2, "'Carl'", "2020-01-01T00:00:02Z"),
        (1, 1, "NULL", "2020-01-01T00:00:01Z"),
        (2, 1, "'Lightning'", "2020-01-01T00:00:03Z"),
    ] {
        pool.execute(&format!(
            "INSERT INTO cast_entries (movie_id, actor_id, character, created_at) \
             VALUES ({movie}, {actor}, {character}, '{at}')"
        ))
        .await;
    }
    pool.close().await;

    let mut options = Options::new(STORE);
    options.shared_db = Some(db.url.clone());
    let app = TestApp::spawn_with(options).await;
    let (_, cast) = app.get("/movies/1/cast", &producer()).await;
    assert_eq!(cast["cast"].as_array().unwrap().len(), 2, "{cast}");
    assert_eq!(cast["cast"][0]["actor"]["name"], "Ann");
    assert_eq!(cast["cast"][0]["character"], Value::Null);
    assert_eq!(cast["cast"][1]["character"], "Carl");
    let (_, body) = app.get("/movies/1/roles", &producer()).await;
    let roles = body["roles"].as_array().unwrap();
    // In the order the entries were made.
    assert_eq!(roles[0]["actor"]["name"], "Ann");
    assert_eq!(roles[1]["name"], "Carl");
    for role in roles {
        assert_eq!(role["status"], "cast");
        assert_eq!(counts(role), [0, 0, 0, 0, 1, 0]);
    }
    let (_, movies) = app.get("/actors/1/movies", &producer()).await;
    assert_eq!(movies["movies"].as_array().unwrap().len(), 2, "{movies}");
    // The cast changes recorded before the migration stay in the movie's history.
    let (_, body) = app.get("/movies/1/history", &producer()).await;
    let casts = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource"] == "cast")
        .count();
    assert_eq!(casts, 2, "{body}");
    app.stop().await;
    drop(app);
    drop(db);
}
