//! Following `GET /events` for as long as the client runs: with the
//! session's token (idle while there is none, reconnecting when it
//! changes), resuming after the last `seq` seen (`Last-Event-ID`), and
//! after a failure (unreachable, 5xx, a broken stream) trying again with a
//! growing, jittered pause. A server without the feed (404 or 405: an
//! older one) is not asked again.

use std::time::Duration;

use casting_shared::changes::Change;
use tokio::sync::watch;

use super::LiveEvent;
use super::sse::SseParser;
use crate::api::{ApiClient, ApiError};

/// The first pause after a failure; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(8);

/// How one connection ended.
enum Ended {
    /// The session's token changed (renewed, another user, logged out).
    TokenChanged,
    /// The server said the token expired, or refused it.
    Expired,
    /// 410: what followed the last change seen was pruned.
    Gone,
    /// 404 or 405: this server has no live feed.
    Unsupported,
    Failed(String),
    /// The client is quitting.
    Closed,
}

/// Runs until the token channel closes (the client quits), telling what
/// happens to `tell` (the runtime passes it on to the app as an action).
pub async fn follow(
    api: ApiClient,
    mut tokens: watch::Receiver<Option<String>>,
    tell: impl Fn(LiveEvent) + Send + Sync,
) {
    let mut last_seq = None;
    let mut failures = 0;
    loop {
        let Some(token) = next_token(&mut tokens).await else {
            return;
        };
        match connection(
            &api,
            &token,
            &mut last_seq,
            &mut tokens,
            &tell,
            &mut failures,
        )
        .await
        {
            Ended::Closed => return,
            Ended::Unsupported => {
                tell(LiveEvent::Unavailable);
                return;
            }
            Ended::TokenChanged => {}
            Ended::Expired => {
                tell(LiveEvent::Expired { token });
                // Until the app has renewed the session.
                if tokens.changed().await.is_err() {
                    return;
                }
            }
            Ended::Gone => {
                tell(LiveEvent::Gone);
                last_seq = None;
                failures += 1;
                if pause(pause_for(failures), &mut tokens).await.is_err() {
                    return;
                }
            }
            Ended::Failed(why) => {
                failures += 1;
                let retry_in = pause_for(failures);
                tell(LiveEvent::Disconnected { why, retry_in });
                if pause(retry_in, &mut tokens).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The session's token, waiting while there is none; `None` once the
/// client quits.
async fn next_token(tokens: &mut watch::Receiver<Option<String>>) -> Option<String> {
    loop {
        if let Some(token) = tokens.borrow_and_update().clone() {
            return Some(token);
        }
        tokens.changed().await.ok()?;
    }
}

/// Waits before the next attempt (cut short by a new token); `Err` once
/// the client quits.
async fn pause(wait: Duration, tokens: &mut watch::Receiver<Option<String>>) -> Result<(), ()> {
    tokio::select! {
        () = tokio::time::sleep(wait) => Ok(()),
        changed = tokens.changed() => changed.map_err(|_| ()),
    }
}

/// 0.5 s, 1 s, 2 s … up to 8 s, each ±25 % so that clients cut off
/// together do not all come back at once.
fn pause_for(failures: u32) -> Duration {
    let base = FIRST_PAUSE
        .saturating_mul(1 << failures.saturating_sub(1).min(8))
        .min(MAX_PAUSE);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.75 + f64::from(nanos % 1000) / 2000.0;
    base.mul_f64(jitter)
}

/// One connection, from the request to the end of its stream.
async fn connection(
    api: &ApiClient,
    token: &str,
    last_seq: &mut Option<i64>,
    tokens: &mut watch::Receiver<Option<String>>,
    tell: &impl Fn(LiveEvent),
    failures: &mut u32,
) -> Ended {
    let opened = tokio::select! {
        opened = api.events(token, *last_seq) => opened,
        changed = tokens.changed() => return token_changed(changed),
    };
    let mut response = match opened {
        Ok(response) => response,
        Err(error) => {
            return match error.status() {
                Some(410) => Ended::Gone,
                Some(401) => Ended::Expired,
                Some(404 | 405) => Ended::Unsupported,
                _ => Ended::Failed(describe(&error)),
            };
        }
    };
    *failures = 0;
    tell(LiveEvent::Connected {
        resumed: last_seq.is_some(),
    });
    let mut parser = SseParser::default();
    loop {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk,
            changed = tokens.changed() => return token_changed(changed),
        };
        let bytes = match chunk {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ended::Failed("the server ended the stream".into()),
            Err(error) => return Ended::Failed(error.to_string()),
        };
        for event in parser.feed(&bytes) {
            match event.event.as_str() {
                "change" => {
                    // A change this client cannot read is skipped; the
                    // stream goes on after it.
                    if let Ok(change) = serde_json::from_str::<Change>(&event.data) {
                        *last_seq = Some(change.seq);
                        tell(LiveEvent::Change(Box::new(change)));
                    } else if let Some(seq) = event.id.and_then(|id| id.parse().ok()) {
                        *last_seq = Some(seq);
                    }
                }
                "expired" => return Ended::Expired,
                _ => {}
            }
        }
    }
}

fn token_changed(changed: Result<(), watch::error::RecvError>) -> Ended {
    match changed {
        Ok(()) => Ended::TokenChanged,
        Err(_) => Ended::Closed,
    }
}

fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Unreachable(why) => why.clone(),
        other => other.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_ceiling_with_jitter() {
        for (failures, base) in [(1, 500), (2, 1000), (3, 2000), (5, 8000), (40, 8000)] {
            let pause = pause_for(failures).as_millis();
            assert!(
                (base * 3 / 4..=base * 5 / 4).contains(&pause),
                "{failures} failures: {pause} ms"
            );
        }
    }
}
