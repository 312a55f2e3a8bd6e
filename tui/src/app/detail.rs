//! The detail view: one actor or movie with every field in full and its
//! movies or cast. Enter on an entry opens that one's detail; Esc walks back
//! the way you came.

use super::{App, Dialog, Effect};
use crate::action::{Action, Record, Related};
use crate::api::{ApiError, Tagged};
use crate::bindings::Command;
use crate::collection::Collection;
use crate::list_filter::ListFilter;

pub struct DetailView {
    pub collection: Collection,
    pub id: i64,
    pub record: Record,
    /// `None` while loading.
    pub related: Option<Related>,
    pub selected: usize,
    pub error: Option<String>,
    /// The record no longer exists on the server.
    pub gone: bool,
    /// `/` in its list: the entries shown; `selected` counts among them.
    pub filter: ListFilter,
    /// The cast or filmography it was opened from, back on Esc.
    pub came_from: Option<Box<Dialog>>,
}

impl DetailView {
    pub fn new(record: Record) -> Self {
        Self {
            collection: record.collection(),
            id: record.id(),
            record,
            related: None,
            selected: 0,
            error: None,
            gone: false,
            filter: ListFilter::default(),
            came_from: None,
        }
    }

    /// Indices of the list's entries the filter keeps.
    pub fn shown(&self) -> Vec<usize> {
        self.related
            .as_ref()
            .map(|related| self.filter.kept(related.texts().into_iter()))
            .unwrap_or_default()
    }

    /// The record the selected entry names: a cast entry's actor, a movie.
    pub fn selected_target(&self) -> Option<Record> {
        self.shown_targets().into_iter().nth(self.selected)
    }

    /// The records the entries shown name, in order.
    pub fn shown_targets(&self) -> Vec<Record> {
        let Some(related) = self.related.as_ref() else {
            return Vec::new();
        };
        self.shown()
            .into_iter()
            .filter_map(|index| match related {
                Related::Cast(entries) => {
                    entries.get(index).map(|e| Record::Actor(e.actor.clone()))
                }
                Related::Filmography(entries) => {
                    entries.get(index).map(|e| Record::Movie(e.movie.clone()))
                }
            })
            .collect()
    }
}

impl App {
    /// Enter on a table row.
    pub(super) fn open_detail(&mut self) -> Vec<Effect> {
        match self.table().selected_record() {
            Some(record) => self.push_detail(record),
            None => Vec::new(),
        }
    }

    /// Opens a record's detail on top of where the user is.
    pub(super) fn push_detail(&mut self, record: Record) -> Vec<Effect> {
        let (collection, id) = (record.collection(), record.id());
        let mut view = DetailView::new(record);
        view.came_from = self.dialog.take().map(Box::new);
        self.details.push(view);
        vec![
            Effect::FetchRow { collection, id },
            Effect::FetchRelated { collection, id },
        ]
    }

