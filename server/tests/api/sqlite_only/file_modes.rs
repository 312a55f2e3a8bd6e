//! The SQLite store's files are private to the server's user whatever the
//! umask (issue 25, point 3): the database, its `-wal` and `-shm`, the
//! instance lock and the directories the server creates, on a first start
//! and as `copy --to sqlite:` makes them; a database others can read is
//! refused, and nobody else can open the lock to keep `serve` off.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::sqlite::STORE;
use crate::support::*;

/// `casting-server ARGS` run by a shell with umask 022 first, as most
/// logins have it.
fn with_umask_022(args: &[&str]) -> Command {
    let mut command = after_shell("umask 022", binary(args).env("RUST_LOG", "info"));
    command.stdin(Stdio::null());
    command
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `name mode` for each path that exists.
fn modes(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| p.exists())
        .map(|p| format!("{} {:04o}", p.display(), mode(p)))
        .collect()
}

/// Whether the user `nobody` can read `path` (`None` without runuser).
fn nobody_can_read(path: &Path) -> Option<bool> {
    let output = Command::new("runuser")
        .args(["-u", "nobody", "--", "head", "-c", "1"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    Some(output.success())
}

/// Runs `copy --from FROM --to TO` with umask 022, noting the modes of
/// TO's files while it runs.
fn copy_watching_modes(from: &Path, to: &Path) -> Vec<String> {
    let mut copy = with_umask_022(&[
        "copy",
        "--from",
        &format!("sqlite:{}", from.display()),
        "--to",
        &format!("sqlite:{}", to.display()),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let files: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| suffixed(to, suffix))
        .collect();
    let mut seen = Vec::new();
    while copy.try_wait().unwrap().is_none() {
        for mode in modes(&files) {
            if !seen.contains(&mode) {
                seen.push(mode);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let output = copy.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_its_log_its_lock_and_new_directories_are_private_whatever_the_umask() {
    let home = TestDb::new(STORE);
    let data_home = Path::new(&home.name).join("data");
    // A first start in the default data directory, which it creates.
    let mut server = tokio::task::block_in_place(|| {
        // The server, started through a shell that sets the umask.
        let mut command = serving(&["serve"], None);
        command.env("XDG_DATA_HOME", &data_home);
        Server::spawn(after_shell("umask 022", &command))
    });
    tokio::task::block_in_place(|| server.address());
    let file = data_home.join("casting-agency/casting.db");
    let files: Vec<PathBuf> = ["", "-wal", "-shm", ".lock"]
        .iter()
        .map(|suffix| suffixed(&file, suffix))
        .collect();
    let seen = modes(&files);
    println!("first start: {seen:?}");
    for path in &files {
        assert_eq!(mode(path), 0o600, "{}: {seen:?}", path.display());
    }
    for dir in [&data_home, &data_home.join("casting-agency")] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    if let Some(readable) = tokio::task::block_in_place(|| nobody_can_read(&file)) {
        assert!(!readable, "nobody reads {}", file.display());
    }

    // A copy into a directory that does not exist yet.
    let target = Path::new(&home.name).join("backups/today/copy.db");
    let during = tokio::task::block_in_place(|| copy_watching_modes(&file, &target));
    println!(
        "copy: {during:?} while it ran, {:?} after",
        modes(std::slice::from_ref(&target))
    );
    assert!(!during.is_empty());
    for seen in &during {
        assert!(seen.ends_with(" 0600"), "{during:?}");
    }
    assert_eq!(mode(&target), 0o600);
    for dir in [
        target.parent().unwrap(),
        &Path::new(&home.name).join("backups"),
    ] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    server.terminate();
    tokio::task::block_in_place(|| server.child.wait()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_file_others_can_read_is_refused_with_the_chmod_that_fixes_it() {
    let db = TestDb::new(STORE);
    let run = |args: &[&str]| {
        tokio::task::block_in_place(|| {
            run(
                with_umask_022(args)
                    .env("DATABASE_URL", &db.url)
                    .env("CASTING_BIND", "127.0.0.1:0"),
                None,
            )
        })
    };
    let output = run(&["migrate"]);
    assert!(output.status.success(), "{}", text(&output));
    let file = PathBuf::from(db.url.strip_prefix("sqlite:").unwrap());
    assert_eq!(mode(&file), 0o600);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let fix = format!("chmod 600 {}", file.display());
    for args in [&["serve"][..], &["users", "list"]] {
        let output = run(args);
        let said = text(&output);
        assert!(!output.status.success(), "{args:?} ran: {said}");
        assert!(said.contains(&fix), "{args:?}: {said}");
    }
    // Done as said, it runs.
    let chmod = Command::new("sh").args(["-c", &fix]).status().unwrap();
    assert!(chmod.success());
    let output = run(&["users", "list"]);
    assert!(output.status.success(), "{}", text(&output));
}

/// Another user holding a shared lock on `FILE.lock` kept `serve` from
/// starting ("already serving"). A lock file left readable by an older
/// version is made private at the next start, and the next start is not
/// kept off.
#[tokio::test(flavor = "multi_thread")]
async fn no_other_user_can_hold_the_lock_to_keep_serve_off() {
    if Command::new("runuser").arg("--help").output().is_err() {
        println!("skipped: runuser is not installed");
        return;
    }
    let db = TestDb::new(STORE);
    let jwks = JwksServer::start(vec![public_jwk(TEST_KEY, KID)]).await;
    let file = PathBuf::from(db.url.strip_prefix("sqlite:").unwrap());
    let dir = file.parent().unwrap();
    let lock = suffixed(&file, ".lock");
    // As an older version left them: a directory and a lock anyone may open.
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&lock, b"").unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut first = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    tokio::task::block_in_place(|| first.address());
    let after_first_start = mode(&lock);
    first.terminate();
    tokio::task::block_in_place(|| first.child.wait()).unwrap();

    // `nobody` tries to hold a shared lock on it for as long as the test.
    let mut holder = Command::new("runuser")
        .args(["-u", "nobody", "--", "flock", "--shared", "--nonblock"])
        .arg(&lock)
        .args(["sleep", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let held = holder.try_wait().unwrap().is_none();
    let mut again = tokio::task::block_in_place(|| Server::start(&db, &jwks));
    let address = tokio::task::block_in_place(|| again.address());
    let health = reqwest::get(format!("http://{address}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let _ = holder.kill();
    let holder = holder.wait_with_output().unwrap();
    assert!(
        !held,
        "nobody held the lock: {}",
        String::from_utf8_lossy(&holder.stderr)
    );
    assert_eq!(after_first_start, 0o600);
}
