//! The change feed and undo: `GET /changes` (oldest first, paged by `seq`)
//! and `POST /changes/{seq}/undo`.

use casting_shared::changes::{ChangeList, Undone};
use reqwest::Method;

use super::{ApiClient, ApiError};

/// Changes per `GET /changes` answer the client asks for (the most the
/// server gives).
pub const FEED_PAGE: u32 = 1000;

impl ApiClient {
    /// `GET /changes`: the changes after `after` (from the oldest kept
    /// when `None`), oldest first, and the `after` of the next call.
    pub async fn changes(&self, token: &str, after: Option<i64>) -> Result<ChangeList, ApiError> {
        let path = match after {
            Some(after) => format!("/changes?after={after}&limit={FEED_PAGE}"),
            None => format!("/changes?limit={FEED_PAGE}"),
        };
        self.typed(Method::GET, &path, Some(token), None).await
    }

    /// `POST /changes/{seq}/undo`: the changes the undo made.
    pub async fn undo(&self, token: &str, seq: i64) -> Result<Undone, ApiError> {
        self.typed(
            Method::POST,
            &format!("/changes/{seq}/undo"),
            Some(token),
            None,
        )
        .await
    }
}
