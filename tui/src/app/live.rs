//! The live feed in the app. A colleague's create, edit or delete shows in
//! the open table at once (its rows read again after the same cursors, so
//! the selection and the scroll stay), the row is briefly highlighted and
//! the status line says who did what. Detail views, casts, filmographies
//! and an open history follow; an open edit dialog whose record changed
//! says so with the difference, offering what a 412 offers.

use casting_shared::changes::{Change, ChangeAction, ChangedRecord};

use super::{App, Dialog, Effect, Message};
use crate::bindings::{Command, Context};
use crate::changes;
use crate::collection::Collection;
use crate::form::Form;
use crate::live::LiveEvent;
use crate::record::Record;

/// The feed's state, shown in the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveStatus {
    /// Not following (no session yet).
    #[default]
    Off,
    Connected,
    /// The stream broke; it is being opened again.
    Reconnecting,
    /// The server has no live feed (an older one): not followed.
    Unavailable,
}

/// A row highlighted for a while after a colleague changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flash {
    pub collection: Collection,
    pub id: i64,
    /// The tick it ends at.
    pub until: usize,
}

/// Ticks (of the runtime's 120 ms clock) a changed row stays highlighted.
pub const FLASH_TICKS: usize = 25;

impl App {
    pub(super) fn live_event(&mut self, event: LiveEvent) -> Vec<Effect> {
        match event {
            LiveEvent::Connected { resumed } => {
                self.live = LiveStatus::Connected;
                if resumed {
                    // What happened meanwhile comes next on the stream;
                    // what failed while the server was away is read again.
                    self.retry_failed()
                } else {
                    // A stream that starts from now: what changed before it
                    // opened is read from the tables themselves.
                    let retried = self.retry_failed();
                    dedup(retried.into_iter().chain(self.read_again()).collect())
                }
            }
            LiveEvent::Disconnected { .. } => {
                self.live = LiveStatus::Reconnecting;
                Vec::new()
            }
            LiveEvent::Unavailable => {
                self.live = LiveStatus::Unavailable;
                self.set_status(Message::info(
                    "Live updates are not available from this server: R reloads to see colleagues' changes",
                ));
                Vec::new()
            }
            LiveEvent::Gone => {
                self.set_status(Message::info(
                    "Too much changed while the client was away: everything on screen was read again",
                ));
                self.read_again()
            }
            LiveEvent::Expired { token } => {
                if self.session.as_ref().is_some_and(|s| s.token == token) {
                    self.renew()
                } else {
                    Vec::new()
                }
            }
            LiveEvent::Change(change) => self.apply_change(&change),
        }
    }

