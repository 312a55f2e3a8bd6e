//! The PostgreSQL server the tests use: `CASTING_TEST_DATABASE_URL`, else
//! the one on 127.0.0.1:5432 if it answers, else a private throwaway
//! cluster started from the installed binaries (`initdb`, `pg_ctl`, found
//! on `PATH` or under `/usr/lib/postgresql/*/bin`) on a free port, and
//! removed when the test process ends. `CASTING_TEST_DATABASE_URL=private`
//! asks for the private cluster even when another server is running.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// `postgres://postgres@HOST:PORT`, without a database name.
pub fn server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("CASTING_TEST_DATABASE_URL") {
        Ok(url) if url != "private" => url,
        Ok(_) => start_private_cluster(),
        Err(_) => {
            let default: SocketAddr = "127.0.0.1:5432".parse().expect("addr");
            if TcpStream::connect_timeout(&default, Duration::from_secs(1)).is_ok() {
                "postgres://postgres@127.0.0.1:5432".to_owned()
            } else {
                start_private_cluster()
            }
        }
    })
    .clone()
}

/// The directory holding `initdb` and `pg_ctl`.
fn binaries() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file());
    if let Some(dir) = on_path {
        return dir;
    }
    let mut installed: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    installed.sort();
    match installed.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "no PostgreSQL to test against: install PostgreSQL's server binaries \
             (e.g. `apt-get install postgresql`) or set CASTING_TEST_DATABASE_URL"
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// PostgreSQL refuses to run as root: then the cluster belongs to `postgres`.
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command run as the cluster's owner.
fn as_owner(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn start_private_cluster() -> String {
    let bin = binaries();
    let root = running_as_root();
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("casting-test-pg-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("cluster directory");
    if root {
        let owned = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown");
        assert!(owned.success(), "cannot give {} to postgres", dir.display());
    }
    let data = dir.join("data");
    let initdb = as_owner(&bin.join("initdb"), root)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("run initdb");
    assert!(initdb.success(), "initdb failed");
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
        dir.display()
    );
    let started = as_owner(&bin.join("pg_ctl"), root)
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "start"])
        .stdout(Stdio::null())
        .status()
        .expect("run pg_ctl");
    assert!(
        started.success(),
        "pg_ctl start failed; see {}/log",
        dir.display()
    );
    // Stop and remove the cluster once this test process is gone, however it ends.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {owner}{pg_ctl} -D {data} -m immediate stop; rm -rf {dir}",
        pid = std::process::id(),
        owner = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display(),
    );
    // Never waited for: it outlives this process, which is its job.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &stop])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the cluster's reaper");
    eprintln!("tests use a private PostgreSQL cluster on 127.0.0.1:{port}");
    format!("postgres://postgres@127.0.0.1:{port}")
}