    pub(super) fn update_detail(&mut self, action: Action) -> Vec<Effect> {
        let page = self.panel_page();
        let Some(view) = self.details.last_mut() else {
            return Vec::new();
        };
        if view.filter.active && view.filter.take(&action, &mut view.selected) {
            return Vec::new();
        }
        let Action::Command(command) = action else {
            return Vec::new();
        };
        match command {
            Command::Filter => view.filter.active = true,
            Command::Back => {
                let came_from = self.details.pop().and_then(|v| v.came_from);
                // Back the way you came: to the cast or the movies it was opened from.
                if let Some(dialog) = came_from {
                    let reload = match dialog.as_ref() {
                        Dialog::Cast(cast) => Some((Collection::Movies, cast.movie_id)),
                        Dialog::Filmography(movies) => Some((Collection::Actors, movies.actor_id)),
                        _ => None,
                    };
                    self.dialog = Some(*dialog);
                    return reload
                        .map(|(collection, id)| vec![Effect::FetchRelated { collection, id }])
                        .unwrap_or_default();
                }
                return self.reload_top_detail();
            }
            Command::Move(movement) => {
                view.selected = movement.apply(view.selected, view.shown().len(), page);
            }
            Command::Open => {
                if let Some(target) = view.selected_target() {
                    return self.push_detail(target);
                }
            }
            Command::Reload => {
                let (collection, id) = (view.collection, view.id);
                return vec![
                    Effect::FetchRow { collection, id },
                    Effect::FetchRelated { collection, id },
                ];
            }
            Command::Edit if !view.gone => {
                let record = view.record.clone();
                return self.open_edit(&record);
            }
            Command::Delete if !view.gone => {
                let record = view.record.clone();
                return self.open_delete(&record);
            }
            Command::Cast if !view.gone => {
                let record = view.record.clone();
                return self.open_cast(&record);
            }
            Command::Roles if !view.gone => {
                let record = view.record.clone();
                return self.open_roles(&record);
            }
            // A deleted record's history stays readable.
            Command::History => {
                let record = view.record.clone();
                return self.open_history(&record);
            }
            Command::Undo => return self.undo_last(),
            Command::RecentChanges => return self.open_changes(),
            Command::Copy => {
                let record = view.record.clone();
                return self.copy_records(&[record]);
            }
            Command::Help => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    /// Back on a detail view (from a dialog or another detail): it is read again.
    pub(super) fn reload_top_detail(&mut self) -> Vec<Effect> {
        match self.details.last() {
            Some(view) if !view.gone => vec![
                Effect::FetchRow {
                    collection: view.collection,
                    id: view.id,
                },
                Effect::FetchRelated {
                    collection: view.collection,
                    id: view.id,
                },
            ],
            _ => self.fetch_visible(),
        }
    }

    /// A saved record: the detail views showing it are read again.
    pub(super) fn refresh_details(&mut self, collection: Collection, id: i64) -> Vec<Effect> {
        if self
            .details
            .iter()
            .any(|d| d.collection == collection && d.id == id)
        {
            vec![Effect::FetchRow { collection, id }]
        } else {
            Vec::new()
        }
    }

    /// A deleted record's detail views close (and those opened from them).
    pub(super) fn close_details_of(&mut self, collection: Collection, id: i64) {
        if let Some(first) = self
            .details
            .iter()
            .position(|d| d.collection == collection && d.id == id)
        {
            self.details.truncate(first);
        }
    }

    pub(super) fn detail_fetched(
        &mut self,
        collection: Collection,
        id: i64,
        result: &Result<Tagged<Record>, ApiError>,
    ) {
        for view in self
            .details
            .iter_mut()
            .filter(|d| d.collection == collection && d.id == id)
        {
            match result {
                Ok(tagged) => {
                    view.record = tagged.value.clone();
                    view.error = None;
                    // Back after an undo.
                    view.gone = false;
                }
                Err(error) if error.status() == Some(404) => {
                    view.gone = true;
                    view.error = Some(format!("This {} no longer exists", collection.noun()));
                }
                Err(error) => view.error = Some(error.describe()),
            }
        }
    }

    pub(super) fn detail_related(
        &mut self,
        collection: Collection,
        id: i64,
        result: &Result<Related, ApiError>,
    ) {
        for view in self
            .details
            .iter_mut()
            .filter(|d| d.collection == collection && d.id == id)
        {
            match result {
                Ok(related) => {
                    // The selection stays on its entry when the list changed.
                    let kept = view.selected_target();
                    view.related = Some(related.clone());
                    let targets = view.shown_targets();
                    view.selected = kept
                        .and_then(|kept| targets.iter().position(|t| t.id() == kept.id()))
                        .unwrap_or(view.selected.min(targets.len().saturating_sub(1)));
                }
                Err(error) if error.status() == Some(404) => view.gone = true,
                Err(error) => view.error = Some(error.describe()),
            }
        }
    }
}
