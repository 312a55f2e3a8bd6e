//! What only the embedded store needs: one server per SQLite file, and
//! where the file lives when `DATABASE_URL` is not set.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::sqlite::STORE;
use crate::sqlite::identity::text;
use crate::sqlite::operations::Server;

/// Runs `casting-server ARGS` with `env`, which must exit within 30 s.
fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casting-server"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("CASTING_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start casting-server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!("{args:?} is still running: {}", text(&output));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_casting-server"))
        .args(["serve", "--demo"])
        .env_remove("DATABASE_URL")
        .env("XDG_DATA_HOME", &data_home)
        .env("CASTING_BIND", "127.0.0.1:0")
        .env("CASTING_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let printed = tokio::task::block_in_place(|| {
        use std::io::BufRead;
        let mut seen = String::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("\"listening\"") {
                break;
            }
        }
        seen
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(printed.contains("\"listening\""), "{printed}");
    assert!(printed.contains("in-memory"), "{printed}");
    assert!(printed.contains("password: "), "{printed}");
    assert!(
        !data_home.exists(),
        "nothing is written to the data directory"
    );
}
