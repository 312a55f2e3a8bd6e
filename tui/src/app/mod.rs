//! The whole client state and `update`: the only place state changes.
//! `update` never does I/O; it returns [`Effect`]s for the runtime to run.
//! Each view's updates live in their own module: [`login`] (and the session:
//! renewal, the login overlay, log-out), [`table`], [`detail`], [`dialogs`]
//! (edit form, filters, export, the confirmation), [`cast`], [`help`],
//! [`history`] and [`live`] (a colleague's changes as they happen),
//! [`changes`] (the recent changes view), [`undo`] (`u` after a write) and
//! [`marks`] (marked rows: bulk delete, copy).

pub mod cast;
pub mod changes;
pub mod detail;
pub mod dialogs;
pub mod help;
pub mod history;
pub mod live;
pub mod login;
pub mod marks;
pub mod palette;
pub mod pipeline;
pub mod roles;
pub mod schedule;
pub mod table;
pub mod undo;

use casting_shared::Permission;
use casting_shared::api::{AuthConfig, ExternalLogin};
use casting_shared::{Actor, Movie};

use crate::action::{Action, Mouse, Outcome};
use crate::api::ApiError;
use crate::bindings::{Bindings, Command, Need};
use crate::cast::{CastView, FilmographyView};
use crate::collection::Collection;
use crate::config::{Config, ServerEntry, ThemeName};
use crate::confirm::Confirm;
use crate::filters::FilterDialog;
use crate::form::Form;
use crate::table::{Table, TableOps};

pub use crate::confirm::Button;
pub use crate::effect::Effect;
pub use crate::session::Session;
pub use changes::ChangesView;
pub use detail::DetailView;
pub use dialogs::ExportDialog;
pub use history::HistoryView;
pub use live::{Flash, LiveStatus};
pub use login::{DeviceSignIn, LoginFocus, LoginScreen, ServerPicker};

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

pub enum Dialog {
    Form(Form),
    Cast(CastView),
    Filmography(FilmographyView),
    Filters(FilterDialog),
    Export(ExportDialog),
    History(HistoryView),
    /// A movie's roles, and a role's pipeline over them.
    Roles(Box<crate::casting::roles::RolesView>),
    /// The recent changes: the whole feed, newest first.
    Changes(Box<ChangesView>),
}

/// Ticks (of the runtime's clock) a status message stays: errors stay until replaced.
pub const STATUS_TICKS: usize = 40;

pub struct App {
    pub server: String,
    /// `None` shows the login screen.
    pub session: Option<Session>,
    /// The session ended (expired, revoked): the login overlay is shown over
    /// the screen, and everything under it stays as it was.
    pub relogin: bool,
    pub login: LoginScreen,
    /// Several servers are named in the config and none was chosen yet.
    pub servers: Option<ServerPicker>,
    pub auth_config: Option<AuthConfig>,
    pub tab: Collection,
    /// The Auditions tab is shown (over the tab's table).
    pub auditions_tab: bool,
    pub schedule: crate::casting::schedule::ScheduleView,
    pub actors: Table<Actor>,
    pub movies: Table<Movie>,
    /// Detail views, the last on top; Esc walks back through them.
    pub details: Vec<DetailView>,
    pub dialog: Option<Dialog>,
    /// The question being asked, over everything else.
    pub confirm: Option<Confirm>,
    /// Help is open, scrolled this many lines.
    pub help: Option<usize>,
    /// `/` in help: the keys it keeps.
    pub help_filter: crate::list_filter::ListFilter,
    /// The `:` command palette is open.
    pub palette: Option<crate::palette::Palette>,
    /// A `:actor 42` or `:movie Dune` waiting for its answer.
    pub pending_jump: Option<crate::palette::Jump>,
    pub status: Option<Message>,
    /// The tick at which the status message goes.
    pub status_until: Option<usize>,
    /// The table being reloaded with `R` (its status says so until it is done).
    pub reloading: Option<Collection>,
    pub bindings: Bindings,
    pub width: u16,
    pub height: u16,
    pub tick: usize,
    pub color: bool,
    pub theme: ThemeName,
    pub config: Config,
    pub mouse: bool,
    /// A write that failed with 401, sent again once after logging in again.
    pub retry: Option<Effect>,
    /// The last write sent, in case it fails with 401.
    pub last_write: Option<Effect>,
    /// A token renewal is in flight.
    pub renewing: bool,
    /// No renewal before this time (seconds since the epoch): after a
    /// failure, or until the token expires when it cannot be renewed.
    pub renew_not_before: i64,
    /// The live feed of changes (shown in the tab bar).
    pub live: LiveStatus,
    /// Rows a colleague just changed, highlighted for a while.
    pub flashes: Vec<Flash>,
    pub quitting: bool,
    /// More keys of a burst (a paste) follow this one: the table filter
    /// asks the server once, after the last (see the runtime).
    pub in_burst: bool,
    /// The rows marked with Space.
    pub marks: marks::Marks,
    /// The user's last write, for `u`.
    pub undoable: Option<undo::Undoable>,
}

