//! Marked rows: Space marks the selected row (again: unmarks it), the
//! table shows a marker on each and their count in its title, Esc unmarks
//! them all. `d` deletes every marked row after one confirmation that
//! lists them, and one `u` brings them all back; `y` copies the marked
//! rows (else the selected one) to the clipboard. Also where the table
//! hands `u`, `y` and `C` on.

use casting_shared::changes::ChangeAction;

use super::undo::{Undoable, Written};
use super::{App, Effect, Message};
use crate::api::ApiError;
use crate::bindings::{Command, Need};
use crate::clipboard::rows_text;
use crate::collection::Collection;
use crate::confirm::{Confirm, Question};
use crate::record::Record;
use crate::table::TableRow;
use crate::undo::Request;

/// The marked rows of both tables, in the order they were marked.
#[derive(Debug, Default)]
pub struct Marks {
    records: Vec<Record>,
}

impl Marks {
    /// The marked rows of a table.
    pub fn of(&self, collection: Collection) -> impl Iterator<Item = &Record> {
        self.records
            .iter()
            .filter(move |r| r.collection() == collection)
    }

    pub fn count(&self, collection: Collection) -> usize {
        self.of(collection).count()
    }

    pub fn contains(&self, collection: Collection, id: i64) -> bool {
        self.of(collection).any(|r| r.id() == id)
    }

    /// Marks a row, or unmarks it when it was: whether it is marked now.
    fn toggle(&mut self, record: Record) -> bool {
        let (collection, id) = (record.collection(), record.id());
        if self.contains(collection, id) {
            self.remove(collection, id);
            false
        } else {
            self.records.push(record);
            true
        }
    }

    fn remove(&mut self, collection: Collection, id: i64) {
        self.records
            .retain(|r| !(r.collection() == collection && r.id() == id));
    }

    /// Unmarks a table's rows: how many were marked.
    fn clear(&mut self, collection: Collection) -> usize {
        let before = self.records.len();
        self.records.retain(|r| r.collection() != collection);
        before - self.records.len()
    }
}

/// `3 actors`, `1 movie`.
fn rows_of(collection: Collection, count: usize) -> String {
    match count {
        1 => format!("1 {}", collection.noun()),
        n => format!("{n} {}", collection.path()),
    }
}

impl App {
    /// The table's keys for marks, undo, copying and the recent changes
    /// (`None`: not one of them, the table takes it).
    pub(super) fn table_extras(&mut self, command: Command) -> Option<Vec<Effect>> {
        let collection = self.tab;
        let marked = self.marks.count(collection);
        Some(match command {
            Command::Mark => {
                if let Some(record) = self.table().selected_record() {
                    let label = record.label().to_owned();
                    let now = self.marks.toggle(record);
                    let count = self.marks.count(collection);
                    let verb = if now { "Marked" } else { "Unmarked" };
                    self.set_status(Message::info(format!(
                        "{verb} {label}: {} marked (d deletes them, y copies them, Esc unmarks)",
                        rows_of(collection, count)
                    )));
                }
                Vec::new()
            }
            Command::Back if marked > 0 => {
                self.marks.clear(collection);
                self.set_status(Message::info(format!(
                    "Unmarked {}",
                    rows_of(collection, marked)
                )));
                Vec::new()
            }
            Command::Delete if marked > 0 => {
                let what = format!("delete {}", collection.path());
                if self.permitted(Need::Delete, &what) {
                    let rows = self
                        .marks
                        .of(collection)
                        .map(|r| (r.id(), r.label().to_owned()))
                        .collect();
                    self.confirm = Some(Confirm::new(Question::DeleteMany { collection, rows }));
                }
                Vec::new()
            }
            Command::Copy => {
                let records: Vec<Record> = match marked {
                    0 => self.table().selected_record().into_iter().collect(),
                    _ => self.marks.of(collection).cloned().collect(),
                };
                self.copy_records(&records)
            }
            Command::Undo => self.undo_last(),
            Command::RecentChanges => self.open_changes(),
            _ => return None,
        })
    }

    /// A marked row deleted (by a colleague, or in another client) is
    /// no longer marked.
    pub(super) fn unmark_deleted(&mut self, change: &casting_shared::changes::Change) {
        if let Some(collection) = crate::changes::collection_of(change)
            && change.action == ChangeAction::Deleted
        {
            self.marks.remove(collection, change.id);
        }
    }

    /// `y`: the records as text on the clipboard (OSC 52).
    pub(super) fn copy_records(&mut self, records: &[Record]) -> Vec<Effect> {
        let Some(first) = records.first() else {
            self.set_status(Message::info("Nothing to copy"));
            return Vec::new();
        };
        let collection = first.collection();
        let header: Vec<&str> = match collection {
            Collection::Actors => casting_shared::Actor::COLUMNS,
            Collection::Movies => casting_shared::Movie::COLUMNS,
        }
        .iter()
        .map(|c| c.title)
        .collect();
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|record| match record {
                Record::Actor(actor) => actor.cells(),
                Record::Movie(movie) => movie.cells(),
            })
            .collect();
        let what = match records {
            [one] => one.label().to_owned(),
            many => rows_of(collection, many.len()),
        };
        self.set_status(Message::success(format!(
            "Copied {what} to the clipboard (as tab-separated text)"
        )));
        vec![Effect::Copy(rows_text(&header, &rows))]
    }

    /// The bulk delete confirmed: the rows are deleted one by one.
    pub(super) fn delete_marked(
        &mut self,
        collection: Collection,
        rows: Vec<(i64, String)>,
    ) -> Vec<Effect> {
        self.set_status(Message::info(format!(
            "Deleting {}…",
            rows_of(collection, rows.len())
        )));
        vec![Effect::Changes(Request::DeleteMany { collection, rows })]
    }

    /// The marked rows deleted (or some of them): `u` brings back those
    /// that were; the status line says which were not, and why.
    pub(super) fn deleted_many(
        &mut self,
        collection: Collection,
        results: Vec<(i64, String, Result<(), ApiError>)>,
    ) -> Vec<Effect> {
        let total = results.len();
        let mut writes = Vec::new();
        let mut failed = Vec::new();
        for (id, label, result) in results {
            match result {
                Ok(()) => {
                    self.marks.remove(collection, id);
                    self.close_details_of(collection, id);
                    writes.push(Written {
                        collection,
                        id,
                        label,
                        action: ChangeAction::Deleted,
                    });
                }
                Err(error) if error.status() == Some(404) => {
                    self.marks.remove(collection, id);
                    failed.push(format!("{label} was already deleted"));
                }
                Err(error) if error.status() == Some(401) => {
                    return self.session_expired();
                }
                Err(error) => failed.push(format!("{label}: {}", error.describe())),
            }
        }
        self.invalidate(collection, None);
        let deleted = writes.len();
        let names: Vec<&str> = writes.iter().map(|w| w.label.as_str()).collect();
        let message = if failed.is_empty() {
            Message::success(format!(
                "Deleted {}: {} (u undoes)",
                rows_of(collection, deleted),
                names.join(", ")
            ))
        } else {
            Message::error(format!(
                "Deleted {deleted} of {total} {}; {}",
                collection.path(),
                failed.join("; ")
            ))
        };
        if deleted > 0 {
            self.undoable = Some(Undoable { writes });
        }
        self.set_status(message);
        self.fetch_visible()
    }
}
