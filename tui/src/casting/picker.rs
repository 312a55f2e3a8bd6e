//! The actor picker of a role's pipeline: it searches as you type and
//! offers first the actors who fit the role's age and gender, then the
//! others; an actor already a candidate is marked.

use casting_shared::Actor;
use casting_shared::casting::Role;
use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::Request;
use crate::bindings::Movement;

/// Actors fetched per list (those who fit, the others).
pub const MATCHES_PAGE: u32 = 50;

pub struct CandidatePicker {
    pub role_id: i64,
    pub filter: Input,
    /// The role's age and gender, as the actor list's filters.
    pub fit: Vec<(&'static str, String)>,
    pub fitting: Vec<Actor>,
    pub others: Vec<Actor>,
    /// Among `fitting` then `others`.
    pub selected: usize,
    /// Bumped per keystroke; older answers are dropped.
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
    /// The list has the keyboard (else the search line).
    pub list_focus: bool,
}

impl CandidatePicker {
    /// The picker for `role`, with its first request.
    pub fn open(role: &Role) -> (Self, Request) {
        let mut fit = Vec::new();
        if let Some(gender) = &role.gender {
            fit.push(("gender", gender.clone()));
        }
        if let Some(min) = role.age_min {
            fit.push(("min_age", min.to_string()));
        }
        if let Some(max) = role.age_max {
            fit.push(("max_age", max.to_string()));
        }
        let picker = Self {
            role_id: role.id,
            filter: Input::default(),
            fit,
            fitting: Vec::new(),
            others: Vec::new(),
            selected: 0,
            generation: 1,
            loading: true,
            error: None,
            list_focus: false,
        };
        let request = picker.request();
        (picker, request)
    }

    fn request(&self) -> Request {
        Request::Matches {
            role_id: self.role_id,
            generation: self.generation,
            q: self.filter.value().trim().to_owned(),
            fit: self.fit.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.fitting.len() + self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The actor at `index` and whether they fit the role.
    pub fn at(&self, index: usize) -> Option<(&Actor, bool)> {
        match self.fitting.get(index) {
            Some(actor) => Some((actor, true)),
            None => self
                .others
                .get(index - self.fitting.len())
                .map(|a| (a, false)),
        }
    }

    pub fn selected_actor(&self) -> Option<&Actor> {
        self.at(self.selected).map(|(a, _)| a)
    }

    pub fn apply_movement(&mut self, movement: Movement, page: usize) {
        self.selected = movement.apply(self.selected, self.len(), page);
    }

    /// A key for the search line: a new search when the text changed.
    pub fn edit_text(&mut self, key: KeyEvent) -> Option<Request> {
        let before = self.filter.value().to_owned();
        self.filter.handle_event(&Event::Key(key));
        if self.filter.value() == before {
            return None;
        }
        self.generation += 1;
        self.loading = true;
        self.selected = 0;
        Some(self.request())
    }

    pub fn matches(&mut self, generation: u64, result: Result<(Vec<Actor>, Vec<Actor>), String>) {
        if generation != self.generation {
            return;
        }
        self.loading = false;
        match result {
            Ok((fitting, others)) => {
                self.fitting = fitting;
                self.others = others;
                self.selected = self.selected.min(self.len().saturating_sub(1));
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }
}
