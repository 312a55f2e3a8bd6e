//! End to end: the real `casting-tui` binary in tmux against the real server
//! (in this process, over real HTTP) on a fresh in-memory database. Every step is
//! checked on screen and through the API. Waits are for text, bounded.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use casting_server::db::{Location, StoreSettings};
use casting_server::settings::{AuthSettings, ExternalIssuer};
use casting_server::startup::DemoSeed;
use casting_server::{Application, HttpSettings, Settings};
use serde_json::{Value, json};
use tokio::process::Command;

/// A fresh SQLite file in a directory of its own, removed at the end: a
/// store the test can reach beside the server, as `casting-server users`
/// does while a server runs.
pub(crate) struct Database {
    dir: PathBuf,
    location: Location,
}

impl Database {
    pub(crate) fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple();
        let dir = std::env::temp_dir().join(format!("casting-tui-db-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        let location = Location::SqliteFile(dir.join("casting.db"));
        Self { dir, location }
    }

    pub(crate) fn location(&self) -> Location {
        self.location.clone()
    }

    /// What `casting-server users disable` then `enable` does: the user's
    /// tokens are taken back (each server notices within seconds), while
    /// the account itself stays as it was.
    pub(crate) async fn take_tokens_back(&self, username: &str) {
        use casting_server::db::Store;
        use casting_server::identity::users;
        let store = Store::open(&self.location, &StoreSettings::default())
            .await
            .unwrap();
        assert!(users::set_disabled(&store, username, true).await.unwrap());
        assert!(users::set_disabled(&store, username, false).await.unwrap());
        store.close().await;
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The real server with demo data on a throwaway in-memory database;
/// returns its URL and the demo passwords.
pub(crate) async fn start_server() -> (String, Vec<(String, String)>) {
    start_on(Location::SqliteMemory, |auth| auth.external = None).await
}

/// The real server with demo data on `db`.
pub(crate) async fn start_server_on(db: &Database) -> (String, Vec<(String, String)>) {
    start_server_with(db, |_| {}).await
}

/// The real server with demo data on `db` and these auth settings changed.
pub(crate) async fn start_server_with(
    db: &Database,
    change: impl FnOnce(&mut AuthSettings),
) -> (String, Vec<(String, String)>) {
    start_on(db.location.clone(), change).await
}

/// The same, trusting an external issuer as well.
pub(crate) async fn start_server_trusting(
    external: Option<ExternalIssuer>,
) -> (String, Vec<(String, String)>) {
    start_on(Location::SqliteMemory, |auth| auth.external = external).await
}

/// The real server with demo data on the PostgreSQL database at `url`
/// (created if missing), which it also reads as its read replica.
pub(crate) async fn start_server_replicated(url: &str) -> (String, Vec<(String, String)>) {
    let store = StoreSettings {
        read_url: Some(url.to_owned()),
        ..StoreSettings::default()
    };
    start_with_store(Location::Postgres(url.to_owned()), store, |_| {}).await
}

async fn start_on(
    database: Location,
    change: impl FnOnce(&mut AuthSettings),
) -> (String, Vec<(String, String)>) {
    start_with_store(database, StoreSettings::default(), change).await
}

async fn start_with_store(
    database: Location,
    store: StoreSettings,
    change: impl FnOnce(&mut AuthSettings),
) -> (String, Vec<(String, String)>) {
    let mut auth = AuthSettings::default();
    change(&mut auth);
    let settings = Settings {
        database,
        store,
        http: HttpSettings {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..HttpSettings::default()
        },
        auth,
        demo: true,
    };
    let application = Application::build(settings).await.unwrap();
    let base = format!("http://{}", application.address());
    let Some(DemoSeed::Seeded(users)) = application.demo() else {
        panic!("a fresh database is seeded");
    };
    let passwords = users
        .iter()
        .map(|u| (u.username.to_owned(), u.password.clone()))
        .collect();
    tokio::spawn(application.run_until(std::future::pending()));
    (base, passwords)
}

/// One tmux server of this test's own, running the client.
pub(crate) struct Tmux {
    socket: String,
    pub(crate) config_dir: PathBuf,
}

impl Tmux {
    pub(crate) fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let config_dir = std::env::temp_dir().join(format!("casting-tui-e2e-{id}"));
        std::fs::create_dir_all(&config_dir).unwrap();
        Self {
            socket: format!("casting-e2e-{id}"),
            config_dir,
        }
    }

    pub(crate) async fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .await
            .expect("tmux runs")
    }

    pub(crate) async fn launch(&self, server: &str) {
        self.launch_with(server, &[]).await;
    }

    /// Runs the client with these environment variables set too.
    pub(crate) async fn launch_with(&self, server: &str, env: &[(&str, &str)]) {
        let env: String = env
            .iter()
            .map(|(name, value)| format!("{name}='{value}' "))
            .collect();
        let command = format!(
            "{env}CASTING_TUI_CONFIG_DIR='{}' '{}' --server '{server}'",
            self.config_dir.display(),
            env!("CARGO_BIN_EXE_casting-tui"),
        );
        let new_session = [
            "new-session",
            "-d",
            "-s",
            "tui",
            "-x",
            "100",
            "-y",
            "30",
            &command,
        ];
        let mut out = self.tmux(&new_session).await;
        // After the previous client quit, its tmux server exits once it has
        // no session left; a new session asked for meanwhile reaches the
        // exiting server ("server exited unexpectedly"). Ask again.
        for _ in 0..20 {
            if out.status.success()
                || !String::from_utf8_lossy(&out.stderr).contains("server exited unexpectedly")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            out = self.tmux(&new_session).await;
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) async fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "tui"]).await.stdout)
            .into_owned()
    }

    /// The screen with its styles, as escape sequences.
    pub(crate) async fn screen_with_styles(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-e", "-t", "tui"]).await;
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends keys one write each, as a person types them. A key after
    /// `Escape` would reach the client in the same read and be taken as
    /// Alt-key (as any terminal library reads ESC + key), so `Escape` must
    /// come last: send it alone and wait for the screen it leads to.
    pub(crate) async fn keys(&self, keys: &[&str]) {
        if let Some(i) = keys.iter().position(|k| *k == "Escape") {
            assert!(
                i + 1 == keys.len(),
                "send Escape alone and wait for the screen before the next key: {keys:?}"
            );
        }
        for key in keys {
            self.tmux(&["send-keys", "-t", "tui", key]).await;
        }
    }

    pub(crate) async fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "tui", "-l", text]).await;
    }

    /// Waits until the screen shows `text` (at most 20 s), returning the screen.
    pub(crate) async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen().await;
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?}; the screen shows:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the screen no longer shows `text` (at most 20 s).
    pub(crate) async fn wait_without(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen().await;
            if !screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?} to go; the screen shows:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn wait_until_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .tmux(&["has-session", "-t", "tui"])
            .await
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the client did not quit:\n{}",
                self.screen().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let _ = std::fs::remove_dir_all(&self.config_dir);
    }
}

