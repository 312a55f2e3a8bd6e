//! What can happen to the app: a user's intent (a [`Command`] from the
//! keymap, typing, the mouse) or the result of background work (from
//! [`crate::runtime`]).

use casting_shared::Actor;
use casting_shared::api::AuthConfig;
use casting_shared::changes::Change;
use crossterm::event::KeyEvent;

use crate::api::{ApiError, ListPage, Tagged};
use crate::bindings::Command;
use crate::collection::Collection;
use crate::live::LiveEvent;
use crate::session::{SavedToken, Session};
use crate::table::PageRequest;

pub use crate::bindings::Movement;
pub use crate::record::{Record, Related, Rows};

#[derive(Debug)]
pub enum Action {
    Command(Command),
    /// A key for the focused text field.
    EditText(KeyEvent),
    Mouse(Mouse),
    Resize(u16, u16),
    /// Animation of the loading indicator.
    Tick,
    /// The token is due for renewal.
    RenewSession,
    /// Background work finished.
    Done(Outcome),
}

impl From<Command> for Action {
    fn from(command: Command) -> Self {
        Action::Command(command)
    }
}

/// A mouse event, in terminal cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    Click { column: u16, row: u16 },
    DoubleClick { column: u16, row: u16 },
    ScrollUp,
    ScrollDown,
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
    /// `POST /auth/refresh` answered.
    Refreshed(Result<Session, ApiError>),
    Page {
        collection: Collection,
        /// What was asked (its generation, end, page and cursor).
        request: Box<PageRequest>,
        result: Result<ListPage<Rows>, ApiError>,
    },
    /// One row, with its ETag: for an edit dialog, a confirmation, a detail
    /// view, or after a 412.
    Fetched {
        collection: Collection,
        id: i64,
        result: Result<Tagged<Record>, ApiError>,
    },
    /// A record's cast or filmography.
    RelatedLoaded {
        collection: Collection,
        id: i64,
        result: Result<Related, ApiError>,
    },
    Saved {
        collection: Collection,
        created: bool,
        result: Result<i64, ApiError>,
    },
    Deleted {
        collection: Collection,
        id: i64,
        label: String,
        result: Result<(), ApiError>,
    },
    Device(DeviceEvent),
    CastSearch {
        movie_id: i64,
        generation: u64,
        /// The cursor it was read after (`None`: the first page).
        after: Option<String>,
        result: Result<ListPage<Vec<Actor>>, ApiError>,
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
    Exported {
        path: String,
        result: Result<usize, crate::export::ExportError>,
    },
    /// The picked server is in use; its remembered token, if any.
    ServerChosen(Option<SavedToken>),
    /// The live feed of changes.
    Live(LiveEvent),
    /// A casting pipeline's request answered.
    Casting(Box<crate::casting::Reply>),
    /// The change feed, an undo or a bulk delete answered.
    Changes(Box<crate::undo::Reply>),
    /// A record's history, newest first.
    History {
        collection: Collection,
        id: i64,
        result: Result<Vec<Change>, ApiError>,
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
