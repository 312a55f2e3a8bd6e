//! The change log read back through the API, page after page.

use serde_json::Value;

use super::{TestApp, producer};

/// Every change after `after` that `token` may read, following `next`.
pub async fn changes_after(app: &TestApp, token: &str, after: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = after;
    loop {
        let (status, body) = app
            .get(&format!("/changes?after={after}&limit=1000"), token)
            .await;
        assert_eq!(status, 200, "{body}");
        let page = body["changes"].as_array().expect("changes").clone();
        let next = body["next"].as_i64().expect("next");
        if page.is_empty() {
            assert_eq!(next, after, "next moves only with changes: {body}");
            return all;
        }
        assert_eq!(next, page.last().unwrap()["seq"].as_i64().unwrap());
        after = next;
        all.extend(page);
    }
}

pub async fn all_changes(app: &TestApp) -> Vec<Value> {
    changes_after(app, &producer(), 0).await
}

/// `(action, resource, id)` of each change, for compact assertions.
pub fn summary(changes: &[Value]) -> Vec<(String, String, i64)> {
    changes
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_i64().unwrap(),
            )
        })
        .collect()
}
