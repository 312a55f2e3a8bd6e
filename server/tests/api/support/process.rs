//! The real `casting-server` binary as a child process, the one place the
//! tests start it: [`run`] runs a command to its end; [`Server`] starts it
//! serving and reads what it prints line by line, so that a test waits
//! (bounded) for what it logs: that it listens and where, a notice, a
//! refusal.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{AUDIENCE, ISSUER, JwksServer, TestDb};

/// How long a command may run, and a server take to print what a test waits for.
const LIMIT: Duration = Duration::from_secs(60);

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_casting-server");

/// `casting-server ARGS`, with nothing else set.
pub fn binary(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args);
    command
}

/// `casting-server ARGS` set to serve `database_url` (`None`: no
/// `DATABASE_URL` at all) on any free loopback port, logging JSON at `info`.
pub fn serving(args: &[&str], database_url: Option<&str>) -> Command {
    let mut command = binary(args);
    command
        .env("CASTING_BIND", "127.0.0.1:0")
        .env("CASTING_LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
}

/// The same command run by `sh` after `prelude` (`umask 022`, `ulimit -n 64`),
/// with the same arguments and environment.
pub fn after_shell(prelude: &str, command: &Command) -> Command {
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(format!("{prelude} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    shell
}

/// Runs `command` to its end (within a minute) with `stdin` written to it;
/// what it printed, and how it exited.
pub fn run(command: &mut Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run casting-server");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        // A command refused on its arguments exits without reading: a broken
        // pipe here is expected, and its exit status is what the test checks.
        let _ = input.write_all(text.as_bytes());
    }
    drop(input);
    let pid = child.id().to_string();
    let (send, done) = channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output().expect("output"));
    });
    if let Ok(output) = done.recv_timeout(LIMIT) {
        return output;
    }
    let _ = Command::new("kill").args(["-KILL", &pid]).status();
    let output = done.recv().expect("output");
    panic!("{command:?} is still running: {}", text(&output));
}

/// What a command printed: its standard output, then its standard error.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// The real binary running, every line it prints read as it comes on
/// threads of its own; killed when dropped.
pub struct Server {
    pub child: Child,
    lines: Receiver<(Stream, String)>,
    seen: Vec<(Stream, String)>,
}

impl Server {
    /// `casting-server` serving `db`, trusting `jwks`, with JSON logs.
    pub fn start(db: &TestDb, jwks: &JwksServer) -> Self {
        Self::start_with(db, jwks, |_| {})
    }

    /// The same, with the command adjusted (environment) before it starts.
    pub fn start_with(db: &TestDb, jwks: &JwksServer, adjust: impl FnOnce(&mut Command)) -> Self {
        let mut command = serving(&[], Some(&db.url));
        command
            .env("CASTING_AUTH_ISSUER", ISSUER)
            .env("CASTING_AUTH_AUDIENCE", AUDIENCE)
            .env("CASTING_AUTH_JWKS_URL", &jwks.url);
        adjust(&mut command);
        Self::spawn(command)
    }

    /// Starts any command of the binary (or a shell that execs it).
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start casting-server");
        let (send, lines) = channel();
        let streams: [(Stream, Box<dyn std::io::Read + Send>); 2] = [
            (
                Stream::Out,
                Box::new(child.stdout.take().expect("stdout is piped")),
            ),
            (
                Stream::Err,
                Box::new(child.stderr.take().expect("stderr is piped")),
            ),
        ];
        for (stream, reader) in streams {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(reader)
                    .lines()
                    .map_while(Result::ok)
                {
                    let _ = send.send((stream, line));
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Runs a serving command until it says it listens (or ends), then
    /// kills it, having read all it printed; and whether it listened.
    pub fn until_listening(command: Command) -> (Self, bool) {
        let mut server = Self::spawn(command);
        let listening = server
            .wait_until(|line| line.contains("\"listening\""))
            .is_some();
        server.kill();
        (server, listening)
    }

    /// The first line printed that `matches`, waiting for it (at most a
    /// minute); `None` when the process ends or the minute passes first.
    pub fn wait_until(&mut self, matches: impl Fn(&str) -> bool) -> Option<String> {
        if let Some((_, line)) = self.seen.iter().find(|(_, line)| matches(line)) {
            return Some(line.clone());
        }
        let deadline = Instant::now() + LIMIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok((stream, line)) = self.lines.recv_timeout(left) else {
                break;
            };
            self.seen.push((stream, line.clone()));
            if matches(&line) {
                return Some(line);
            }
        }
        None
    }

    /// Waits for a log line containing `text` (bounded), returning it.
    pub fn wait_for(&mut self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits for a log line containing every one of `texts` (bounded).
    pub fn wait_for_all(&mut self, texts: &[&str]) -> String {
        self.wait_until(|line| texts.iter().all(|t| line.contains(t)))
            .unwrap_or_else(|| panic!("no log line with {texts:?}; saw:\n{}", self.all()))
    }

    /// The address it says it listens on, once it does (JSON or pretty logs).
    pub fn address(&mut self) -> SocketAddr {
        let line = self
            .wait_until(|line| {
                line.contains("\"listening\"")
                    || (line.contains("listening") && line.contains("address="))
            })
            .unwrap_or_else(|| panic!("it never listened; saw:\n{}", self.all()));
        let address = match serde_json::from_str::<Value>(&line) {
            Ok(log) => log["address"].as_str().expect("an address").to_owned(),
            Err(_) => line
                .split("address=")
                .nth(1)
                .expect("an address")
                .to_owned(),
        };
        let address = address.split_whitespace().next().expect("an address");
        address.parse().expect("an address")
    }

    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Every line so far, and those that come within 200 ms of each other.
    pub fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        self.seen.iter().map(|(_, line)| line.clone()).collect()
    }

    /// Kills it, and reads what it printed to the end.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(LIMIT) {
            self.seen.push(line);
        }
    }

    /// What it printed on standard output so far, each line ended.
    pub fn stdout(&self) -> String {
        self.printed(Stream::Out)
    }

    /// What it printed on standard error so far, each line ended.
    pub fn stderr(&self) -> String {
        self.printed(Stream::Err)
    }

    fn printed(&self, stream: Stream) -> String {
        self.seen
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, line)| format!("{line}\n"))
            .collect()
    }

    fn all(&self) -> String {
        let lines: Vec<&str> = self.seen.iter().map(|(_, line)| line.as_str()).collect();
        lines.join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
