//! What the help screen lists: every view's keys from the binding table,
//! only those the user's role may use.

use super::App;
use crate::bindings::{Context, HELP_ORDER, Need};
use crate::collection::Collection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Heading(&'static str),
    Key { keys: String, what: &'static str },
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
        };
        Collection::ALL
            .into_iter()
            .any(|c| permission(c).is_none_or(|p| self.can(p)))
    }

    pub fn help_lines(&self) -> Vec<HelpLine> {
        let mut lines = Vec::new();
        for context in HELP_ORDER
            .iter()
            .filter(|c| !matches!(c, Context::Login | Context::Servers))
        {
            let entries: Vec<HelpLine> = self
                .bindings
                .in_context(*context)
                .filter(|e| self.allows_anywhere(e.binding.need))
                .map(|e| HelpLine::Key {
                    keys: e.shown_keys(),
                    what: e.binding.help,
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            lines.push(HelpLine::Heading(context.title()));
            lines.extend(entries);
        }
        lines.push(HelpLine::Heading("Anywhere"));
        lines.push(HelpLine::Key {
            keys: "Ctrl-C".into(),
            what: "quit at once",
        });
        lines
    }
}