    /// The server is back: the tables whose pages failed are read again
    /// (no need for `R`), and the "cannot reach" error goes.
    fn retry_failed(&mut self) -> Vec<Effect> {
        let mut failed = false;
        for collection in [Collection::Actors, Collection::Movies] {
            let had_error = match collection {
                Collection::Actors => self.actors.error.is_some(),
                Collection::Movies => self.movies.error.is_some(),
            };
            if had_error {
                self.table_mut_of(collection).reload();
                failed = true;
            }
        }
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.tone == super::Tone::Error)
        {
            self.set_status(Message::info("The server is back"));
        }
        if failed {
            self.fetch_visible()
        } else {
            Vec::new()
        }
    }

    /// Everything on screen read again: the tables' rows (keeping selection
    /// and scroll), the detail views, the open cast, filmography or history.
    fn read_again(&mut self) -> Vec<Effect> {
        self.actors.refresh_when_idle();
        self.movies.refresh_when_idle();
        let mut effects = self.fetch_visible();
        for view in self.details.iter().filter(|v| !v.gone) {
            let (collection, id) = (view.collection, view.id);
            effects.push(Effect::FetchRow { collection, id });
            effects.push(Effect::FetchRelated { collection, id });
        }
        effects.extend(self.reload_dialog_list());
        effects
    }

    /// The open cast, filmography or history, read again.
    fn reload_dialog_list(&self) -> Option<Effect> {
        match &self.dialog {
            Some(Dialog::Cast(view)) => Some(Effect::FetchRelated {
                collection: Collection::Movies,
                id: view.movie_id,
            }),
            Some(Dialog::Filmography(view)) => Some(Effect::FetchRelated {
                collection: Collection::Actors,
                id: view.actor_id,
            }),
            Some(Dialog::History(view)) => Some(Effect::FetchHistory {
                collection: view.collection,
                id: view.id,
            }),
            Some(Dialog::Changes(_)) => {
                Some(Effect::Changes(crate::undo::Request::Feed { after: None }))
            }
            _ => None,
        }
    }

    fn apply_change(&mut self, change: &Change) -> Vec<Effect> {
        let mine = self
            .session
            .as_ref()
            .and_then(|s| s.subject())
            .is_some_and(|subject| subject == change.by.subject);
        let mut effects = match changes::collection_of(change) {
            Some(collection) => self.record_changed(collection, change, mine),
            None => self.cast_entry_changed(change),
        };
        effects.extend(self.casting_changed(change));
        self.feed_change(change);
        self.unmark_deleted(change);
        if let Some(Dialog::History(view)) = &self.dialog
            && touches(change, view.collection, view.id)
        {
            effects.push(Effect::FetchHistory {
                collection: view.collection,
                id: view.id,
            });
        }
        if !mine && !changes::told_by_cast(change) {
            let sentence = changes::sentence(change, &|c, id| self.known_name(c, id));
            self.set_status(Message::info(sentence));
        }
        effects.extend(self.fetch_visible());
        dedup(effects)
    }

    /// An actor or a movie was created, changed or deleted.
    fn record_changed(
        &mut self,
        collection: Collection,
        change: &Change,
        mine: bool,
    ) -> Vec<Effect> {
        let id = change.id;
        self.table_mut_of(collection).reload_when_idle();
        if !mine && change.action != ChangeAction::Deleted {
            self.flash(collection, id);
        }
        let after = record_after(change);
        let who = changes::author(change).to_owned();
        for view in self
            .details
            .iter_mut()
            .filter(|v| v.collection == collection && v.id == id)
        {
            match &after {
                Some(record) => view.record = record.clone(),
                None => {
                    view.gone = true;
                    view.error = Some(format!("{who} deleted this {}", collection.noun()));
                }
            }
        }
        let mut effects = self.edit_dialog_changed(collection, change, after.as_ref());
        // Casts and filmographies that list it show its new name.
        for view in &self.details {
            if view
                .related
                .as_ref()
                .is_some_and(|r| r.lists(collection, id))
            {
                effects.push(Effect::FetchRelated {
                    collection: view.collection,
                    id: view.id,
                });
            }
        }
        let listed = match &self.dialog {
            Some(Dialog::Cast(view)) => view
                .entries
                .as_deref()
                .is_some_and(|e| crate::record::cast_name(e, collection, id).is_some()),
            Some(Dialog::Filmography(view)) => view
                .entries
                .as_deref()
                .is_some_and(|e| crate::record::filmography_name(e, collection, id).is_some()),
            _ => false,
        };
        if listed {
            effects.extend(self.reload_dialog_list());
        }
        effects
    }

    /// An open edit dialog of the changed record says so at once, with the
    /// difference; its ETag is read so that overwriting names the version
    /// shown. An echo of the user's own save (or of the version the dialog
    /// holds) changes nothing.
    fn edit_dialog_changed(
        &mut self,
        collection: Collection,
        change: &Change,
        after: Option<&Record>,
    ) -> Vec<Effect> {
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        let id = change.id;
        // While a save is in flight, the change may be its echo; a save
        // waiting for its version has sent nothing yet.
        let in_flight = form.saving && form.pending.is_none();
        if form.collection != collection || form.id != Some(id) || in_flight {
            return Vec::new();
        }
        let who = changes::author(change);
        let Some(record) = after else {
            let noun = collection.noun();
            let key = self.bindings.keys_of(Context::Form, Command::SaveAsNew);
            form.message = Some(format!(
                "{who} deleted this {noun} meanwhile: {key} saves it as a new {noun}, Esc closes"
            ));
            form.deleted_by = Some(who.to_owned());
            return Vec::new();
        };
        let fresh = Form::edit_record(record);
        if !form.differs_from(&fresh) {
            return Vec::new();
        }
        form.changed_by = Some(who.to_owned());
        form.show_theirs(&fresh, None);
        vec![Effect::FetchRow { collection, id }]
    }

    /// A cast entry was set or removed: the cast, the filmography and the
    /// detail views that list it are read again.
    fn cast_entry_changed(&mut self, change: &Change) -> Vec<Effect> {
        let movie_id = change.id;
        let actor_id = match change.after.as_ref().or(change.before.as_ref()) {
            Some(ChangedRecord::Cast(entry)) => entry.actor_id,
            _ => return Vec::new(),
        };
        let mut effects: Vec<Effect> = self
            .details
            .iter()
            .filter(|v| {
                (v.collection == Collection::Movies && v.id == movie_id)
                    || (v.collection == Collection::Actors && v.id == actor_id)
            })
            .map(|v| Effect::FetchRelated {
                collection: v.collection,
                id: v.id,
            })
            .collect();
        let shows_it = match &self.dialog {
            Some(Dialog::Cast(view)) => view.movie_id == movie_id,
            Some(Dialog::Filmography(view)) => view.actor_id == actor_id,
            _ => false,
        };
        if shows_it {
            effects.extend(self.reload_dialog_list());
        }
        effects
    }

    fn flash(&mut self, collection: Collection, id: i64) {
        let until = self.tick + FLASH_TICKS;
        self.flashes
            .retain(|f| !(f.collection == collection && f.id == id));
        self.flashes.push(Flash {
            collection,
            id,
            until,
        });
    }

    /// Whether a row is highlighted now.
    pub fn flashing(&self, collection: Collection, id: i64) -> bool {
        self.flashes
            .iter()
            .any(|f| f.collection == collection && f.id == id && self.tick < f.until)
    }

    /// Highlights whose time is up go (on each tick).
    pub(super) fn expire_flashes(&mut self) {
        let tick = self.tick;
        self.flashes.retain(|f| tick < f.until);
    }
}

/// The record as a change left it (`None` when it was deleted).
fn record_after(change: &Change) -> Option<Record> {
    match change.after.as_ref()? {
        ChangedRecord::Actor(actor) => Some(Record::Actor(actor.clone())),
        ChangedRecord::Movie(movie) => Some(Record::Movie(movie.clone())),
        ChangedRecord::Cast(_)
        | ChangedRecord::Role(_)
        | ChangedRecord::Candidate(_)
        | ChangedRecord::Audition(_) => None,
    }
}

/// Whether a change belongs to a record's history: its own, or one of its
/// cast entries'.
fn touches(change: &Change, collection: Collection, id: i64) -> bool {
    match collection {
        Collection::Actors => change.actor_id() == Some(id),
        Collection::Movies => change.movie_id() == Some(id),
    }
}

/// The same request asked twice is asked once.
fn dedup(effects: Vec<Effect>) -> Vec<Effect> {
    let mut kept: Vec<Effect> = Vec::with_capacity(effects.len());
    for effect in effects {
        if !kept.contains(&effect) {
            kept.push(effect);
        }
    }
    kept
}
