//! `h`: a record's history (`GET /actors/{id}/history` and the movies'
//! one): when, who, which fields from what to what, newest first,
//! including its cast entries. A colleague's change to it while it is open
//! is read in at once.

use casting_shared::changes::Change;

use super::{App, Dialog, Effect};
use crate::action::{Action, Record};
use crate::api::ApiError;
use crate::bindings::Command;
use crate::changes;
use crate::collection::Collection;
use crate::record::{cast_name, filmography_name};

pub struct HistoryView {
    pub collection: Collection,
    pub id: i64,
    /// The record's name or title.
    pub label: String,
    /// Newest first; `None` while loading.
    pub entries: Option<Vec<Change>>,
    pub selected: usize,
    pub error: Option<String>,
    /// The panel it was opened from (a cast, a filmography): Esc goes back there.
    pub under: Option<Box<Dialog>>,
}

impl HistoryView {
    /// The lines shown, one per change: when, who, what.
    pub fn rows(&self, names: &changes::Names) -> Option<Vec<Vec<String>>> {
        let entries = self.entries.as_ref()?;
        Some(
            entries
                .iter()
                .map(|change| {
                    vec![
                        crate::local_time::when_shown(&change.at),
                        changes::author(change).to_owned(),
                        changes::summary(change, self.collection, names),
                    ]
                })
                .collect(),
        )
    }
}

impl App {
    /// `h` on a row, in a detail view, a cast or a filmography.
    pub(super) fn open_history(&mut self, record: &Record) -> Vec<Effect> {
        let (collection, id) = (record.collection(), record.id());
        let under = self.dialog.take().map(Box::new);
        self.dialog = Some(Dialog::History(HistoryView {
            under,
            collection,
            id,
            label: record.label().to_owned(),
            entries: None,
            selected: 0,
            error: None,
        }));
        vec![Effect::FetchHistory { collection, id }]
    }

    pub(super) fn update_history(&mut self, action: Action) -> Vec<Effect> {
        let page = self.panel_page();
        let Some(Dialog::History(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::Command(Command::Move(movement)) => {
                let count = view.entries.as_ref().map_or(0, Vec::len);
                view.selected = movement.apply(view.selected, count, page);
            }
            Action::Command(Command::Reload) => {
                return vec![Effect::FetchHistory {
                    collection: view.collection,
                    id: view.id,
                }];
            }
            Action::Command(Command::Back | Command::History) => {
                self.dialog = view.under.take().map(|under| *under);
                if self.dialog.is_none() {
                    return self.reload_top_detail();
                }
            }
            Action::Command(Command::ToggleUtc) => self.toggle_utc(),
            Action::Command(Command::Help) => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn history_loaded(
        &mut self,
        collection: Collection,
        id: i64,
        result: Result<Vec<Change>, ApiError>,
    ) -> Vec<Effect> {
        let Some(Dialog::History(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if view.collection != collection || view.id != id {
            return Vec::new();
        }
        match result {
            Ok(entries) => {
                view.selected = view.selected.min(entries.len().saturating_sub(1));
                view.entries = Some(entries);
                view.error = None;
                Vec::new()
            }
            Err(error) => {
                view.error = Some(match error.status() {
                    Some(404) => format!("No history of this {}", collection.noun()),
                    _ => error.describe(),
                });
                self.explain(&error, &format!("see {}", collection.path()))
                    .unwrap_or_default()
            }
        }
    }

    /// The names the client has loaded, for changes that name records by
    /// id: the tables' rows, and the casts and filmographies on screen.
    pub fn known_name(&self, collection: Collection, id: i64) -> Option<String> {
        let from_tables = match collection {
            Collection::Actors => self.actors.find(id).map(|a| a.name.clone()),
            Collection::Movies => self.movies.find(id).map(|m| m.title.clone()),
        };
        from_tables
            .or_else(|| {
                self.details
                    .iter()
                    .find(|d| d.collection == collection && d.id == id)
                    .map(|d| d.record.label().to_owned())
            })
            .or_else(|| self.related_name(collection, id))
    }

    /// A name from a cast or filmography on screen.
    fn related_name(&self, collection: Collection, id: i64) -> Option<String> {
        let in_dialog = match &self.dialog {
            Some(Dialog::Cast(view)) => view
                .entries
                .as_deref()
                .and_then(|entries| cast_name(entries, collection, id)),
            Some(Dialog::Filmography(view)) => view
                .entries
                .as_deref()
                .and_then(|entries| filmography_name(entries, collection, id)),
            _ => None,
        };
        in_dialog.or_else(|| {
            self.details
                .iter()
                .filter_map(|d| d.related.as_ref())
                .find_map(|related| related.name_of(collection, id))
        })
    }
}
