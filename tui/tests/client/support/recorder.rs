//! What the client asks the server, seen on the wire: a TCP relay between
//! the real client and the real server that passes every byte through and
//! notes each request line (`GET /actors?after=…&per_page=100&sort=id`,
//! with the `Last-Event-ID` it resumes after, the `If-Match` it names and
//! the read replica's `X-Casting-Position` it sends back, if any). The server logs only paths, and its metrics count routes; this
//! sees the queries themselves. It can also play a network outage (every
//! connection cut, new ones refused, until it is over), an older server
//! without the live feed (the real server answers `GET /events` as it
//! answers a route it does not have), and a slow answer (the answers to
//! some requests held back until released).

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub(crate) struct Recorder {
    /// The URL to give the client.
    pub(crate) url: String,
    requests: Arc<Mutex<Vec<String>>>,
    /// Bumped to cut every open connection.
    cut: watch::Sender<u64>,
    down: Arc<AtomicBool>,
    rules: Rules,
}

/// What the relay changes in passing, shared by its connections.
#[derive(Clone)]
struct Rules {
    /// 404 or 405: `GET /events` is sent on so that the server answers
    /// that (0: passed as it is).
    events: Arc<AtomicU16>,
    hold: watch::Sender<Hold>,
}

/// Answers held back: those on the connection that carries the next
/// request starting with `Next`'s text.
#[derive(Clone, PartialEq, Eq)]
enum Hold {
    Off,
    Next(String),
    Holding,
}

impl Recorder {
    /// A relay to `server` (an `http://host:port` URL).
    pub(crate) async fn start(server: &str) -> Self {
        let upstream = server.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (cut, _) = watch::channel(0);
        let down = Arc::new(AtomicBool::new(false));
        let rules = Rules {
            events: Arc::new(AtomicU16::new(0)),
            hold: watch::channel(Hold::Off).0,
        };
        let (log, cuts, refusing) = (requests.clone(), cut.clone(), down.clone());
        let shared = rules.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refusing.load(Ordering::SeqCst) {
                    continue;
                }
                let (log, rules) = (log.clone(), shared.clone());
                let relay = relay(client, upstream.clone(), log, cuts.subscribe(), rules);
                tokio::spawn(relay);
            }
        });
        Self {
            url,
            requests,
            cut,
            down,
            rules,
        }
    }

    /// From now on the server answers `GET /events` with `status` (404:
    /// as an unknown route; 405: as a known route asked with another
    /// method), as a server without the live feed does.
    pub(crate) fn without_live_feed(&self, status: u16) {
        assert!(matches!(status, 404 | 405), "404 or 405, not {status}");
        self.rules.events.store(status, Ordering::SeqCst);
    }

    /// The answer to the next request starting with `request` (such as
    /// `GET /actors/5 `), and whatever follows it on its connection, is
    /// held back until [`Recorder::release`].
    pub(crate) fn hold_next(&self, request: &str) {
        self.rules.hold.send_replace(Hold::Next(request.to_owned()));
    }

    /// The held answer goes on.
    pub(crate) fn release(&self) {
        self.rules.hold.send_replace(Hold::Off);
    }

    /// Every request line so far (method and target), in order.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The list requests (`GET /actors?…`, `GET /movies?…`) so far.
    pub(crate) fn list_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.starts_with("GET /actors?") || r.starts_with("GET /movies?"))
            .collect()
    }

    /// A network outage begins: every connection is cut and new ones are
    /// dropped at once.
    pub(crate) fn go_down(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// The outage is over.
    pub(crate) fn come_back(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

async fn relay(
    mut client: TcpStream,
    upstream: String,
    log: Arc<Mutex<Vec<String>>>,
    mut cut: watch::Receiver<u64>,
    rules: Rules,
) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    // This connection carried a request whose answer is held.
    let held = AtomicBool::new(false);
    let upward = async {
        let mut unread = Unread::default();
        let mut buffer = [0u8; 8192];
        loop {
            let n = client_read.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            unread.bytes.extend_from_slice(&buffer[..n]);
            note_requests(&mut unread, &log);
            // A request's head comes in one write: it starts a read.
            let chunk = &buffer[..n];
            rules.hold.send_if_modified(|hold| match hold {
                Hold::Next(request) if chunk.starts_with(request.as_bytes()) => {
                    *hold = Hold::Holding;
                    held.store(true, Ordering::SeqCst);
                    true
                }
                _ => false,
            });
            let chunk = rewrite_events(&buffer[..n], rules.events.load(Ordering::SeqCst));
            if server_write.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downward = async {
        let mut holding = rules.hold.subscribe();
        let mut buffer = [0u8; 8192];
        loop {
            let n = server_read.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            if held.load(Ordering::SeqCst) {
                let _ = holding.wait_for(|hold| *hold != Hold::Holding).await;
            }
            if client_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(upward, downward) } => {}
        _ = cut.changed() => {}
    }
}

/// `GET /events` as a server without the live feed would see it: for 404
/// a path it has no route for, for 405 another method on the route.
fn rewrite_events(chunk: &[u8], status: u16) -> std::borrow::Cow<'_, [u8]> {
    let asked = b"GET /events";
    let instead: &[u8] = match status {
        404 => b"GET /events-of-a-newer-server",
        405 => b"DELETE /events",
        _ => return chunk.into(),
    };
    match chunk.strip_prefix(asked.as_slice()) {
        Some(rest) => [instead, rest].concat().into(),
        None => chunk.into(),
    }
}

/// What the relay has read of one connection's requests and not yet
/// noted, and how much of a request's body is still to come.
#[derive(Default)]
struct Unread {
    bytes: Vec<u8>,
    /// The `Content-Length` of the request whose head is being read.
    length: usize,
    /// Body bytes still to skip.
    body: usize,
}

/// Notes each request line in what the client sent (and the
/// `Last-Event-ID`, `If-Match` and `X-Casting-Position` headers under it),
/// skipping bodies, keeping what is not complete yet.
fn note_requests(unread: &mut Unread, log: &Mutex<Vec<String>>) {
    const METHODS: [&str; 5] = ["GET ", "POST ", "PATCH ", "PUT ", "DELETE "];
    loop {
        let skip = unread.body.min(unread.bytes.len());
        unread.bytes.drain(..skip);
        unread.body -= skip;
        if unread.body > 0 {
            return;
        }
        let Some(end) = unread.bytes.windows(2).position(|w| w == b"\r\n") else {
            return;
        };
        let line = String::from_utf8_lossy(&unread.bytes[..end]).into_owned();
        unread.bytes.drain(..end + 2);
        if line.is_empty() {
            // The end of a head: its body follows.
            unread.body = std::mem::take(&mut unread.length);
            continue;
        }
        let mut log = log.lock().unwrap();
        if METHODS.iter().any(|m| line.starts_with(m))
            && let Some(request) = line.strip_suffix(" HTTP/1.1")
        {
            log.push(request.to_owned());
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(length) = lower.strip_prefix("content-length:") {
            unread.length = length.trim().parse().unwrap_or(0);
        }
        if let Some(request) = log.last_mut() {
            for header in ["Last-Event-ID", "If-Match", "X-Casting-Position"] {
                let name = format!("{}:", header.to_ascii_lowercase());
                if lower.starts_with(&name) {
                    let value = line[name.len()..].trim();
                    request.push_str(&format!(" ({header}: {value})"));
                }
            }
        }
    }
}
