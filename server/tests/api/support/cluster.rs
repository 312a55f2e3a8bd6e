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
    let owner = Owner::find();
    let port = free_port();
    let dir = owner.directory(&format!("casting-test-pg-{}-{port}", std::process::id()));
    let data = dir.join("data");
    owner.initdb(&data);
    owner.start(&data, port, &dir);
    // Stop and remove the cluster once this test process is gone, however it ends.
    owner.reap_after_exit(&[&data], &dir);
    eprintln!("tests use a private PostgreSQL cluster on 127.0.0.1:{port}");
    format!("postgres://postgres@127.0.0.1:{port}")
}

/// Who runs the PostgreSQL binaries, and where they are.
#[derive(Clone)]
struct Owner {
    bin: PathBuf,
    root: bool,
}

impl Owner {
    fn find() -> Self {
        // Where `initdb` really lives, with `pg_basebackup` beside it (a
        // directory on PATH may hold links to only some of them).
        let bin = binaries();
        let bin = std::fs::canonicalize(bin.join("initdb"))
            .ok()
            .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
            .unwrap_or(bin);
        Self {
            bin,
            root: running_as_root(),
        }
    }

    fn run(&self, program: &str) -> Command {
        let mut command = as_owner(&self.bin.join(program), self.root);
        command.stdout(Stdio::null());
        command
    }

    /// A new directory under the temporary directory, the owner's.
    fn directory(&self, name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("cluster directory");
        if self.root {
            let owned = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(owned.success(), "cannot give {} to postgres", dir.display());
        }
        dir
    }

    fn initdb(&self, data: &Path) {
        let initdb = self
            .run("initdb")
            .arg("-D")
            .arg(data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .status()
            .expect("run initdb");
        assert!(initdb.success(), "initdb failed");
    }

    /// Starts the server of `data` on `port`, its socket and log in `dir`.
    fn start(&self, data: &Path, port: u16, dir: &Path) {
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            dir.display()
        );
        let log = dir.join(format!("log-{port}"));
        let started = self
            .run("pg_ctl")
            .arg("-D")
            .arg(data)
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(["-w", "start"])
            .status()
            .expect("run pg_ctl");
        assert!(
            started.success(),
            "pg_ctl start failed; see {}",
            log.display()
        );
    }

    /// Stops the server of `data` (`fast`: its sessions are ended).
    fn stop(&self, data: &Path, mode: &str) {
        let _ = self
            .run("pg_ctl")
            .arg("-D")
            .arg(data)
            .args(["-m", mode, "-w", "stop"])
            .stderr(Stdio::null())
            .status();
    }

    /// Stops the servers of `data` and removes `dir` once this test
    /// process is gone, however it ends.
    fn reap_after_exit(&self, data: &[&Path], dir: &Path) {
        let owner = if self.root {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let pg_ctl = self.bin.join("pg_ctl");
        let stops: String = data
            .iter()
            .map(|data| {
                format!(
                    "{owner}{} -D {} -m immediate stop; ",
                    pg_ctl.display(),
                    data.display()
                )
            })
            .collect();
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stops}rm -rf {dir}",
            pid = std::process::id(),
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
    }
}

/// A PostgreSQL primary and a streaming replica made from it with
/// `pg_basebackup`, private to one test: stopped and removed when dropped
/// (or when the test process ends).
pub struct ReplicatedCluster {
    owner: Owner,
    dir: PathBuf,
    primary_data: PathBuf,
    replica_data: PathBuf,
    pub primary_port: u16,
    pub replica_port: u16,
}

impl ReplicatedCluster {
    /// Runs `initdb`, starts the primary, copies it with `pg_basebackup -R`
    /// and starts the copy as a hot standby streaming from the primary.
    pub fn start() -> Self {
        let owner = Owner::find();
        let (primary_port, replica_port) = (free_port(), free_port());
        let dir = owner.directory(&format!(
            "casting-test-replicated-{}-{primary_port}",
            std::process::id()
        ));
        let primary_data = dir.join("primary");
        let replica_data = dir.join("replica");
        owner.reap_after_exit(&[&primary_data, &replica_data], &dir);
        owner.initdb(&primary_data);
        owner.start(&primary_data, primary_port, &dir);
        let copied = owner
            .run("pg_basebackup")
            .args(["-h", "127.0.0.1", "-p", &primary_port.to_string()])
            .args(["-U", "postgres", "-X", "stream", "-R", "--no-sync", "-D"])
            .arg(&replica_data)
            .status()
            .expect("run pg_basebackup");
        assert!(copied.success(), "pg_basebackup failed");
        owner.start(&replica_data, replica_port, &dir);
        Self {
            owner,
            dir,
            primary_data,
            replica_data,
            primary_port,
            replica_port,
        }
    }

    pub fn primary_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.primary_port
        )
    }

    pub fn replica_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.replica_port
        )
    }

    /// Stops the replica (`pg_ctl -m fast`: its sessions are ended).
    pub fn stop_replica(&self) {
        self.owner.stop(&self.replica_data, "fast");
    }

    pub fn start_replica(&self) {
        self.owner
            .start(&self.replica_data, self.replica_port, &self.dir);
    }
}

impl Drop for ReplicatedCluster {
    fn drop(&mut self) {
        self.owner.stop(&self.replica_data, "immediate");
        self.owner.stop(&self.primary_data, "immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
