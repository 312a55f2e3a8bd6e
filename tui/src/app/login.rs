//! The login screen and the session's life: logging in (password or
//! browser), a remembered token, renewal before expiry, the login overlay
//! when the session ends (everything under it kept), log-out and switching
//! user, and the server picker at start.

use crossterm::event::{Event, KeyCode};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{App, Dialog, Effect, Message};
use crate::action::{Action, DeviceEvent};
use crate::api::ApiError;
use crate::bindings::Command;
use crate::config::ServerEntry;
use crate::session::{Renewal, SavedToken, Session, now};
use crate::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFocus {
    Username,
    Password,
    Remember,
    Browser,
    /// The server's address (on the first login, not the overlay).
    Server,
}

/// A browser sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSignIn {
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub user_code: String,
    pub browser_opened: bool,
}

pub struct LoginScreen {
    pub username: Input,
    pub password: Input,
    pub remember: bool,
    pub focus: LoginFocus,
    pub busy: bool,
    pub message: Option<Message>,
    pub device: Option<DeviceSignIn>,
    /// The server's address being edited (filled in when focused).
    pub server: Input,
}

impl Default for LoginScreen {
    fn default() -> Self {
        Self {
            username: Input::default(),
            password: Input::default(),
            remember: false,
            focus: LoginFocus::Username,
            busy: false,
            message: None,
            device: None,
            server: Input::default(),
        }
    }
}

impl LoginScreen {
    /// The Server field focused: it starts from the address in use.
    fn edit_server(&mut self, server: &str) {
        if self.focus == LoginFocus::Server && self.server.value().is_empty() {
            self.server = Input::new(server.to_owned());
        }
    }
}

/// The config's servers, to choose one at start.
pub struct ServerPicker {
    pub entries: Vec<ServerEntry>,
    pub selected: usize,
}

