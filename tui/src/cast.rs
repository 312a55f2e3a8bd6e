//! Casting in the client: a movie's cast (add through an actor picker that
//! searches the server as you type and pages through every match, change a
//! character, remove), and an actor's filmography. Each is a dialog mode
//! carrying its own state.

use casting_shared::Actor;
use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::domain::parse_character;
use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::ListPage;
use crate::bindings::Movement;
use crate::list_filter::ListFilter;
use crate::record::{cast_texts, filmography_texts};

/// Actors shown by the picker at a time.
pub const PICKER_ROWS: u32 = 12;
/// Actors fetched per picker request; more are fetched as the selection nears the end.
pub const PICKER_PAGE: u32 = 50;

pub struct CastView {
    pub movie_id: i64,
    pub title: String,
    /// `None` while loading.
    pub entries: Option<Vec<CastEntry>>,
    pub selected: usize,
    pub error: Option<String>,
    /// Whether the user may change the cast (patch:movies).
    pub can_change: bool,
    pub mode: CastMode,
    /// `/`: the entries shown; `selected` counts among them.
    pub filter: ListFilter,
}

pub enum CastMode {
    Browse,
    Picker(Picker),
    Character(CharacterEdit),
}

pub struct Picker {
    pub filter: Input,
    pub results: Vec<Actor>,
    pub total: usize,
    /// `total` is the exact count (else a lower bound).
    pub total_exact: bool,
    pub selected: usize,
    /// Bumped per keystroke; older answers are dropped.
    pub generation: u64,
    pub loading: bool,
    pub error: Option<String>,
    /// The list has the keyboard (else the search line).
    pub list_focus: bool,
    /// The cursor of the page after those loaded (`None`: all are).
    pub next: Option<String>,
    /// `G` was pressed before every match was loaded: the selection follows
    /// the pages as they come, to the last.
    pub to_end: bool,
}

impl Picker {
    /// The next page of matches, when the selection nears the end of those loaded.
    fn more(&mut self) -> Option<CastRequest> {
        let near_end = self.selected + PICKER_ROWS as usize >= self.results.len();
        if self.loading || !near_end {
            return None;
        }
        let after = self.next.clone()?;
        self.loading = true;
        Some(CastRequest::Search {
            generation: self.generation,
            q: self.filter.value().trim().to_owned(),
            after: Some(after),
        })
    }
}

pub struct CharacterEdit {
    pub actor_id: i64,
    pub actor_name: String,
    pub input: Input,
    pub error: Option<String>,
    pub saving: bool,
    /// Adding a new cast member (else changing a character).
    pub adding: bool,
}

/// What a cast action asks the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastRequest {
    Search {
        generation: u64,
        q: String,
        /// The `next` cursor of the matches before (`None`: the first page).
        after: Option<String>,
    },
    Assign {
        actor_id: i64,
        /// The actor's name, for the message when it is done.
        name: String,
        character: Option<String>,
    },
    Remove {
        actor_id: i64,
        name: String,
    },
}

impl CastView {
    pub fn new(movie_id: i64, title: String, can_change: bool) -> Self {
        Self {
            movie_id,
            title,
            entries: None,
            selected: 0,
            error: None,
            can_change,
            mode: CastMode::Browse,
            filter: ListFilter::default(),
        }
    }

    /// The entries the filter keeps.
    pub fn shown(&self) -> Vec<&CastEntry> {
        let entries = self.entries.as_deref().unwrap_or_default();
        self.filter
            .kept(entries.iter().map(cast_texts))
            .into_iter()
            .map(|index| &entries[index])
            .collect()
    }

    pub fn selected_entry(&self) -> Option<&CastEntry> {
        self.shown().get(self.selected).copied()
    }

    pub fn loaded(&mut self, result: Result<Vec<CastEntry>, String>) {
        match result {
            Ok(entries) => {
                // The selection stays on its actor when the cast changed.
                let kept = self.selected_entry().map(|e| e.actor.id);
                self.entries = Some(entries);
                let shown = self.shown();
                self.selected = kept
                    .and_then(|id| shown.iter().position(|e| e.actor.id == id))
                    .unwrap_or(self.selected.min(shown.len().saturating_sub(1)));
                self.error = None;
            }
            // Keep what is shown; say what went wrong.
            Err(error) => self.error = Some(error),
        }
    }

    /// Moves in the cast or the picker; the picker may need more matches.
    pub fn apply_movement(&mut self, movement: Movement, page: usize) -> Option<CastRequest> {
        match &mut self.mode {
            CastMode::Picker(picker) => {
                picker.selected = movement.apply(picker.selected, picker.results.len(), page);
                picker.to_end = movement == Movement::Bottom && picker.next.is_some();
                picker.more()
            }
            CastMode::Browse => {
                self.selected = movement.apply(self.selected, self.shown().len(), page);
                None
            }
            CastMode::Character(_) => None,
        }
    }

    /// `a`: the picker, with the first page of actors.
    pub fn open_picker(&mut self) -> CastRequest {
        self.mode = CastMode::Picker(Picker {
            filter: Input::default(),
            results: Vec::new(),
            total: 0,
            total_exact: true,
            selected: 0,
            generation: 1,
            loading: true,
            error: None,
            list_focus: false,
            next: None,
            to_end: false,
        });
        CastRequest::Search {
            generation: 1,
            q: String::new(),
            after: None,
        }
    }

    /// `e`: the selected entry's character.
    pub fn open_character(&mut self) {
        if let Some(entry) = self.selected_entry() {
            self.mode = CastMode::Character(CharacterEdit {
                actor_id: entry.actor.id,
                actor_name: entry.actor.name.clone(),
                input: Input::new(entry.character.clone().unwrap_or_default()),
                error: None,
                saving: false,
                adding: false,
            });
        }
    }

