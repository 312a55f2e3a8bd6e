//! The read replica's position of a user's writes: what a server with a
//! read replica answers each write with (`X-Casting-Position`), sent back
//! with every request after it so that a read, through any instance, sees
//! that write (the book's "Running several instances", docs/src/several-instances.md).

use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderMap, HeaderValue};

/// The header a write is answered with and a read sends back.
pub const POSITION_HEADER: &str = "X-Casting-Position";

/// The furthest position this user's writes were answered with, shared by
/// every clone of the client.
#[derive(Debug, Clone, Default)]
pub struct WritePosition(Arc<Mutex<Option<HeaderValue>>>);

impl WritePosition {
    pub fn get(&self) -> Option<HeaderValue> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `request`, carrying the position once there is one.
    pub fn sent_with(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.get() {
            Some(position) => request.header(POSITION_HEADER, position),
            None => request,
        }
    }

    /// Keeps the position an answer carries, if it is further than the one
    /// held: answers to writes sent at once may come back in any order.
    pub fn advance(&self, answer: &HeaderMap) {
        let Some(position) = answer.get(POSITION_HEADER) else {
            return;
        };
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().and_then(wal_position) <= wal_position(position) {
            *held = Some(position.clone());
        }
    }
}

/// PostgreSQL's text form of a WAL position (`16/B374D848`) as a number.
fn wal_position(value: &HeaderValue) -> Option<u64> {
    let (high, low) = value.to_str().ok()?.split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    (high <= u64::from(u32::MAX) && low <= u64::from(u32::MAX)).then_some(high << 32 | low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(position: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(POSITION_HEADER, HeaderValue::from_str(position).unwrap());
        headers
    }

    #[test]
    fn the_furthest_position_is_kept_whatever_order_answers_come_in() {
        let position = WritePosition::default();
        position.advance(&HeaderMap::new());
        assert_eq!(position.get(), None);
        position.advance(&answer("0/16B3F0A8"));
        position.advance(&answer("1/00000010"));
        position.advance(&answer("0/FFFFFFFF"));
        assert_eq!(position.get().unwrap(), "1/00000010");
        position.advance(&answer("not a position"));
        assert_eq!(position.get().unwrap(), "1/00000010");
    }
}
