//! What only the embedded store needs: one server per SQLite file, and
//! where the file lives when `DATABASE_URL` is not set.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::sqlite::STORE;
use crate::support::*;

/// Runs `casting-server ARGS` with `env` to its end.
fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = serving(args, None);
    command
        .env_remove("CASTING_LOG_FORMAT")
        .envs(env.iter().copied());
    run(&mut command, None)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_server_on_the_same_file_is_refused_and_pointed_at_postgres() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut first = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| first.address());
    let second = tokio::task::block_in_place(|| {
        run_to_exit(&["serve"], &[("DATABASE_URL", db.url.as_str())])
    });
    assert!(!second.status.success(), "{}", text(&second));
    let said = text(&second);
    assert!(
        said.contains("already serving") && said.contains("PostgreSQL"),
        "{said}"
    );
    // The first one is unharmed, and once it is gone the file is free again.
    let health = reqwest::get(format!("http://{addr}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    first.terminate();
    tokio::task::block_in_place(|| first.child.wait()).unwrap();
    let mut again = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    tokio::task::block_in_place(|| again.address());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_database_url_the_store_is_a_file_in_the_data_directory() {
    let home = TestDb::new(STORE);
    let data_home = std::path::Path::new(&home.name).join("data");
    let data_home = data_home.to_str().unwrap();
    let expected = format!("{data_home}/casting-agency/casting.db");
    let migrated =
        tokio::task::block_in_place(|| run_to_exit(&["migrate"], &[("XDG_DATA_HOME", data_home)]));
    assert!(migrated.status.success(), "{}", text(&migrated));
    assert!(
        text(&migrated).contains(&expected),
        "the log names the file: {}",
        text(&migrated)
    );
    assert!(std::path::Path::new(&expected).is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_without_database_url_runs_in_memory_and_says_so() {
    let home = TestDb::new(STORE);
    let data_home = std::path::Path::new(&home.name).join("data");
    let mut command = serving(&["serve", "--demo"], None);
    command.env("XDG_DATA_HOME", &data_home);
    let (server, _) = tokio::task::block_in_place(|| Server::until_listening(command));
    let (printed, errors) = (server.stdout(), server.stderr());
    assert!(printed.contains("\"listening\""), "{printed}");
    assert!(printed.contains("in-memory"), "{printed}");
    // The demo passwords, on standard error only.
    assert_eq!(errors.matches("password: ").count(), 3, "{errors}");
    assert!(
        !data_home.exists(),
        "nothing is written to the data directory"
    );
}

/// Writers of the API and another program on the file at once: nobody is
/// told "database is locked", every write is acknowledged and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_writers_on_one_file_all_get_through() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    let app = TestApp::spawn(STORE).await;
    let (writers, per_writer) = (4, 40);
    let progress = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            tokio::spawn(writer(
                app.base.clone(),
                format!("writer-{w}"),
                per_writer,
                progress.clone(),
            ))
        })
        .collect();
    // Another program: short write transactions of its own, and the
    // `users` command, while the API writes.
    let outside = TestPool::connect(STORE, &app.db_url).await;
    for i in 0..40 {
        outside
            .execute(&format!(
                "INSERT INTO movies (title, release_date) VALUES ('Outside {i}', '2001-01-01')"
            ))
            .await;
    }
    add_user(&app.db_url, "beside", "producer", "right-password");
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.unwrap());
    }
    assert!(
        tally.failed.is_empty(),
        "every write gets through: {:?}",
        tally.failed
    );
    assert_eq!(tally.acknowledged.len(), writers * per_writer);
    check_nothing_lost(&app.pool, &tally, "several writers").await;
    let (_, movies) = app.get("/movies?q=outside", &producer()).await;
    assert_eq!(movies["total"], 40);
    login_token(&app, "beside", "right-password").await;
}

/// The database file moved away under write load: writes are refused with
/// 503 (never written into a file nobody will open again), `/ready` says
/// so, and once the file is back everything acknowledged is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_file_moved_away_under_load_gets_503_and_writes_resume_when_it_is_back() {
    let app = TestApp::spawn(STORE).await;
    let file = app.db_url.strip_prefix("sqlite:").unwrap().to_owned();
    let moved = format!("{file}.moved");
    let load = WriteLoad::start(&app.base, "moved", 4, 60);
    load.wait_for_a_third(Duration::from_secs(60)).await;
    std::fs::rename(&file, &moved).unwrap();
    load.wait_for(load.answered() + 8, Duration::from_secs(30))
        .await;
    let (status, body) = app.get("/ready", "").await;
    assert_error(status, &body, 503);
    std::fs::rename(&moved, &file).unwrap();
    let tally = load.finish().await;
    assert!(
        tally.failed.keys().all(|status| *status == 503),
        "refusals are 503: {:?}",
        tally.failed
    );
    assert!(tally.failed.get(&503).is_some_and(|n| *n > 0));
    check_nothing_lost(&app.pool, &tally, "file moved away").await;
    assert_eq!(app.get("/ready", "").await.0, 200);
    let (status, _) = app
        .post(
            "/actors",
            &producer(),
            serde_json::json!({"name": "After", "age": 30}),
        )
        .await;
    assert_eq!(status, 201);
}

