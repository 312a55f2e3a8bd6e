//! The one table of key bindings: for each view, which keys run which
//! command, the label the footer shows, the line help shows and the
//! permission the command needs. The keymap, the footer, the help screen and
//! the book's key table (docs/src/client.md) are all read from it, so they cannot drift. Keys
//! can be changed per command in the config's `[keys]`.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::collection::Collection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Up,
    Down,
    PageUp,
    PageDown,
    /// Ctrl-U / Ctrl-D: half a screen.
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
}

impl Movement {
    /// Where a selection in a list of `len` goes, `page` rows to a screen.
    pub fn apply(self, selected: usize, len: usize, page: usize) -> usize {
        let last = len.saturating_sub(1);
        let page = page.max(1);
        match self {
            Movement::Up => selected.saturating_sub(1),
            Movement::Down => selected.saturating_add(1).min(last),
            Movement::PageUp => selected.saturating_sub(page),
            Movement::PageDown => selected.saturating_add(page).min(last),
            Movement::HalfPageUp => selected.saturating_sub((page / 2).max(1)),
            Movement::HalfPageDown => selected.saturating_add((page / 2).max(1)).min(last),
            Movement::Top => 0,
            Movement::Bottom => last,
        }
    }
}

/// Where the keyboard is: each view has its own bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Login,
    Servers,
    Table,
    /// The table's filter line has the keyboard.
    Filter,
    Detail,
    Form,
    Filters,
    Export,
    Confirm,
    Cast,
    Picker,
    PickerList,
    Character,
    Filmography,
    /// The filter line of a cast, a filmography or a detail view's list.
    ListFilter,
    /// A record's history.
    History,
    /// The recent changes: the whole change feed, newest first.
    Changes,
    /// A movie's roles.
    Roles,
    /// A role's candidates by stage.
    Pipeline,
    /// The Auditions tab: the schedule.
    Auditions,
    Help,
    /// The `:` line: every action of the view under it, by name, and jumps.
    Palette,
}

impl Context {
    /// The heading in help and in the book's key table.
    pub fn title(self) -> &'static str {
        match self {
            Context::Login => "Log in",
            Context::Servers => "Server picker",
            Context::Table => "Tables",
            Context::Filter => "Filter line",
            Context::Detail => "Detail view",
            Context::Form => "Edit dialog",
            Context::Filters => "Filter dialog",
            Context::Export => "Export dialog",
            Context::Confirm => "Confirmation",
            Context::Cast => "Cast",
            Context::Picker => "Actor picker (search)",
            Context::PickerList => "Actor picker (list)",
            Context::Character => "Character dialog",
            Context::Filmography => "Filmography",
            Context::History => "History",
            Context::Changes => "Recent changes",
            Context::ListFilter => "Filter line of a cast or movie list",
            Context::Roles => "Roles of a movie",
            Context::Pipeline => "Pipeline of a role",
            Context::Auditions => "Auditions tab",
            Context::Help => "Help",
            Context::Palette => "Command palette (:)",
        }
    }

    /// Where typing goes into a text field: printable keys are text there.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::ListFilter
                | Context::Form
                | Context::Filters
                | Context::Export
                | Context::Picker
                | Context::Character
                | Context::Palette
        )
    }
}

/// A user's intent, named in the config's `[keys]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    /// Esc: close what is open, walk back, or clear the filter.
    Back,
    SelectTab(Collection),
    NextTab,
    PreviousTab,
    Move(Movement),
    Filter,
    FinishFilter,
    Filters,
    Sort,
    ReverseSort,
    Reload,
    Open,
    New,
    Edit,
    Delete,
    Cast,
    Export,
    Logout,
    SwitchUser,
    NextField,
    PreviousField,
    /// Enter in a form: the next field, or save on the last one.
    NextOrSave,
    Save,
    LoadTheirs,
    Overwrite,
    ClearFilters,
    Yes,
    No,
    /// Enter on a confirmation's selected button.
    Choose,
    ToggleButton,
    ToggleRemember,
    BrowserSignIn,
    LogIn,
    AddCast,
    Character,
    RemoveCast,
    /// Tab in the actor picker: between its search line and its list.
    SwitchFocus,
    Pick,
    /// Who changed a record, when, from what to what.
    History,
    /// A movie's roles.
    Roles,
    /// The Auditions tab.
    AuditionsTab,
    /// A candidate for the role, through the actor picker.
    AddCandidate,
    /// The selected candidate a stage on.
    StageOn,
    /// The selected candidate a stage back.
    StageBack,
    /// The selected candidate passed.
    Pass,
    /// The selected candidate booked (asks first).
    Book,
    /// An audition for the selected candidate.
    ScheduleAudition,
    /// Only the selected audition's location (again: every location).
    OnlyLocation,
    /// Only the selected audition's actor (again: every actor).
    OnlyActor,
    /// Undo the write just made, or the selected change.
    Undo,
    /// The recent changes view.
    RecentChanges,
    /// Mark the selected row (again: unmark it).
    Mark,
    /// Copy the selected row (or the marked rows) to the clipboard.
    Copy,
    /// `:`: the command palette.
    Palette,
    /// After a colleague deleted the record being edited: create it anew.
    SaveAsNew,
    /// The selected candidate off the role, with their auditions for it.
    RemoveCandidate,
    /// Move (reschedule) the selected audition, or the candidate's next one.
    MoveAudition,
    /// Cancel the selected audition, or the candidate's next one.
    CancelAudition,
    /// Times in UTC (again: in the local time zone), in every view.
    ToggleUtc,
}

