//! A role's pipeline: its candidates grouped by stage, each with age,
//! gender, note and next audition; the actor picker adds one, the audition
//! dialog schedules one.

use casting_shared::casting::{Audition, Candidate, RoleBody, Stage};
use time::OffsetDateTime;

use super::form::TextForm;
use super::picker::CandidatePicker;
use super::{Asked, Request, audition_text, role_label};
use crate::bindings::Movement;

pub struct PipelineView {
    pub role_id: i64,
    /// `None` while loading.
    pub body: Option<RoleBody>,
    /// When it was read: next auditions are those that end after it.
    pub at: Option<OffsetDateTime>,
    /// Among the candidates, in the server's order (by stage, then name).
    pub selected: usize,
    pub error: Option<String>,
    pub mode: PipelineMode,
    /// Opened from the Auditions tab to move an audition: back to the tab
    /// once it is moved.
    pub from_schedule: bool,
}

pub enum PipelineMode {
    Browse,
    Picker(CandidatePicker),
    Audition(TextForm),
}

/// A line of the pipeline: a stage's heading, or a candidate (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineRow {
    Stage(Stage, usize),
    Candidate(usize),
}

impl PipelineView {
    pub fn new(role_id: i64) -> Self {
        Self {
            role_id,
            body: None,
            at: None,
            selected: 0,
            error: None,
            mode: PipelineMode::Browse,
            from_schedule: false,
        }
    }

    pub fn candidates(&self) -> &[Candidate] {
        self.body.as_ref().map_or(&[], |b| b.candidates.as_slice())
    }

    pub fn title(&self) -> String {
        match &self.body {
            Some(body) => format!(
                "{} — {}",
                role_label(&body.role),
                match &body.role.actor {
                    Some(actor) => format!("cast: {}", actor.name),
                    None => "open".into(),
                }
            ),
            None => format!("Role #{}", self.role_id),
        }
    }

    pub fn selected_candidate(&self) -> Option<&Candidate> {
        self.candidates().get(self.selected)
    }

    /// Headings and candidates, in order.
    pub fn rows(&self) -> Vec<PipelineRow> {
        let candidates = self.candidates();
        let mut rows = Vec::new();
        for stage in Stage::ALL {
            let at: Vec<usize> = (0..candidates.len())
                .filter(|i| candidates[*i].stage == stage)
                .collect();
            if at.is_empty() {
                continue;
            }
            rows.push(PipelineRow::Stage(stage, at.len()));
            rows.extend(at.into_iter().map(PipelineRow::Candidate));
        }
        rows
    }

    /// The candidate's first audition for this role that has not ended.
    pub fn next_audition(&self, actor_id: i64) -> Option<&Audition> {
        let body = self.body.as_ref()?;
        body.auditions
            .iter()
            .filter(|a| a.actor_id == actor_id)
            .find(|a| self.at.is_none_or(|at| a.ends_at > at))
    }

    pub fn apply_movement(&mut self, movement: Movement, page: usize) {
        match &mut self.mode {
            PipelineMode::Browse => {
                // Down the screen's order, which groups by stage.
                let order: Vec<usize> = self
                    .rows()
                    .into_iter()
                    .filter_map(|r| match r {
                        PipelineRow::Candidate(i) => Some(i),
                        PipelineRow::Stage(..) => None,
                    })
                    .collect();
                let at = order.iter().position(|i| *i == self.selected).unwrap_or(0);
                let to = movement.apply(at, order.len(), page);
                if let Some(index) = order.get(to) {
                    self.selected = *index;
                }
            }
            PipelineMode::Picker(picker) => picker.apply_movement(movement, page),
            PipelineMode::Audition(_) => {}
        }
    }