impl App {
    /// The first effects: what the login screen needs, or a remembered session.
    pub fn start(&mut self, saved: Option<SavedToken>) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadAuthConfig];
        if let Some(saved) = saved {
            self.login.busy = true;
            self.login.remember = true;
            self.login.message = Some(Message::info("Resuming your remembered session…"));
            effects.push(Effect::Restore {
                token: saved.token,
                expires_at: saved.expires_at,
            });
        }
        effects
    }

    pub(super) fn update_servers(&mut self, action: Action) -> Vec<Effect> {
        let Some(picker) = self.servers.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::Command(Command::Move(movement)) => {
                picker.selected = movement.apply(picker.selected, picker.entries.len(), 5);
            }
            Action::Command(Command::Pick) => {
                if let Some(entry) = picker.entries.get(picker.selected) {
                    self.server = crate::config::normalize(&entry.url);
                    self.servers = None;
                    return vec![Effect::UseServer(self.server.clone())];
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_login(&mut self, action: Action) -> Vec<Effect> {
        let has_browser = self.external_login().is_some();
        let server = self.server.clone();
        let login = &mut self.login;
        let order: Vec<LoginFocus> = [
            LoginFocus::Username,
            LoginFocus::Password,
            LoginFocus::Remember,
        ]
        .into_iter()
        .chain(has_browser.then_some(LoginFocus::Browser))
        .chain((!self.relogin).then_some(LoginFocus::Server))
        .collect();
        let position = order.iter().position(|f| *f == login.focus).unwrap_or(0);
        let Action::Command(command) = action else {
            if let Action::EditText(key) = action {
                // `?` on an empty field shows the keys (a password may have one).
                let empty = match login.focus {
                    LoginFocus::Username => login.username.value().is_empty(),
                    LoginFocus::Server => login.server.value().is_empty(),
                    _ => false,
                };
                if empty && key.code == KeyCode::Char('?') {
                    self.help = Some(0);
                    return Vec::new();
                }
                match login.focus {
                    LoginFocus::Username => {
                        login.username.handle_event(&Event::Key(key));
                    }
                    LoginFocus::Password => {
                        login.password.handle_event(&Event::Key(key));
                    }
                    LoginFocus::Server => {
                        login.server.handle_event(&Event::Key(key));
                    }
                    LoginFocus::Remember if key.code == KeyCode::Char(' ') => {
                        login.remember = !login.remember;
                    }
                    _ => {}
                }
            }
            return Vec::new();
        };
        match command {
            Command::NextField => {
                login.focus = order[(position + 1) % order.len()];
                login.edit_server(&server);
            }
            Command::PreviousField => {
                login.focus = order[(position + order.len() - 1) % order.len()];
                login.edit_server(&server);
            }
            Command::Help => self.help = Some(0),
            Command::LogIn if login.focus == LoginFocus::Server => return self.use_server(),
            Command::ToggleRemember => login.remember = !login.remember,
            Command::BrowserSignIn => return self.start_browser_sign_in(),
            Command::LogIn if login.focus == LoginFocus::Browser => {
                return self.start_browser_sign_in();
            }
            Command::LogIn if !login.busy => {
                let username = login.username.value().trim().to_owned();
                let password = login.password.value().to_owned();
                if username.is_empty() || password.is_empty() {
                    login.message = Some(Message::error("Enter your username and password"));
                    login.focus = if username.is_empty() {
                        LoginFocus::Username
                    } else {
                        LoginFocus::Password
                    };
                    return Vec::new();
                }
                login.busy = true;
                login.message = Some(Message::info("Logging in…"));
                return vec![Effect::Login {
                    username,
                    password,
                    remember: login.remember,
                }];
            }
            Command::Back if login.device.is_some() => {
                login.device = None;
                login.busy = false;
                login.message = Some(Message::info("Browser sign-in cancelled"));
                return vec![Effect::CancelDeviceFlow];
            }
            Command::Back => {
                self.quitting = true;
                return vec![Effect::Quit];
            }
            _ => {}
        }
        Vec::new()
    }

    /// Enter on the Server field: the client talks to that server now.
    fn use_server(&mut self) -> Vec<Effect> {
        let url = crate::config::normalize(self.login.server.value());
        if url.is_empty() {
            self.login.message = Some(Message::error("Enter the server's address"));
            return Vec::new();
        }
        self.server = url.clone();
        self.auth_config = None;
        self.login.focus = LoginFocus::Username;
        self.login.server = Input::default();
        self.login.message = Some(Message::info(format!("Server: {url}")));
        vec![Effect::UseServer(url)]
    }

    /// The server could not be reached: its field takes the keyboard.
    pub(super) fn server_unreachable(&mut self) {
        if self.relogin || self.login.busy {
            return;
        }
        self.login.focus = LoginFocus::Server;
        let server = self.server.clone();
        self.login.edit_server(&server);
    }

    fn start_browser_sign_in(&mut self) -> Vec<Effect> {
        let Some(external) = self.external_login().cloned() else {
            self.login.message = Some(Message::error(
                "This server has no external sign-in configured",
            ));
            return Vec::new();
        };
        self.login.busy = true;
        self.login.message = Some(Message::info("Starting browser sign-in…"));
        vec![Effect::StartDeviceFlow(external)]
    }

    pub(super) fn login_answered(
        &mut self,
        result: Result<Session, ApiError>,
        remember: bool,
    ) -> Vec<Effect> {
        match result {
            Ok(session) => self.logged_in(session, remember),
            Err(error) => {
                self.login.busy = false;
                let text = match error.status() {
                    Some(401) => "Wrong username or password".to_owned(),
                    _ => error.describe(),
                };
                self.login.message = Some(Message::error(text));
                // A wrong password is typed again; one the server never
                // judged (it was down, or busy) is kept for another try.
                if error.status() == Some(401) {
                    self.login.password.reset();
                }
                self.login.focus = LoginFocus::Password;
                Vec::new()
            }
        }
    }

    pub(super) fn restored(&mut self, result: Result<Session, ApiError>) -> Vec<Effect> {
        match result {
            Ok(session) => self.logged_in(session, false),
            Err(error) => {
                self.login.busy = false;
                match error.status() {
                    Some(401) => {
                        self.login.message = Some(Message::error(
                            "Your remembered session has expired or was revoked. Please log in again.",
                        ));
                        vec![Effect::ForgetToken]
                    }
                    _ => {
                        self.login.message = Some(Message::error(error.describe()));
                        Vec::new()
                    }
                }
            }
        }
    }

    /// Logged in: a first login shows the tables; a login on the overlay
    /// puts the user back where they were and sends the failed write again.
    pub(super) fn logged_in(&mut self, mut session: Session, remember: bool) -> Vec<Effect> {
        let mut effects = Vec::new();
        session.remembered |= remember;
        if remember {
            effects.push(Effect::SaveToken(session.saved(&self.server)));
        }
        let who = format!("{} ({})", session.who(), session.role_name());
        self.session = Some(session);
        self.renew_not_before = 0;
        self.login = LoginScreen::default();
        if self.relogin {
            self.relogin = false;
            self.set_status(Message::success(format!("Welcome back, {who}")));
            // Pages that failed meanwhile are asked again; the selection follows its row.
            self.actors.refresh();
            self.movies.refresh();
            if let Some(retry) = self.retry.take() {
                if let Some(Dialog::Form(form)) = self.dialog.as_mut() {
                    form.saving = true;
                    form.message = None;
                }
                self.last_write = Some(retry.clone());
                effects.push(retry);
            }
        } else {
            self.set_status(Message::success(format!("Logged in as {who}")));
        }
        effects.extend(self.fetch_visible());
        effects
    }

    /// The token is due for renewal.
    pub(super) fn renew(&mut self) -> Vec<Effect> {
        match &self.session {
            Some(session) if !self.renewing && !self.relogin => {
                if session.renewal == Renewal::Impossible {
                    // Nothing to renew it with: the login comes up as it expires.
                    if now() >= session.expires_at {
                        return self.session_expired();
                    }
                    self.renew_not_before = session.expires_at;
                    return Vec::new();
                }
                self.renewing = true;
                vec![Effect::Refresh {
                    token: session.token.clone(),
                    renewal: session.renewal.clone(),
                }]
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn refreshed(&mut self, result: Result<Session, ApiError>) -> Vec<Effect> {
        self.renewing = false;
        let Some(current) = self.session.as_mut() else {
            return Vec::new();
        };
        match result {
            Ok(fresh) => {
                // A token that ends no later than the one it replaces: the
                // server's session ends then (its maximum length), and
                // asking again is no use. The login comes up at that time.
                let ending = fresh.expires_at <= current.expires_at;
                current.token = fresh.token;
                current.expires_at = fresh.expires_at;
                current.issued_at = fresh.issued_at;
                current.role = fresh.role.or(current.role);
                current.permissions = fresh.permissions;
                current.renewal = if ending {
                    Renewal::Impossible
                } else {
                    fresh.renewal
                };
                let saved = current.remembered.then(|| current.saved(&self.server));
                self.renew_not_before = 0;
                saved.map(Effect::SaveToken).into_iter().collect()
            }
            // Renewal is refused (session too old, user disabled): log in again now,
            // before an edit is lost to an expired token.
            Err(error) if error.status() == Some(401) => self.session_expired(),
            // A server without renewal: the login comes up when the token expires.
            Err(error) if matches!(error.status(), Some(404 | 405)) => {
                current.renewal = Renewal::Impossible;
                Vec::new()
            }
            // Busy or down: asked again later, at the latest as the token
            // expires (refused then, it brings the login).
            Err(error) => {
                let wait = match &error {
                    ApiError::Status {
                        retry_after: Some(seconds),
                        ..
                    } => *seconds as i64,
                    _ => 30,
                };
                self.renew_not_before = (now() + wait).min(current.expires_at);
                Vec::new()
            }
        }
    }

    /// The session ended: the login overlay, over everything as it is.
    pub(super) fn session_expired(&mut self) -> Vec<Effect> {
        let username = self.session.as_ref().and_then(|s| s.username.clone());
        let remember = self.session.as_ref().is_some_and(|s| s.remembered);
        self.relogin = true;
        self.help = None;
        self.login = LoginScreen {
            username: Input::new(username.clone().unwrap_or_default()),
            focus: if username.is_some() {
                LoginFocus::Password
            } else {
                LoginFocus::Username
            },
            remember,
            message: Some(Message::error(
                "Your session has ended. Log in again to carry on where you were.",
            )),
            ..LoginScreen::default()
        };
        vec![Effect::ForgetToken]
    }

    /// Log out (or switch user): back to a fresh login screen.
    pub(super) fn log_out(&mut self, switching: bool) -> Vec<Effect> {
        let username = self.session.take().and_then(|s| s.username);
        self.relogin = false;
        self.details.clear();
        self.dialog = None;
        self.confirm = None;
        self.help = None;
        self.retry = None;
        self.actors = Table::default();
        self.movies = Table::default();
        self.status = None;
        self.flashes.clear();
        self.marks = Default::default();
        self.undoable = None;
        // Whether the server has a live feed does not change with the user.
        if self.live != super::LiveStatus::Unavailable {
            self.live = super::LiveStatus::Off;
        }
        let username = if switching {
            String::new()
        } else {
            username.unwrap_or_default()
        };
        self.login = LoginScreen {
            // The first empty field: the password when the name is kept.
            focus: if username.is_empty() {
                LoginFocus::Username
            } else {
                LoginFocus::Password
            },
            username: Input::new(username),
            message: Some(Message::info(if switching {
                "Logged out. Log in as someone else."
            } else {
                "Logged out."
            })),
            ..LoginScreen::default()
        };
        vec![Effect::ForgetToken]
    }

    pub(super) fn device(&mut self, event: DeviceEvent) -> Vec<Effect> {
        match event {
            DeviceEvent::Started {
                verification_uri,
                verification_uri_complete,
                user_code,
                browser_opened,
            } => {
                self.login.device = Some(DeviceSignIn {
                    verification_uri,
                    verification_uri_complete,
                    user_code,
                    browser_opened,
                });
                self.login.message = Some(Message::info("Waiting for approval in the browser…"));
                Vec::new()
            }
            DeviceEvent::Approved(session) => {
                let remember = self.login.remember;
                self.logged_in(session, remember)
            }
            DeviceEvent::Failed(why) => {
                self.login.device = None;
                self.login.busy = false;
                self.login.message = Some(Message::error(why));
                Vec::new()
            }
        }
    }
}
