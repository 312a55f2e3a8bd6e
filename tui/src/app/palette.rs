//! The `:` command palette over any view: typing narrows the view's
//! actions, Enter runs the selected one as its key would; `:actor 42` opens
//! that actor's detail, `:movie Dune` finds movies by title and opens the
//! one found (or shows those found in the table).

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;

use super::{App, Effect, Message};
use crate::action::{Action, Record};
use crate::api::{ApiError, Tagged};
use crate::bindings::{Command, Context};
use crate::collection::Collection;
use crate::palette::{Choice, Jump, Palette, parse_jump};

impl App {
    pub fn open_palette(&mut self, under: Context) {
        self.palette = Some(Palette::new(under));
    }

    /// The actions the palette offers now.
    pub fn palette_choices(&self) -> Vec<Choice> {
        self.palette
            .as_ref()
            .map(|p| p.choices(&self.bindings, |need| self.allows(need)))
            .unwrap_or_default()
    }

    pub(super) fn update_palette(&mut self, action: Action) -> Vec<Effect> {
        let count = self.palette_choices().len();
        let Some(palette) = self.palette.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::EditText(key) => {
                palette.input.handle_event(&Event::Key(key));
                palette.selected = 0;
            }
            Action::Command(Command::Move(movement)) => {
                palette.selected = movement.apply(palette.selected, count, 5);
            }
            Action::Command(Command::Back) => self.palette = None,
            Action::Command(Command::Pick) => return self.run_palette(),
            _ => {}
        }
        Vec::new()
    }

    fn run_palette(&mut self) -> Vec<Effect> {
        let choice = self
            .palette_choices()
            .get(self.palette.as_ref().map_or(0, |p| p.selected))
            .cloned();
        let Some(palette) = self.palette.take() else {
            return Vec::new();
        };
        let text = palette.text().trim().to_owned();
        if let Some(jump) = parse_jump(&text) {
            return self.jump(jump);
        }
        match choice {
            Some(choice) => self.update(Action::Command(choice.command)),
            None => {
                self.set_status(Message::error(format!(
                    "Unknown command \"{text}\": type part of an action's name, or :actor ID, :movie NAME"
                )));
                Vec::new()
            }
        }
    }

    fn jump(&mut self, jump: Jump) -> Vec<Effect> {
        match &jump {
            Jump::Id(collection, id) => {
                let (collection, id) = (*collection, *id);
                self.set_status(Message::info(format!(
                    "Opening {} #{id}…",
                    collection.noun()
                )));
                self.pending_jump = Some(jump);
                vec![Effect::FetchRow { collection, id }]
            }
            Jump::Name(collection, name) => {
                // The tab, filtered to the name, in place of what was open.
                self.dialog = None;
                self.details.clear();
                self.auditions_tab = false;
                self.tab = *collection;
                let table = self.table_mut();
                table.set_filters(Vec::new());
                table.clear_filter();
                for c in name.chars() {
                    table.edit_filter(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
                }
                table.set_filtering(false);
                self.pending_jump = Some(jump);
                self.fetch_visible()
            }
        }
    }

    /// A row read for `:actor 42`: its detail opens. `None` when the row
    /// was not read for a jump.
    pub(super) fn jump_fetched(
        &mut self,
        collection: Collection,
        id: i64,
        result: &Result<Tagged<Record>, ApiError>,
    ) -> Option<Vec<Effect>> {
        if self.pending_jump != Some(Jump::Id(collection, id)) {
            return None;
        }
        self.pending_jump = None;
        Some(match result {
            Ok(tagged) => {
                self.status = None;
                self.push_detail(tagged.value.clone())
            }
            Err(error) if error.status() == Some(404) => {
                self.set_status(Message::error(format!("No {} #{id}", collection.noun())));
                Vec::new()
            }
            Err(error) => self
                .explain(error, &format!("read this {}", collection.noun()))
                .unwrap_or_default(),
        })
    }

    /// The first page found for `:movie Dune`: the one found opens; several
    /// stay in the table, the first selected.
    pub(super) fn jump_found(&mut self, collection: Collection) -> Vec<Effect> {
        let Some(Jump::Name(c, name)) = &self.pending_jump else {
            return Vec::new();
        };
        if *c != collection {
            return Vec::new();
        }
        let name = name.clone();
        let Some(total) = self.table_of(collection).total() else {
            return Vec::new();
        };
        self.pending_jump = None;
        let path = collection.path();
        match total {
            0 => {
                self.set_status(Message::error(format!("No {path} match \"{name}\"")));
                Vec::new()
            }
            1 => match self.table_of(collection).selected_record() {
                Some(record) => self.push_detail(record),
                None => Vec::new(),
            },
            n => {
                self.set_status(Message::info(format!(
                    "{n} {path} match \"{name}\": Enter opens the selected one"
                )));
                Vec::new()
            }
        }
    }
}
