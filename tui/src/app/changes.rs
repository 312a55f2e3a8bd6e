//! `C`: the recent changes, the whole change feed (`GET /changes`, read
//! page after page) newest first, kept live from `/events` as the tables
//! are. `u` undoes the selected change (and what its write did with it),
//! Enter opens its record, `h` its record's history; Esc comes back here
//! from both.

use casting_shared::changes::{Change, ChangeList, ChangeResource, ChangedRecord};
use casting_shared::{Actor, Movie};

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, Record};
use crate::api::{ApiError, FEED_PAGE};
use crate::bindings::{Command, Need};
use crate::changes;
use crate::undo::{Reply, Request, Step, Target};

#[derive(Debug, Default)]
pub struct ChangesView {
    /// Newest first; `None` until the first page is read.
    pub entries: Option<Vec<Change>>,
    pub selected: usize,
    pub error: Option<String>,
    /// Older pages are still being read.
    pub loading: bool,
}

impl ChangesView {
    pub fn selected_change(&self) -> Option<&Change> {
        self.entries.as_ref()?.get(self.selected)
    }

    /// Changes added where they belong (newest first), each once. The
    /// selection stays on its change, or on the newest when it was there.
    fn merge(&mut self, changes: impl IntoIterator<Item = Change>) {
        let kept = (self.selected > 0)
            .then(|| self.selected_change().map(|c| c.seq))
            .flatten();
        let entries = self.entries.get_or_insert_with(Vec::new);
        entries.extend(changes);
        entries.sort_by_key(|c| std::cmp::Reverse(c.seq));
        entries.dedup_by_key(|c| c.seq);
        if let Some(seq) = kept {
            self.selected = entries.iter().position(|c| c.seq == seq).unwrap_or(0);
        }
    }

    /// One line per change (see [`row`]).
    pub fn rows(&self, names: &changes::Names) -> Option<Vec<Vec<String>>> {
        let row = |change| row(change, names);
        self.entries.as_ref().map(|e| e.iter().map(row).collect())
    }
}

/// A change's line: its seq, when, who, what.
fn row(change: &Change, names: &changes::Names) -> Vec<String> {
    let when = crate::local_time::when_shown(&change.at);
    let who = changes::author(change);
    vec![
        change.seq.to_string(),
        when,
        who.into(),
        what(change, names),
    ]
}

/// What a change did, without who did it: `deleted actor Ann Lee`.
pub fn what(change: &Change, names: &changes::Names) -> String {
    let sentence = changes::sentence(change, names);
    let who = format!("{} ", changes::author(change));
    match sentence.strip_prefix(&who) {
        Some(rest) => rest.to_owned(),
        None => sentence,
    }
}

/// The record a change is about, as far as the change tells: an actor or
/// a movie itself; a cast entry's or a role's movie; a candidate's or an
/// audition's actor (a detail view reads the rest).
pub fn record_of(change: &Change, names: &changes::Names) -> Option<Record> {
    let record = change.after.as_ref().or(change.before.as_ref());
    let movie = |id: i64| {
        Record::Movie(Movie {
            id,
            title: names(crate::collection::Collection::Movies, id)
                .unwrap_or_else(|| format!("movie #{id}")),
            release_date: time::Date::MIN,
        })
    };
    let actor = |id: i64| {
        Record::Actor(Actor {
            id,
            name: names(crate::collection::Collection::Actors, id)
                .unwrap_or_else(|| format!("actor #{id}")),
            age: 0,
            gender: String::new(),
        })
    };
    Some(match (change.resource, record?) {
        (_, ChangedRecord::Actor(a)) => Record::Actor(a.clone()),
        (_, ChangedRecord::Movie(m)) => Record::Movie(m.clone()),
        (ChangeResource::Cast, _) => movie(change.id),
        (_, ChangedRecord::Role(role)) => movie(role.movie_id),
        (_, ChangedRecord::Candidate(c)) => actor(c.actor_id),
        (_, ChangedRecord::Audition(a)) => actor(a.actor_id),
        (_, ChangedRecord::Cast(entry)) => movie(entry.movie_id),
    })
}