pub(crate) struct Api {
    base: String,
    pub(crate) token: String,
    http: reqwest::Client,
}

impl Api {
    pub(crate) async fn login(base: &str, username: &str, password: &str) -> Self {
        let http = reqwest::Client::new();
        let body: Value = http
            .post(format!("{base}/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            base: base.into(),
            token: body["access_token"].as_str().unwrap().into(),
            http,
        }
    }

    /// Waits until the server refuses this client's token (at most 20 s).
    pub(crate) async fn wait_until_refused(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.get("/auth/me").await.0 != 401 {
            assert!(Instant::now() < deadline, "the token is still accepted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// PATCH with this JSON body: someone else's edit.
    pub(crate) async fn patch(&self, path: &str, body: &Value) -> u16 {
        self.http
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Any other write (PUT, DELETE): someone else's.
    pub(crate) async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> u16 {
        let request = self.http.request(method, format!("{}{path}", self.base));
        let request = match body {
            Value::Null => request,
            body => request.json(body),
        };
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        response.status().as_u16()
    }

    async fn actors_named(&self, name: &str) -> Vec<Value> {
        let (_, body) = self
            .get(&format!("/actors?q={}", name.replace(' ', "%20")))
            .await;
        body["actors"].as_array().unwrap().clone()
    }
}

pub(crate) fn password<'a>(passwords: &'a [(String, String)], user: &str) -> &'a str {
    &passwords.iter().find(|(u, _)| u == user).unwrap().1
}

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

impl Api {
    pub(crate) async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    async fn cast(&self, path: &str) -> Vec<Value> {
        self.get(path).await.1["cast"].as_array().unwrap().clone()
    }
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
