//! What the client asks the server, seen on the wire: a TCP relay between
//! the real client and the real server that passes every byte through and
//! notes each request line (`GET /actors?after=…&per_page=100&sort=id`,
//! with the `Last-Event-ID` it resumes after, if any). The server logs
//! only paths, and its metrics count routes; this sees the queries
//! themselves. It can also play a network outage: every connection cut,
//! new ones refused, until it is over.

use std::sync::atomic::{AtomicBool, Ordering};
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
        let (log, cuts, refusing) = (requests.clone(), cut.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refusing.load(Ordering::SeqCst) {
                    continue;
                }
                let relay = relay(client, upstream.clone(), log.clone(), cuts.subscribe());
                tokio::spawn(relay);
            }
        });
        Self {
            url,
            requests,
            cut,
            down,
        }
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
) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upward = async {
        let mut seen = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = client_read.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buffer[..n]);
            note_requests(&mut seen, &log);
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downward = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(upward, downward) } => {}
        _ = cut.changed() => {}
    }
}

/// Notes each request line in what the client sent (and the
/// `Last-Event-ID` header under it), keeping only what follows the last
/// complete line.
fn note_requests(seen: &mut Vec<u8>, log: &Mutex<Vec<String>>) {
    const METHODS: [&str; 5] = ["GET ", "POST ", "PATCH ", "PUT ", "DELETE "];
    let mut from = 0;
    while let Some(end) = seen[from..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| from + i)
    {
        let line = String::from_utf8_lossy(&seen[from..end]);
        let mut log = log.lock().unwrap();
        if METHODS.iter().any(|m| line.starts_with(m))
            && let Some(request) = line.strip_suffix(" HTTP/1.1")
        {
            log.push(request.to_owned());
        } else if line.to_ascii_lowercase().starts_with("last-event-id:")
            && let Some(request) = log.last_mut()
        {
            let seq = line["last-event-id:".len()..].trim();
            request.push_str(&format!(" (Last-Event-ID: {seq})"));
        }
        from = end + 2;
    }
    seen.drain(..from);
}
