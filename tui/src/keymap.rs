//! Keys to actions. Pure: it reads the app's mode, never changes it. The
//! keys themselves come from the one binding table ([`crate::bindings`]).
//! While a text field has focus, printable keys are text, never shortcuts.
//!
//! Alt: a terminal sends Alt-q as ESC followed by `q`, and sends Esc then
//! `q` typed (or pasted, or written by tmux) in one burst the same way, so a
//! key with Alt is ambiguous. It is never a shortcut, in every view alike:
//! outside a text field it does nothing; inside one it goes to the field's
//! editor only (Alt-Backspace deletes a word, AltGr letters are typed).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::Action;
use crate::app::{App, Dialog, Effect, LoginFocus};
use crate::bindings::{Command, Context};
use crate::cast::CastMode;
use crate::casting::pipeline::PipelineMode;
use crate::casting::roles::RolesView;

/// The view that has the keyboard, and whether a text field in it has focus.
pub fn context(app: &App) -> (Context, bool) {
    if app.servers.is_some() {
        return (Context::Servers, false);
    }
    if app.help.is_some() {
        return if app.help_filter.active {
            (Context::ListFilter, true)
        } else {
            (Context::Help, false)
        };
    }
    if app.needs_login() {
        let text = matches!(
            app.login.focus,
            LoginFocus::Username | LoginFocus::Password | LoginFocus::Server
        );
        return (Context::Login, text);
    }
    if app.palette.is_some() {
        return (Context::Palette, true);
    }
    if app.confirm.is_some() {
        return (Context::Confirm, false);
    }
    match &app.dialog {
        Some(Dialog::Form(_)) => return (Context::Form, true),
        Some(Dialog::Filters(_)) => return (Context::Filters, true),
        Some(Dialog::Export(_)) => return (Context::Export, true),
        Some(Dialog::History(_)) => return (Context::History, false),
        Some(Dialog::Changes(_)) => return (Context::Changes, false),
        Some(Dialog::Roles(view)) => return roles_context(view),
        Some(Dialog::Filmography(view)) if view.filter.active => {
            return (Context::ListFilter, true);
        }
        Some(Dialog::Filmography(_)) => return (Context::Filmography, false),
        Some(Dialog::Cast(view)) => {
            return match &view.mode {
                CastMode::Browse if view.filter.active => (Context::ListFilter, true),
                CastMode::Browse => (Context::Cast, false),
                CastMode::Picker(picker) if picker.list_focus => (Context::PickerList, false),
                CastMode::Picker(_) => (Context::Picker, true),
                CastMode::Character(_) => (Context::Character, true),
            };
        }
        None => {}
    }
    if let Some(view) = app.details.last() {
        return if view.filter.active {
            (Context::ListFilter, true)
        } else {
            (Context::Detail, false)
        };
    }
    if app.auditions_tab {
        return (Context::Auditions, false);
    }
    if app.table().filtering() {
        return (Context::Filter, true);
    }
    (Context::Table, false)
}

/// The view of a movie's roles that has the keyboard: the list, the role
/// dialog, or the pipeline (with its picker or audition dialog).
fn roles_context(view: &RolesView) -> (Context, bool) {
    match (&view.pipeline, &view.form) {
        (Some(pipeline), _) => match &pipeline.mode {
            PipelineMode::Browse => (Context::Pipeline, false),
            PipelineMode::Picker(picker) if picker.list_focus => (Context::PickerList, false),
            PipelineMode::Picker(_) => (Context::Picker, true),
            PipelineMode::Audition(_) => (Context::Form, true),
        },
        (None, Some(_)) => (Context::Form, true),
        (None, None) => (Context::Roles, false),
    }
}

pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Command(Command::Quit));
    }
    let (context, text) = context(app);
    if key.modifiers.contains(KeyModifiers::ALT) {
        return text.then_some(Action::EditText(key));
    }
    match app.bindings.command(context, &key, text) {
        Some(command) => Some(Action::Command(command)),
        None if text => Some(Action::EditText(key)),
        None => None,
    }
}

impl App {
    /// Runs one key through the keymap and `update`.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match action_for(self, key) {
            // The palette offers the actions of the view it opens over.
            Some(Action::Command(Command::Palette)) => {
                self.open_palette(context(self).0);
                Vec::new()
            }
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Whether a text field has the keyboard (single-letter keys are text then).
    pub fn typing(&self) -> bool {
        context(self).1
    }
}
