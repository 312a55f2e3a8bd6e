//! The whole client state and `update`: the only place state changes.
//! `update` never does I/O; it returns [`Effect`]s for the runtime to run.

use casting_shared::api::{AuthConfig, ExternalLogin};
use casting_shared::{Actor, Movie, Permission, Role};
use crossterm::event::{Event, KeyEvent};
use serde_json::Value;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::action::{Action, DeviceEvent, Movement, Outcome, Tab};
use crate::api::ApiError;
use crate::cast::{CastMode, CastRequest, CastView, FilmographyView};
use crate::config::SavedToken;
use crate::form::{Checked, Form};
use crate::table::{PageRequest, Record, Table, TableOps};

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub username: Option<String>,
    pub role: Option<Role>,
    pub permissions: Vec<Permission>,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

impl Session {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn who(&self) -> String {
        self.username.clone().unwrap_or_else(|| "signed in".into())
    }

    pub fn role_name(&self) -> &'static str {
        self.role.map_or("no role", Role::name)
    }
}

/// Background work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadAuthConfig,
    Login {
        username: String,
        password: String,
        remember: bool,
    },
    Restore {
        token: String,
        expires_at: i64,
    },
    FetchActors(PageRequest),
    FetchMovies(PageRequest),
    FetchActor(i64),
    FetchMovie(i64),
    Create {
        collection: &'static str,
        body: Value,
    },
    Update {
        collection: &'static str,
        id: i64,
        body: Value,
        etag: Option<String>,
    },
    Delete {
        collection: &'static str,
        id: i64,
        label: String,
        etag: Option<String>,
    },
    SaveToken(SavedToken),
    ForgetToken,
    StartDeviceFlow(ExternalLogin),
    Cast {
        movie_id: i64,
        request: CastRequest,
    },
    FetchFilmography(i64),
    CancelDeviceFlow,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFocus {
    Username,
    Password,
    Remember,
    Browser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub tone: Tone,
}

impl Message {
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Info,
        }
    }
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Success,
        }
    }
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: Tone::Error,
        }
    }
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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Delete,
}

pub struct ConfirmDelete {
    pub collection: &'static str,
    pub id: i64,
    pub label: String,
    pub selected: Button,
    /// The version shown when the question was asked, sent as `If-Match`.
    pub etag: Option<String>,
    /// Why it is asked again (the row changed meanwhile).
    pub note: Option<String>,
}

pub enum Dialog {
    Form(Form),
    ConfirmDelete(ConfirmDelete),
    Cast(CastView),
    Filmography(FilmographyView),
}

pub struct App {
    pub server: String,
    /// `None` shows the login screen.
    pub session: Option<Session>,
    pub login: LoginScreen,
    pub auth_config: Option<AuthConfig>,
    pub tab: Tab,
    pub actors: Table<Actor>,
    pub movies: Table<Movie>,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub status: Option<Message>,
    pub width: u16,
    pub height: u16,
    pub tick: usize,
    pub color: bool,
    pub quitting: bool,
}

/// Rows of the terminal that are not table rows: tabs, filter line, table
/// border and header, status bar and key bar (see `ui`).
pub const CHROME_ROWS: u16 = 7;

impl App {
    pub fn new(server: String) -> Self {
        Self {
            server,
            session: None,
            login: LoginScreen::default(),
            auth_config: None,
            tab: Tab::Actors,
            actors: Table::default(),
            movies: Table::default(),
            dialog: None,
            help: false,
            status: None,
            width: 80,
            height: 24,
            tick: 0,
            color: true,
            quitting: false,
        }
    }

