//! Undo and the change feed in the background: what the app asks the
//! runtime to do about changes (a [`Request`]) and what came of it (a
//! [`Reply`]): a page of `GET /changes`, undoing changes with
//! `POST /changes/{seq}/undo`, deleting the marked rows one by one.
//!
//! A write's answer does not name the change it made, so a write just made
//! is undone by finding that change first: the newest change of the
//! user's to the record, of the write's kind, in the record's history.

use casting_shared::changes::{Change, ChangeAction, ChangeList, Undone};

use crate::api::{ApiClient, ApiError};
use crate::changes::collection_of;
use crate::collection::Collection;

/// Which change to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A change by its `seq` (chosen in the recent changes view).
    Seq(i64),
    /// The newest change by `subject` (anyone's when unknown) of `action`
    /// to an actor or a movie: a write the user just made.
    Latest {
        collection: Collection,
        id: i64,
        action: ChangeAction,
        subject: Option<String>,
    },
}

/// One change to undo, and what it did in words ("the delete of Ann Lee").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub target: Target,
    pub what: String,
}

/// What the app asks the runtime to do about changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A page of the change feed after `after` (from the oldest kept when `None`).
    Feed { after: Option<i64> },
    /// Each step undone in turn, in the order given (the newest first).
    Undo(Vec<Step>),
    /// The rows deleted one by one (the marked rows), each `(id, label)`.
    DeleteMany {
        collection: Collection,
        rows: Vec<(i64, String)>,
    },
}

/// The runtime's answer to a [`Request`].
#[derive(Debug)]
pub enum Reply {
    Feed {
        after: Option<i64>,
        result: Result<ChangeList, ApiError>,
    },
    /// Each step and what came of it, in the order they were tried.
    Undone(Vec<(Step, Result<Undone, ApiError>)>),
    DeletedMany {
        collection: Collection,
        /// Each row `(id, label)` and what came of deleting it.
        results: Vec<(i64, String, Result<(), ApiError>)>,
    },
}

/// Makes the request's calls and says what came of them.
pub async fn answer(api: &ApiClient, token: &str, request: Request) -> Reply {
    match request {
        Request::Feed { after } => Reply::Feed {
            after,
            result: api.changes(token, after).await,
        },
        Request::Undo(steps) => {
            let mut results = Vec::with_capacity(steps.len());
            for step in steps {
                let result = undo(api, token, &step.target).await;
                results.push((step, result));
            }
            Reply::Undone(results)
        }
        Request::DeleteMany { collection, rows } => {
            let mut results = Vec::with_capacity(rows.len());
            for (id, label) in rows {
                let result = api.delete(token, collection, id, None).await;
                results.push((id, label, result));
            }
            Reply::DeletedMany {
                collection,
                results,
            }
        }
    }
}

async fn undo(api: &ApiClient, token: &str, target: &Target) -> Result<Undone, ApiError> {
    let seq = match target {
        Target::Seq(seq) => *seq,
        Target::Latest {
            collection,
            id,
            action,
            subject,
        } => {
            let history = api.history(token, *collection, *id).await?;
            latest(&history, *collection, *id, *action, subject.as_deref()).ok_or_else(|| {
                ApiError::Status {
                    status: 404,
                    message: "resource not found".into(),
                    detail: Some("its change is no longer in the record's history".into()),
                    fields: Default::default(),
                    retry_after: None,
                }
            })?
        }
    };
    api.undo(token, seq).await
}

/// The `seq` of the newest change in `history` (newest first) of `action`
/// to the record, by `subject` when known.
pub fn latest(
    history: &[Change],
    collection: Collection,
    id: i64,
    action: ChangeAction,
    subject: Option<&str>,
) -> Option<i64> {
    history
        .iter()
        .filter(|c| collection_of(c) == Some(collection) && c.id == id && c.action == action)
        .find(|c| subject.is_none_or(|s| c.by.subject == s))
        .map(|c| c.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(seq: i64, action: &str, resource: &str, id: i64, by: &str) -> Change {
        let record = json!({"id": id, "name": "Ann Lee", "age": 31, "gender": "Female"});
        let (before, after) = match action {
            "created" => (json!(null), record),
            "deleted" => (record, json!(null)),
            _ => (record.clone(), record),
        };
        let (before, after) = if resource == "cast" {
            let entry = json!({"movie_id": id, "actor_id": 5, "character": null});
            (entry.clone(), entry)
        } else {
            (before, after)
        };
        serde_json::from_value(json!({"seq": seq, "at": "2026-11-30T09:15:02.123Z",
            "by": {"subject": by, "name": null}, "action": action, "resource": resource,
            "id": id, "before": before, "after": after}))
        .unwrap()
    }

    #[test]
    fn the_change_of_a_write_just_made_is_the_newest_of_its_kind_by_the_user() {
        let history = vec![
            change(9, "deleted", "cast", 5, "casting|1"),
            change(8, "updated", "actor", 5, "casting|2"),
            change(7, "updated", "actor", 5, "casting|1"),
            change(6, "created", "actor", 5, "casting|1"),
        ];
        let find = |action, subject| latest(&history, Collection::Actors, 5, action, subject);
        assert_eq!(find(ChangeAction::Updated, Some("casting|1")), Some(7));
        assert_eq!(find(ChangeAction::Updated, None), Some(8));
        assert_eq!(find(ChangeAction::Created, Some("casting|1")), Some(6));
        assert_eq!(find(ChangeAction::Deleted, Some("casting|1")), None);
        assert_eq!(
            latest(&history, Collection::Movies, 5, ChangeAction::Updated, None),
            None
        );
    }
}
