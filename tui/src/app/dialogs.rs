//! Dialogs over the tables: the edit form (with If-Match and the 412
//! conflict), the filter dialog, the export dialog, and the one
//! confirmation every question uses.

use casting_shared::changes::ChangeAction::{self, Created, Updated};
use crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, Record};
use crate::api::{ApiError, Tagged};
use crate::bindings::Command;
use crate::collection::Collection;
use crate::confirm::{Button, Confirm, Question};
use crate::form::{Checked, FieldFocus, Form, Precondition};

/// `x`: asks for a file name, then writes every row matching the table's
/// filters and sort.
pub struct ExportDialog {
    pub collection: Collection,
    pub path: Input,
    pub error: Option<String>,
    /// The file is there: Enter again writes over it.
    pub overwrite: bool,
    /// The export is running (the dialog stays until it is done).
    pub busy: bool,
    /// The Auditions tab's schedule as an iCalendar file (else the table as CSV).
    pub calendar: bool,
}

impl App {
    pub(super) fn open_export(&mut self) {
        let collection = self.tab;
        self.dialog = Some(Dialog::Export(ExportDialog {
            collection,
            path: Input::new(format!("{}.csv", collection.path())),
            error: None,
            overwrite: false,
            busy: false,
            calendar: false,
        }));
    }

    /// The export is done: the dialog closes, or stays saying why not
    /// (asking before writing over a file that is there).
    pub(super) fn exported(
        &mut self,
        path: String,
        result: Result<usize, crate::export::ExportError>,
    ) {
        let dialog = match self.dialog.as_mut() {
            Some(Dialog::Export(dialog)) => Some(dialog),
            _ => None,
        };
        match (result, dialog) {
            (Ok(rows), _) => {
                if matches!(self.dialog, Some(Dialog::Export(_))) {
                    self.dialog = None;
                }
                self.set_status(Message::success(format!("Exported {rows} rows to {path}")));
            }
            (Err(crate::export::ExportError::Exists), Some(dialog)) => {
                dialog.busy = false;
                dialog.overwrite = true;
                dialog.error = Some(format!(
                    "{path} already exists: Enter writes over it, or change the name"
                ));
                self.status = None;
            }
            (Err(why), Some(dialog)) => {
                dialog.busy = false;
                dialog.error = Some(format!("Export failed: {why}"));
                self.status = None;
            }
            (Err(why), None) => self.set_status(Message::error(format!("Export failed: {why}"))),
        }
    }