impl Command {
    /// The name used in the config's `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Help => "help",
            Command::Back => "back",
            Command::SelectTab(Collection::Actors) => "actors_tab",
            Command::SelectTab(Collection::Movies) => "movies_tab",
            Command::NextTab => "next_tab",
            Command::PreviousTab => "previous_tab",
            Command::Move(Movement::Up) => "up",
            Command::Move(Movement::Down) => "down",
            Command::Move(Movement::PageUp) => "page_up",
            Command::Move(Movement::PageDown) => "page_down",
            Command::Move(Movement::HalfPageUp) => "half_page_up",
            Command::Move(Movement::HalfPageDown) => "half_page_down",
            Command::Move(Movement::Top) => "top",
            Command::Move(Movement::Bottom) => "bottom",
            Command::Filter => "filter",
            Command::FinishFilter => "finish_filter",
            Command::Filters => "filters",
            Command::Sort => "sort",
            Command::ReverseSort => "reverse_sort",
            Command::Reload => "reload",
            Command::Open => "open",
            Command::New => "new",
            Command::Edit => "edit",
            Command::Delete => "delete",
            Command::Cast => "cast",
            Command::Export => "export",
            Command::Logout => "logout",
            Command::SwitchUser => "switch_user",
            Command::NextField => "next_field",
            Command::PreviousField => "previous_field",
            Command::NextOrSave => "next_or_save",
            Command::Save => "save",
            Command::LoadTheirs => "load_theirs",
            Command::Overwrite => "overwrite",
            Command::ClearFilters => "clear_filters",
            Command::Yes => "yes",
            Command::No => "no",
            Command::Choose => "choose",
            Command::ToggleButton => "toggle_button",
            Command::ToggleRemember => "toggle_remember",
            Command::BrowserSignIn => "browser_sign_in",
            Command::LogIn => "log_in",
            Command::AddCast => "add_cast",
            Command::Character => "character",
            Command::RemoveCast => "remove_cast",
            Command::SwitchFocus => "switch_focus",
            Command::Pick => "pick",
            Command::History => "history",
            Command::Roles => "roles",
            Command::AuditionsTab => "auditions_tab",
            Command::AddCandidate => "add_candidate",
            Command::StageOn => "stage_on",
            Command::StageBack => "stage_back",
            Command::Pass => "pass",
            Command::Book => "book",
            Command::ScheduleAudition => "schedule_audition",
            Command::OnlyLocation => "only_location",
            Command::OnlyActor => "only_actor",
            Command::Undo => "undo",
            Command::RecentChanges => "recent_changes",
            Command::Mark => "mark",
            Command::Copy => "copy",
            Command::Palette => "palette",
            Command::SaveAsNew => "save_as_new",
            Command::RemoveCandidate => "remove_candidate",
            Command::MoveAudition => "move_audition",
            Command::CancelAudition => "cancel_audition",
            Command::ToggleUtc => "toggle_utc",
        }
    }
}

/// What a command needs the user's role to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// post: on the collection in view.
    Create,
    /// patch: on the collection (or record) in view.
    Edit,
    /// delete: on the collection (or record) in view.
    Delete,
    /// patch:movies.
    ChangeCast,
    /// What the change to undo needed: post:, patch: or delete: of its
    /// collection (patch:movies for casts and the casting pipeline).
    Undo,
}

#[derive(Debug)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [&'static str],
    pub command: Command,
    /// The footer's word for it ("" = not in the footer).
    pub label: &'static str,
    /// The help screen's line.
    pub help: &'static str,
    pub need: Need,
    /// Footer: lower stays longer when the line is short.
    pub priority: u8,
}

mod defaults;

pub use defaults::defaults;

/// A key as written in the table and the config: `k`, `G`, `Ctrl-S`,
/// `Shift-Tab`, `Enter`, `PgDn`, `Space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        let (ctrl, rest) = match text.strip_prefix("Ctrl-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Delete" => KeyCode::Delete,
            "Space" => KeyCode::Char(' '),
            other => {
                let mut chars = other.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ => return Err(format!("\"{text}\" is not a key")),
                }
            }
        };
        Ok(Key { code, ctrl })
    }

    /// Whether a key event is this key (Shift only makes capitals).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            code => code,
        };
        ctrl == self.ctrl && code == self.code
    }

    /// A printable key without Ctrl: text in a text field.
    pub fn is_text(&self) -> bool {
        !self.ctrl && matches!(self.code, KeyCode::Char(_))
    }
}

/// How a key reads in the footer and help.
pub fn display(key: &str) -> &str {
    match key {
        "Up" => "↑",
        "Down" => "↓",
        "Left" => "←",
        "Right" => "→",
        other => other,
    }
}

