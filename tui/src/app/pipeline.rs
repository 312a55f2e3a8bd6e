//! A role's pipeline (Enter on a role): candidates moved a stage on or
//! back, passed, booked (asks first; a refusal changes nothing), added
//! through the actor picker, and auditions scheduled for them (a clash
//! keeps the dialog open, naming what it clashes with).

use casting_shared::casting::{Audition, CandidateSet, Stage};

use super::{App, Dialog, Effect, Message};
use crate::action::Action;
use crate::api::{ApiError, Refusal};
use crate::bindings::Command;
use crate::casting::picker::CandidatePicker;
use crate::casting::pipeline::{PipelineMode, PipelineView};
use crate::casting::{Asked, Reply, Request, audition_text, role_label, stage_title};
use crate::confirm::{Confirm, Question};

impl App {
    /// The open pipeline of `role_id`, if it is on screen.
    pub(super) fn pipeline_of(&mut self, role_id: i64) -> Option<&mut PipelineView> {
        match self.dialog.as_mut() {
            Some(Dialog::Roles(view)) => view.pipeline.as_mut().filter(|p| p.role_id == role_id),
            _ => None,
        }
    }

    pub(super) fn update_pipeline(&mut self, action: Action) -> Vec<Effect> {
        let page = self.panel_page();
        let Some(Dialog::Roles(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        let movie_id = view.movie_id;
        let Some(pipeline) = view.pipeline.as_mut() else {
            return Vec::new();
        };
        let role_id = pipeline.role_id;
        match &mut pipeline.mode {
            PipelineMode::Audition(_) => return self.update_casting_form(action),
            PipelineMode::Picker(picker) => {
                let request = match action {
                    Action::EditText(key) => picker.edit_text(key),
                    Action::Command(Command::Move(movement)) => {
                        picker.apply_movement(movement, page);
                        None
                    }
                    Action::Command(Command::SwitchFocus) => {
                        picker.list_focus = !picker.list_focus;
                        None
                    }
                    Action::Command(Command::Back) => {
                        pipeline.mode = PipelineMode::Browse;
                        None
                    }
                    Action::Command(Command::Pick) => {
                        let actor = picker.selected_actor().cloned();
                        let Some(actor) = actor else {
                            return Vec::new();
                        };
                        pipeline.mode = PipelineMode::Browse;
                        self.set_status(Message::info(format!("Adding {}…", actor.name)));
                        return self.casting_write(Request::SetCandidate {
                            role_id,
                            actor_id: actor.id,
                            name: actor.name,
                            stage: None,
                        });
                    }
                    _ => None,
                };
                return request
                    .map(|r| vec![Effect::Casting(r)])
                    .unwrap_or_default();
            }
            PipelineMode::Browse => {}
        }
        let Action::Command(command) = action else {
            return Vec::new();
        };
        let selected = pipeline.selected_candidate().map(|c| c.stage);
        let request = match command {
            Command::Back => {
                view.pipeline = None;
                return vec![Effect::Casting(Request::Roles { movie_id })];
            }
            Command::Move(movement) => {
                pipeline.apply_movement(movement, page);
                None
            }
            Command::Reload => return vec![Effect::Casting(Request::Role { role_id })],
            Command::AddCandidate => {
                let Some(body) = &pipeline.body else {
                    return Vec::new();
                };
                let (picker, request) = CandidatePicker::open(&body.role);
                pipeline.mode = PipelineMode::Picker(picker);
                return vec![Effect::Casting(request)];
            }
            Command::StageOn => match selected.and_then(Stage::next) {
                Some(Stage::Booked) => return self.ask_to_book(),
                Some(stage) => pipeline.move_to(stage),
                None => {
                    self.say_no_stage(selected, "on");
                    None
                }
            },
            Command::StageBack => match selected.and_then(Stage::previous) {
                Some(stage) => pipeline.move_to(stage),
                None => {
                    self.say_no_stage(selected, "back");
                    None
                }
            },
            Command::Pass => pipeline.move_to(Stage::Passed),
            Command::Book => return self.ask_to_book(),
            Command::ScheduleAudition => {
                pipeline.open_audition();
                None
            }
            Command::MoveAudition => {
                if !pipeline.open_move() {
                    self.set_status(Message::info("No audition to move"));
                }
                None
            }
            Command::CancelAudition => {
                let asked = pipeline.ask_to_cancel();
                return self.ask(asked, "No audition to cancel");
            }
            Command::RemoveCandidate => {
                let asked = pipeline.ask_to_remove(&view.title);
                return self.ask(asked, "No candidate to remove");
            }
            Command::ToggleUtc => {
                self.toggle_utc();
                None
            }
            Command::Help => {
                self.help = Some(0);
                None
            }
            _ => None,
        };
        match request {
            Some(request) => self.casting_write(request),
            None => Vec::new(),
        }
    }

    /// A casting write that asks first, or `none` said when there is nothing
    /// to ask about.
    pub(super) fn ask(&mut self, asked: Option<Asked>, none: &str) -> Vec<Effect> {
        match asked {
            Some(asked) => self.confirm = Some(Confirm::new(Question::Casting(Box::new(asked)))),
            None => self.set_status(Message::info(none)),
        }
        Vec::new()
    }

    /// `z`: times in UTC, or in the local time zone again, in every view.
    pub(super) fn toggle_utc(&mut self) {
        let text = if crate::local_time::toggle_utc() {
            "Times in UTC".to_owned()
        } else {
            format!("Times in local time ({})", crate::local_time::zone_shown())
        };
        self.set_status(Message::info(text));
    }

    fn say_no_stage(&mut self, stage: Option<Stage>, way: &str) {
        if let Some(stage) = stage {
            self.set_status(Message::info(format!(
                "No stage {way} from {}",
                stage.as_str()
            )));
        }
    }

    /// `b` (or `>` from offered): asks before booking the selected candidate.
    fn ask_to_book(&mut self) -> Vec<Effect> {
        let Some(Dialog::Roles(view)) = self.dialog.as_ref() else {
            return Vec::new();
        };
        let Some(pipeline) = view.pipeline.as_ref() else {
            return Vec::new();
        };
        let (Some(body), Some(candidate)) = (&pipeline.body, pipeline.selected_candidate()) else {
            return Vec::new();
        };
        if candidate.stage == Stage::Booked {
            let name = candidate.actor.name.clone();
            self.set_status(Message::info(format!("{name} is already booked")));
            return Vec::new();
        }
        self.confirm = Some(Confirm::new(Question::Book {
            role_id: pipeline.role_id,
            actor_id: candidate.actor.id,
            name: candidate.actor.name.clone(),
            role: role_label(&body.role),
            movie: view.title.clone(),
        }));
        Vec::new()
    }

    /// Answers about a role's pipeline.
    pub(super) fn pipeline_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Role {
                role_id,
                at,
                result,
            } => {
                let failed = result.as_ref().err().cloned();
                if let Some(pipeline) = self.pipeline_of(role_id) {
                    pipeline.loaded(result.map_err(|e| e.describe()), at);
                }
                match failed {
                    Some(error) if error.status() == Some(404) => {
                        if let Some(Dialog::Roles(view)) = self.dialog.as_mut()
                            && view.pipeline.as_ref().is_some_and(|p| p.role_id == role_id)
                        {
                            view.pipeline = None;
                            let movie_id = view.movie_id;
                            self.set_status(Message::info("That role no longer exists"));
                            return vec![Effect::Casting(Request::Roles { movie_id })];
                        }
                        Vec::new()
                    }
                    Some(error) => self.explain(&error, "see roles").unwrap_or_default(),
                    None => Vec::new(),
                }
            }
            Reply::CandidateSet {
                role_id,
                name,
                stage,
                result,
            } => self.candidate_set(role_id, name, stage, result),
            Reply::Matches {
                role_id,
                generation,
                result,
            } => {
                let failed = result.as_ref().err().cloned();
                if let Some(pipeline) = self.pipeline_of(role_id)
                    && let PipelineMode::Picker(picker) = &mut pipeline.mode
                {
                    picker.matches(generation, result.map_err(|e| e.describe()));
                }
                failed
                    .and_then(|e| self.explain(&e, "see actors"))
                    .unwrap_or_default()
            }
            Reply::AuditionScheduled { role_id, result } => {
                self.audition_scheduled(role_id, result, "scheduled")
            }
            Reply::AuditionMoved { role_id, result } => {
                self.audition_scheduled(role_id, result, "moved")
            }
            Reply::CandidateRemoved {
                role_id,
                name,
                result,
            } => self.casting_done(role_id, result, format!("{name} is no longer a candidate")),
            Reply::AuditionCancelled {
                role_id,
                text,
                result,
            } => self.casting_done(role_id, result, format!("Audition cancelled: {text}")),
            other => self.schedule_reply(other),
        }
    }