    /// The role read (again): the selection stays on its actor.
    pub fn loaded(&mut self, result: Result<RoleBody, String>, at: OffsetDateTime) {
        match result {
            Ok(body) => {
                let kept = self.selected_candidate().map(|c| c.actor.id);
                self.body = Some(body);
                self.at = Some(at);
                let candidates = self.candidates();
                self.selected = kept
                    .and_then(|id| candidates.iter().position(|c| c.actor.id == id))
                    .unwrap_or(self.selected.min(candidates.len().saturating_sub(1)));
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// The selected candidate moved to `stage`.
    pub fn move_to(&self, stage: Stage) -> Option<Request> {
        let candidate = self.selected_candidate()?;
        (candidate.stage != stage).then(|| Request::SetCandidate {
            role_id: self.role_id,
            actor_id: candidate.actor.id,
            name: candidate.actor.name.clone(),
            stage: Some(stage),
        })
    }

    /// `A`: the audition dialog for the selected candidate.
    pub fn open_audition(&mut self) {
        let Some(body) = &self.body else {
            return;
        };
        let Some(candidate) = body.candidates.get(self.selected) else {
            return;
        };
        let form = TextForm::audition(
            candidate.actor.id,
            &candidate.actor.name,
            &role_label(&body.role),
        );
        self.mode = PipelineMode::Audition(form);
    }

    /// `m`: the dialog that moves the selected candidate's next audition;
    /// `false` when they have none.
    pub fn open_move(&mut self) -> bool {
        let (Some(body), Some(candidate)) = (&self.body, self.selected_candidate()) else {
            return false;
        };
        let Some(audition) = self.next_audition(candidate.actor.id) else {
            return false;
        };
        let form =
            TextForm::move_audition(audition, &candidate.actor.name, &role_label(&body.role));
        self.mode = PipelineMode::Audition(form);
        true
    }

    /// `c`: the question that cancels the selected candidate's next audition.
    pub fn ask_to_cancel(&self) -> Option<Asked> {
        let candidate = self.selected_candidate()?;
        let audition = self.next_audition(candidate.actor.id)?;
        Some(cancel_question(audition, &candidate.actor.name))
    }

    /// `x`: the question that removes the selected candidate from the role.
    pub fn ask_to_remove(&self, movie: &str) -> Option<Asked> {
        let body = self.body.as_ref()?;
        let candidate = self.selected_candidate()?;
        let name = candidate.actor.name.clone();
        let role = role_label(&body.role);
        let auditions = body
            .auditions
            .iter()
            .filter(|a| a.actor_id == candidate.actor.id)
            .count();
        Some(Asked {
            title: "Remove the candidate?".into(),
            text: format!("Remove {name} from the candidates for {role} in {movie}?"),
            detail: match (candidate.stage, auditions) {
                (Stage::Booked, _) => {
                    "They are booked: the role opens again, and their auditions for it go.".into()
                }
                (_, 0) => "They have no audition for the role.".into(),
                (_, 1) => "Their 1 audition for the role goes with them.".into(),
                (_, n) => format!("Their {n} auditions for the role go with them."),
            },
            yes: "Remove",
            kept: "Nobody removed",
            doing: format!("Removing {name}…"),
            request: Request::RemoveCandidate {
                role_id: self.role_id,
                actor_id: candidate.actor.id,
                name,
            },
        })
    }

    /// Lines naming the auditions a refused one clashes with.
    pub fn clash_lines(&self, conflicts: &[Audition]) -> Vec<String> {
        conflicts
            .iter()
            .map(|a| {
                let who = self
                    .candidates()
                    .iter()
                    .find(|c| c.actor.id == a.actor_id)
                    .map_or_else(
                        || format!("actor #{}", a.actor_id),
                        |c| c.actor.name.clone(),
                    );
                let role = match &self.body {
                    Some(body) if body.role.id == a.role_id => role_label(&body.role),
                    _ => format!("role #{}", a.role_id),
                };
                format!("{} — {who} for {role}", super::audition_text(a))
            })
            .collect()
    }
}

/// The question that cancels `audition` of `actor`.
pub fn cancel_question(audition: &Audition, actor: &str) -> Asked {
    let text = audition_text(audition);
    Asked {
        title: "Cancel the audition?".into(),
        text: format!("Cancel the audition of {actor}, {text}?"),
        detail: "The candidate stays at their stage.".into(),
        yes: "Cancel it",
        kept: "Nothing cancelled",
        doing: "Cancelling the audition…".into(),
        request: Request::CancelAudition {
            role_id: audition.role_id,
            audition_id: audition.id,
            text,
        },
    }
}
