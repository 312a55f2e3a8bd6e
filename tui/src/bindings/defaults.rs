//! The default bindings, one line each: view, keys, command, footer label,
//! help line, permission needed, footer priority.

use super::{Binding, Command as C, Context as X, Movement as M, Need as N};
use crate::collection::Collection;

const fn bind(
    context: X,
    keys: &'static [&'static str],
    command: C,
    label: &'static str,
    help: &'static str,
    need: N,
    priority: u8,
) -> Binding {
    Binding {
        context,
        keys,
        command,
        label,
        help,
        need,
        priority,
    }
}

/// Moving in a list, the same in every list.
#[rustfmt::skip]
macro_rules! list_moves {
    ($context:expr) => {
        [
            bind($context, &["Up", "k"], C::Move(M::Up), "", "move up", N::Nothing, 9),
            bind($context, &["Down", "j"], C::Move(M::Down), "", "move down", N::Nothing, 9),
            bind($context, &["PgUp"], C::Move(M::PageUp), "", "one screen up", N::Nothing, 9),
            bind($context, &["PgDn"], C::Move(M::PageDown), "", "one screen down", N::Nothing, 9),
            bind($context, &["Ctrl-U"], C::Move(M::HalfPageUp), "", "half a screen up", N::Nothing, 9),
            bind($context, &["Ctrl-D"], C::Move(M::HalfPageDown), "", "half a screen down", N::Nothing, 9),
            bind($context, &["g", "Home"], C::Move(M::Top), "", "first row", N::Nothing, 9),
            bind($context, &["G", "End"], C::Move(M::Bottom), "", "last row", N::Nothing, 9),
        ]
    };
}

static TABLE_MOVES: [Binding; 8] = list_moves!(X::Table);
static DETAIL_MOVES: [Binding; 8] = list_moves!(X::Detail);
static CAST_MOVES: [Binding; 8] = list_moves!(X::Cast);
static PICKER_MOVES: [Binding; 8] = list_moves!(X::PickerList);
static FILMOGRAPHY_MOVES: [Binding; 8] = list_moves!(X::Filmography);
static HELP_MOVES: [Binding; 8] = list_moves!(X::Help);
static HISTORY_MOVES: [Binding; 8] = list_moves!(X::History);
static ROLES_MOVES: [Binding; 8] = list_moves!(X::Roles);
static PIPELINE_MOVES: [Binding; 8] = list_moves!(X::Pipeline);
static AUDITIONS_MOVES: [Binding; 8] = list_moves!(X::Auditions);
static CHANGES_MOVES: [Binding; 8] = list_moves!(X::Changes);

