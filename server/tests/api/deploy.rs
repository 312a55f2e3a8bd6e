//! Deployment as shipped in `deploy/`: the systemd unit passes
//! `systemd-analyze verify`, and the real binary tells systemd when it is
//! ready and when it is stopping (`Type=notify`).

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use casting_server::db::{postgres, sqlite};

use crate::support::*;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scratch_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casting-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn systemd_unit_passes_systemd_analyze_verify_and_is_hardened() {
    if !installed("systemd-analyze") {
        println!(
            "skipped: systemd-analyze is not installed (scripts/ensure-test-tools installs it)"
        );
        return;
    }
    let dir = scratch_dir("unit");
    // The unit as shipped, with ExecStart pointing at the binary under test
    // (verify checks that the program exists and is executable)...
    let shipped =
        std::fs::read_to_string(repository().join("deploy/casting-server.service")).unwrap();
    assert!(shipped.contains("ExecStart=/usr/local/bin/casting-server serve"));
    let unit = shipped.replace("/usr/local/bin/casting-server", BINARY);
    let path = dir.join("casting-server.service");
    std::fs::write(&path, unit).unwrap();
    // ...and the manual page its Documentation= names, installed from
    // `casting-server man` where man looks (verify runs man on it).
    let man1 = dir.join("man/man1");
    std::fs::create_dir_all(&man1).unwrap();
    let page = run(&mut binary(&["man"]), None);
    assert!(page.status.success());
    std::fs::write(man1.join("casting-server.1"), page.stdout).unwrap();
    let man_check = if installed("man") { "yes" } else { "no" };

    let verify = Command::new("systemd-analyze")
        .args(["verify", &format!("--man={man_check}")])
        .arg(&path)
        .env("MANPATH", dir.join("man"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stderr).into_owned()
        + &String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "systemd-analyze verify: {said}");
    assert!(
        !said.contains("casting-server.service"),
        "systemd-analyze verify complains: {said}"
    );

    // The hardening keeps the exposure score "OK" (below 2.0 of 10).
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    let overall = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or("no overall exposure level");
    println!("{overall}");
    assert!(security.status.success(), "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Receives one notification, bounded.
fn notification(socket: &UnixDatagram) -> String {
    let mut buffer = [0u8; 4096];
    let n = socket
        .recv(&mut buffer)
        .expect("a notification within the timeout");
    String::from_utf8_lossy(&buffer[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn notifies_systemd_ready_once_migrated_and_listening_then_stopping_on_sigterm() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        notifies_systemd_on(backend).await;
    }
}

async fn notifies_systemd_on(backend: Backend) {
    let dir = scratch_dir("notify");
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let db = TestDb::new(backend);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let mut server = tokio::task::block_in_place(|| {
        Server::start_with(&db, &jwks, |command| {
            command.env("NOTIFY_SOCKET", &path);
        })
    });

    let ready = tokio::task::block_in_place(|| notification(&socket));
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    assert!(ready.contains("STATUS=serving on 127.0.0.1:"), "{ready:?}");
    // By READY=1 the database is migrated and connections are accepted.
    let pool = db.pool().await;
    let applied: i64 = pool
        .scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .await;
    let migrations = match backend {
        Backend::Postgres => &postgres::MIGRATOR,
        Backend::Sqlite => &sqlite::MIGRATOR,
    };
    assert_eq!(applied as usize, migrations.iter().count(), "{backend:?}");
    pool.close().await;
    let addr = tokio::task::block_in_place(|| server.address());
    let (status, _) = read(reqwest::get(format!("http://{addr}/ready")).await.unwrap()).await;
    assert_eq!(status, 200);

    server.terminate();
    let stopping = tokio::task::block_in_place(|| notification(&socket));
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping:?}");
    let exit = tokio::task::block_in_place(|| server.child.wait()).unwrap();
    assert_eq!(exit.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}
