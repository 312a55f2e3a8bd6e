//! Background work `App::update` asks the runtime to do. `update` never does
//! I/O itself; results come back as [`crate::action::Outcome`]s.

use casting_shared::api::ExternalLogin;
use serde_json::Value;

use crate::api::ListParams;
use crate::cast::CastRequest;
use crate::collection::Collection;
use crate::session::{Renewal, SavedToken};
use crate::table::PageRequest;

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
    /// A fresh token: `POST /auth/refresh` with the current one, or the
    /// identity provider's refresh token.
    Refresh {
        token: String,
        renewal: Renewal,
    },
    FetchPage {
        collection: Collection,
        request: PageRequest,
    },
    FetchRow {
        collection: Collection,
        id: i64,
    },
    /// A movie's cast or an actor's movies.
    FetchRelated {
        collection: Collection,
        id: i64,
    },
    /// Who changed a record, when, from what to what.
    FetchHistory {
        collection: Collection,
        id: i64,
    },
    Create {
        collection: Collection,
        body: Value,
    },
    Update {
        collection: Collection,
        id: i64,
        body: Value,
        etag: Option<String>,
    },
    Delete {
        collection: Collection,
        id: i64,
        label: String,
        etag: Option<String>,
    },
    SaveToken(SavedToken),
    ForgetToken,
    StartDeviceFlow(ExternalLogin),
    CancelDeviceFlow,
    Cast {
        movie_id: i64,
        request: CastRequest,
    },
    /// Every row matching `params` (all pages) to a CSV file.
    Export {
        collection: Collection,
        params: ListParams,
        path: String,
        /// Write over a file that is there (asked in the dialog first).
        overwrite: bool,
    },
    /// A request of the casting pipeline (roles, candidates, auditions).
    Casting(crate::casting::Request),
    /// The change feed, undoing changes, deleting the marked rows.
    Changes(crate::undo::Request),
    /// Text to the terminal's clipboard (OSC 52).
    Copy(String),
    /// Talk to this server from now on (chosen in the picker).
    UseServer(String),
    Quit,
}
