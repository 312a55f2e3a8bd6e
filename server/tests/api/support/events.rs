//! `GET /events` as a test reads it: an open stream, event by event; and
//! changes made behind the API for a stream to carry.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Backend, TestApp, read};

/// One server-sent event.
#[derive(Debug)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

impl SseEvent {
    pub fn change(&self) -> Value {
        assert_eq!(self.event, "change", "{self:?}");
        serde_json::from_str(&self.data).expect("a change as JSON")
    }
}

/// An open `GET /events` response, read event by event.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
    /// Comment lines seen (keep-alives).
    pub comments: usize,
}

impl EventStream {
    /// Opens a stream; answers the status and, for 200, the stream.
    pub async fn open(
        app: &TestApp,
        token: &str,
        query: &str,
        last_event_id: Option<&str>,
    ) -> Result<Self, (u16, Value)> {
        let mut request = app
            .http
            .get(app.url(&format!("/events{query}")))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("request");
        if response.status() != 200 {
            return Err(read(response).await);
        }
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Ok(Self {
            response,
            buffer: String::new(),
            comments: 0,
        })
    }

    /// The next event within `limit`; `None` when none came or the stream ended.
    pub async fn next(&mut self, limit: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = self.parse(&block) {
                    return Some(event);
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(_) => return None,
                Err(_) => return None,
            }
        }
    }

    /// Whether the server ended the stream within `limit` (events before the end are skipped).
    pub async fn ends_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(_) => return true,
                Err(_) => return false,
            }
        }
    }

    fn parse(&mut self, block: &str) -> Option<SseEvent> {
        let (mut id, mut event, mut data) = (None, None, Vec::new());
        for line in block.lines() {
            if line.starts_with(':') {
                self.comments += 1;
            } else if let Some(value) = line.strip_prefix("id:") {
                id = Some(value.trim_start().to_owned());
            } else if let Some(value) = line.strip_prefix("event:") {
                event = Some(value.trim_start().to_owned());
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
            }
        }
        let event = event.or_else(|| (!data.is_empty()).then(|| "message".to_owned()))?;
        Some(SseEvent {
            id,
            event,
            data: data.join("\n"),
        })
    }
}

/// `count` actors named `prefix N` in one statement behind the API (each
/// a change in the log), at once.
pub async fn insert_actors_behind_the_api(app: &TestApp, count: usize, prefix: &str) {
    let bulk = match app.pool.backend() {
        Backend::Postgres => format!(
            "INSERT INTO actors (name, age, gender) \
             SELECT '{prefix} ' || g, 30, 'Female' FROM generate_series(1, {count}) g"
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) \
             INSERT INTO actors (name, age, gender) SELECT '{prefix} ' || n, 30, 'Female' FROM g"
        ),
    };
    app.pool.execute(&bulk).await;
}
