//! A movie's roles (`r` on a movie): the list, the role dialog (`n`, `e`),
//! deleting one (`d`, asks first), and the answers to those requests. The
//! pipeline of a role opened from here is [`super::pipeline`].

use casting_shared::Permission;
use casting_shared::casting::Role;

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, Record};
use crate::api::ApiError;
use crate::bindings::{Command, Need};
use crate::casting::form::{FormKind, TextForm};
use crate::casting::pipeline::{PipelineMode, PipelineView};
use crate::casting::roles::RolesView;
use crate::casting::{Reply, Request, role_label};
use crate::confirm::{Confirm, Question};
use crate::form::FieldFocus;

impl App {
    /// `r` on a movie: its roles.
    pub(super) fn open_roles(&mut self, record: &Record) -> Vec<Effect> {
        let Record::Movie(movie) = record else {
            self.set_status(Message::info(
                "Roles belong to movies: r on a movie (2 is the Movies tab)",
            ));
            return Vec::new();
        };
        let view = RolesView::new(
            movie.id,
            movie.title.clone(),
            self.can(Permission::PatchMovies),
        );
        self.dialog = Some(Dialog::Roles(Box::new(view)));
        vec![Effect::Casting(Request::Roles { movie_id: movie.id })]
    }

    /// A write of the casting pipeline: remembered in case it meets a 401.
    pub(super) fn casting_write(&mut self, request: Request) -> Vec<Effect> {
        let effect = Effect::Casting(request);
        self.last_write = Some(effect.clone());
        vec![effect]
    }

    pub(super) fn update_roles(&mut self, action: Action) -> Vec<Effect> {
        let writes = matches!(
            action,
            Action::Command(
                Command::New
                    | Command::Edit
                    | Command::Delete
                    | Command::AddCandidate
                    | Command::StageOn
                    | Command::StageBack
                    | Command::Pass
                    | Command::Book
                    | Command::ScheduleAudition
                    | Command::RemoveCandidate
                    | Command::MoveAudition
                    | Command::CancelAudition
            )
        );
        if writes && !self.permitted(Need::ChangeCast, "change roles or candidates") {
            return Vec::new();
        }
        let page = self.panel_page();
        let Some(Dialog::Roles(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if view.pipeline.is_some() {
            return self.update_pipeline(action);
        }
        if view.form.is_some() {
            return self.update_casting_form(action);
        }
        let movie_id = view.movie_id;
        let Action::Command(command) = action else {
            return Vec::new();
        };
        match command {
            Command::Back => {
                self.dialog = None;
                return self.reload_top_detail();
            }
            Command::Move(movement) => view.apply_movement(movement, page),
            Command::Reload => return vec![Effect::Casting(Request::Roles { movie_id })],
            Command::Open => {
                if let Some(role) = view.selected_role() {
                    let role_id = role.id;
                    view.pipeline = Some(PipelineView::new(role_id));
                    return vec![Effect::Casting(Request::Role { role_id })];
                }
            }
            Command::New => view.form = Some(TextForm::new_role(&view.title)),
            Command::Edit => {
                if let Some(role) = view.selected_role() {
                    view.form = Some(TextForm::edit_role(role));
                }
            }
            Command::Delete => {
                if let Some(role) = view.selected_role() {
                    self.confirm = Some(Confirm::new(Question::DeleteRole {
                        role_id: role.id,
                        label: role_label(role),
                        movie: view.title.clone(),
                    }));
                }
            }
            Command::Help => self.help = Some(0),
            _ => {}
        }
        Vec::new()
    }

    /// The open role or audition dialog.
    fn casting_form(&mut self) -> Option<&mut TextForm> {
        let Some(Dialog::Roles(view)) = self.dialog.as_mut() else {
            return None;
        };
        match &mut view.pipeline {
            Some(pipeline) => match &mut pipeline.mode {
                PipelineMode::Audition(form) => Some(form),
                _ => None,
            },
            None => view.form.as_mut(),
        }
    }

    /// Keys for the role or audition dialog.
    pub(super) fn update_casting_form(&mut self, action: Action) -> Vec<Effect> {
        let Some(Dialog::Roles(view)) = self.dialog.as_ref() else {
            return Vec::new();
        };
        let movie_id = view.movie_id;
        let role_id = view.pipeline.as_ref().map(|p| p.role_id);
        let Some(form) = self.casting_form() else {
            return Vec::new();
        };
        let command = match action {
            Action::EditText(key) => {
                form.edit(key);
                return Vec::new();
            }
            Action::Command(command) => command,
            _ => return Vec::new(),
        };
        match command {
            Command::NextField => form.next_field(),
            Command::PreviousField => form.previous_field(),
            Command::NextOrSave if !form.is_last_field() => form.next_field(),
            Command::NextOrSave | Command::Save if !form.saving => {
                let Some(body) = form.check() else {
                    return Vec::new();
                };
                form.saving = true;
                let request = match (form.kind, role_id) {
                    (FormKind::Role(None), _) => Request::CreateRole { movie_id, body },
                    (FormKind::Role(Some(role_id)), _) => Request::UpdateRole { role_id, body },
                    (FormKind::Audition { .. }, Some(role_id)) => {
                        Request::ScheduleAudition { role_id, body }
                    }
                    (FormKind::MoveAudition { audition_id, .. }, Some(role_id)) => {
                        Request::MoveAudition {
                            role_id,
                            audition_id,
                            body,
                        }
                    }
                    (FormKind::Audition { .. } | FormKind::MoveAudition { .. }, None) => {
                        return Vec::new();
                    }
                };
                return self.casting_write(request);
            }
            Command::Back => {
                self.close_casting_form();
                self.set_status(Message::info("Cancelled"));
            }
            _ => {}
        }
        Vec::new()
    }

    fn close_casting_form(&mut self) {
        if let Some(Dialog::Roles(view)) = self.dialog.as_mut() {
            match &mut view.pipeline {
                Some(pipeline) => pipeline.mode = PipelineMode::Browse,
                None => view.form = None,
            }
        }
    }

    /// The open roles of `movie_id`, if they are on screen.
    pub(super) fn roles_of(&mut self, movie_id: i64) -> Option<&mut RolesView> {
        match self.dialog.as_mut() {
            Some(Dialog::Roles(view)) if view.movie_id == movie_id => Some(view),
            _ => None,
        }
    }

    /// A casting request was answered.
    pub(super) fn casting_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Roles { movie_id, result } => {
                let failed = result.as_ref().err().cloned();
                if let Some(view) = self.roles_of(movie_id) {
                    view.loaded(result.map_err(|e| e.describe()));
                }
                failed
                    .and_then(|e| self.explain(&e, "see roles"))
                    .unwrap_or_default()
            }
            Reply::RoleSaved {
                movie_id,
                created,
                result,
            } => self.role_saved(movie_id, created, result),
            Reply::RoleDeleted {
                role_id,
                label,
                result,
            } => self.role_deleted(role_id, label, result),
            Reply::CalendarWritten { path, result } => {
                match result {
                    Ok(count) => self.set_status(Message::success(format!(
                        "Wrote {count} auditions to {path}"
                    ))),
                    Err(why) => {
                        self.set_status(Message::error(format!("Could not write {path}: {why}")))
                    }
                }
                Vec::new()
            }
            other => self.pipeline_reply(other),
        }
    }

