//! The Auditions tab (`3`): the schedule by day, filtered to the selected
//! audition's location (`l`) or actor (`a`), written as an iCalendar file
//! (`x`); Enter opens the audition's role. And how colleagues' changes to
//! roles, candidates and auditions reach what is on screen.

use casting_shared::changes::{Change, ChangeResource};
use tui_input::Input;

use super::{App, Dialog, Effect, ExportDialog, Message};
use crate::action::Action;
use crate::bindings::Command;
use crate::bindings::Need;
use crate::casting::form::TextForm;
use crate::casting::pipeline::{PipelineMode, PipelineView, cancel_question};
use crate::casting::roles::RolesView;
use crate::casting::{Reply, Request};
use crate::collection::Collection;

impl App {
    /// `3`: the schedule, read when first shown or when it changed meanwhile.
    pub(super) fn show_schedule(&mut self) -> Vec<Effect> {
        self.auditions_tab = true;
        if self.schedule.auditions.is_none() && self.schedule.loading {
            return Vec::new();
        }
        if self.schedule.auditions.is_none() || self.schedule.stale {
            return vec![Effect::Casting(self.schedule.reload())];
        }
        Vec::new()
    }

    pub(super) fn update_schedule(&mut self, action: Action) -> Vec<Effect> {
        let page = self.viewport();
        let Action::Command(command) = action else {
            return Vec::new();
        };
        let writes = matches!(command, Command::MoveAudition | Command::CancelAudition);
        if writes && !self.permitted(Need::ChangeCast, "move or cancel auditions") {
            return Vec::new();
        }
        let view = &mut self.schedule;
        let request = match command {
            Command::SelectTab(tab) => {
                self.auditions_tab = false;
                self.tab = tab;
                return self.fetch_visible();
            }
            Command::NextTab | Command::PreviousTab => {
                self.auditions_tab = false;
                self.tab = if command == Command::NextTab {
                    Collection::Actors
                } else {
                    Collection::Movies
                };
                return self.fetch_visible();
            }
            Command::Move(movement) => view.apply_movement(movement, page),
            Command::Reload => {
                self.set_status(Message::info("Reloading…"));
                Some(self.schedule.reload())
            }
            Command::OnlyLocation => view.toggle_location(),
            Command::OnlyActor => view.toggle_actor(),
            Command::Back => {
                let request = view.clear_filters();
                if request.is_some() {
                    self.set_status(Message::info("Filters cleared"));
                }
                request
            }
            Command::Open => {
                let Some(scheduled) = view.selected_audition() else {
                    return Vec::new();
                };
                let (movie, role_id) = (scheduled.movie.clone(), scheduled.role.id);
                let mut roles = RolesView::new(
                    movie.id,
                    movie.title,
                    self.can(casting_shared::Permission::PatchMovies),
                );
                roles.pipeline = Some(PipelineView::new(role_id));
                self.dialog = Some(Dialog::Roles(Box::new(roles)));
                return vec![
                    Effect::Casting(Request::Roles { movie_id: movie.id }),
                    Effect::Casting(Request::Role { role_id }),
                ];
            }
            Command::MoveAudition => {
                let Some(scheduled) = view.selected_audition() else {
                    return Vec::new();
                };
                let role = scheduled
                    .role
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("role #{}", scheduled.role.id));
                let form =
                    TextForm::move_audition(&scheduled.audition, &scheduled.actor.name, &role);
                let (movie, role_id) = (scheduled.movie.clone(), scheduled.role.id);
                let mut roles = RolesView::new(
                    movie.id,
                    movie.title,
                    self.can(casting_shared::Permission::PatchMovies),
                );
                let mut pipeline = PipelineView::new(role_id);
                pipeline.mode = PipelineMode::Audition(form);
                pipeline.from_schedule = true;
                roles.pipeline = Some(pipeline);
                self.dialog = Some(Dialog::Roles(Box::new(roles)));
                return vec![
                    Effect::Casting(Request::Roles { movie_id: movie.id }),
                    Effect::Casting(Request::Role { role_id }),
                ];
            }
            Command::CancelAudition => {
                let asked = view
                    .selected_audition()
                    .map(|s| cancel_question(&s.audition, &s.actor.name));
                return self.ask(asked, "No audition to cancel");
            }
            Command::ToggleUtc => {
                self.toggle_utc();
                None
            }
            Command::Export => {
                self.dialog = Some(Dialog::Export(ExportDialog {
                    collection: self.tab,
                    path: Input::new("auditions.ics".into()),
                    error: None,
                    overwrite: false,
                    busy: false,
                    calendar: true,
                }));
                None
            }
            Command::Help => {
                self.help = Some(0);
                None
            }
            _ => None,
        };
        request
            .map(|r| vec![Effect::Casting(r)])
            .unwrap_or_default()
    }

    /// Answers about the schedule.
    pub(super) fn schedule_reply(&mut self, reply: Reply) -> Vec<Effect> {
        if let Reply::Schedule {
            generation,
            today,
            after,
            result,
        } = reply
        {
            let failed = result.as_ref().err().cloned();
            let reloading = self.status.as_ref().is_some_and(|s| s.text == "Reloading…");
            self.schedule.page(
                generation,
                today,
                after.is_none(),
                result.map_err(|e| e.describe()),
            );
            if let Some(error) = failed {
                return self.explain(&error, "see auditions").unwrap_or_default();
            }
            if reloading && self.auditions_tab {
                let count =
                    crate::app::table::count_text(self.schedule.total, self.schedule.total_exact);
                self.set_status(Message::success(format!("Reloaded: {count} auditions")));
            }
        }
        Vec::new()
    }

    /// A change to roles, candidates, auditions (or the actors and movies
    /// they name): the roles, the pipeline and the schedule on screen are
    /// read again.
    pub(super) fn casting_changed(&mut self, change: &Change) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(Dialog::Roles(view)) = self.dialog.as_ref() {
            let role = change.role_id().is_some_and(|id| view.shows_role(id));
            let movie = change.movie_id() == Some(view.movie_id);
            if role || movie {
                effects.push(Effect::Casting(Request::Roles {
                    movie_id: view.movie_id,
                }));
            }
            if let Some(pipeline) = &view.pipeline {
                let actor_listed = change.resource == ChangeResource::Actor
                    && pipeline
                        .candidates()
                        .iter()
                        .any(|c| c.actor.id == change.id);
                if change.role_id() == Some(pipeline.role_id) || actor_listed || movie {
                    effects.push(Effect::Casting(Request::Role {
                        role_id: pipeline.role_id,
                    }));
                }
            }
        }
        let schedule = matches!(
            change.resource,
            ChangeResource::Audition
                | ChangeResource::Role
                | ChangeResource::Actor
                | ChangeResource::Movie
        );
        if schedule && self.schedule.auditions.is_some() {
            if self.auditions_tab {
                effects.push(Effect::Casting(self.schedule.reload()));
            } else {
                self.schedule.stale = true;
            }
        }
        effects
    }
}