/// The bindings in force: the table, with the config's `[keys]` applied.
#[derive(Debug)]
pub struct Bindings {
    entries: Vec<Entry>,
}

#[derive(Debug)]
pub struct Entry {
    pub binding: &'static Binding,
    pub keys: Vec<(String, Key)>,
}

impl Default for Bindings {
    fn default() -> Self {
        Bindings::with_overrides(&BTreeMap::new()).unwrap_or_else(|_| Bindings {
            entries: Vec::new(),
        })
    }
}

impl Bindings {
    /// The defaults with `overrides` (command name → keys) applied to every
    /// view the command appears in. An unknown command or key is an error.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Bindings, String> {
        for name in overrides.keys() {
            if !defaults().any(|b| b.command.name() == name.as_str()) {
                return Err(format!("keys.{name}: no such action"));
            }
        }
        let mut entries = Vec::new();
        for binding in defaults() {
            let texts: Vec<String> = match overrides.get(binding.command.name()) {
                Some(keys) => keys.clone(),
                None => binding.keys.iter().map(|k| (*k).to_owned()).collect(),
            };
            let mut keys = Vec::new();
            for text in texts {
                let key = Key::parse(&text)
                    .map_err(|why| format!("keys.{}: {why}", binding.command.name()))?;
                keys.push((text, key));
            }
            entries.push(Entry { binding, keys });
        }
        refuse_clashes(&entries, overrides)?;
        Ok(Bindings { entries })
    }

    /// The command a key runs in a view; while a text field has focus,
    /// printable keys are left to it.
    pub fn command(&self, context: Context, event: &KeyEvent, text: bool) -> Option<Command> {
        self.entries
            .iter()
            .filter(|e| e.binding.context == context)
            .find(|e| {
                e.keys
                    .iter()
                    .any(|(_, key)| key.matches(event) && !(text && key.is_text()))
            })
            .map(|e| e.binding.command)
    }

    pub fn in_context(&self, context: Context) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(move |e| e.binding.context == context)
    }

    /// The keys of a command in a view, as shown ("e", "Ctrl-S", "↑ k").
    pub fn keys_of(&self, context: Context, command: Command) -> String {
        self.in_context(context)
            .find(|e| e.binding.command == command)
            .map(Entry::shown_keys)
            .unwrap_or_default()
    }
}

/// A key that runs two commands in one view (after the config's `[keys]`)
/// would hide one of them: refused, naming both.
fn refuse_clashes(
    entries: &[Entry],
    overrides: &BTreeMap<String, Vec<String>>,
) -> Result<(), String> {
    let mut seen: Vec<(Context, Key, &'static Binding, &str)> = Vec::new();
    for entry in entries {
        for (text, key) in &entry.keys {
            let clash = seen.iter().find(|(c, k, b, _)| {
                *c == entry.binding.context && k == key && !std::ptr::eq(*b, entry.binding)
            });
            if let Some((context, _, other, _)) = clash {
                let (mine, theirs) = (entry.binding.command.name(), other.command.name());
                let named = if overrides.contains_key(mine) {
                    mine
                } else {
                    theirs
                };
                let other = if named == mine { theirs } else { mine };
                return Err(format!(
                    "keys.{named}: \"{text}\" already runs {other} in {}",
                    context.title()
                ));
            }
            seen.push((entry.binding.context, *key, entry.binding, text));
        }
    }
    Ok(())
}

impl Entry {
    pub fn shown_keys(&self) -> String {
        self.keys
            .iter()
            .map(|(text, _)| display(text))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Views in the order help and the book's key table list them.
pub const HELP_ORDER: &[Context] = &[
    Context::Table,
    Context::Filter,
    Context::Detail,
    Context::Cast,
    Context::Picker,
    Context::PickerList,
    Context::Character,
    Context::Filmography,
    Context::Roles,
    Context::Pipeline,
    Context::Auditions,
    Context::History,
    Context::Changes,
    Context::ListFilter,
    Context::Form,
    Context::Filters,
    Context::Export,
    Context::Confirm,
    Context::Help,
    Context::Palette,
    Context::Login,
    Context::Servers,
];

/// The book's key table (docs/src/client.md), made from the default bindings.
pub fn markdown_table() -> String {
    let bindings = Bindings::default();
    let mut out = String::from("| where | keys | what | needs |\n|---|---|---|---|\n");
    for context in HELP_ORDER {
        for entry in bindings.in_context(*context) {
            let keys = entry
                .keys
                .iter()
                .map(|(text, _)| format!("`{}`", display(text).replace('|', "\\|")))
                .collect::<Vec<_>>()
                .join(" ");
            let need = match entry.binding.need {
                Need::Nothing => "",
                Need::Create => "post:",
                Need::Edit => "patch:",
                Need::Delete => "delete:",
                Need::ChangeCast => "patch:movies",
                Need::Undo => "the change's own",
            };
            out.push_str(&format!(
                "| {} | {keys} | {} | {need} |\n",
                context.title(),
                entry.binding.help
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;
