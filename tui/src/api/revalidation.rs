//! What the client read last, by URL, with its `ETag`: a `GET` sends that
//! tag in `If-None-Match`, and a 304 answers the copy kept here, so a
//! refresh or a reconnect costs the server a revalidation rather than a
//! reload (issue 31). The server checks the token before it answers 304, so
//! a copy is never shown to a caller who may no longer read it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Answers kept at most; the oldest half goes beyond that.
const KEPT: usize = 256;

#[derive(Clone, Default)]
pub struct Revalidation {
    kept: Arc<Mutex<Kept>>,
}

#[derive(Default)]
struct Kept {
    answers: HashMap<String, (u64, String, Value)>,
    uses: u64,
}

impl Revalidation {
    /// The tag of the copy kept for `url`, if any.
    pub fn tag(&self, url: &str) -> Option<String> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.answers.get(url).map(|(_, tag, _)| tag.clone())
    }

    /// The copy kept for `url` under `tag` (a 304 named it current).
    pub fn current(&self, url: &str, tag: &str) -> Option<Value> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.uses += 1;
        let uses = kept.uses;
        let (used, kept_tag, value) = kept.answers.get_mut(url)?;
        *used = uses;
        (kept_tag == tag).then(|| value.clone())
    }

    /// Keeps the answer `value` to `url`, tagged `tag`.
    pub fn keep(&self, url: &str, tag: &str, value: &Value) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.answers.len() >= KEPT && !kept.answers.contains_key(url) {
            let mut ages: Vec<u64> = kept.answers.values().map(|(used, ..)| *used).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            kept.answers.retain(|_, (used, ..)| *used > cut);
        }
        kept.uses += 1;
        let uses = kept.uses;
        kept.answers
            .insert(url.to_owned(), (uses, tag.to_owned(), value.clone()));
    }

    /// Forgets the copy of `url` (its answer was not a success).
    pub fn forget(&self, url: &str) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.answers.remove(url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_copy_is_answered_only_under_its_own_tag_and_the_oldest_go_first() {
        let kept = Revalidation::default();
        kept.keep("/actors/1", "\"1\"", &json!({"a": 1}));
        assert_eq!(kept.tag("/actors/1").as_deref(), Some("\"1\""));
        assert_eq!(kept.current("/actors/1", "\"1\""), Some(json!({"a": 1})));
        assert_eq!(kept.current("/actors/1", "\"2\""), None);
        assert_eq!(kept.current("/actors/2", "\"1\""), None);
        for n in 0..KEPT + 10 {
            kept.keep(&format!("/actors?page={n}"), "\"0-0\"", &json!(n));
        }
        assert!(kept.kept.lock().unwrap().answers.len() <= KEPT);
        assert_eq!(
            kept.tag(&format!("/actors?page={}", KEPT + 9)).as_deref(),
            Some("\"0-0\"")
        );
        kept.forget("/actors/1");
        assert_eq!(kept.tag("/actors/1"), None);
    }
}