    /// Tab in the picker: between the search line and the list.
    pub fn switch_focus(&mut self) {
        if let CastMode::Picker(picker) = &mut self.mode {
            picker.list_focus = !picker.list_focus;
        }
    }

    /// A key typed into the picker's filter or the character field.
    pub fn edit_text(&mut self, key: KeyEvent) -> Option<CastRequest> {
        match &mut self.mode {
            CastMode::Picker(picker) => {
                let before = picker.filter.value().to_owned();
                picker.filter.handle_event(&Event::Key(key));
                if picker.filter.value() == before {
                    return None;
                }
                picker.generation += 1;
                picker.loading = true;
                picker.selected = 0;
                picker.next = None;
                Some(CastRequest::Search {
                    generation: picker.generation,
                    q: picker.filter.value().trim().to_owned(),
                    after: None,
                })
            }
            CastMode::Character(edit) => {
                edit.input.handle_event(&Event::Key(key));
                None
            }
            _ => None,
        }
    }

    /// A page of matches: the first (read after no cursor) replaces, later
    /// ones append. The next page, when `G` is still on its way to the end.
    pub fn search_results(
        &mut self,
        generation: u64,
        first: bool,
        result: Result<ListPage<Vec<Actor>>, String>,
    ) -> Option<CastRequest> {
        let CastMode::Picker(picker) = &mut self.mode else {
            return None;
        };
        if generation != picker.generation {
            return None;
        }
        picker.loading = false;
        match result {
            Ok(page) => {
                if first {
                    picker.results = page.rows;
                } else {
                    picker.results.extend(page.rows);
                }
                picker.total = page.total;
                picker.total_exact = page.total_exact;
                picker.next = page.next;
                let last = picker.results.len().saturating_sub(1);
                picker.selected = if picker.to_end {
                    last
                } else {
                    picker.selected.min(last)
                };
                picker.to_end &= picker.next.is_some();
                picker.error = None;
                return picker.more();
            }
            Err(error) => {
                picker.to_end = false;
                picker.error = Some(error);
            }
        }
        None
    }

    /// Enter: pick the actor (then name the character), or save the character.
    pub fn submit(&mut self) -> Option<CastRequest> {
        match &mut self.mode {
            CastMode::Picker(picker) => {
                let actor = picker.results.get(picker.selected)?.clone();
                let existing = self
                    .entries
                    .as_ref()
                    .and_then(|e| e.iter().find(|c| c.actor.id == actor.id))
                    .and_then(|c| c.character.clone());
                self.mode = CastMode::Character(CharacterEdit {
                    actor_id: actor.id,
                    actor_name: actor.name,
                    input: Input::new(existing.unwrap_or_default()),
                    error: None,
                    saving: false,
                    adding: true,
                });
                None
            }
            CastMode::Character(edit) if !edit.saving => {
                match parse_character(edit.input.value()) {
                    Ok(character) => {
                        edit.saving = true;
                        edit.error = None;
                        Some(CastRequest::Assign {
                            actor_id: edit.actor_id,
                            name: edit.actor_name.clone(),
                            character,
                        })
                    }
                    Err(why) => {
                        edit.error = Some(why);
                        None
                    }
                }
            }
            _ => None,
        }
    }

    /// A failed assignment: the character dialog stays, with the reason.
    pub fn assign_failed(&mut self, field_error: Option<String>, error: String) {
        if let CastMode::Character(edit) = &mut self.mode {
            edit.saving = false;
            edit.error = Some(field_error.unwrap_or(error));
        } else {
            self.error = Some(error);
        }
    }

    /// Esc: close the inner mode; `true` when there was none (close the view).
    pub fn back(&mut self) -> bool {
        if matches!(self.mode, CastMode::Browse) {
            return true;
        }
        self.mode = CastMode::Browse;
        false
    }
}

pub struct FilmographyView {
    pub actor_id: i64,
    pub name: String,
    pub entries: Option<Vec<FilmographyEntry>>,
    pub selected: usize,
    pub error: Option<String>,
    /// `/`: the entries shown; `selected` counts among them.
    pub filter: ListFilter,
}

impl FilmographyView {
    pub fn new(actor_id: i64, name: String) -> Self {
        Self {
            actor_id,
            name,
            entries: None,
            selected: 0,
            error: None,
            filter: ListFilter::default(),
        }
    }

    /// The entries the filter keeps.
    pub fn shown(&self) -> Vec<&FilmographyEntry> {
        let entries = self.entries.as_deref().unwrap_or_default();
        self.filter
            .kept(entries.iter().map(filmography_texts))
            .into_iter()
            .map(|index| &entries[index])
            .collect()
    }

    pub fn apply_movement(&mut self, movement: Movement, page: usize) {
        self.selected = movement.apply(self.selected, self.shown().len(), page);
    }

    pub fn selected_entry(&self) -> Option<&FilmographyEntry> {
        self.shown().get(self.selected).copied()
    }

    /// The movies read again: the selection stays on its movie.
    pub fn loaded(&mut self, entries: Vec<FilmographyEntry>) {
        let kept = self.selected_entry().map(|e| e.movie.id);
        self.entries = Some(entries);
        let shown = self.shown();
        self.selected = kept
            .and_then(|id| shown.iter().position(|e| e.movie.id == id))
            .unwrap_or(self.selected.min(shown.len().saturating_sub(1)));
        self.error = None;
    }
}
