//! Who holds the open `GET /events` streams, so that no caller can hold the
//! server with them. A stream is a request that never finishes: on HTTP/1
//! it holds a connection, on HTTP/2 a stream of one, and either way memory
//! and a task. Each is counted here whatever the protocol, and bounded:
//!
//! - per token (`per_token`) and per user (`per_user`, the token's `sub`):
//!   the excess is refused (429, `Retry-After`);
//! - in all (`total`, below the connection cap, so that a reserve of
//!   connections is always left to ordinary requests): at the bound, and
//!   whenever the server is out of connections, the oldest stream of the
//!   heaviest holder is closed (it says why, and its client reconnects
//!   later), so one holder cannot keep everybody else out.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How many streams may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_token: usize,
    pub per_user: usize,
    pub total: usize,
}

impl StreamLimits {
    /// The defaults for a server that accepts `max_connections`: 8 per
    /// token (a few terminals and a dashboard), 16 per user, and in all
    /// three quarters of the connections, so a quarter stays for requests.
    pub fn for_connections(max_connections: usize) -> Self {
        Self {
            per_token: DEFAULT_PER_TOKEN,
            per_user: DEFAULT_PER_USER,
            total: (max_connections / 4 * 3).max(1),
        }
    }
}

pub const DEFAULT_PER_TOKEN: usize = 8;
pub const DEFAULT_PER_USER: usize = 16;

/// When a refused caller may try again: a stream of theirs has to end
/// first, and clients reconnect after a few seconds anyway.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// This token already holds `per_token` streams.
    Token(usize),
    /// This user already holds `per_user` streams.
    User(usize),
}

impl Refused {
    pub fn detail(self) -> String {
        match self {
            Refused::Token(n) => format!(
                "this token already holds {n} event streams, the most one token may: close one \
                 before opening another"
            ),
            Refused::User(n) => format!(
                "this user already holds {n} event streams, the most one user may: close one \
                 before opening another"
            ),
        }
    }
}

/// The open streams of one server instance.
pub struct Streams {
    limits: StreamLimits,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    streams: HashMap<u64, Holder>,
    next_id: u64,
}

struct Holder {
    user: String,
    token: u64,
    opened: Instant,
    /// Notified when the stream must end to make room.
    end: Arc<Notify>,
}

impl Streams {
    pub fn new(limits: StreamLimits) -> Self {
        Self {
            limits,
            open: Mutex::default(),
        }
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Streams open now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().streams.len()
    }

    /// Counts a new stream of `user` with `token`, or refuses it. At the
    /// total bound the oldest stream of the heaviest holder is asked to end.
    pub fn open(self: &Arc<Self>, user: &str, token: &str) -> Result<StreamTicket, Refused> {
        let token = token_key(token);
        let mut open = self.lock();
        let by_token = open.streams.values().filter(|h| h.token == token).count();
        if by_token >= self.limits.per_token {
            return Err(Refused::Token(self.limits.per_token));
        }
        let by_user = open.streams.values().filter(|h| h.user == user).count();
        if by_user >= self.limits.per_user {
            return Err(Refused::User(self.limits.per_user));
        }
        if open.streams.len() >= self.limits.total {
            end_oldest_of_heaviest(&mut open);
        }
        let id = open.next_id;
        open.next_id += 1;
        let end = Arc::new(Notify::new());
        open.streams.insert(
            id,
            Holder {
                user: user.to_owned(),
                token,
                opened: Instant::now(),
                end: end.clone(),
            },
        );
        Ok(StreamTicket {
            id,
            streams: self.clone(),
            end,
        })
    }

    /// Asks the oldest stream of the heaviest holder to end (the server is
    /// out of connections). `false` when no stream is open.
    pub fn make_room(&self) -> bool {
        end_oldest_of_heaviest(&mut self.lock())
    }
}

/// Removes the oldest stream of the user holding the most and tells it to
/// end; it is no longer counted from now on.
fn end_oldest_of_heaviest(open: &mut Open) -> bool {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for holder in open.streams.values() {
        *counts.entry(holder.user.as_str()).or_default() += 1;
    }
    let Some((heaviest, _)) = counts.into_iter().max_by_key(|(_, n)| *n) else {
        return false;
    };
    let oldest = open
        .streams
        .iter()
        .filter(|(_, h)| h.user == heaviest)
        .min_by_key(|(id, h)| (h.opened, **id))
        .map(|(id, _)| *id);
    match oldest.and_then(|id| open.streams.remove(&id)) {
        Some(holder) => {
            holder.end.notify_one();
            true
        }
        None => false,
    }
}

fn token_key(token: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    token.hash(&mut hasher);
    hasher.finish()
}

/// One counted stream; uncounted when dropped.
pub struct StreamTicket {
    id: u64,
    streams: Arc<Streams>,
    end: Arc<Notify>,
}

impl StreamTicket {
    /// Resolves when the stream must end to make room for others.
    pub async fn ended(&self) {
        self.end.notified().await;
    }
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        self.streams.lock().streams.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(per_token: usize, per_user: usize, total: usize) -> Arc<Streams> {
        Arc::new(Streams::new(StreamLimits {
            per_token,
            per_user,
            total,
        }))
    }

    #[test]
    fn a_token_and_a_user_are_bounded_and_a_closed_stream_frees_its_place() {
        let streams = streams(2, 3, 100);
        let a = streams.open("alice", "t1").unwrap();
        let _b = streams.open("alice", "t1").unwrap();
        assert_eq!(streams.open("alice", "t1").err(), Some(Refused::Token(2)));
        let _c = streams.open("alice", "t2").unwrap();
        assert_eq!(streams.open("alice", "t3").err(), Some(Refused::User(3)));
        assert!(streams.open("bob", "t4").is_ok());
        drop(a);
        assert!(streams.open("alice", "t1").is_ok());
    }

    #[tokio::test]
    async fn at_the_total_the_heaviest_holders_oldest_stream_ends() {
        let streams = streams(10, 10, 4);
        let oldest = streams.open("mallory", "m").unwrap();
        let _m2 = streams.open("mallory", "m").unwrap();
        let _m3 = streams.open("mallory", "m").unwrap();
        let _alice = streams.open("alice", "a").unwrap();
        assert_eq!(streams.len(), 4);
        let _bob = streams.open("bob", "b").unwrap();
        assert_eq!(streams.len(), 4, "one of mallory's made room");
        tokio::time::timeout(Duration::from_secs(1), oldest.ended())
            .await
            .expect("mallory's oldest stream is told to end");
        assert!(streams.make_room());
        assert_eq!(streams.len(), 3);
    }
}