/// Rows one notch of the mouse wheel moves.
pub const WHEEL_ROWS: usize = 3;

/// Rows of the terminal that are not table rows: tabs, filter line, table
/// border and header, status bar and key bar (see `ui`).
pub const CHROME_ROWS: u16 = 7;

impl App {
    pub fn new(server: String) -> Self {
        Self {
            server,
            session: None,
            relogin: false,
            login: LoginScreen::default(),
            servers: None,
            auth_config: None,
            tab: Collection::Actors,
            auditions_tab: false,
            schedule: Default::default(),
            actors: Table::default(),
            movies: Table::default(),
            details: Vec::new(),
            dialog: None,
            confirm: None,
            help: None,
            help_filter: Default::default(),
            palette: None,
            pending_jump: None,
            status: None,
            status_until: None,
            reloading: None,
            bindings: Bindings::default(),
            width: 80,
            height: 24,
            tick: 0,
            color: true,
            theme: ThemeName::Dark,
            config: Config::default(),
            mouse: true,
            retry: None,
            last_write: None,
            renewing: false,
            renew_not_before: 0,
            live: LiveStatus::Off,
            flashes: Vec::new(),
            quitting: false,
            in_burst: false,
            marks: marks::Marks::default(),
            undoable: None,
        }
    }

    /// Applies the config file: keys, theme, colours, mouse.
    pub fn configure(&mut self, config: Config) -> Result<(), String> {
        self.bindings = Bindings::with_overrides(&config.keys)?;
        self.theme = config.theme;
        self.mouse = config.mouse;
        self.config = config;
        Ok(())
    }

    /// Starts with a picker over the config's servers.
    pub fn pick_server(&mut self, servers: Vec<ServerEntry>) {
        self.servers = Some(ServerPicker {
            entries: servers,
            selected: 0,
        });
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
            || (self.auditions_tab && self.schedule.loading)
    }

    /// The login screen (or overlay) has the keyboard.
    pub fn needs_login(&self) -> bool {
        self.session.is_none() || self.relogin
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.session.as_ref().is_some_and(|s| s.can(permission))
    }

    /// The collection the keys act on: the top detail view's, else the tab's.
    pub fn focus_collection(&self) -> Collection {
        self.details.last().map_or(self.tab, |d| d.collection)
    }

    /// The permission a binding needs here, if any.
    pub fn permission_for(&self, need: Need) -> Option<Permission> {
        let collection = self.focus_collection();
        match need {
            Need::Nothing => None,
            Need::Create => Some(collection.create_permission()),
            Need::Edit => Some(collection.edit_permission()),
            Need::Delete => Some(collection.delete_permission()),
            Need::ChangeCast => Some(Permission::PatchMovies),
            Need::Undo => self.undo_permission(),
        }
    }

    /// Whether the user's role allows a binding (offered in footer and help).
    pub fn allows(&self, need: Need) -> bool {
        self.permission_for(need).is_none_or(|p| self.can(p))
    }

    /// The table on screen.
    pub fn table(&self) -> &dyn TableOps {
        self.table_of(self.tab)
    }

    pub fn table_of(&self, collection: Collection) -> &dyn TableOps {
        match collection {
            Collection::Actors => &self.actors,
            Collection::Movies => &self.movies,
        }
    }

    fn table_mut(&mut self) -> &mut dyn TableOps {
        self.table_mut_of(self.tab)
    }

