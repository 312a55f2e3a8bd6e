//! Keys to actions. Pure: it reads the app's mode, never changes it.
//! While a text field has focus, letters are text, never shortcuts.
//!
//! Alt: a terminal sends Alt-q as ESC followed by `q`, and sends Esc then
//! `q` typed (or pasted, or written by tmux) in one burst the same way, so a
//! key with Alt is ambiguous. It is never a shortcut, in every view alike:
//! outside a text field it does nothing; inside one it goes to the field's
//! editor only (Alt-Backspace deletes a word, AltGr letters are typed).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::{Action, Movement, Tab};
use crate::app::{App, Dialog, LoginFocus};
use crate::cast::{CastMode, CastView};

pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        return editing_text(app).then_some(Action::EditText(key));
    }
    if app.session.is_none() {
        return login_key(app, key, ctrl);
    }
    if app.help {
        return Some(Action::ToggleHelp);
    }
    match &app.dialog {
        Some(Dialog::Form(form)) => {
            return Some(match key.code {
                KeyCode::Esc => Action::Back,
                KeyCode::Tab | KeyCode::Down => Action::NextField,
                KeyCode::BackTab | KeyCode::Up => Action::PreviousField,
                KeyCode::Char('s') if ctrl => Action::Submit,
                KeyCode::Char('r') if ctrl => Action::ReloadConflict,
                KeyCode::Char('o') if ctrl => Action::Overwrite,
                KeyCode::Enter if form.is_last_field() => Action::Submit,
                KeyCode::Enter => Action::NextField,
                _ => Action::EditText(key),
            });
        }
        Some(Dialog::ConfirmDelete(_)) => {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::Confirm),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    Some(Action::Back)
                }
                KeyCode::Enter => Some(Action::Submit),
                KeyCode::Tab
                | KeyCode::BackTab
                | KeyCode::Left
                | KeyCode::Right
                | KeyCode::Char('h')
                | KeyCode::Char('l') => Some(Action::ToggleButton),
                _ => None,
            };
        }
        Some(Dialog::Cast(view)) => return cast_key(view, key, ctrl),
        Some(Dialog::Filmography(_)) => {
            return match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('c') => Some(Action::Back),
                KeyCode::Up | KeyCode::Char('k') => Some(Action::Move(Movement::Up)),
                KeyCode::Down | KeyCode::Char('j') => Some(Action::Move(Movement::Down)),
                KeyCode::Char('R') => Some(Action::Reload),
                KeyCode::Char('?') => Some(Action::ToggleHelp),
                _ => None,
            };
        }
        None => {}
    }
    if app.table().filtering() {
        return Some(match key.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => Action::FinishFilter,
            KeyCode::Up => Action::Move(Movement::Up),
            KeyCode::Down => Action::Move(Movement::Down),
            _ => Action::EditText(key),
        });
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('1') => Action::SelectTab(Tab::Actors),
        KeyCode::Char('2') => Action::SelectTab(Tab::Movies),
        KeyCode::Tab => Action::NextTab,
        KeyCode::BackTab => Action::PreviousTab,
        KeyCode::Up | KeyCode::Char('k') => Action::Move(Movement::Up),
        KeyCode::Down | KeyCode::Char('j') => Action::Move(Movement::Down),
        KeyCode::PageUp => Action::Move(Movement::PageUp),
        KeyCode::PageDown => Action::Move(Movement::PageDown),
        KeyCode::Home | KeyCode::Char('g') => Action::Move(Movement::Top),
        KeyCode::End | KeyCode::Char('G') => Action::Move(Movement::Bottom),
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('S') => Action::ReverseSort,
        KeyCode::Char('R') => Action::Reload,
        KeyCode::Char('n') => Action::New,
        KeyCode::Char('e') | KeyCode::Enter => Action::Edit,
        KeyCode::Char('d') => Action::Delete,
        KeyCode::Char('c') => Action::OpenCast,
        _ => return None,
    })
}

/// Whether a text field has focus: there keys are text, Alt included.
fn editing_text(app: &App) -> bool {
    if app.session.is_none() {
        return matches!(app.login.focus, LoginFocus::Username | LoginFocus::Password);
    }
    if app.help {
        return false;
    }
    match &app.dialog {
        Some(Dialog::Form(_)) => true,
        Some(Dialog::Cast(view)) => {
            matches!(view.mode, CastMode::Picker(_) | CastMode::Character(_))
        }
        Some(_) => false,
        None => app.table().filtering(),
    }
}

fn cast_key(view: &CastView, key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match &view.mode {
        CastMode::Browse => match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('c') => Action::Back,
            KeyCode::Up | KeyCode::Char('k') => Action::Move(Movement::Up),
            KeyCode::Down | KeyCode::Char('j') => Action::Move(Movement::Down),
            KeyCode::Char('a') | KeyCode::Char('n') => Action::AddCast,
            KeyCode::Char('e') | KeyCode::Enter => Action::Edit,
            KeyCode::Char('x') | KeyCode::Char('d') => Action::RemoveCast,
            KeyCode::Char('R') => Action::Reload,
            KeyCode::Char('?') => Action::ToggleHelp,
            _ => return None,
        },
        CastMode::Picker(_) => match key.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Up => Action::Move(Movement::Up),
            KeyCode::Down => Action::Move(Movement::Down),
            KeyCode::Enter => Action::Submit,
            _ => Action::EditText(key),
        },
        CastMode::Character(_) => match key.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => Action::Submit,
            KeyCode::Char('s') if ctrl => Action::Submit,
            _ => Action::EditText(key),
        },
        CastMode::ConfirmRemove { .. } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Action::Confirm,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                Action::Back
            }
            KeyCode::Enter => Action::Submit,
            KeyCode::Tab
            | KeyCode::BackTab
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h')
            | KeyCode::Char('l') => Action::ToggleButton,
            _ => return None,
        },
    })
}

fn login_key(app: &App, key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Tab | KeyCode::Down => Action::NextField,
        KeyCode::BackTab | KeyCode::Up => Action::PreviousField,
        KeyCode::Char(' ') if app.login.focus == LoginFocus::Remember => Action::ToggleRemember,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('b') if ctrl => Action::BrowserSignIn,
        _ => Action::EditText(key),
    })
}

/// Every key, for the help overlay: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("1 / 2, Tab / Shift-Tab", "Actors / Movies tab"),
    ("↑ ↓ or j k", "move one row"),
    ("PgUp / PgDn", "move one screen"),
    ("g / G, Home / End", "first / last row"),
    ("/", "filter as you type (Enter keeps, Esc clears)"),
    ("s / S", "sort by the next column / reverse the order"),
    ("R", "reload from the server"),
    ("n", "new actor or movie"),
    ("e or Enter", "edit the selected row"),
    ("d", "delete the selected row (asks first)"),
    ("c", "a movie's cast / an actor's movies"),
    ("a / e / x", "in a cast: add an actor / character / remove"),
    ("Tab / Shift-Tab", "in a dialog: next / previous field"),
    (
        "Enter, Ctrl-S",
        "in a dialog: save (Enter on the last field)",
    ),
    ("Esc", "close a dialog or help; clear the filter"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
];
