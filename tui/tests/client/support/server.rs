//! The real server for the end-to-end tests, in this process over real
//! HTTP with demo data, and the one database fixture it runs on: a SQLite
//! file, a PostgreSQL database or the in-memory store, each the test's own.

use std::net::SocketAddr;
use std::path::PathBuf;

use casting_server::db::{Location, StoreSettings};
use casting_server::settings::{AuthSettings, ExternalIssuer};
use casting_server::startup::DemoSeed;
use casting_server::{Application, HttpSettings, Settings};
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A database of the test's own, removed at the end.
pub(crate) struct Database {
    location: Location,
    removal: Removal,
}

/// What is left to remove when the test ends.
enum Removal {
    /// The SQLite file's directory.
    Directory(PathBuf),
    /// A PostgreSQL database: the server's URL and the database's name.
    Postgres(String, String),
    /// The in-memory store goes with its server.
    Nothing,
}

impl Database {
    /// A fresh SQLite file in a directory of its own: a store the test can
    /// reach beside the server, as `casting-server users` does while a
    /// server runs.
    pub(crate) fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple();
        let dir = std::env::temp_dir().join(format!("casting-tui-db-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            location: Location::SqliteFile(dir.join("casting.db")),
            removal: Removal::Directory(dir),
        }
    }

    /// A fresh database (created by the server) on the PostgreSQL server the
    /// tests use: `CASTING_TEST_DATABASE_URL`, as the server's tests read it,
    /// else the local one `.ci/run` starts.
    pub(crate) fn postgres() -> Self {
        let server = match std::env::var("CASTING_TEST_DATABASE_URL") {
            Ok(url) if url != "private" => url,
            _ => "postgres://postgres@127.0.0.1:5432".to_owned(),
        };
        let name = format!("casting_tui_{}", uuid::Uuid::new_v4().simple());
        Self {
            location: Location::Postgres(format!("{server}/{name}")),
            removal: Removal::Postgres(server, name),
        }
    }

    /// A throwaway in-memory store, which lives as long as its server.
    pub(crate) fn in_memory() -> Self {
        Self {
            location: Location::SqliteMemory,
            removal: Removal::Nothing,
        }
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
        match &self.removal {
            Removal::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Removal::Postgres(server, name) => {
                let admin = format!("{server}/postgres");
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                // Drop runs inside a test's runtime; a thread of its own may block.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                                .execute(&mut conn)
                                .await;
                        }
                    });
                })
                .join();
            }
            Removal::Nothing => {}
        }
    }
}

/// The real server, built as `main` builds it and serving on a task of the
/// test's runtime: [`Server::stop`] stops it as SIGTERM does (its streams
/// end, it drains, it closes the store); dropped, it serves on until the
/// test ends.
pub(crate) struct Server {
    stop: oneshot::Sender<()>,
    running: JoinHandle<()>,
}

impl Server {
    /// Serves `db` with demo data on `bind` (port 0: any); its URL, and the
    /// demo passwords when this run seeded the store.
    pub(crate) async fn start(
        db: &Database,
        bind: SocketAddr,
        store: StoreSettings,
    ) -> (Self, String, Vec<(String, String)>) {
        Self::serve(db.location(), bind, store, AuthSettings::default()).await
    }

    async fn serve(
        database: Location,
        bind: SocketAddr,
        store: StoreSettings,
        auth: AuthSettings,
    ) -> (Self, String, Vec<(String, String)>) {
        let settings = Settings {
            database,
            store,
            http: HttpSettings {
                bind,
                ..HttpSettings::default()
            },
            auth,
            demo: true,
        };
        // A restart on the address the last server left may find it still
        // held for a moment on a loaded machine: tried again for 10 s.
        let mut attempts = 0;
        let application = loop {
            match Application::build(settings.clone()).await {
                Ok(application) => break application,
                Err(error) if attempts < 50 && bind.port() != 0 => {
                    eprintln!("the server did not start ({error:#}); again");
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(error) => panic!("the server did not start: {error:#}"),
            }
        };
        let url = format!("http://{}", application.address());
        let passwords = match application.demo() {
            Some(DemoSeed::Seeded(users)) => users
                .iter()
                .map(|u| (u.username.to_owned(), u.password.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(async move {
            // Only `stop` stops it: a dropped handle leaves it serving.
            let shutdown = async {
                if stopped.await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            application.run_until(shutdown).await.unwrap();
        });
        (Self { stop, running }, url, passwords)
    }

    /// Stops it as SIGTERM does (its streams end, it drains, it closes the file).
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.running.await.unwrap();
    }
}

/// The real server with demo data on a throwaway in-memory database;
/// returns its URL and the demo passwords.
pub(crate) async fn start_server() -> (String, Vec<(String, String)>) {
    start_on(&Database::in_memory(), |auth| auth.external = None).await
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
    start_on(db, change).await
}

/// The same, trusting an external issuer as well.
pub(crate) async fn start_server_trusting(
    external: Option<ExternalIssuer>,
) -> (String, Vec<(String, String)>) {
    start_on(&Database::in_memory(), |auth| auth.external = external).await
}

/// The real server with demo data on the PostgreSQL database `db`
/// (created if missing), which it also reads as its read replica.
pub(crate) async fn start_server_replicated(db: &Database) -> (String, Vec<(String, String)>) {
    let Location::Postgres(url) = db.location() else {
        panic!("a read replica is a PostgreSQL database");
    };
    let store = StoreSettings {
        read_url: Some(url),
        ..StoreSettings::default()
    };
    start_with_store(db, store, |_| {}).await
}

async fn start_on(
    db: &Database,
    change: impl FnOnce(&mut AuthSettings),
) -> (String, Vec<(String, String)>) {
    start_with_store(db, StoreSettings::default(), change).await
}

/// Serves on any port until the test ends.
async fn start_with_store(
    db: &Database,
    store: StoreSettings,
    change: impl FnOnce(&mut AuthSettings),
) -> (String, Vec<(String, String)>) {
    let mut auth = AuthSettings::default();
    change(&mut auth);
    let any_port = "127.0.0.1:0".parse().unwrap();
    let (_serving, base, passwords) = Server::serve(db.location(), any_port, store, auth).await;
    assert!(!passwords.is_empty(), "a fresh database is seeded");
    (base, passwords)
}