    fn table_mut_of(&mut self, collection: Collection) -> &mut dyn TableOps {
        match collection {
            Collection::Actors => &mut self.actors,
            Collection::Movies => &mut self.movies,
        }
    }

    pub fn external_login(&self) -> Option<&ExternalLogin> {
        self.auth_config
            .as_ref()
            .and_then(|c| c.external.as_ref())
            .filter(|e| e.device_authorization_endpoint.is_some() && e.client_id.is_some())
    }

    /// Shows a message in the status bar; errors stay until replaced, the
    /// others go after a while.
    pub fn set_status(&mut self, message: Message) {
        self.status_until = match message.tone {
            Tone::Error => None,
            _ => Some(self.tick + STATUS_TICKS),
        };
        self.status = Some(message);
    }

    fn forbid(&mut self, what: &str, permission: Permission) {
        let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
        self.set_status(Message::error(format!(
            "{role} cannot {what} ({permission})"
        )));
    }

    /// Checks a command's permission, saying why not when it is missing.
    fn permitted(&mut self, need: Need, what: &str) -> bool {
        match self.permission_for(need) {
            Some(permission) if !self.can(permission) => {
                self.forbid(what, permission);
                false
            }
            _ => true,
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Resize(width, height) => {
                self.width = width;
                self.height = height;
                let viewport = self.viewport();
                self.actors.keep_visible(viewport);
                self.movies.keep_visible(viewport);
                self.fetch_visible()
            }
            Action::Tick => {
                self.tick = self.tick.wrapping_add(1);
                if self.status_until.is_some_and(|until| self.tick >= until) {
                    self.status = None;
                    self.status_until = None;
                }
                self.expire_flashes();
                Vec::new()
            }
            Action::RenewSession => self.renew(),
            Action::Done(outcome) => self.finish(outcome),
            Action::Command(Command::Quit) => {
                self.quitting = true;
                vec![Effect::Quit]
            }
            action if self.servers.is_some() => self.update_servers(action),
            action if self.help.is_some() => {
                self.update_help(action);
                Vec::new()
            }
            action if self.needs_login() => self.update_login(action),
            action if self.palette.is_some() => self.update_palette(action),
            Action::Mouse(mouse) => self.mouse_event(mouse),
            action if self.confirm.is_some() => self.update_confirm(action),
            action if self.dialog.is_some() => self.update_dialog(action),
            action if !self.details.is_empty() => self.update_detail(action),
            action if self.auditions_tab => self.update_schedule(action),
            action => self.update_main(action),
        }
    }

    fn update_help(&mut self, action: Action) {
        let Some(scroll) = self.help else {
            return;
        };
        if self.help_filter.active {
            let mut selected = 0;
            if self.help_filter.take(&action, &mut selected) {
                self.help = Some(0);
                return;
            }
        }
        let layout = self.help_layout(self.width, self.height);
        match action {
            Action::Command(Command::Move(movement)) => {
                let positions = layout.last_scroll() + 1;
                let scroll = scroll.min(layout.last_scroll());
                self.help = Some(movement.apply(scroll, positions, layout.visible));
            }
            Action::Command(Command::Filter) => self.help_filter.active = true,
            Action::Command(Command::Back | Command::Help) => {
                self.help = None;
                self.help_filter.clear();
            }
            _ => {}
        }
    }

