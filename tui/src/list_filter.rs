//! `/` in a list held whole in memory (a cast, a filmography, a detail
//! view's list): keeps the entries whose text contains what is typed,
//! ignoring case and accents as the server's `q` does (both fold with
//! `casting_shared::names::fold`). The selection is an index into the
//! entries kept.

use casting_shared::names::fold;
use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::action::Action;
use crate::bindings::Command;

#[derive(Default)]
pub struct ListFilter {
    pub input: Input,
    /// The filter line has the keyboard.
    pub active: bool,
}

impl ListFilter {
    pub fn text(&self) -> &str {
        self.input.value()
    }

    /// Whether the filter is shown (typed into now, or kept).
    pub fn shown(&self) -> bool {
        self.active || !self.text().is_empty()
    }

    /// Whether an entry with these texts is kept.
    pub fn keeps(&self, texts: &[&str]) -> bool {
        let wanted = fold(self.text().trim());
        wanted.is_empty() || texts.iter().any(|t| fold(t).contains(&wanted))
    }

    /// Indices of the entries kept, out of `entries`' texts.
    pub fn kept<'a>(&self, entries: impl Iterator<Item = [&'a str; 2]>) -> Vec<usize> {
        entries
            .enumerate()
            .filter(|(_, texts)| self.keeps(texts))
            .map(|(index, _)| index)
            .collect()
    }

    /// A key for the filter line; `true` when the text changed.
    pub fn edit(&mut self, key: KeyEvent) -> bool {
        let before = self.text().to_owned();
        self.input.handle_event(&Event::Key(key));
        self.text() != before
    }

    pub fn clear(&mut self) {
        self.input.reset();
        self.active = false;
    }
}

impl ListFilter {
    /// What the filter line does with an action while it has the keyboard:
    /// typing filters (the selection goes to the first entry kept), Enter
    /// keeps the filter, Esc clears it. `false` for what it leaves to the
    /// list (moving).
    pub fn take(&mut self, action: &Action, selected: &mut usize) -> bool {
        match action {
            Action::EditText(key) => {
                if self.edit(*key) {
                    *selected = 0;
                }
            }
            Action::Command(Command::FinishFilter) => self.active = false,
            Action::Command(Command::Back) => {
                self.clear();
                *selected = 0;
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn entries_are_kept_by_any_of_their_texts_ignoring_case() {
        let mut filter = ListFilter::default();
        for c in "ann".chars() {
            filter.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let entries = [["Anna", "—"], ["Bo", "Joanna"], ["Cy", "Dee"]];
        assert_eq!(filter.kept(entries.iter().copied()), vec![0, 1]);
        filter.clear();
        assert_eq!(filter.kept(entries.iter().copied()), vec![0, 1, 2]);
    }

    #[test]
    fn accents_are_ignored_as_the_server_ignores_them() {
        let mut filter = ListFilter::default();
        for c in "valdes".chars() {
            filter.edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let entries = [["Dev Valdés", "—"], ["Bo", "VALDÉS"], ["Cy", "Valdez"]];
        assert_eq!(filter.kept(entries.iter().copied()), vec![0, 1]);
    }
}