    fn candidate_set(
        &mut self,
        role_id: i64,
        name: String,
        stage: Option<Stage>,
        result: Result<CandidateSet, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(set) => {
                self.last_write = None;
                let role = role_label(&set.role);
                self.set_status(Message::success(match stage {
                    None => format!("{name} is a candidate for {role}"),
                    Some(Stage::Booked) => format!("Booked {name} as {role}"),
                    Some(stage) => format!("{name}: {} for {role}", stage_title(stage)),
                }));
                let mut effects = vec![Effect::Casting(Request::Role { role_id })];
                if let Some(pipeline) = self.pipeline_of(role_id) {
                    // The candidate stays selected where they moved to.
                    if let Some(at) = pipeline
                        .candidates()
                        .iter()
                        .position(|c| c.actor.id == set.candidate.actor.id)
                    {
                        pipeline.selected = at;
                    }
                }
                if let Some(Dialog::Roles(view)) = self.dialog.as_ref() {
                    effects.push(Effect::Casting(Request::Roles {
                        movie_id: view.movie_id,
                    }));
                }
                effects
            }
            // A refusal (a role already booked, an actor booked elsewhere in
            // the movie) is said; nothing else changes.
            Err(error) => self.write_failed(&error, "change candidates"),
        }
    }

    /// A candidate removed or an audition cancelled: said, and what shows
    /// them read again.
    fn casting_done(
        &mut self,
        role_id: i64,
        result: Result<(), ApiError>,
        done: String,
    ) -> Vec<Effect> {
        match result {
            Ok(()) => {
                self.last_write = None;
                self.set_status(Message::success(done));
                self.after_audition_write(role_id)
            }
            Err(error) => self.write_failed(&error, "change candidates and auditions"),
        }
    }

    /// After a write to the role's candidates or auditions: the pipeline
    /// and the roles on screen read again, the schedule too (now if shown).
    fn after_audition_write(&mut self, role_id: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(Dialog::Roles(view)) = self.dialog.as_ref() {
            if view.pipeline.as_ref().is_some_and(|p| p.role_id == role_id) {
                effects.push(Effect::Casting(Request::Role { role_id }));
            }
            effects.push(Effect::Casting(Request::Roles {
                movie_id: view.movie_id,
            }));
        }
        if self.auditions_tab && self.dialog.is_none() {
            effects.push(Effect::Casting(self.schedule.reload()));
        } else {
            self.schedule.stale = true;
        }
        effects
    }

    fn audition_scheduled(
        &mut self,
        role_id: i64,
        result: Result<Audition, Refusal>,
        done: &str,
    ) -> Vec<Effect> {
        match result {
            Ok(audition) => {
                self.last_write = None;
                let mut back_to_schedule = false;
                if let Some(pipeline) = self.pipeline_of(role_id) {
                    pipeline.mode = PipelineMode::Browse;
                    back_to_schedule = pipeline.from_schedule;
                }
                if back_to_schedule {
                    // Moved from the Auditions tab: back to it.
                    self.dialog = None;
                }
                self.set_status(Message::success(format!(
                    "Audition {done}: {}",
                    audition_text(&audition)
                )));
                self.after_audition_write(role_id)
            }
            Err(Refusal { error, conflicts }) => {
                if let Some(pipeline) = self.pipeline_of(role_id) {
                    let clashes = pipeline.clash_lines(&conflicts);
                    if let PipelineMode::Audition(form) = &mut pipeline.mode {
                        form.saving = false;
                        if let Some(fields) = error.field_errors() {
                            form.apply_errors(fields);
                            return Vec::new();
                        }
                        match &error {
                            ApiError::Status {
                                status: 409,
                                detail,
                                ..
                            } => {
                                form.message =
                                    Some(detail.clone().unwrap_or_else(|| {
                                        "It would overlap another audition".into()
                                    }));
                                form.clashes = clashes;
                                self.last_write = None;
                                return Vec::new();
                            }
                            _ => form.message = Some(error.describe()),
                        }
                    }
                }
                self.write_failed(&error, "schedule auditions")
            }
        }
    }
}