/// Sets or clears the immutable attribute (`chattr +i`), which stops writes
/// even through descriptors already open, for root too. `false` when the
/// file system has no such attribute.
fn immutable(path: &str, on: bool) -> bool {
    let flag = if on { "+i" } else { "-i" };
    let output = Command::new("chattr")
        .args([flag, path])
        .output()
        .expect("chattr (e2fsprogs) is installed");
    if !output.status.success() {
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains("not supported") || error.contains("Inappropriate ioctl"),
            "chattr {flag} {path}: {error}"
        );
    }
    output.status.success()
}

/// Files made immutable, made writable again however the test ends (else
/// the test's directory could not be removed).
struct Frozen(Vec<String>);

impl Drop for Frozen {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = Command::new("chattr").args(["-i", path]).output();
        }
    }
}

/// The database made read-only under write load (its file and its log
/// immutable, so even the open descriptors cannot write): writes are
/// refused with 503 while reads go on, and once it is writable again
/// writes resume and everything acknowledged is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_file_made_read_only_under_load_gets_503_and_writes_resume_when_it_is_writable() {
    let app = TestApp::spawn(STORE).await;
    let file = app.db_url.strip_prefix("sqlite:").unwrap().to_owned();
    let log = format!("{file}-wal");
    let load = WriteLoad::start(&app.base, "frozen", 4, 60);
    load.wait_for_a_third(Duration::from_secs(60)).await;
    let frozen = Frozen(vec![log.clone(), file.clone()]);
    if !immutable(&log, true) {
        println!("skipped: this file system has no immutable attribute");
        load.finish().await;
        return;
    }
    assert!(immutable(&file, true));
    load.wait_for(load.answered() + 8, Duration::from_secs(30))
        .await;
    // Reads go on meanwhile.
    let (status, body) = app.get("/actors?per_page=5", &producer()).await;
    assert_eq!(status, 200, "{body}");
    drop(frozen);
    let tally = load.finish().await;
    assert!(
        tally.failed.keys().all(|status| *status == 503),
        "refusals are 503: {:?}",
        tally.failed
    );
    assert!(
        tally.failed.get(&503).is_some_and(|n| *n > 0),
        "writes were refused while it was read-only: {:?}",
        tally.failed
    );
    check_nothing_lost(&app.pool, &tally, "file made read-only").await;
    let (status, _) = app
        .post(
            "/actors",
            &producer(),
            serde_json::json!({"name": "After", "age": 30}),
        )
        .await;
    assert_eq!(status, 201);
}

/// Writes leave the trigram index in segments, every one of which a search
/// reads; the store's maintenance (soon after start, then hourly) merges
/// them into one, and searches find the same rows.
#[tokio::test]
async fn maintenance_merges_the_search_index_into_one_segment() {
    let app = TestApp::spawn(STORE).await;
    for n in 0..60 {
        app.pool
            .execute(&format!(
                "INSERT INTO actors (name, age, gender) VALUES ('Merge Probe {n}', 30, 'Other')"
            ))
            .await;
    }
    let segments = "SELECT count(DISTINCT segid) FROM actors_search_idx";
    let before: i64 = app.pool.scalar(segments).await;
    assert!(before > 1, "{before} segments after 60 writes");
    let (_, found) = app.get("/actors?q=probe 1&per_page=100", &producer()).await;
    assert_eq!(found["total"], 11, "{found}");

    app.store.optimize().await.unwrap();

    let after: i64 = app.pool.scalar(segments).await;
    assert_eq!(after, 1);
    let (_, merged) = app.get("/actors?q=probe 1&per_page=100", &producer()).await;
    assert_eq!(merged["actors"], found["actors"]);
    app.pool
        .execute("INSERT INTO actors_search (actors_search) VALUES ('integrity-check')")
        .await;
}

/// A store that finds its tables gone (dropped behind its back here; in
/// memory, issue 24's lost database) says so at error level, is not ready,
/// and the server exits non-zero instead of serving 500s from an empty
/// database for ever.
#[tokio::test(flavor = "multi_thread")]
async fn a_store_whose_tables_are_gone_is_not_ready_and_the_server_exits_non_zero() {
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let addr = tokio::task::block_in_place(|| server.address());
    let ready = reqwest::get(format!("http://{addr}/ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    db.pool().await.execute("DROP TABLE row_counts").await;

    let ready = reqwest::get(format!("http://{addr}/ready")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server is still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success(), "{status:?}");
    let logs = tokio::task::block_in_place(|| server.drain()).join("\n");
    let said = logs
        .lines()
        .find(|line| line.contains("tables are gone"))
        .unwrap_or_else(|| panic!("no line says the tables are gone:\n{logs}"));
    assert!(said.contains("\"level\":\"ERROR\""), "{said}");
    assert!(said.contains("no such table: row_counts"), "{said}");
}

/// Its files are private to the server's user.
mod file_modes;
