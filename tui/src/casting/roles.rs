//! A movie's roles: name, status, booked actor and candidates per stage;
//! the role dialog creates and edits them, Enter opens a role's pipeline.

use casting_shared::casting::Role;

use super::form::TextForm;
use super::pipeline::PipelineView;
use crate::bindings::Movement;

pub struct RolesView {
    pub movie_id: i64,
    pub title: String,
    /// `None` while loading.
    pub roles: Option<Vec<Role>>,
    pub selected: usize,
    pub error: Option<String>,
    /// Whether the user may change roles and candidates (patch:movies).
    pub can_change: bool,
    /// The role dialog, when open.
    pub form: Option<TextForm>,
    /// A role's pipeline, over the roles.
    pub pipeline: Option<PipelineView>,
}

impl RolesView {
    pub fn new(movie_id: i64, title: String, can_change: bool) -> Self {
        Self {
            movie_id,
            title,
            roles: None,
            selected: 0,
            error: None,
            can_change,
            form: None,
            pipeline: None,
        }
    }

    pub fn selected_role(&self) -> Option<&Role> {
        self.roles.as_ref()?.get(self.selected)
    }

    pub fn apply_movement(&mut self, movement: Movement, page: usize) {
        let len = self.roles.as_ref().map_or(0, Vec::len);
        self.selected = movement.apply(self.selected, len, page);
    }

    /// The roles read (again): the selection stays on its role.
    pub fn loaded(&mut self, result: Result<Vec<Role>, String>) {
        match result {
            Ok(roles) => {
                let kept = self.selected_role().map(|r| r.id);
                self.selected = kept
                    .and_then(|id| roles.iter().position(|r| r.id == id))
                    .unwrap_or(self.selected.min(roles.len().saturating_sub(1)));
                self.roles = Some(roles);
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Whether the view shows this role (in its list or its pipeline).
    pub fn shows_role(&self, role_id: i64) -> bool {
        self.pipeline.as_ref().is_some_and(|p| p.role_id == role_id)
            || self
                .roles
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r.id == role_id))
    }
}