    /// The first effects: what the login screen needs, or a remembered session.
    pub fn start(&mut self, saved: Option<SavedToken>) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadAuthConfig];
        if let Some(saved) = saved {
            self.login.busy = true;
            self.login.message = Some(Message::info("Resuming your remembered session…"));
            effects.push(Effect::Restore {
                token: saved.token,
                expires_at: saved.expires_at,
            });
        }
        effects
    }

    /// Table rows that fit on screen.
    pub fn viewport(&self) -> usize {
        usize::from(self.height.saturating_sub(CHROME_ROWS)).max(1)
    }

    pub fn loading(&self) -> bool {
        self.login.busy
            || self.actors.loading > 0
            || self.movies.loading > 0
            || matches!(&self.dialog, Some(Dialog::Form(f)) if f.saving)
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.session.as_ref().is_some_and(|s| s.can(permission))
    }

    /// Permissions behind the keys of the current tab: (create, edit, delete).
    pub fn tab_permissions(&self) -> (Permission, Permission, Permission) {
        match self.tab {
            Tab::Actors => (Actor::CREATE, Actor::EDIT, Actor::DELETE),
            Tab::Movies => (Movie::CREATE, Movie::EDIT, Movie::DELETE),
        }
    }

    /// Whether a text field has the keyboard (single-letter keys are text then).
    pub fn typing(&self) -> bool {
        self.session.is_none()
            || matches!(self.dialog, Some(Dialog::Form(_)))
            || matches!(
                &self.dialog,
                Some(Dialog::Cast(view)) if matches!(view.mode, CastMode::Picker(_) | CastMode::Character(_))
            )
            || self.current_filtering()
    }

    fn current_filtering(&self) -> bool {
        self.table().filtering()
    }

    /// The table on screen.
    pub fn table(&self) -> &dyn TableOps {
        match self.tab {
            Tab::Actors => &self.actors,
            Tab::Movies => &self.movies,
        }
    }

    pub fn external_login(&self) -> Option<&ExternalLogin> {
        self.auth_config
            .as_ref()
            .and_then(|c| c.external.as_ref())
            .filter(|e| e.device_authorization_endpoint.is_some() && e.client_id.is_some())
    }

    fn forbid(&mut self, what: &str, permission: Permission) {
        let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
        self.status = Some(Message::error(format!(
            "{role} cannot {what} ({permission})"
        )));
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.quitting = true;
                vec![Effect::Quit]
            }
            Action::Resize(width, height) => {
                self.width = width;
                self.height = height;
                self.fetch_visible()
            }
            Action::Tick => {
                self.tick = self.tick.wrapping_add(1);
                Vec::new()
            }
            Action::Done(outcome) => self.finish(outcome),
            action if self.session.is_none() => self.update_login(action),
            Action::ToggleHelp => {
                self.help = !self.help;
                Vec::new()
            }
            action if self.help => {
                // Any key closes the help overlay.
                drop(action);
                self.help = false;
                Vec::new()
            }
            action if self.dialog.is_some() => self.update_dialog(action),
            action => self.update_main(action),
        }
    }

    fn update_login(&mut self, action: Action) -> Vec<Effect> {
        let has_browser = self.external_login().is_some();
        let login = &mut self.login;
        let order: Vec<LoginFocus> = [
            LoginFocus::Username,
            LoginFocus::Password,
            LoginFocus::Remember,
        ]
        .into_iter()
        .chain(has_browser.then_some(LoginFocus::Browser))
        .collect();
        let position = order.iter().position(|f| *f == login.focus).unwrap_or(0);
        match action {
            Action::NextField => login.focus = order[(position + 1) % order.len()],
            Action::PreviousField => {
                login.focus = order[(position + order.len() - 1) % order.len()];
            }
            Action::ToggleRemember => login.remember = !login.remember,
            Action::EditText(key) => match login.focus {
                LoginFocus::Username => {
                    login.username.handle_event(&Event::Key(key));
                }
                LoginFocus::Password => {
                    login.password.handle_event(&Event::Key(key));
                }
                LoginFocus::Remember if key.code == crossterm::event::KeyCode::Char(' ') => {
                    login.remember = !login.remember;
                }
                _ => {}
            },
            Action::BrowserSignIn => return self.start_browser_sign_in(),
            Action::Submit if login.focus == LoginFocus::Browser => {
                return self.start_browser_sign_in();
            }
            Action::Submit if !login.busy => {
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
            Action::Back if login.device.is_some() => {
                login.device = None;
                login.busy = false;
                login.message = Some(Message::info("Browser sign-in cancelled"));
                return vec![Effect::CancelDeviceFlow];
            }
            Action::Back => {
                self.quitting = true;
                return vec![Effect::Quit];
            }
            _ => {}
        }
        Vec::new()
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

    fn update_main(&mut self, action: Action) -> Vec<Effect> {
        let viewport = self.viewport();
        if self.current_filtering() {
            return self.update_filter(action);
        }
        match action {
            Action::SelectTab(tab) => self.tab = tab,
            Action::NextTab | Action::PreviousTab => {
                self.tab = match self.tab {
                    Tab::Actors => Tab::Movies,
                    Tab::Movies => Tab::Actors,
                };
            }
            Action::Move(movement) => self.table_mut().apply_movement(movement, viewport),
            Action::StartFilter => self.table_mut().set_filtering(true),
            Action::Back if self.table_mut().clear_filter() => {
                self.status = Some(Message::info("Filter cleared"));
            }
            Action::CycleSort => self.table_mut().cycle_sort(),
            Action::ReverseSort => self.table_mut().reverse_sort(),
            Action::Reload => {
                self.table_mut().reload();
                self.status = Some(Message::info("Reloading…"));
            }
            Action::New => return self.open_new(),
            Action::Edit => return self.open_edit(),
            Action::Delete => return self.open_delete(),
            Action::OpenCast => return self.open_cast(),
            Action::Quit => {
                self.quitting = true;
                return vec![Effect::Quit];
            }
            _ => {}
        }
        self.fetch_visible()
    }

    fn update_filter(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::EditText(key) => {
                if !self.table_mut().edit_filter(key) {
                    return Vec::new();
                }
            }
            Action::FinishFilter => self.table_mut().set_filtering(false),
            Action::Back => {
                let table = self.table_mut();
                table.set_filtering(false);
                table.clear_filter();
            }
            Action::Move(movement) => {
                let viewport = self.viewport();
                self.table_mut().apply_movement(movement, viewport);
            }
            _ => return Vec::new(),
        }
        self.fetch_visible()
    }

    fn table_mut(&mut self) -> &mut dyn TableOps {
        match self.tab {
            Tab::Actors => &mut self.actors,
            Tab::Movies => &mut self.movies,
        }
    }

    /// Requests for the pages on screen that are not loaded yet.
    pub fn fetch_visible(&mut self) -> Vec<Effect> {
        if self.session.is_none() {
            return Vec::new();
        }
        let viewport = self.viewport();
        match self.tab {
            Tab::Actors => self
                .actors
                .wanted_pages(viewport)
                .into_iter()
                .map(Effect::FetchActors)
                .collect(),
            Tab::Movies => self
                .movies
                .wanted_pages(viewport)
                .into_iter()
                .map(Effect::FetchMovies)
                .collect(),
        }
    }

    fn open_new(&mut self) -> Vec<Effect> {
        let (create, _, _) = self.tab_permissions();
        if !self.can(create) {
            let noun = self.noun();
            self.forbid(&format!("add {noun}s"), create);
            return Vec::new();
        }
        self.dialog = Some(Dialog::Form(match self.tab {
            Tab::Actors => Form::new_actor(),
            Tab::Movies => Form::new_movie(),
        }));
        Vec::new()
    }

    fn noun(&self) -> &'static str {
        match self.tab {
            Tab::Actors => Actor::NOUN,
            Tab::Movies => Movie::NOUN,
        }
    }

    fn open_edit(&mut self) -> Vec<Effect> {
        let (_, edit, _) = self.tab_permissions();
        if !self.can(edit) {
            let noun = self.noun();
            self.forbid(&format!("edit {noun}s"), edit);
            return Vec::new();
        }
        let (form, effect) = match self.tab {
            Tab::Actors => match self.actors.selected_row() {
                Some(actor) => (Form::edit_actor(actor), Effect::FetchActor(actor.id)),
                None => return Vec::new(),
            },
            Tab::Movies => match self.movies.selected_row() {
                Some(movie) => (Form::edit_movie(movie), Effect::FetchMovie(movie.id)),
                None => return Vec::new(),
            },
        };
        self.dialog = Some(Dialog::Form(form));
        // Its current version (ETag) for If-Match, fetched while the user types.
        vec![effect]
    }

    fn open_delete(&mut self) -> Vec<Effect> {
        let (_, _, delete) = self.tab_permissions();
        if !self.can(delete) {
            let noun = self.noun();
            self.forbid(&format!("delete {noun}s"), delete);
            return Vec::new();
        }
        let selected = match self.tab {
            Tab::Actors => self
                .actors
                .selected_row()
                .map(|r| (r.id, r.label().to_owned())),
            Tab::Movies => self
                .movies
                .selected_row()
                .map(|r| (r.id, r.label().to_owned())),
        };
        let Some((id, label)) = selected else {
            return Vec::new();
        };
        let collection = match self.tab {
            Tab::Actors => Actor::COLLECTION,
            Tab::Movies => Movie::COLLECTION,
        };
        self.dialog = Some(Dialog::ConfirmDelete(ConfirmDelete {
            collection,
            id,
            label,
            selected: Button::Cancel,
            etag: None,
            note: None,
        }));
        // The version being deleted, for If-Match.
        fetch_row(collection, Some(id))
    }

    fn open_cast(&mut self) -> Vec<Effect> {
        match self.tab {
            Tab::Movies => {
                let Some(movie) = self.movies.selected_row() else {
                    return Vec::new();
                };
                let view = CastView::new(
                    movie.id,
                    movie.title.clone(),
                    self.can(Permission::PatchMovies),
                );
                let movie_id = movie.id;
                self.dialog = Some(Dialog::Cast(view));
                vec![Effect::Cast {
                    movie_id,
                    request: CastRequest::Load,
                }]
            }
            Tab::Actors => {
                let Some(actor) = self.actors.selected_row() else {
                    return Vec::new();
                };
                let actor_id = actor.id;
                self.dialog = Some(Dialog::Filmography(FilmographyView::new(
                    actor.id,
                    actor.name.clone(),
                )));
                vec![Effect::FetchFilmography(actor_id)]
            }
        }
    }

    fn update_cast(&mut self, action: Action) -> Vec<Effect> {
        let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
        let Some(Dialog::Cast(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        let movie_id = view.movie_id;
        let browsing = matches!(view.mode, CastMode::Browse);
        let changes = matches!(action, Action::AddCast | Action::Edit | Action::RemoveCast);
        if browsing && changes && !view.can_change {
            self.status = Some(Message::error(format!(
                "{role} cannot change casts ({})",
                Permission::PatchMovies
            )));
            return Vec::new();
        }
        let request = match action {
            Action::Back => {
                if view.back() {
                    self.dialog = None;
                }
                None
            }
            Action::Move(Movement::Up) => {
                view.move_by(-1);
                None
            }
            Action::Move(Movement::Down) => {
                view.move_by(1);
                None
            }
            Action::Reload if browsing => Some(CastRequest::Load),
            Action::AddCast if browsing => Some(view.open_picker()),
            Action::Edit if browsing => {
                view.open_character();
                None
            }
            Action::RemoveCast if browsing => {
                view.open_remove();
                None
            }
            Action::EditText(key) => view.edit_text(key),
            Action::Submit => view.submit(),
            Action::Confirm => view.confirm(),
            Action::ToggleButton => {
                view.toggle_button();
                None
            }
            _ => None,
        };
        request
            .map(|request| vec![Effect::Cast { movie_id, request }])
            .unwrap_or_default()
    }

    fn update_dialog(&mut self, action: Action) -> Vec<Effect> {
        if matches!(self.dialog, Some(Dialog::Cast(_))) {
            return self.update_cast(action);
        }
        if let Some(Dialog::Filmography(view)) = self.dialog.as_mut() {
            match action {
                Action::Back | Action::OpenCast | Action::Quit => self.dialog = None,
                Action::Move(Movement::Up) => view.move_by(-1),
                Action::Move(Movement::Down) => view.move_by(1),
                Action::Reload => return vec![Effect::FetchFilmography(view.actor_id)],
                _ => {}
            }
            return Vec::new();
        }
        match self.dialog.as_mut() {
            Some(Dialog::Form(form)) => match action {
                Action::Back => {
                    self.dialog = None;
                    self.status = Some(Message::info("Cancelled"));
                }
                Action::NextField => form.next_field(),
                Action::PreviousField => form.previous_field(),
                Action::EditText(key) => {
                    form.focused().input.handle_event(&Event::Key(key));
                }
                Action::Submit if !form.saving => return self.save_form(false),
                Action::Overwrite if form.theirs.is_some() => return self.save_form(true),
                Action::ReloadConflict if form.conflict.is_some() && !form.load_theirs() => {
                    return fetch_row(form.collection, form.id);
                }
                _ => {}
            },
            Some(Dialog::ConfirmDelete(confirm)) => match action {
                Action::Back => {
                    self.dialog = None;
                    self.status = Some(Message::info("Nothing deleted"));
                }
                Action::ToggleButton => {
                    confirm.selected = match confirm.selected {
                        Button::Cancel => Button::Delete,
                        Button::Delete => Button::Cancel,
                    };
                }
                Action::Confirm => return self.delete_confirmed(),
                Action::Submit => {
                    if confirm.selected == Button::Delete {
                        return self.delete_confirmed();
                    }
                    self.dialog = None;
                    self.status = Some(Message::info("Nothing deleted"));
                }
                _ => {}
            },
            _ => {}
        }
        Vec::new()
    }

    fn delete_confirmed(&mut self) -> Vec<Effect> {
        let Some(Dialog::ConfirmDelete(confirm)) = self.dialog.take() else {
            return Vec::new();
        };
        self.status = Some(Message::info(format!("Deleting {}…", confirm.label)));
        vec![Effect::Delete {
            collection: confirm.collection,
            id: confirm.id,
            label: confirm.label,
            etag: confirm.etag,
        }]
    }

    fn save_form(&mut self, overwrite: bool) -> Vec<Effect> {
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        // Not the last field: Enter moves on.
        match form.check() {
            Checked::Invalid => {
                form.message = Some("Fix the fields marked with !".into());
                Vec::new()
            }
            Checked::Unchanged => {
                self.dialog = None;
                self.status = Some(Message::info("No changes to save"));
                Vec::new()
            }
            Checked::Body(body) => {
                form.saving = true;
                form.message = None;
                let collection = form.collection;
                match form.id {
                    None => vec![Effect::Create { collection, body }],
                    Some(id) => vec![Effect::Update {
                        collection,
                        id,
                        body,
                        // Overwriting replaces the version the user was just shown.
                        etag: if overwrite {
                            form.overwrite_etag()
                        } else {
                            form.etag.clone()
                        },
                    }],
                }
            }
        }
    }

    /// A 401 anywhere after login: back to the login screen.
    fn session_lost(&mut self) -> Vec<Effect> {
        self.session = None;
        self.dialog = None;
        self.help = false;
        self.actors = Table::default();
        self.movies = Table::default();
        self.login = LoginScreen {
            message: Some(Message::error(
                "Your session has expired or was revoked. Please log in again.",
            )),
            ..LoginScreen::default()
        };
        vec![Effect::ForgetToken]
    }

    fn explain(&mut self, error: &ApiError, what: &str) -> Option<Vec<Effect>> {
        match error.status() {
            Some(401) => Some(self.session_lost()),
            Some(403) => {
                let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
                self.status = Some(Message::error(format!("{role} cannot {what}")));
                None
            }
            _ => {
                self.status = Some(Message::error(error.describe()));
                None
            }
        }
    }

    fn logged_in(&mut self, session: Session) -> Vec<Effect> {
        let who = format!("{} ({})", session.who(), session.role_name());
        self.session = Some(session);
        self.login = LoginScreen::default();
        self.status = Some(Message::success(format!("Logged in as {who}")));
        self.fetch_visible()
    }

    fn finish(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::AuthConfig(Ok(config)) => self.auth_config = Some(config),
            Outcome::AuthConfig(Err(error)) => {
                if self.session.is_none() && !self.login.busy {
                    self.login.message = Some(Message::error(error.describe()));
                }
            }
            Outcome::LoggedIn { result, remember } => match result {
                Ok(session) => {
                    let mut effects = Vec::new();
                    if remember {
                        effects.push(Effect::SaveToken(SavedToken {
                            server: self.server.clone(),
                            token: session.token.clone(),
                            expires_at: session.expires_at,
                        }));
                    }
                    effects.extend(self.logged_in(session));
                    return effects;
                }
                Err(error) => {
                    self.login.busy = false;
                    let text = match error.status() {
                        Some(401) => "Wrong username or password".to_owned(),
                        _ => error.describe(),
                    };
                    self.login.message = Some(Message::error(text));
                    self.login.password.reset();
                    self.login.focus = LoginFocus::Password;
                }
            },
            Outcome::Restored(Ok(session)) => return self.logged_in(session),
            Outcome::Restored(Err(error)) => {
                self.login.busy = false;
                return match error.status() {
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
                };
            }
            Outcome::ActorsPage {
                generation,
                page,
                result,
            } => match result {
                Ok((rows, total)) => self.actors.apply_page(generation, page, rows, total),
                Err(error) => {
                    self.actors.apply_error(generation, page, error.describe());
                    if let Some(effects) = self.explain(&error, "see actors") {
                        return effects;
                    }
                }
            },
            Outcome::MoviesPage {
                generation,
                page,
                result,
            } => match result {
                Ok((rows, total)) => self.movies.apply_page(generation, page, rows, total),
                Err(error) => {
                    self.movies.apply_error(generation, page, error.describe());
                    if let Some(effects) = self.explain(&error, "see movies") {
                        return effects;
                    }
                }
            },
            Outcome::ActorFetched(result) => {
                return self.fetched(result.map(|t| (Form::edit_actor(&t.value), t.etag)));
            }
            Outcome::MovieFetched(result) => {
                return self.fetched(result.map(|t| (Form::edit_movie(&t.value), t.etag)));
            }
            Outcome::Saved {
                collection,
                created,
                result,
            } => return self.saved(collection, created, result),
            Outcome::Deleted {
                collection,
                id,
                label,
                result,
            } => match result {
                Ok(()) => {
                    self.status = Some(Message::success(format!("Deleted {label}")));
                    self.invalidate(collection);
                }
                Err(error) if error.status() == Some(412) => {
                    self.invalidate(collection);
                    self.dialog = Some(Dialog::ConfirmDelete(ConfirmDelete {
                        collection,
                        id,
                        label: label.clone(),
                        selected: Button::Cancel,
                        etag: None,
                        note: Some(format!(
                            "{label} changed since you looked (the table is reloading). Delete it anyway?"
                        )),
                    }));
                    self.status = Some(Message::error(format!("{label} changed meanwhile")));
                    let mut effects = fetch_row(collection, Some(id));
                    effects.extend(self.fetch_visible());
                    return effects;
                }
                Err(error) => {
                    if error.status() == Some(404) {
                        self.status = Some(Message::info(format!("{label} was already deleted")));
                        self.invalidate(collection);
                    } else if let Some(effects) =
                        self.explain(&error, &format!("delete {collection}"))
                    {
                        return effects;
                    }
                }
            },
            Outcome::Device(event) => return self.device(event),
            Outcome::CastLoaded { movie_id, result } => {
                if let Some(effects) = self.cast_outcome(movie_id, result.map(Some)) {
                    return effects;
                }
            }
            Outcome::CastSearch {
                movie_id,
                generation,
                result,
            } => {
                if let Some(Dialog::Cast(view)) = self.dialog.as_mut()
                    && view.movie_id == movie_id
                {
                    let failed = result.as_ref().err().cloned();
                    view.search_results(generation, result.map_err(|e| e.describe()));
                    if let Some(error) = failed
                        && let Some(effects) = self.explain(&error, "see actors")
                    {
                        return effects;
                    }
                }
            }
            Outcome::CastAssigned {
                movie_id,
                actor,
                character,
                result,
            } => {
                let done = match &character {
                    Some(character) => format!("{actor} plays {character}"),
                    None => format!("{actor} is in the cast"),
                };
                return self.cast_changed(movie_id, done, result);
            }
            Outcome::CastRemoved {
                movie_id,
                actor,
                result,
            } => {
                return self.cast_changed(
                    movie_id,
                    format!("Removed {actor} from the cast"),
                    result,
                );
            }
            Outcome::FilmographyLoaded { actor_id, result } => {
                if let Some(Dialog::Filmography(view)) = self.dialog.as_mut()
                    && view.actor_id == actor_id
                {
                    match result {
                        Ok(entries) => {
                            view.entries = Some(entries);
                            view.error = None;
                        }
                        Err(error) => {
                            view.error = Some(error.describe());
                            if let Some(effects) = self.explain(&error, "see filmographies") {
                                return effects;
                            }
                        }
                    }
                }
            }
        }
        if self.session.is_some() {
            self.fetch_visible()
        } else {
            Vec::new()
        }
    }

    /// A cast list arrived (or failed); `None` when nothing more is to do.
    fn cast_outcome(
        &mut self,
        movie_id: i64,
        result: Result<Option<Vec<casting_shared::api::CastEntry>>, ApiError>,
    ) -> Option<Vec<Effect>> {
        let Some(Dialog::Cast(view)) = self.dialog.as_mut() else {
            return None;
        };
        if view.movie_id != movie_id {
            return None;
        }
        match result {
            Ok(Some(entries)) => view.loaded(Ok(entries)),
            Ok(None) => {}
            Err(error) => {
                view.loaded(Err(error.describe()));
                return self.explain(&error, "see casts");
            }
        }
        None
    }

    /// After an assignment or removal: report, and re-read the cast.
    fn cast_changed(
        &mut self,
        movie_id: i64,
        done: String,
        result: Result<(), ApiError>,
    ) -> Vec<Effect> {
        let Some(Dialog::Cast(view)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if view.movie_id != movie_id {
            return Vec::new();
        }
        match result {
            Ok(()) => {
                view.mode = CastMode::Browse;
                self.status = Some(Message::success(done));
                vec![Effect::Cast {
                    movie_id,
                    request: CastRequest::Load,
                }]
            }
            Err(error) => {
                let field = match &error {
                    ApiError::Status { fields, .. } => fields.get("character").cloned(),
                    _ => None,
                };
                view.assign_failed(field, error.describe());
                self.explain(&error, "change casts").unwrap_or_default()
            }
        }
    }

    fn invalidate(&mut self, collection: &str) {
        if collection == Actor::COLLECTION {
            self.actors.invalidate();
        } else {
            self.movies.invalidate();
        }
    }

    /// The current row for an open dialog: its ETag for If-Match, or after
    /// a 412 what the server holds now.
    fn fetched(&mut self, result: Result<(Form, Option<String>), ApiError>) -> Vec<Effect> {
        if let Some(Dialog::ConfirmDelete(confirm)) = self.dialog.as_mut() {
            if let Ok((fresh, etag)) = &result
                && fresh.id == Some(confirm.id)
            {
                confirm.etag = etag.clone();
            }
            return Vec::new();
        }
        let Some(Dialog::Form(form)) = self.dialog.as_mut() else {
            return Vec::new();
        };
        match result {
            Ok((fresh, etag)) if form.id == fresh.id => {
                if form.conflict.is_some() {
                    form.show_theirs(&fresh, etag);
                } else {
                    form.etag = etag;
                }
            }
            Ok(_) => {}
            Err(error) if error.status() == Some(404) => {
                form.message = Some("This row no longer exists on the server".into());
            }
            Err(error) => {
                if let Some(effects) = self.explain(&error, "read this row") {
                    return effects;
                }
            }
        }
        Vec::new()
    }

    fn saved(
        &mut self,
        collection: &str,
        created: bool,
        result: Result<i64, ApiError>,
    ) -> Vec<Effect> {
        let noun = if collection == Actor::COLLECTION {
            "actor"
        } else {
            "movie"
        };
        match result {
            Ok(id) => {
                self.dialog = None;
                self.status = Some(Message::success(if created {
                    format!("Created {noun} #{id}")
                } else {
                    format!("Saved {noun} #{id}")
                }));
                self.invalidate(collection);
                self.fetch_visible()
            }
            Err(error) => {
                let verb = if created { "add" } else { "edit" };
                if let Some(Dialog::Form(form)) = self.dialog.as_mut() {
                    form.saving = false;
                    match &error {
                        ApiError::Status {
                            status: 422,
                            fields,
                            ..
                        } => {
                            form.apply_server_errors(fields);
                            return Vec::new();
                        }
                        ApiError::Status { status: 412, .. } => {
                            form.conflict = Some(format!(
                                "Someone else changed this {noun} since you opened it; loading theirs…"
                            ));
                            return fetch_row(form.collection, form.id);
                        }
                        ApiError::Status { status: 404, .. } => {
                            form.message = Some(format!("This {noun} no longer exists"));
                            return Vec::new();
                        }
                        _ => {}
                    }
                    if error.status() != Some(401) && error.status() != Some(403) {
                        form.message = Some(error.describe());
                    }
                }
                self.explain(&error, &format!("{verb} {noun}s"))
                    .unwrap_or_default()
            }
        }
    }

    fn device(&mut self, event: DeviceEvent) -> Vec<Effect> {
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
                let mut effects = Vec::new();
                if self.login.remember {
                    effects.push(Effect::SaveToken(SavedToken {
                        server: self.server.clone(),
                        token: session.token.clone(),
                        expires_at: session.expires_at,
                    }));
                }
                effects.extend(self.logged_in(session));
                effects
            }
            DeviceEvent::Failed(why) => {
                self.login.device = None;
                self.login.busy = false;
                self.login.message = Some(Message::error(why));
                Vec::new()
            }
        }
    }

    /// Runs one key through the keymap and `update`.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match crate::keymap::action_for(self, key) {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }
}

/// Fetches one row (its ETag and current values).
fn fetch_row(collection: &str, id: Option<i64>) -> Vec<Effect> {
    match (collection, id) {
        ("actors", Some(id)) => vec![Effect::FetchActor(id)],
        (_, Some(id)) => vec![Effect::FetchMovie(id)],
        _ => Vec::new(),
    }
}
