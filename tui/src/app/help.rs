//! What the help screen lists: every view's keys from the binding table,
//! only those the user's role may use, laid out and wrapped for the screen
//! (the same layout scrolls in `update` and is drawn by `ui::help`).

use super::App;
use crate::bindings::{Command, Context, HELP_ORDER, Need};
use crate::collection::Collection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(&'static str),
    Key { keys: String, what: &'static str },
}

/// One screen line of help: a heading, or a key column and (part of) its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpRow {
    Heading(&'static str),
    /// `keys` is empty on the continuation of a wrapped line.
    Key {
        keys: String,
        text: String,
    },
}

/// Help laid out for a screen: its box, its rows, how many show at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLayout {
    pub width: u16,
    pub height: u16,
    /// Cells of the key column.
    pub key_width: usize,
    pub rows: Vec<HelpRow>,
    /// Rows shown at once (the box's last line is a note).
    pub visible: usize,
}

impl HelpLayout {
    /// The largest scroll position.
    pub fn last_scroll(&self) -> usize {
        self.rows.len().saturating_sub(self.visible)
    }
}

/// The help box is at most this wide.
const HELP_WIDTH: u16 = 78;

/// `text` cut into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line is cut.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

impl App {
    /// Whether the role may use a binding on at least one collection.
    fn allows_anywhere(&self, need: Need) -> bool {
        let permission = |collection: Collection| match need {
            Need::Nothing => None,
            Need::Create => Some(collection.create_permission()),
            Need::Edit => Some(collection.edit_permission()),
            Need::Delete => Some(collection.delete_permission()),
            Need::ChangeCast => Some(casting_shared::Permission::PatchMovies),
            // Undoing needs at least editing something.
            Need::Undo => Some(collection.edit_permission()),
        };
        Collection::ALL
            .into_iter()
            .any(|c| permission(c).is_none_or(|p| self.can(p)))
    }

    /// Whether the role can ever reach a view: the actor picker, the
    /// character dialog and the edit dialogs need a right to change
    /// something; logged out, only the login.
    fn reaches(&self, context: Context) -> bool {
        if self.needs_login() {
            return matches!(context, Context::Login | Context::Help);
        }
        match context {
            Context::Login | Context::Servers => false,
            Context::Picker | Context::PickerList | Context::Character => {
                self.allows_anywhere(Need::ChangeCast)
            }
            Context::Form => [Need::Create, Need::Edit, Need::ChangeCast]
                .into_iter()
                .any(|need| self.allows_anywhere(need)),
            _ => true,
        }
    }

    /// Every line of help: moving (the same in every list) once, then the
    /// keys of each view the role can reach; with `/`, only the keys whose
    /// keys or text have what is typed (and their headings).
    pub fn help_lines(&self) -> Vec<HelpLine> {
        let line = |e: &crate::bindings::Entry| HelpLine::Key {
            keys: e.shown_keys(),
            what: e.binding.help,
        };
        let mut sections: Vec<(&'static str, Vec<HelpLine>)> = Vec::new();
        if !self.needs_login() {
            sections.push((
                "Moving in any list (tables, cast, movies, picker, help)",
                self.bindings
                    .in_context(Context::Table)
                    .filter(|e| matches!(e.binding.command, Command::Move(_)))
                    .map(line)
                    .collect(),
            ));
        }
        for context in HELP_ORDER.iter().filter(|c| self.reaches(**c)) {
            sections.push((
                context.title(),
                self.bindings
                    .in_context(*context)
                    .filter(|e| !matches!(e.binding.command, Command::Move(_)))
                    .filter(|e| self.allows_anywhere(e.binding.need))
                    .map(line)
                    .collect(),
            ));
        }
        sections.push((
            "Anywhere",
            vec![HelpLine::Key {
                keys: "Ctrl-C".into(),
                what: "quit at once",
            }],
        ));
        let mut lines = Vec::new();
        for (title, entries) in sections {
            let kept: Vec<HelpLine> = entries
                .into_iter()
                .filter(|l| match l {
                    HelpLine::Key { keys, what } => self.help_filter.keeps(&[keys.as_str(), what]),
                    HelpLine::Heading(_) => true,
                })
                .collect();
            if !kept.is_empty() {
                lines.push(HelpLine::Heading(title));
                lines.extend(kept);
            }
        }
        lines
    }

    /// Help laid out for a `width`×`height` screen: long lines wrap under
    /// their text, never clipped.
    pub fn help_layout(&self, width: u16, height: u16) -> HelpLayout {
        let box_width = HELP_WIDTH.min(width);
        // Inside the borders: "   keys  text".
        let inner = usize::from(box_width.saturating_sub(2));
        let key_width = 16.min(inner / 3);
        let text_width = inner.saturating_sub(key_width + 4).max(8);
        let mut rows = Vec::new();
        for line in self.help_lines() {
            match line {
                HelpLine::Heading(title) => rows.push(HelpRow::Heading(title)),
                HelpLine::Key { keys, what } => {
                    for (index, text) in wrap(what, text_width).into_iter().enumerate() {
                        rows.push(HelpRow::Key {
                            keys: if index == 0 {
                                keys.clone()
                            } else {
                                String::new()
                            },
                            text,
                        });
                    }
                }
            }
        }
        // Borders and the closing note take three lines.
        // With a filter that keeps nothing, a line says so.
        let note = u16::from(rows.is_empty());
        let box_height = (rows.len() as u16 + 3 + note).min(height);
        HelpLayout {
            width: box_width,
            height: box_height,
            key_width,
            visible: usize::from(box_height.saturating_sub(3)).max(1),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_text_wraps_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