#[rustfmt::skip]
static REST: &[Binding] = &[
    // Tables
    bind(X::Table, &["Enter"], C::Open, "open", "open the row's detail (with its cast or movies)", N::Nothing, 1),
    bind(X::Table, &["/"], C::Filter, "filter", "filter as you type (Enter keeps it, Esc clears)", N::Nothing, 1),
    bind(X::Table, &["f"], C::Filters, "filters", "filter by gender and age, or release dates", N::Nothing, 3),
    bind(X::Table, &["s"], C::Sort, "sort", "sort by the next column", N::Nothing, 2),
    bind(X::Table, &["S"], C::ReverseSort, "", "reverse the sort order", N::Nothing, 9),
    bind(X::Table, &["n"], C::New, "new", "new actor or movie", N::Create, 0),
    bind(X::Table, &["e"], C::Edit, "edit", "edit the selected row", N::Edit, 0),
    bind(X::Table, &["d"], C::Delete, "delete", "delete the selected row, or the marked rows (asks first)", N::Delete, 0),
    bind(X::Table, &["u"], C::Undo, "undo", "undo your last delete or edit", N::Undo, 3),
    bind(X::Table, &["Space"], C::Mark, "mark", "mark the row (again: unmark it)", N::Nothing, 5),
    bind(X::Table, &["y"], C::Copy, "copy", "copy the row, or the marked rows, to the clipboard", N::Nothing, 6),
    bind(X::Table, &["C"], C::RecentChanges, "changes", "recent changes: everyone's, newest first", N::Nothing, 5),
    bind(X::Table, &["c"], C::Cast, "cast", "a movie's cast / an actor's movies", N::Nothing, 1),
    bind(X::Table, &["r"], C::Roles, "roles", "a movie's roles: its casting pipeline", N::Nothing, 2),
    bind(X::Table, &["h"], C::History, "history", "who changed the row, when, from what to what", N::Nothing, 4),
    bind(X::Table, &["x"], C::Export, "export", "export every matching row to CSV", N::Nothing, 4),
    bind(X::Table, &["R"], C::Reload, "reload", "reload from the server", N::Nothing, 4),
    bind(X::Table, &["1"], C::SelectTab(Collection::Actors), "", "Actors tab", N::Nothing, 9),
    bind(X::Table, &["2"], C::SelectTab(Collection::Movies), "", "Movies tab", N::Nothing, 9),
    bind(X::Table, &["3"], C::AuditionsTab, "", "Auditions tab: the schedule", N::Nothing, 9),
    bind(X::Table, &["Tab"], C::NextTab, "", "next tab", N::Nothing, 9),
    bind(X::Table, &["Shift-Tab"], C::PreviousTab, "", "previous tab", N::Nothing, 9),
    bind(X::Table, &["Esc"], C::Back, "", "unmark the marked rows, else clear the filters", N::Nothing, 9),
    bind(X::Table, &["L"], C::Logout, "log out", "log out (asks first)", N::Nothing, 5),
    bind(X::Table, &["U"], C::SwitchUser, "switch user", "log in as someone else (asks first)", N::Nothing, 6),
    bind(X::Table, &["?"], C::Help, "help", "all keys", N::Nothing, 0),
    bind(X::Table, &[":"], C::Palette, "", "command palette: any action by name; :actor 42, :movie Dune", N::Nothing, 9),
    bind(X::Table, &["q"], C::Quit, "quit", "quit", N::Nothing, 0),
    // Filter line
    bind(X::Filter, &["Enter"], C::FinishFilter, "keep filter", "keep the filter and go back to the rows", N::Nothing, 0),
    bind(X::Filter, &["Esc"], C::Back, "clear", "clear the filter", N::Nothing, 0),
    bind(X::Filter, &["Up"], C::Move(M::Up), "", "move up", N::Nothing, 9),
    bind(X::Filter, &["Down"], C::Move(M::Down), "", "move down", N::Nothing, 9),
    // Detail
    bind(X::Detail, &["Enter"], C::Open, "open", "open the selected cast entry or movie", N::Nothing, 1),
    bind(X::Detail, &["e"], C::Edit, "edit", "edit this actor or movie", N::Edit, 0),
    bind(X::Detail, &["d"], C::Delete, "delete", "delete it (asks first)", N::Delete, 2),
    bind(X::Detail, &["c"], C::Cast, "cast", "change the cast (movies)", N::Nothing, 2),
    bind(X::Detail, &["r"], C::Roles, "roles", "the movie's roles: its casting pipeline", N::Nothing, 2),
    bind(X::Detail, &["h"], C::History, "history", "who changed it, when, from what to what", N::Nothing, 5),
    bind(X::Detail, &["u"], C::Undo, "undo", "undo your last delete or edit", N::Undo, 5),
    bind(X::Detail, &["y"], C::Copy, "", "copy it to the clipboard", N::Nothing, 9),
    bind(X::Detail, &["C"], C::RecentChanges, "", "recent changes: everyone's, newest first", N::Nothing, 9),
    bind(X::Detail, &["/"], C::Filter, "filter", "filter its cast or movies as you type", N::Nothing, 3),
    bind(X::Detail, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::Detail, &["Esc", "q"], C::Back, "back", "back to where you came from", N::Nothing, 0),
    bind(X::Detail, &["?"], C::Help, "help", "all keys", N::Nothing, 3),
    bind(X::Detail, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Edit dialog
    bind(X::Form, &["Tab", "Down"], C::NextField, "next", "next field", N::Nothing, 1),
    bind(X::Form, &["Shift-Tab", "Up"], C::PreviousField, "", "previous field", N::Nothing, 9),
    bind(X::Form, &["Enter"], C::NextOrSave, "", "next field; save on the last one", N::Nothing, 9),
    bind(X::Form, &["Ctrl-S"], C::Save, "save", "save", N::Nothing, 0),
    bind(X::Form, &["Ctrl-R"], C::LoadTheirs, "", "after a conflict: load theirs, keeping your changes", N::Nothing, 9),
    bind(X::Form, &["Ctrl-O"], C::Overwrite, "", "after a conflict: overwrite their version", N::Nothing, 9),
    bind(X::Form, &["Ctrl-N"], C::SaveAsNew, "", "after a colleague deleted the record: save it as new", N::Nothing, 9),
    bind(X::Form, &["Esc"], C::Back, "cancel", "cancel", N::Nothing, 0),
    // Filter dialog
    bind(X::Filters, &["Tab", "Down"], C::NextField, "next", "next field", N::Nothing, 1),
    bind(X::Filters, &["Shift-Tab", "Up"], C::PreviousField, "", "previous field", N::Nothing, 9),
    bind(X::Filters, &["Enter"], C::Save, "apply", "apply the filters", N::Nothing, 0),
    bind(X::Filters, &["Ctrl-L"], C::ClearFilters, "clear", "clear every filter", N::Nothing, 1),
    bind(X::Filters, &["Esc"], C::Back, "cancel", "cancel", N::Nothing, 0),
    // Export dialog
    bind(X::Export, &["Enter"], C::Save, "export", "write the file", N::Nothing, 0),
    bind(X::Export, &["Esc"], C::Back, "cancel", "cancel", N::Nothing, 0),
    // Confirmation
    bind(X::Confirm, &["y", "Y"], C::Yes, "yes", "yes", N::Nothing, 0),
    bind(X::Confirm, &["n", "N", "Esc", "q"], C::No, "keep", "no (the default)", N::Nothing, 0),
    bind(X::Confirm, &["Enter"], C::Choose, "", "the selected button", N::Nothing, 9),
    bind(X::Confirm, &["Tab", "Shift-Tab", "Left", "Right", "h", "l"], C::ToggleButton, "", "the other button", N::Nothing, 9),
    // Cast
    bind(X::Cast, &["Enter"], C::Open, "open", "the actor's detail", N::Nothing, 2),
    bind(X::Cast, &["a", "n"], C::AddCast, "add actor", "add an actor (a picker that searches as you type)", N::ChangeCast, 0),
    bind(X::Cast, &["e"], C::Character, "character", "change the character", N::ChangeCast, 0),
    bind(X::Cast, &["x", "d"], C::RemoveCast, "remove", "remove from the cast (asks first)", N::ChangeCast, 0),
    bind(X::Cast, &["/"], C::Filter, "filter", "filter the cast as you type", N::Nothing, 3),
    bind(X::Cast, &["h"], C::History, "history", "the selected actor's history", N::Nothing, 5),
    bind(X::Cast, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::Cast, &["Esc", "q", "c"], C::Back, "back", "back", N::Nothing, 0),
    bind(X::Cast, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::Cast, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Actor picker
    bind(X::Picker, &["Up"], C::Move(M::Up), "", "move up", N::Nothing, 9),
    bind(X::Picker, &["Down"], C::Move(M::Down), "choose", "move down", N::Nothing, 1),
    bind(X::Picker, &["PgUp"], C::Move(M::PageUp), "", "one screen up", N::Nothing, 9),
    bind(X::Picker, &["PgDn"], C::Move(M::PageDown), "", "one screen down", N::Nothing, 9),
    bind(X::Picker, &["Tab"], C::SwitchFocus, "list", "to the list (j k g G move there)", N::Nothing, 2),
    bind(X::Picker, &["Enter"], C::Pick, "pick", "pick the selected actor", N::Nothing, 0),
    bind(X::Picker, &["Esc"], C::Back, "back", "close the picker", N::Nothing, 0),
    bind(X::PickerList, &["/", "Tab"], C::SwitchFocus, "search", "back to the search line", N::Nothing, 1),
    bind(X::PickerList, &["Enter"], C::Pick, "pick", "pick the selected actor", N::Nothing, 0),
    bind(X::PickerList, &["Esc", "q"], C::Back, "back", "close the picker", N::Nothing, 0),
    // Character dialog
    bind(X::Character, &["Enter", "Ctrl-S"], C::Save, "save", "save the character", N::Nothing, 0),
    bind(X::Character, &["Esc"], C::Back, "cancel", "cancel", N::Nothing, 0),
    // Filmography
    bind(X::Filmography, &["Enter"], C::Open, "open", "the movie's detail", N::Nothing, 1),
    bind(X::Filmography, &["/"], C::Filter, "filter", "filter the movies as you type", N::Nothing, 3),
    bind(X::Filmography, &["h"], C::History, "history", "the selected movie's history", N::Nothing, 5),
    bind(X::Filmography, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::Filmography, &["Esc", "q", "c"], C::Back, "back", "back", N::Nothing, 0),
    bind(X::Filmography, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::Filmography, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Roles of a movie
    bind(X::Roles, &["Enter"], C::Open, "pipeline", "the role's candidates by stage", N::Nothing, 0),
    bind(X::Roles, &["n"], C::New, "new", "new role", N::ChangeCast, 0),
    bind(X::Roles, &["e"], C::Edit, "edit", "edit the role (name, breakdown, age, gender)", N::ChangeCast, 0),
    bind(X::Roles, &["d"], C::Delete, "delete", "delete the role, its candidates and auditions (asks first)", N::ChangeCast, 1),
    bind(X::Roles, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::Roles, &["Esc", "q", "r"], C::Back, "back", "back", N::Nothing, 0),
    bind(X::Roles, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::Roles, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Pipeline of a role
    bind(X::Pipeline, &["a"], C::AddCandidate, "add", "add a candidate (the picker offers first who fits)", N::ChangeCast, 0),
    bind(X::Pipeline, &[">"], C::StageOn, "stage on", "the candidate a stage on", N::ChangeCast, 0),
    bind(X::Pipeline, &["<"], C::StageBack, "back a stage", "the candidate a stage back", N::ChangeCast, 2),
    bind(X::Pipeline, &["p"], C::Pass, "pass", "pass on the candidate", N::ChangeCast, 1),
    bind(X::Pipeline, &["b"], C::Book, "book", "book the candidate for the role (asks first)", N::ChangeCast, 0),
    bind(X::Pipeline, &["A"], C::ScheduleAudition, "audition", "schedule an audition for the candidate", N::ChangeCast, 1),
    bind(X::Pipeline, &["m"], C::MoveAudition, "move audition", "move (reschedule) the candidate's next audition", N::ChangeCast, 3),
    bind(X::Pipeline, &["c"], C::CancelAudition, "cancel audition", "cancel the candidate's next audition (asks first)", N::ChangeCast, 4),
    bind(X::Pipeline, &["x"], C::RemoveCandidate, "remove", "remove the candidate from the role, with their auditions (asks first)", N::ChangeCast, 3),
    bind(X::Pipeline, &["z"], C::ToggleUtc, "", "times in UTC (again: local time), in every view", N::Nothing, 9),
    bind(X::Pipeline, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::Pipeline, &["Esc", "q"], C::Back, "back", "back to the roles", N::Nothing, 0),
    bind(X::Pipeline, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::Pipeline, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Auditions tab
    bind(X::Auditions, &["Enter"], C::Open, "open", "the audition's role, its pipeline", N::Nothing, 1),
    bind(X::Auditions, &["l"], C::OnlyLocation, "location", "only this location (again: every location)", N::Nothing, 1),
    bind(X::Auditions, &["a"], C::OnlyActor, "actor", "only this actor (again: every actor)", N::Nothing, 1),
    bind(X::Auditions, &["m"], C::MoveAudition, "move", "move (reschedule) the audition", N::ChangeCast, 3),
    bind(X::Auditions, &["c", "d"], C::CancelAudition, "cancel", "cancel the audition (asks first)", N::ChangeCast, 3),
    bind(X::Auditions, &["z"], C::ToggleUtc, "UTC", "times in UTC (again: local time), in every view", N::Nothing, 3),
    bind(X::Auditions, &["x"], C::Export, "export .ics", "write what is shown as an iCalendar file", N::Nothing, 2),
    bind(X::Auditions, &["R"], C::Reload, "reload", "reload from the server", N::Nothing, 4),
    bind(X::Auditions, &["Esc"], C::Back, "", "every location and actor again", N::Nothing, 9),
    bind(X::Auditions, &["1"], C::SelectTab(Collection::Actors), "", "Actors tab", N::Nothing, 9),
    bind(X::Auditions, &["2"], C::SelectTab(Collection::Movies), "", "Movies tab", N::Nothing, 9),
    bind(X::Auditions, &["Tab"], C::NextTab, "", "next tab", N::Nothing, 9),
    bind(X::Auditions, &["Shift-Tab"], C::PreviousTab, "", "previous tab", N::Nothing, 9),
    bind(X::Auditions, &["?"], C::Help, "help", "all keys", N::Nothing, 0),
    bind(X::Auditions, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    bind(X::Auditions, &["q"], C::Quit, "quit", "quit", N::Nothing, 0),
    // History
    bind(X::History, &["R"], C::Reload, "reload", "reload", N::Nothing, 4),
    bind(X::History, &["Esc", "q", "h"], C::Back, "back", "back", N::Nothing, 0),
    bind(X::History, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::History, &["z"], C::ToggleUtc, "UTC", "times in UTC (again: local time), in every view", N::Nothing, 3),
    bind(X::History, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // Recent changes
    bind(X::Changes, &["Enter"], C::Open, "open", "the changed record (for a cast entry: the movie)", N::Nothing, 1),
    bind(X::Changes, &["u"], C::Undo, "undo", "undo the selected change (and what its write did with it)", N::Undo, 0),
    bind(X::Changes, &["h"], C::History, "history", "the history of the changed record", N::Nothing, 3),
    bind(X::Changes, &["R"], C::Reload, "reload", "read the whole feed again", N::Nothing, 4),
    bind(X::Changes, &["z"], C::ToggleUtc, "UTC", "times in UTC (again: local time), in every view", N::Nothing, 5),
    bind(X::Changes, &["Esc", "q", "C"], C::Back, "back", "back", N::Nothing, 0),
    bind(X::Changes, &["?"], C::Help, "", "all keys", N::Nothing, 9),
    bind(X::Changes, &[":"], C::Palette, "", "command palette", N::Nothing, 9),
    // The filter line of a cast or a movie list
    bind(X::ListFilter, &["Enter"], C::FinishFilter, "keep filter", "keep the filter and go back to the list", N::Nothing, 0),
    bind(X::ListFilter, &["Esc"], C::Back, "clear", "clear the filter", N::Nothing, 0),
    bind(X::ListFilter, &["Up"], C::Move(M::Up), "", "move up", N::Nothing, 9),
    bind(X::ListFilter, &["Down"], C::Move(M::Down), "", "move down", N::Nothing, 9),
    // Help
    bind(X::Help, &["Esc", "q", "?"], C::Back, "close", "close help", N::Nothing, 0),
    bind(X::Help, &["/"], C::Filter, "filter", "filter the keys as you type (Enter keeps it, Esc clears)", N::Nothing, 1),
    // Command palette
    bind(X::Palette, &["Enter"], C::Pick, "run", "run the selected action, or jump (:actor 42, :movie Dune)", N::Nothing, 0),
    bind(X::Palette, &["Up"], C::Move(M::Up), "", "move up", N::Nothing, 9),
    bind(X::Palette, &["Down"], C::Move(M::Down), "", "move down", N::Nothing, 9),
    bind(X::Palette, &["Esc"], C::Back, "close", "close the palette", N::Nothing, 0),
    // Log in
    bind(X::Login, &["Tab", "Down"], C::NextField, "next", "next field", N::Nothing, 1),
    bind(X::Login, &["Shift-Tab", "Up"], C::PreviousField, "", "previous field", N::Nothing, 9),
    bind(X::Login, &["Space"], C::ToggleRemember, "remember me", "tick \"Remember me\" (on its line)", N::Nothing, 2),
    bind(X::Login, &["Enter"], C::LogIn, "log in", "log in", N::Nothing, 0),
    bind(X::Login, &["Ctrl-B"], C::BrowserSignIn, "", "sign in with the browser (when the server offers it)", N::Nothing, 9),
    bind(X::Login, &["Esc"], C::Back, "quit", "quit (or cancel a browser sign-in)", N::Nothing, 0),
    bind(X::Login, &["?"], C::Help, "keys", "all keys (on an empty field, or the \"Remember me\" line)", N::Nothing, 3),
    // Server picker
    bind(X::Servers, &["Up", "k"], C::Move(M::Up), "", "move up", N::Nothing, 9),
    bind(X::Servers, &["Down", "j"], C::Move(M::Down), "", "move down", N::Nothing, 9),
    bind(X::Servers, &["Enter"], C::Pick, "connect", "use this server", N::Nothing, 0),
    bind(X::Servers, &["Esc", "q"], C::Quit, "quit", "quit", N::Nothing, 0),
];

/// Every default binding, in the order help shows them.
pub fn defaults() -> impl Iterator<Item = &'static Binding> {
    TABLE_MOVES
        .iter()
        .chain(DETAIL_MOVES.iter())
        .chain(CAST_MOVES.iter())
        .chain(PICKER_MOVES.iter())
        .chain(FILMOGRAPHY_MOVES.iter())
        .chain(HELP_MOVES.iter())
        .chain(HISTORY_MOVES.iter())
        .chain(ROLES_MOVES.iter())
        .chain(PIPELINE_MOVES.iter())
        .chain(AUDITIONS_MOVES.iter())
        .chain(CHANGES_MOVES.iter())
        .chain(REST.iter())
}
