//! The `:` command palette: a line that keeps, of every action the view
//! under it offers (from the one binding table), those whose name or help
//! line has every word typed; Enter runs the selected one. `:actor 42` and
//! `:movie Dune` jump to a record by id or by name instead.

use tui_input::Input;

use crate::bindings::{Bindings, Command, Context, Need};
use crate::collection::Collection;

pub struct Palette {
    /// The view it was opened over: its actions are offered.
    pub under: Context,
    pub input: Input,
    pub selected: usize,
}

/// One action offered: its name (as in the config's `[keys]`, with spaces),
/// its keys and its help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub command: Command,
    pub name: String,
    pub keys: String,
    pub help: &'static str,
}

/// Where `:actor 42` or `:movie Dune` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jump {
    Id(Collection, i64),
    Name(Collection, String),
}

impl Palette {
    pub fn new(under: Context) -> Self {
        Self {
            under,
            input: Input::default(),
            selected: 0,
        }
    }

    pub fn text(&self) -> &str {
        self.input.value()
    }

    /// The actions of the view under it that the role allows and the text
    /// names (every word typed is in the name or the help line).
    pub fn choices(&self, bindings: &Bindings, allows: impl Fn(Need) -> bool) -> Vec<Choice> {
        let words: Vec<String> = self
            .text()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut choices: Vec<Choice> = bindings
            .in_context(self.under)
            .filter(|e| e.binding.command != Command::Palette && allows(e.binding.need))
            .map(|e| Choice {
                command: e.binding.command,
                name: e.binding.command.name().replace('_', " "),
                keys: e.shown_keys(),
                help: e.binding.help,
            })
            .filter(|c| {
                let text = format!("{} {}", c.name, c.help.to_lowercase());
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .collect();
        // Names that start with what is typed first, then names that have
        // it, then the rest (in the table's order within each).
        let typed = words.join(" ");
        choices.sort_by_key(|c| {
            if c.name.starts_with(&typed) {
                0
            } else if words.iter().all(|w| c.name.contains(w.as_str())) {
                1
            } else {
                2
            }
        });
        choices
    }
}

/// `actor 42`, `movies Dune`: a jump; anything else is not.
pub fn parse_jump(text: &str) -> Option<Jump> {
    let (word, rest) = text.trim().split_once(char::is_whitespace)?;
    let collection = match word.to_lowercase().as_str() {
        "actor" | "actors" => Collection::Actors,
        "movie" | "movies" => Collection::Movies,
        _ => return None,
    };
    let rest = rest.trim();
    let rest = rest.strip_prefix('#').unwrap_or(rest);
    match rest.parse::<i64>() {
        Ok(id) => Some(Jump::Id(collection, id)),
        Err(_) if !rest.is_empty() => Some(Jump::Name(collection, rest.to_owned())),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use tui_input::backend::crossterm::EventHandler;

    #[test]
    fn jumps_name_a_collection_and_an_id_or_a_name() {
        assert_eq!(
            parse_jump("actor 42"),
            Some(Jump::Id(Collection::Actors, 42))
        );
        assert_eq!(
            parse_jump(" movies  #7 "),
            Some(Jump::Id(Collection::Movies, 7))
        );
        assert_eq!(
            parse_jump("movie Dune Part Two"),
            Some(Jump::Name(Collection::Movies, "Dune Part Two".into()))
        );
        assert_eq!(parse_jump("actor"), None);
        assert_eq!(parse_jump("delete row"), None);
    }

    #[test]
    fn every_word_typed_narrows_the_actions() {
        let mut palette = Palette::new(Context::Table);
        for c in "del".chars() {
            palette.input.handle_event(&Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        let bindings = Bindings::default();
        let found = palette.choices(&bindings, |_| true);
        assert_eq!(
            found.iter().map(|c| c.command).collect::<Vec<_>>(),
            // "undo your last delete or edit" has "del" too, after the
            // action whose name starts with it.
            vec![Command::Delete, Command::Undo]
        );
        assert!(
            palette
                .choices(&bindings, |n| n == Need::Nothing)
                .is_empty()
        );
    }
}