    fn role_saved(
        &mut self,
        movie_id: i64,
        created: bool,
        result: Result<Role, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(role) => {
                self.last_write = None;
                if let Some(view) = self.roles_of(movie_id) {
                    view.form = None;
                    if created {
                        // The new role is selected once the list is read.
                        let index = view.roles.as_ref().map_or(0, Vec::len);
                        view.selected = index;
                    }
                }
                let verb = if created { "Created" } else { "Saved" };
                self.set_status(Message::success(format!(
                    "{verb} role {}",
                    role_label(&role)
                )));
                vec![Effect::Casting(Request::Roles { movie_id })]
            }
            Err(error) => {
                if let Some(form) = self.casting_form() {
                    form.saving = false;
                    if let Some(fields) = error.field_errors() {
                        form.apply_errors(fields);
                        return Vec::new();
                    }
                    match &error {
                        ApiError::Status { status: 401, .. } => {
                            form.message = Some(
                                "Your session ended; log in again and it is sent again".into(),
                            );
                        }
                        _ => form.message = Some(error.describe()),
                    }
                }
                self.write_failed(&error, "change roles")
            }
        }
    }

    /// A failed write: a 401 is sent again after logging in; the reason
    /// goes to the status line.
    pub(super) fn write_failed(&mut self, error: &ApiError, what: &str) -> Vec<Effect> {
        if error.status() == Some(401) {
            self.retry = self.last_write.take();
        } else {
            self.last_write = None;
        }
        self.explain(error, what).unwrap_or_default()
    }

    fn role_deleted(
        &mut self,
        role_id: i64,
        label: String,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        let movie_id = match self.dialog.as_ref() {
            Some(Dialog::Roles(view)) if view.shows_role(role_id) => Some(view.movie_id),
            _ => None,
        };
        let reload = movie_id
            .map(|movie_id| vec![Effect::Casting(Request::Roles { movie_id })])
            .unwrap_or_default();
        match result {
            Ok(()) => {
                self.last_write = None;
                self.set_status(Message::success(format!("Deleted role {label}")));
                reload
            }
            Err(error) if error.status() == Some(404) => {
                self.set_status(Message::info(format!("Role {label} was already deleted")));
                reload
            }
            Err(error) => self.write_failed(&error, "delete roles"),
        }
    }
}