    /// The mouse: a click selects a tab or a row, a double click opens the
    /// row, the wheel scrolls. Only on the tables (dialogs take keys).
    fn mouse_event(&mut self, mouse: Mouse) -> Vec<Effect> {
        if !self.mouse || self.confirm.is_some() || self.help.is_some() || self.dialog.is_some() {
            return Vec::new();
        }
        let viewport = self.viewport();
        if self.auditions_tab && self.details.is_empty() {
            if let Mouse::Click { column, row: 0 } | Mouse::DoubleClick { column, row: 0 } = mouse
                && let Some(tab) = table::tab_at(column)
            {
                self.auditions_tab = false;
                self.tab = tab;
                return self.fetch_visible();
            }
            return Vec::new();
        }
        if !self.details.is_empty() {
            let movement = match mouse {
                Mouse::ScrollUp => crate::action::Movement::Up,
                Mouse::ScrollDown => crate::action::Movement::Down,
                _ => return Vec::new(),
            };
            return (0..WHEEL_ROWS)
                .flat_map(|_| self.update_detail(Command::Move(movement).into()))
                .collect();
        }
        match mouse {
            // The wheel moves three rows a notch, as terminals scroll.
            Mouse::ScrollUp => {
                for _ in 0..WHEEL_ROWS {
                    self.table_mut()
                        .apply_movement(crate::action::Movement::Up, viewport);
                }
            }
            Mouse::ScrollDown => {
                for _ in 0..WHEEL_ROWS {
                    self.table_mut()
                        .apply_movement(crate::action::Movement::Down, viewport);
                }
            }
            Mouse::Click { column, row } | Mouse::DoubleClick { column, row } => {
                if row == 0 {
                    if let Some(tab) = table::tab_at(column) {
                        self.tab = tab;
                    }
                    return self.fetch_visible();
                }
                // Rows start below the tabs, the filter line, the border and the header.
                let Some(index) = usize::from(row)
                    .checked_sub(4)
                    .filter(|i| *i < viewport)
                    .map(|i| i + self.table().offset())
                else {
                    return Vec::new();
                };
                if index >= self.table().len() {
                    return Vec::new();
                }
                self.table_mut().select_index(index, viewport);
                if matches!(mouse, Mouse::DoubleClick { .. }) {
                    return self.open_detail();
                }
            }
        }
        self.fetch_visible()
    }

    fn finish(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::AuthConfig(Ok(config)) => self.auth_config = Some(config),
            Outcome::AuthConfig(Err(error)) => {
                if self.session.is_none() && !self.login.busy {
                    // Say how to point the client elsewhere.
                    let how = match error {
                        ApiError::Unreachable(_) => format!(
                            " ({}). Type another address in Server and press Enter, start with --server URL, or set server = \"URL\" in config.toml.",
                            self.server
                        ),
                        _ => String::new(),
                    };
                    if matches!(error, ApiError::Unreachable(_)) {
                        self.server_unreachable();
                    }
                    self.login.message = Some(Message::error(format!("{}{how}", error.describe())));
                }
            }
            Outcome::LoggedIn { result, remember } => return self.login_answered(result, remember),
            Outcome::Restored(result) => return self.restored(result),
            Outcome::Refreshed(result) => return self.refreshed(result),
            Outcome::Device(event) => return self.device(event),
            Outcome::Page {
                collection,
                request,
                result,
            } => {
                if let Some(effects) = self.page_arrived(collection, &request, result) {
                    return effects;
                }
            }
            Outcome::Fetched {
                collection,
                id,
                result,
            } => return self.fetched(collection, id, result),
            Outcome::RelatedLoaded {
                collection,
                id,
                result,
            } => return self.related_loaded(collection, id, result),
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
            } => return self.deleted(collection, id, label, result),
            Outcome::CastSearch {
                movie_id,
                generation,
                after,
                result,
            } => return self.cast_search(movie_id, generation, after.is_none(), result),
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
            Outcome::ServerChosen(saved) => return self.start(saved),
            Outcome::Live(event) => return self.live_event(event),
            Outcome::Casting(reply) => return self.casting_reply(*reply),
            Outcome::Changes(reply) => return self.changes_reply(*reply),
            Outcome::History {
                collection,
                id,
                result,
            } => return self.history_loaded(collection, id, result),
            Outcome::Exported { path, result } => self.exported(path, result),
        }
        if self.session.is_some() {
            self.fetch_visible()
        } else {
            Vec::new()
        }
    }

    /// Says what went wrong; a 401 brings the login overlay. `Some` when
    /// that needs effects of its own.
    fn explain(&mut self, error: &ApiError, what: &str) -> Option<Vec<Effect>> {
        match error.status() {
            Some(401) => Some(self.session_expired()),
            Some(403) => {
                let role = self.session.as_ref().map_or("Your role", |s| s.role_name());
                self.set_status(Message::error(format!("{role} cannot {what}")));
                None
            }
            _ => {
                self.set_status(Message::error(error.describe()));
                None
            }
        }
    }
}