    pub(super) fn update_dialog(&mut self, action: Action) -> Vec<Effect> {
        match self.dialog.as_mut() {
            Some(Dialog::Cast(_)) => self.update_cast(action),
            Some(Dialog::Filmography(_)) => self.update_filmography(action),
            Some(Dialog::Form(_)) => self.update_form(action),
            Some(Dialog::History(_)) => self.update_history(action),
            Some(Dialog::Roles(_)) => self.update_roles(action),
            Some(Dialog::Changes(_)) => self.update_changes(action),
            Some(Dialog::Filters(dialog)) => {
                match action {
                    Action::EditText(key) => {
                        let field = &mut dialog.fields[dialog.focus];
                        field.input.handle_event(&Event::Key(key));
                        field.error = None;
                    }
                    Action::Command(Command::NextField) => dialog.next_field(),
                    Action::Command(Command::PreviousField) => dialog.previous_field(),
                    Action::Command(Command::ClearFilters) => dialog.clear(),
                    Action::Command(Command::Back) => self.dialog = None,
                    Action::Command(Command::Save) => {
                        if let Some(filters) = dialog.check() {
                            let collection = dialog.collection;
                            self.dialog = None;
                            self.table_mut_of(collection).set_filters(filters);
                            return self.fetch_visible();
                        }
                    }
                    _ => {}
                }
                Vec::new()
            }
            Some(Dialog::Export(dialog)) => {
                match action {
                    Action::EditText(_) if dialog.busy => {}
                    Action::EditText(key) => {
                        dialog.path.handle_event(&Event::Key(key));
                        dialog.error = None;
                        dialog.overwrite = false;
                    }
                    Action::Command(Command::Back) => self.dialog = None,
                    Action::Command(Command::Save) if !dialog.busy => {
                        let path = dialog.path.value().trim().to_owned();
                        if path.is_empty() {
                            dialog.error = Some("Name the file to write".into());
                            return Vec::new();
                        }
                        let (collection, overwrite, calendar) =
                            (dialog.collection, dialog.overwrite, dialog.calendar);
                        if calendar {
                            self.dialog = None;
                        } else {
                            dialog.busy = true;
                            dialog.error = None;
                        }
                        self.set_status(Message::info(format!("Exporting to {path}…")));
                        if calendar {
                            let query = self.schedule.query();
                            return vec![Effect::Casting(crate::casting::Request::Calendar {
                                query,
                                path,
                            })];
                        }
                        let params = self.table_of(collection).params();
                        return vec![Effect::Export {
                            collection,
                            params,
                            path,
                            overwrite,
                        }];
                    }
                    _ => {}
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    fn update_form(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::EditText(key) => {
                let field = form.focused();
                field.input.handle_event(&Event::Key(key));
                // The error goes as the field is corrected.
                if field.error.is_some() {
                    form.recheck_focused();
                }
            }
            Action::Command(command) => match command {
                Command::Back if form.fields.iter().any(|f| f.changed()) => {
                    // Typing is not thrown away on one key.
                    self.confirm = Some(Confirm::new(Question::Discard {
                        what: match form.id {
                            None => format!("the new {}", form.collection.noun()),
                            Some(id) => {
                                format!("your changes to {} #{id}", form.collection.noun())
                            }
                        },
                    }));
                }
                Command::Back => {
                    self.dialog = None;
                    self.set_status(Message::info("Cancelled"));
                }
                Command::NextField => form.next_field(),
                Command::PreviousField => form.previous_field(),
                Command::NextOrSave if !form.is_last_field() => form.next_field(),
                Command::NextOrSave | Command::Save if !form.saving => {
                    return self.save_form(false, false);
                }
                Command::SaveAsNew if form.deleted_by.is_some() && !form.saving => {
                    form.make_new();
                    return self.save_form(false, false);
                }
                // The choices wait for a save in flight to be answered.
                Command::Overwrite if form.theirs.is_some() && !form.saving => {
                    return self.save_form(true, false);
                }
                Command::LoadTheirs
                    if form.conflict.is_some() && !form.saving && !form.load_theirs() =>
                {
                    if let Some(id) = form.id {
                        return vec![Effect::FetchRow {
                            collection: form.collection,
                            id,
                        }];
                    }
                }
                _ => {}
            },
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_confirm(&mut self, action: Action) -> Vec<Effect> {
        let Some(confirm) = self.confirm.as_mut() else {
            return Vec::new();
        };
        let yes = match action {
            Action::Command(Command::Yes) => true,
            Action::Command(Command::Choose) => confirm.selected == Button::Yes,
            Action::Command(Command::No) => false,
            Action::Command(Command::ToggleButton) => {
                confirm.toggle();
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let Some(confirm) = self.confirm.take() else {
            return Vec::new();
        };
        if !yes {
            self.set_status(Message::info(match confirm.question {
                Question::Delete { .. } | Question::DeleteMany { .. } => "Nothing deleted",
                Question::RemoveCast { .. } => "Nothing removed",
                Question::DeleteRole { .. } => "Nothing deleted",
                Question::Book { .. } => "Nobody booked",
                Question::Logout | Question::SwitchUser => "Still logged in",
                Question::Discard { .. } => "Still editing",
                Question::Casting(asked) => asked.kept,
            }));
            return Vec::new();
        }
        match confirm.question {
            Question::Delete {
                collection,
                id,
                label,
                etag,
                ..
            } => {
                self.set_status(Message::info(format!("Deleting {label}…")));
                let effect = Effect::Delete {
                    collection,
                    id,
                    label,
                    etag,
                };
                self.last_write = Some(effect.clone());
                vec![effect]
            }
            Question::DeleteMany { collection, rows } => self.delete_marked(collection, rows),
            Question::RemoveCast {
                movie_id,
                actor_id,
                name,
                ..
            } => {
                let effect = Effect::Cast {
                    movie_id,
                    request: crate::cast::CastRequest::Remove { actor_id, name },
                };
                self.last_write = Some(effect.clone());
                vec![effect]
            }
            Question::DeleteRole { role_id, label, .. } => {
                self.set_status(Message::info(format!("Deleting role {label}…")));
                self.casting_write(crate::casting::Request::DeleteRole { role_id, label })
            }
            Question::Book {
                role_id,
                actor_id,
                name,
                ..
            } => {
                self.set_status(Message::info(format!("Booking {name}…")));
                self.casting_write(crate::casting::Request::SetCandidate {
                    role_id,
                    actor_id,
                    name,
                    stage: Some(casting_shared::casting::Stage::Booked),
                })
            }
            Question::Logout => self.log_out(false),
            Question::SwitchUser => self.log_out(true),
            Question::Discard { .. } => {
                self.dialog = None;
                self.set_status(Message::info("Changes discarded"));
                Vec::new()
            }
            Question::Casting(asked) => {
                self.set_status(Message::info(asked.doing));
                self.casting_write(asked.request)
            }
        }
    }

    /// Ctrl-S (or Ctrl-O, `overwrite`): the edit goes with the `If-Match`
    /// of the version the user started from (of theirs when overwriting),
    /// read first when it is not yet: a colleague's change is never
    /// overwritten unasked. `read`: the row was just read for this save.
    fn save_form(&mut self, overwrite: bool, read: bool) -> Vec<Effect> {
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match form.check() {
            Checked::Invalid => {
                form.message = Some("Fix the fields marked with !".into());
                Vec::new()
            }
            Checked::Unchanged => {
                self.dialog = None;
                self.set_status(Message::info("No changes to save"));
                Vec::new()
            }
            Checked::Body(body) => {
                let collection = form.collection;
                let etag = match form.precondition(overwrite, read) {
                    Precondition::Send(etag) => etag,
                    Precondition::Stale => {
                        form.refuse();
                        return Vec::new();
                    }
                    Precondition::Read => {
                        form.saving = true;
                        form.pending = Some(overwrite);
                        form.message = None;
                        return form
                            .id
                            .map(|id| vec![Effect::FetchRow { collection, id }])
                            .unwrap_or_default();
                    }
                };
                form.saving = true;
                form.message = None;
                let effect = match form.id {
                    None => Effect::Create { collection, body },
                    Some(id) => Effect::Update {
                        collection,
                        id,
                        body,
                        etag,
                    },
                };
                self.last_write = Some(effect.clone());
                vec![effect]
            }
        }
    }

    /// The current row for an open dialog or detail view: its ETag for
    /// If-Match, or after a 412 what the server holds now.
    pub(super) fn fetched(
        &mut self,
        collection: Collection,
        id: i64,
        result: Result<Tagged<Record>, ApiError>,
    ) -> Vec<Effect> {
        if let Some(Question::Delete {
            collection: c,
            id: i,
            etag,
            ..
        }) = self.confirm.as_mut().map(|c| &mut c.question)
            && *c == collection
            && *i == id
        {
            if let Ok(tagged) = &result {
                *etag = tagged.etag.clone();
            }
            return Vec::new();
        }
        if let Some(effects) = self.jump_fetched(collection, id, &result) {
            return effects;
        }
        self.detail_fetched(collection, id, &result);
        if result.as_ref().err().and_then(ApiError::status) == Some(404) {
            // The row is gone: it leaves the table.
            self.invalidate(collection, None);
        }
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return match result {
                Err(error) if error.status() == Some(404) => self.fetch_visible(),
                Err(error) => self
                    .explain(&error, &format!("read this {}", collection.noun()))
                    .unwrap_or_default(),
                Ok(_) => Vec::new(),
            };
        };
        if form.collection != collection || form.id != Some(id) {
            return Vec::new();
        }
        // A version read while a save is in flight may be that save's own.
        if form.saving && form.pending.is_none() {
            return Vec::new();
        }
        let pending = form.pending.take();
        if pending.is_some() {
            form.saving = false;
        }
        match result {
            Ok(Tagged { value, etag }) => {
                let fresh = Form::edit_record(&value);
                // After a 412, what the server holds now is theirs; else a
                // version other than the one the user started from is.
                let reloading = form.conflict.is_some() && form.theirs.is_none();
                if reloading || form.differs_from(&fresh) {
                    form.show_theirs(&fresh, etag);
                } else {
                    // The version the user started from (read late, maybe).
                    form.etag = etag;
                }
                if let Some(overwrite) = pending {
                    return self.save_form(overwrite, true);
                }
            }
            Err(error) if error.status() == Some(404) => {
                form.message = Some("This row no longer exists on the server".into());
                return self.fetch_visible();
            }
            Err(error) => {
                match pending {
                    // Read again once logged in again, and the save sent.
                    Some(overwrite) if error.status() == Some(401) => {
                        form.pending = Some(overwrite);
                        form.message =
                            Some("Your session ended; log in again and it is sent again".into());
                        self.retry = Some(Effect::FetchRow { collection, id });
                    }
                    Some(_) => {
                        form.message = Some(format!(
                            "Not saved: the version you started from could not be read ({})",
                            error.describe()
                        ));
                    }
                    None => {}
                }
                if let Some(effects) = self.explain(&error, "read this row") {
                    return effects;
                }
            }
        }
        Vec::new()
    }

    pub(super) fn saved(
        &mut self,
        collection: Collection,
        created: bool,
        result: Result<i64, ApiError>,
    ) -> Vec<Effect> {
        let noun = collection.noun();
        match result {
            Ok(id) => {
                self.last_write = None;
                let action = if created { Created } else { Updated };
                let label = self.form_label(collection, id);
                self.remember_write(collection, id, label, action);
                self.dialog = None;
                self.set_status(Message::success(if created {
                    format!("Created {noun} #{id}")
                } else {
                    format!("Saved {noun} #{id}")
                }));
                self.invalidate(collection, Some(id));
                let mut effects = self.refresh_details(collection, id);
                effects.extend(self.fetch_visible());
                effects
            }
            Err(error) => {
                let verb = if created { "add" } else { "edit" };
                if let Some(Dialog::Form(form)) = self.dialog.as_mut() {
                    form.saving = false;
                    if let Some(fields) = error.field_errors() {
                        form.apply_server_errors(fields);
                        return Vec::new();
                    }
                    match &error {
                        ApiError::Status { status: 412, .. } => {
                            form.refused = true;
                            // What the server holds now is read again.
                            form.theirs = None;
                            form.conflict = Some(format!(
                                "Someone else changed this {noun} since you opened it; loading theirs…"
                            ));
                            return form
                                .id
                                .map(|id| {
                                    vec![Effect::FetchRow {
                                        collection: form.collection,
                                        id,
                                    }]
                                })
                                .unwrap_or_default();
                        }
                        ApiError::Status { status: 404, .. } => {
                            form.message = Some(format!("This {noun} no longer exists"));
                            return Vec::new();
                        }
                        ApiError::Status { status: 401, .. } => {
                            form.message = Some(
                                "Your session ended; log in again and it is sent again".into(),
                            );
                        }
                        ApiError::Status { status: 403, .. } => {}
                        // The database away (a failover) or no answer at
                        // all: nothing typed is lost, and Ctrl-S sends it
                        // again (an edit's If-Match makes that safe).
                        ApiError::Status { status: 503, .. } | ApiError::Unreachable(_) => {
                            form.message = Some(format!(
                                "Not saved: {}. Your changes are kept; Ctrl-S sends them again.",
                                error.describe()
                            ));
                        }
                        _ => form.message = Some(error.describe()),
                    }
                }
                if error.status() == Some(401) {
                    self.retry = self.last_write.take();
                }
                self.explain(&error, &format!("{verb} {noun}s"))
                    .unwrap_or_default()
            }
        }
    }

    pub(super) fn deleted(
        &mut self,
        collection: Collection,
        id: i64,
        label: String,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(()) => {
                self.last_write = None;
                self.set_status(Message::success(format!("Deleted {label} (u undoes)")));
                self.remember_write(collection, id, label, ChangeAction::Deleted);
                self.invalidate(collection, None);
                self.close_details_of(collection, id);
            }
            Err(error) if error.status() == Some(412) => {
                self.invalidate(collection, Some(id));
                let mut confirm = crate::confirm::Confirm::new(Question::Delete {
                    collection,
                    id,
                    label: label.clone(),
                    etag: None,
                    cast_entries: None,
                });
                confirm.note = Some(format!(
                    "{label} changed since you looked (the table is reloading). Delete it anyway?"
                ));
                self.confirm = Some(confirm);
                self.set_status(Message::error(format!("{label} changed meanwhile")));
                let mut effects = vec![Effect::FetchRow { collection, id }];
                effects.extend(self.fetch_visible());
                return effects;
            }
            Err(error) if error.status() == Some(404) => {
                self.set_status(Message::info(format!("{label} was already deleted")));
                self.invalidate(collection, None);
                self.close_details_of(collection, id);
            }
            Err(error) => {
                if error.status() == Some(401) {
                    self.retry = self.last_write.take();
                }
                if let Some(effects) = self.explain(&error, &format!("delete {collection}")) {
                    return effects;
                }
            }
        }
        self.fetch_visible()
    }
}