impl App {
    /// `C`: the recent changes, read from the oldest kept.
    pub(super) fn open_changes(&mut self) -> Vec<Effect> {
        self.dialog = Some(Dialog::Changes(Box::new(ChangesView {
            loading: true,
            ..ChangesView::default()
        })));
        vec![Effect::Changes(Request::Feed { after: None })]
    }

    fn changes_view(&mut self) -> Option<&mut ChangesView> {
        match self.dialog.as_mut() {
            Some(Dialog::Changes(view)) => Some(view),
            _ => None,
        }
    }

    pub(super) fn update_changes(&mut self, action: Action) -> Vec<Effect> {
        let page = self.panel_page();
        let names = |collection, id| self.known_name(collection, id);
        let Some(Dialog::Changes(view)) = self.dialog.as_ref() else {
            return Vec::new();
        };
        let record = view.selected_change().and_then(|c| record_of(c, &names));
        let selected = view.selected_change().cloned();
        let Action::Command(command) = action else {
            return Vec::new();
        };
        match command {
            Command::Move(movement) => {
                if let Some(view) = self.changes_view() {
                    let count = view.entries.as_ref().map_or(0, Vec::len);
                    view.selected = movement.apply(view.selected, count, page);
                }
            }
            Command::Open => {
                if let Some(record) = record {
                    return self.push_detail(record);
                }
            }
            Command::History => {
                if let Some(record) = record {
                    return self.open_history(&record);
                }
            }
            Command::Undo => {
                let Some(change) = selected else {
                    return Vec::new();
                };
                if !self.permitted(Need::Undo, "undo this change") {
                    return Vec::new();
                }
                let names = |collection, id| self.known_name(collection, id);
                let what = format!("change {}: {}", change.seq, what(&change, &names));
                self.set_status(Message::info(format!("Undoing {what}…")));
                return vec![Effect::Changes(Request::Undo(vec![Step {
                    target: Target::Seq(change.seq),
                    what,
                }]))];
            }
            Command::Reload => {
                if let Some(view) = self.changes_view() {
                    *view = ChangesView {
                        loading: true,
                        ..ChangesView::default()
                    };
                }
                return vec![Effect::Changes(Request::Feed { after: None })];
            }
            Command::Back | Command::RecentChanges => {
                self.dialog = None;
                return self.reload_top_detail();
            }
            Command::ToggleUtc => self.toggle_utc(),
            Command::Help => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    /// A change from the live feed (or one an undo made): the recent
    /// changes list it at once.
    pub(super) fn feed_change(&mut self, change: &Change) {
        if let Some(view) = self.changes_view() {
            view.merge([change.clone()]);
        }
    }

    pub(super) fn changes_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Feed { result, .. } => self.feed_page(result),
            Reply::Undone(results) => self.undone(results),
            Reply::DeletedMany {
                collection,
                results,
            } => self.deleted_many(collection, results),
        }
    }

    /// A page of the feed: the next is asked for while pages are full.
    fn feed_page(&mut self, result: Result<ChangeList, ApiError>) -> Vec<Effect> {
        let Some(view) = self.changes_view() else {
            return Vec::new();
        };
        match result {
            Ok(list) => {
                let full = list.changes.len() >= FEED_PAGE as usize;
                view.merge(list.changes);
                view.error = None;
                view.loading = full;
                if full {
                    return vec![Effect::Changes(Request::Feed {
                        after: Some(list.next),
                    })];
                }
                Vec::new()
            }
            Err(error) => {
                view.loading = false;
                view.error = Some(match error.status() {
                    Some(410) => {
                        "Older changes were pruned meanwhile: R reads the feed again".into()
                    }
                    _ => error.describe(),
                });
                self.explain(&error, "see the changes").unwrap_or_default()
            }
        }
    }
}
