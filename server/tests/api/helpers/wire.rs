//! Reading answers: JSON bodies and the error format, raw HTTP exchanges,
//! and the real binary run as a child process with its logs read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{AUDIENCE, ISSUER, JwksServer, TestDb};

/// Status and JSON body; asserts the body is JSON, as every response must be.
pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {text:?}"));
    (status, body)
}

/// Asserts the contract's error body for `status`.
pub fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"], expected, "{body}");
    let message = casting_shared::api::status_message(expected);
    assert_eq!(body["message"], message, "{body}");
}

/// Sends raw bytes as one HTTP/1.1 exchange (the request should say
/// `Connection: close`) and parses the status and JSON body of the answer.
pub async fn raw_http(addr: SocketAddr, request: &[u8]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer (413) before it has read everything we send.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    parse_http_response(&answer)
}

pub fn parse_http_response(answer: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let json = serde_json::from_str(&body)
        .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {body:?}"));
    (status, json)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// Every line a child process writes to stdout or stderr, as it comes.
pub fn output_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (send, lines) = std::sync::mpsc::channel();
    let streams: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("stdout is piped")),
        Box::new(child.stderr.take().expect("stderr is piped")),
    ];
    for stream in streams {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
            {
                let _ = send.send(line);
            }
        });
    }
    lines
}

/// The real binary, with JSON logs read line by line on a thread.
pub struct Server {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    pub fn start(db: &TestDb, jwks: &JwksServer) -> Self {
        Self::start_with(db, jwks, |_| {})
    }

    /// The same, with the command adjusted (environment) before it starts.
    pub fn start_with(
        db: &TestDb,
        jwks: &JwksServer,
        adjust: impl FnOnce(&mut std::process::Command),
    ) -> Self {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_casting-server"));
        command
            .env("DATABASE_URL", &db.url)
            .env("CASTING_BIND", "127.0.0.1:0")
            .env("CASTING_LOG_FORMAT", "json")
            .env("CASTING_AUTH_ISSUER", ISSUER)
            .env("CASTING_AUTH_AUDIENCE", AUDIENCE)
            .env("CASTING_AUTH_JWKS_URL", &jwks.url)
            .env("RUST_LOG", "info");
        adjust(&mut command);
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start casting-server");
        let lines = output_lines(&mut child);
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `text` (bounded), returning it.
    pub fn wait_for(&mut self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits for a log line containing every one of `texts` (bounded).
    pub fn wait_for_all(&mut self, texts: &[&str]) -> String {
        let matches = |line: &str| texts.iter().all(|t| line.contains(t));
        let deadline = Instant::now() + Duration::from_secs(60);
        if let Some(line) = self.seen.iter().find(|l| matches(l)) {
            return line.clone();
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no log line with {texts:?}; saw:\n{}", self.seen.join("\n"));
    }

    pub fn address(&mut self) -> std::net::SocketAddr {
        let line = self.wait_for("\"listening\"");
        let log: Value = serde_json::from_str(&line).unwrap();
        log["address"].as_str().unwrap().parse().unwrap()
    }

    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
