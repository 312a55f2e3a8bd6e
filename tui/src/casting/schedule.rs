//! The Auditions tab: the schedule by day from today on, filtered by a
//! location and an actor (the selected audition's), read a page at a time
//! as the selection nears the end of what is loaded.

use casting_shared::casting::ScheduledAudition;
use time::Date;

use super::Request;
use crate::api::ScheduleQuery;
use crate::bindings::Movement;

/// Auditions fetched per request.
pub const SCHEDULE_PAGE: u32 = 100;

#[derive(Default)]
pub struct ScheduleView {
    /// `None` until the first page arrives.
    pub auditions: Option<Vec<ScheduledAudition>>,
    /// The first day shown (today, as the server's clock was read).
    pub today: Option<Date>,
    pub total: usize,
    pub total_exact: bool,
    /// The cursor of the page after those loaded.
    pub next: Option<String>,
    pub selected: usize,
    /// Bumped per new query; older answers are dropped.
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
    /// Only auditions at this location.
    pub location: Option<String>,
    /// Only this actor's (id, name).
    pub actor: Option<(i64, String)>,
    /// Something changed while the tab was not shown: read it again when it is.
    pub stale: bool,
}

/// A line of the schedule: a day's heading, or an audition (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleRow {
    Day(Date),
    Audition(usize),
}

impl ScheduleView {
    pub fn query(&self) -> ScheduleQuery {
        ScheduleQuery {
            from: self.today.map(super::day_text),
            location: self.location.clone(),
            actor_id: self.actor.as_ref().map(|(id, _)| *id),
        }
    }

    pub fn shown(&self) -> &[ScheduledAudition] {
        self.auditions.as_deref().unwrap_or_default()
    }

    pub fn selected_audition(&self) -> Option<&ScheduledAudition> {
        self.shown().get(self.selected)
    }

    /// The first page again, for the query as it is now.
    pub fn reload(&mut self) -> Request {
        self.generation += 1;
        self.loading = true;
        self.stale = false;
        Request::Schedule {
            query: ScheduleQuery {
                // Today as the runtime's clock says when it is asked.
                from: None,
                ..self.query()
            },
            generation: self.generation,
            after: None,
        }
    }

    /// The next page, when the selection nears the end of those loaded.
    fn more(&mut self) -> Option<Request> {
        let near_end = self.selected + SCHEDULE_PAGE as usize / 2 >= self.shown().len();
        if self.loading || !near_end {
            return None;
        }
        let after = self.next.clone()?;
        self.loading = true;
        Some(Request::Schedule {
            query: self.query(),
            generation: self.generation,
            after: Some(after),
        })
    }

    pub fn apply_movement(&mut self, movement: Movement, page: usize) -> Option<Request> {
        self.selected = movement.apply(self.selected, self.shown().len(), page);
        self.more()
    }

    /// A page arrived: the first replaces (keeping the selection on its
    /// audition), later ones append.
    pub fn page(
        &mut self,
        generation: u64,
        today: Date,
        first: bool,
        result: Result<casting_shared::casting::AuditionList, String>,
    ) {
        if generation != self.generation {
            return;
        }
        self.loading = false;
        match result {
            Ok(list) => {
                let kept = self.selected_audition().map(|a| a.audition.id);
                self.today = Some(today);
                let rows = self.auditions.get_or_insert_with(Vec::new);
                if first {
                    *rows = list.auditions;
                } else {
                    rows.extend(list.auditions);
                }
                self.total = list.total.max(0) as usize;
                self.total_exact = list.total_exact;
                self.next = list.next;
                let shown = self.shown();
                self.selected = kept
                    .and_then(|id| shown.iter().position(|a| a.audition.id == id))
                    .unwrap_or(self.selected.min(shown.len().saturating_sub(1)));
                self.error = None;
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Days and auditions, in order (auditions come by start).
    pub fn rows(&self) -> Vec<ScheduleRow> {
        let mut rows = Vec::new();
        let mut day = None;
        for (index, scheduled) in self.shown().iter().enumerate() {
            let date = super::zone::shown(scheduled.audition.starts_at).date();
            if day != Some(date) {
                rows.push(ScheduleRow::Day(date));
                day = Some(date);
            }
            rows.push(ScheduleRow::Audition(index));
        }
        rows
    }

    /// `l`: only the selected audition's location, or every location again.
    pub fn toggle_location(&mut self) -> Option<Request> {
        self.location = match &self.location {
            Some(_) => None,
            None => Some(self.selected_audition()?.audition.location.clone()),
        };
        self.selected = 0;
        Some(self.reload())
    }

    /// `a`: only the selected audition's actor, or every actor again.
    pub fn toggle_actor(&mut self) -> Option<Request> {
        self.actor = match &self.actor {
            Some(_) => None,
            None => {
                let actor = &self.selected_audition()?.actor;
                Some((actor.id, actor.name.clone()))
            }
        };
        self.selected = 0;
        Some(self.reload())
    }

    /// Esc: every location and actor again; `None` when there was no filter.
    pub fn clear_filters(&mut self) -> Option<Request> {
        if self.location.is_none() && self.actor.is_none() {
            return None;
        }
        self.location = None;
        self.actor = None;
        Some(self.reload())
    }

    /// What the filters are, for the line above the schedule.
    pub fn filter_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(location) = &self.location {
            parts.push(format!("at {location}"));
        }
        if let Some((_, name)) = &self.actor {
            parts.push(format!("with {name}"));
        }
        parts.join(", ")
    }
}
