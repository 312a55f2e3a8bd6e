//! `u` right after a write: the user's last delete, edit or creation of an
//! actor or a movie (or the marked rows deleted together) undone through
//! `POST /changes/{seq}/undo`, each change the newest first. The status
//! line says what was undone; a refusal (409: the record changed since)
//! says why, and changed nothing.

use casting_shared::Permission;
use casting_shared::changes::{Change, ChangeAction, ChangeResource, Undone};

use super::{App, Dialog, Effect, Message};
use crate::api::ApiError;
use crate::bindings::Need;
use crate::changes::collection_of;
use crate::collection::Collection;
use crate::undo::{Request, Step, Target};

/// One write of the user's to an actor or a movie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub collection: Collection,
    pub id: i64,
    /// The name or title.
    pub label: String,
    pub action: ChangeAction,
}

impl Written {
    /// "the delete of actor Ann Lee".
    pub fn what(&self) -> String {
        let verb = match self.action {
            ChangeAction::Created => "creation",
            ChangeAction::Updated => "edit",
            ChangeAction::Deleted => "delete",
        };
        format!("the {verb} of {} {}", self.collection.noun(), self.label)
    }
}

/// What `u` undoes: the writes of the user's last step, in the order made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undoable {
    pub writes: Vec<Written>,
}

/// The permission undoing a change needs: what its own write needed.
pub fn permission_to_undo(resource: ChangeResource, action: ChangeAction) -> Permission {
    let collection = match resource {
        ChangeResource::Actor => Collection::Actors,
        ChangeResource::Movie => Collection::Movies,
        ChangeResource::Cast
        | ChangeResource::Role
        | ChangeResource::Candidate
        | ChangeResource::Audition => return Permission::PatchMovies,
    };
    match action {
        ChangeAction::Created => collection.create_permission(),
        ChangeAction::Updated => collection.edit_permission(),
        ChangeAction::Deleted => collection.delete_permission(),
    }
}

impl App {
    /// A write of the user's succeeded: `u` undoes it now.
    pub(super) fn remember_write(
        &mut self,
        collection: Collection,
        id: i64,
        label: String,
        action: ChangeAction,
    ) {
        self.undoable = Some(Undoable {
            writes: vec![Written {
                collection,
                id,
                label,
                action,
            }],
        });
    }

    /// The name or title in the open edit dialog (else `actor #3`).
    pub(super) fn form_label(&self, collection: Collection, id: i64) -> String {
        match &self.dialog {
            Some(Dialog::Form(form)) => form.fields.first().map(|f| f.input.value().trim()),
            _ => None,
        }
        .filter(|label| !label.is_empty())
        .map_or_else(|| format!("{} #{id}", collection.noun()), str::to_owned)
    }

    /// The permission `u` needs here: the selected change's in the recent
    /// changes, else the last write's, else editing what is in view.
    pub(super) fn undo_permission(&self) -> Option<Permission> {
        if let Some(Dialog::Changes(view)) = &self.dialog {
            return view
                .selected_change()
                .map(|c| permission_to_undo(c.resource, c.action));
        }
        let write = self.undoable.as_ref().and_then(|u| u.writes.last());
        Some(match write {
            Some(w) => permission_to_undo(
                match w.collection {
                    Collection::Actors => ChangeResource::Actor,
                    Collection::Movies => ChangeResource::Movie,
                },
                w.action,
            ),
            None => self.focus_collection().edit_permission(),
        })
    }

    /// `u` in a table or a detail view: the last write undone.
    pub(super) fn undo_last(&mut self) -> Vec<Effect> {
        if !self.permitted(Need::Undo, "undo changes") {
            return Vec::new();
        }
        let Some(undoable) = self.undoable.take() else {
            self.set_status(Message::info(
                "Nothing to undo: u undoes your last delete or edit; C lists every change",
            ));
            return Vec::new();
        };
        let subject = self.session.as_ref().and_then(|s| s.subject());
        let steps: Vec<Step> = undoable
            .writes
            .iter()
            .rev()
            .map(|w| Step {
                target: Target::Latest {
                    collection: w.collection,
                    id: w.id,
                    action: w.action,
                    subject: subject.clone(),
                },
                what: w.what(),
            })
            .collect();
        let what = match steps.as_slice() {
            [one] => one.what.clone(),
            many => format!("{} changes", many.len()),
        };
        self.set_status(Message::info(format!("Undoing {what}…")));
        vec![Effect::Changes(Request::Undo(steps))]
    }

    /// Undoing answered: what was undone is read again; the status line
    /// says what was undone and what could not be, and why.
    pub(super) fn undone(&mut self, results: Vec<(Step, Result<Undone, ApiError>)>) -> Vec<Effect> {
        let total = results.len();
        let mut done = Vec::new();
        let mut failed = Vec::new();
        let mut effects = Vec::new();
        for (step, result) in results {
            match result {
                Ok(undone) => {
                    effects.extend(self.changes_undone(&undone.changes));
                    done.push(step.what);
                }
                Err(error) if error.status() == Some(401) => {
                    return self.session_expired();
                }
                Err(error) => failed.push((step.what, error)),
            }
        }
        let message = match (done.as_slice(), failed.as_slice()) {
            ([one], []) => Message::success(format!("Undid {one}")),
            (all, []) => Message::success(format!("Undid all {}: {}", all.len(), all.join(", "))),
            ([], [(what, error)]) => Message::error(format!(
                "Cannot undo {what}: {}. Nothing was changed.",
                refusal(error)
            )),
            (done, failed) => Message::error(format!(
                "Undid {} of {total}; not undone: {}",
                done.len(),
                failed
                    .iter()
                    .map(|(what, error)| format!("{what} ({})", refusal(error)))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        };
        self.set_status(message);
        effects.extend(self.fetch_visible());
        effects
    }

    /// The changes an undo made: the tables and detail views they touch
    /// read again, and the recent changes list them.
    fn changes_undone(&mut self, changes: &[Change]) -> Vec<Effect> {
        let mut effects = Vec::new();
        for change in changes {
            self.feed_change(change);
            let Some(collection) = collection_of(change) else {
                continue;
            };
            let follow = (change.action != ChangeAction::Deleted).then_some(change.id);
            self.invalidate(collection, follow);
            effects.extend(self.refresh_details(collection, change.id));
        }
        effects
    }
}

/// Why an undo was refused, in words.
fn refusal(error: &ApiError) -> String {
    match error.status() {
        Some(409) => format!("it changed since — {}", error.describe()),
        _ => error.describe(),
    }
}
