//! What can happen to the app: a user's intent (from [`crate::keymap`]) or
//! the result of background work (from [`crate::runtime`]).

use casting_shared::api::{AuthConfig, CastEntry, ExternalLogin, FilmographyEntry};
use casting_shared::{Actor, Movie};
use crossterm::event::KeyEvent;

use crate::api::{ApiError, Tagged};
use crate::app::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Actors,
    Movies,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

#[derive(Debug)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Esc: close what is open, or clear the filter.
    Back,
    SelectTab(Tab),
    NextTab,
    PreviousTab,
    Move(Movement),
    StartFilter,
    FinishFilter,
    /// A key for the focused text field.
    EditText(KeyEvent),
    CycleSort,
    ReverseSort,
    Reload,
    New,
    Edit,
    Delete,
    /// `c`: a movie's cast, or an actor's filmography.
    OpenCast,
    /// `a` in a cast: add an actor.
    AddCast,
    /// `x` in a cast: remove the selected actor.
    RemoveCast,
    NextField,
    PreviousField,
    /// Enter on the last field, or Ctrl-S.
    Submit,
    ToggleRemember,
    BrowserSignIn,
    /// `y` in a confirmation.
    Confirm,
    /// Moves between a confirmation's buttons.
    ToggleButton,
    /// After a 412: load the server's version into the form.
    ReloadConflict,
    /// After a 412: save anyway, over the other change.
    Overwrite,
    Resize(u16, u16),
    /// Animation of the loading indicator.
    Tick,
    /// Background work finished.
    Done(Outcome),
}

/// Results of background work.
#[derive(Debug)]
pub enum Outcome {
    AuthConfig(Result<AuthConfig, ApiError>),
    LoggedIn {
        result: Result<Session, ApiError>,
        remember: bool,
    },
    /// A remembered token was checked with `/auth/me`.
    Restored(Result<Session, ApiError>),
    ActorsPage {
        generation: u64,
        page: usize,
        result: Result<(Vec<Actor>, usize), ApiError>,
    },
    MoviesPage {
        generation: u64,
        page: usize,
        result: Result<(Vec<Movie>, usize), ApiError>,
    },
    /// A row fetched for its ETag when an edit dialog opens, or after a 412.
    ActorFetched(Result<Tagged<Actor>, ApiError>),
    MovieFetched(Result<Tagged<Movie>, ApiError>),
    Saved {
        collection: &'static str,
        created: bool,
        result: Result<i64, ApiError>,
    },
    Deleted {
        collection: &'static str,
        id: i64,
        label: String,
        result: Result<(), ApiError>,
    },
    Device(DeviceEvent),
    CastLoaded {
        movie_id: i64,
        result: Result<Vec<CastEntry>, ApiError>,
    },
    CastSearch {
        movie_id: i64,
        generation: u64,
        result: Result<(Vec<Actor>, usize), ApiError>,
    },
    CastAssigned {
        movie_id: i64,
        actor: String,
        character: Option<String>,
        result: Result<(), ApiError>,
    },
    CastRemoved {
        movie_id: i64,
        actor: String,
        result: Result<(), ApiError>,
    },
    FilmographyLoaded {
        actor_id: i64,
        result: Result<Vec<FilmographyEntry>, ApiError>,
    },
}

/// Progress of a browser sign-in (OAuth device flow).
#[derive(Debug)]
pub enum DeviceEvent {
    /// Show this to the user; the browser was asked to open it.
    Started {
        verification_uri: String,
        verification_uri_complete: Option<String>,
        user_code: String,
        browser_opened: bool,
    },
    Approved(Session),
    Failed(String),
}

/// The external issuer, for starting a device flow.
pub type ExternalIssuer = ExternalLogin;
