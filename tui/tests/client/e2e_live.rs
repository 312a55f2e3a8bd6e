//! End to end, issue 13: real clients in tmux on the real server's live
//! feed. A colleague's edit shows in the other client within 2 s with no
//! key pressed; `h` shows a row's history; an open edit dialog says at
//! once that its record changed; after the server restarts (on the same
//! SQLite file) behind a network outage, the client reconnects and
//! resumes after the last change it saw, or reads everything again when
//! what it missed is no longer kept (410).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use casting_server::db::StoreSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// A free port below the range the system hands out for outgoing
/// connections (and for port 0), so that while the server is down for a
/// restart no other socket of these tests can take it.
fn port_to_restart_on() -> SocketAddr {
    for _ in 0..100 {
        let port = 20_000 + (uuid::Uuid::new_v4().as_u128() % 12_000) as u16;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        if std::net::TcpListener::bind(address).is_ok() {
            return address;
        }
    }
    panic!("no free port to restart on");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_in_one_client_shows_in_the_others_open_table_within_two_seconds() {
    let (server, passwords) = start_server().await;
    let producer = client(&server, "producer", &passwords).await;
    let director = client(&server, "director", &passwords).await;
    // The producer is on the fifth row.
    producer.keys(&["j", "j", "j", "j"]).await;
    producer.wait_for("row 5 of 64").await;

    // The director changes the third actor's age in the edit dialog.
    let api = Api::login(&server, "director", password(&passwords, "director")).await;
    let third = actor_at(&api, 3).await;
    let (id, name) = (
        third["id"].as_i64().unwrap(),
        third["name"].as_str().unwrap(),
    );
    let age = third["age"].as_i64().unwrap();
    let new_age = if age == 99 { 98 } else { 99 };
    director.keys(&["j", "j"]).await;
    director.wait_for("row 3 of 64").await;
    director.keys(&["e"]).await;
    director.wait_for(&format!("Edit actor #{id} ")).await;
    director.keys(&["Tab"]).await;
    for _ in 0..age.to_string().len() {
        director.keys(&["BSpace"]).await;
    }
    director.type_text(&new_age.to_string()).await;
    director.keys(&["C-s"]).await;
    let saved = Instant::now();

    // In the producer's client, with no key pressed: the row, and who.
    wait_for_row(&producer, name, &format!(" {new_age} ")).await;
    let screen = producer
        .wait_for(&format!("director changed {name}'s age to {new_age}"))
        .await;
    let took = saved.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    director.wait_for(&format!("Saved actor #{id}")).await;
    assert!(
        screen.contains("row 5 of 64"),
        "the selection stayed:\n{screen}"
    );

    // A colleague's create and delete show too.
    let created = api
        .post("/actors", json!({"name": "Live Newcomer", "age": 30}))
        .await["created"]
        .as_i64()
        .unwrap();
    producer
        .wait_for("director added actor Live Newcomer")
        .await;
    producer.wait_for("row 5 of 65").await;
    let path = format!("/actors/{created}");
    assert_eq!(api.send(Method::DELETE, &path, &Value::Null).await, 200);
    producer
        .wait_for("director deleted actor Live Newcomer")
        .await;
    producer.wait_for("row 5 of 64").await;
    for tmux in [&producer, &director] {
        tmux.keys(&["q"]).await;
        tmux.wait_until_gone().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn h_shows_who_changed_a_row_when_and_from_what_to_what_newest_first() {
    let (server, passwords) = start_server().await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let producer = Api::login(&server, "producer", password(&passwords, "producer")).await;
    let actor = actor_at(&director, 7).await;
    let (id, name) = (
        actor["id"].as_i64().unwrap(),
        actor["name"].as_str().unwrap(),
    );
    let age = actor["age"].as_i64().unwrap();
    let gender = actor["gender"].as_str().unwrap();
    let other = if gender == "Female" { "Male" } else { "Female" };
    let path = format!("/actors/{id}");
    assert_eq!(director.patch(&path, &json!({"age": age + 1})).await, 200);
    assert_eq!(producer.patch(&path, &json!({"gender": other})).await, 200);

    let tmux = client(&server, "assistant", &passwords).await;
    tmux.keys(&["/"]).await;
    tmux.type_text(name).await;
    tmux.keys(&["Enter"]).await;
    tmux.wait_for("row 1 of 1").await;
    tmux.keys(&["h"]).await;
    tmux.wait_for(&format!("History of actor {name} (#{id})"))
        .await;
    let screen = tmux.wait_for(&format!("gender {gender} → {other}")).await;
    let line_of = |text: &str| {
        screen
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} in the history:\n{screen}"))
    };
    let newest = line_of(&format!("gender {gender} → {other}"));
    let older = line_of(&format!("age {age} → {}", age + 1));
    assert!(newest < older, "newest first:\n{screen}");
    assert!(screen.lines().nth(newest).unwrap().contains("producer"));
    assert!(screen.lines().nth(older).unwrap().contains("director"));

    // A change while it is open is read in.
    assert_eq!(director.patch(&path, &json!({"age": age + 2})).await, 200);
    tmux.wait_for(&format!("age {} → {}", age + 1, age + 2))
        .await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without("History of actor").await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_edit_dialog_says_at_once_that_a_colleague_changed_its_record() {
    let (server, passwords) = start_server().await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let actor = actor_at(&director, 2).await;
    let (id, name) = (
        actor["id"].as_i64().unwrap(),
        actor["name"].as_str().unwrap(),
    );
    let age = actor["age"].as_i64().unwrap();

    let tmux = client(&server, "producer", &passwords).await;
    tmux.keys(&["j", "e"]).await;
    tmux.wait_for(&format!("Edit actor #{id} ")).await;
    tmux.type_text(" II").await;
    tmux.wait_for(" II").await;
    assert_eq!(
        director
            .patch(&format!("/actors/{id}"), &json!({"age": age + 5}))
            .await,
        200
    );
    // Before any key: who, and the difference.
    tmux.wait_for("director changed this actor: Age is now")
        .await;
    tmux.keys(&["C-r"]).await;
    tmux.wait_for("kept your change to Name").await;
    tmux.keys(&["C-s"]).await;
    tmux.wait_for(&format!("Saved actor #{id}")).await;
    let (_, body) = director.get(&format!("/actors/{id}")).await;
    assert_eq!(body["actor"]["name"], format!("{name} II"));
    assert_eq!(body["actor"]["age"], age + 5, "theirs kept");
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_cast_follows_a_colleagues_casting() {
    let (server, passwords) = start_server().await;
    let director = Api::login(&server, "director", password(&passwords, "director")).await;
    let (_, body) = director.get("/movies?sort=id&per_page=1").await;
    let movie = &body["movies"][0];
    let (movie_id, title) = (
        movie["id"].as_i64().unwrap(),
        movie["title"].as_str().unwrap(),
    );
    let (_, body) = director.get("/actors?q=Zora").await;
    let actor = &body["actors"][0];
    let (actor_id, name) = (
        actor["id"].as_i64().unwrap(),
        actor["name"].as_str().unwrap(),
    );
    let entry = format!("/movies/{movie_id}/cast/{actor_id}");
    director.send(Method::DELETE, &entry, &Value::Null).await;

    let tmux = client(&server, "producer", &passwords).await;
    tmux.keys(&["2"]).await;
    tmux.wait_for(title).await;
    tmux.keys(&["c"]).await;
    tmux.wait_for(&format!("Cast of {title}")).await;
    let role = json!({"character": "Live Role"});
    assert_eq!(director.send(Method::PUT, &entry, &role).await, 200);
    tmux.wait_for(&format!("director cast {name} in {title} as Live Role"))
        .await;
    // In the panel itself, not only in the status line.
    wait_for_row(&tmux, &format!("║{name}"), "Live Role").await;
    assert_eq!(
        director.send(Method::DELETE, &entry, &Value::Null).await,
        200
    );
    tmux.wait_for(&format!("director removed {name} from the cast of {title}"))
        .await;
    tmux.wait_without("Live Role").await;
    tmux.keys(&["Escape"]).await;
    tmux.wait_without(&format!("Cast of {title}")).await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}

/// A producer's client (through a relay that can play an outage) on a
/// server on a SQLite file, that has seen the director set the first
/// actor's age to 50; and the last `seq` it saw.
struct Following {
    db: Database,
    address: SocketAddr,
    /// `None` only while it restarts.
    server: Option<Server>,
    recorder: Recorder,
    tmux: Tmux,
    director: String,
    seen: i64,
}

impl Following {
    async fn start() -> Self {
        let db = Database::new();
        let address = port_to_restart_on();
        let (server, url, passwords) = Server::start(&db, address, StoreSettings::default()).await;
        let recorder = Recorder::start(&url).await;
        let tmux = client(&recorder.url, "producer", &passwords).await;
        let director = password(&passwords, "director").to_owned();
        let api = Api::login(&url, "director", &director).await;
        let first = actor_at(&api, 1).await;
        let path = format!("/actors/{}", first["id"]);
        assert_eq!(api.patch(&path, &json!({"age": 50})).await, 200);
        let name = first["name"].as_str().unwrap();
        tmux.wait_for(&format!("director changed {name}'s age to 50"))
            .await;
        let seen = api.get("/changes?after=0&limit=1000").await.1["next"]
            .as_i64()
            .unwrap();
        Self {
            db,
            address,
            server: Some(server),
            recorder,
            tmux,
            director,
            seen,
        }
    }

    /// The network goes down, the server restarts on the same file (with
    /// `store`), and a colleague sets the second actor's age to 51 before
    /// the client can reach it again. The director's API and the actor's name.
    async fn outage_and_restart(&mut self, store: StoreSettings) -> (Api, String) {
        self.recorder.go_down();
        self.tmux.wait_for("○ reconnecting").await;
        if let Some(old) = self.server.take() {
            old.stop().await;
        }
        let (server, url, _) = Server::start(&self.db, self.address, store).await;
        self.server = Some(server);
        let api = Api::login(&url, "director", &self.director).await;
        let second = actor_at(&api, 2).await;
        let path = format!("/actors/{}", second["id"]);
        assert_eq!(api.patch(&path, &json!({"age": 51})).await, 200);
        (api, second["name"].as_str().unwrap().to_owned())
    }

    async fn quit(self) {
        self.tmux.keys(&["q"]).await;
        self.tmux.wait_until_gone().await;
        if let Some(server) = self.server {
            server.stop().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_an_outage_and_a_server_restart_the_client_resumes_after_the_last_change_it_saw() {
    let mut following = Following::start().await;
    let (_, name) = following.outage_and_restart(StoreSettings::default()).await;
    following.recorder.come_back();

    // No key pressed: the client is back and has what it missed.
    let tmux = &following.tmux;
    tmux.wait_for("● live").await;
    tmux.wait_for(&format!("director changed {name}'s age to 51"))
        .await;
    wait_for_row(tmux, &name, " 51 ").await;
    let resumed = format!("GET /events (Last-Event-ID: {})", following.seen);
    let requests = following.recorder.requests();
    assert!(requests.contains(&resumed), "{resumed} in {requests:#?}");
    following.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_away_longer_than_the_changes_are_kept_reads_everything_again() {
    let mut following = Following::start().await;
    let keep = StoreSettings {
        changes_keep: Duration::from_secs(2),
        ..StoreSettings::default()
    };
    let (api, name) = following.outage_and_restart(keep).await;
    // Until what the client missed is pruned: resuming after it is 410.
    let after = format!("/changes?after={}", following.seen);
    let deadline = Instant::now() + Duration::from_secs(20);
    while api.get(&after).await.0 != 410 {
        assert!(Instant::now() < deadline, "never pruned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    following.recorder.come_back();

    let tmux = &following.tmux;
    tmux.wait_for("everything on screen was read again").await;
    tmux.wait_for("● live").await;
    wait_for_row(tmux, &name, " 51 ").await;
    following.quit().await;
}
