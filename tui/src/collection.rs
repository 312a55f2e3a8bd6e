//! The two collections the client shows: actors and movies. One type names
//! them everywhere (tabs, requests, results, dialogs), so no string can
//! silently mean the wrong one.

use casting_shared::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Actors,
    Movies,
}

impl Collection {
    pub const ALL: [Collection; 2] = [Collection::Actors, Collection::Movies];

    /// The API path segment: `/actors`, `/movies`.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Actors => "actors",
            Collection::Movies => "movies",
        }
    }

    /// One of them, in prose: "actor", "movie".
    pub fn noun(self) -> &'static str {
        match self {
            Collection::Actors => "actor",
            Collection::Movies => "movie",
        }
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Collection::Actors => "Actors",
            Collection::Movies => "Movies",
        }
    }

    pub fn other(self) -> Collection {
        match self {
            Collection::Actors => Collection::Movies,
            Collection::Movies => Collection::Actors,
        }
    }

    pub fn create_permission(self) -> Permission {
        match self {
            Collection::Actors => Permission::PostActors,
            Collection::Movies => Permission::PostMovies,
        }
    }

    pub fn edit_permission(self) -> Permission {
        match self {
            Collection::Actors => Permission::PatchActors,
            Collection::Movies => Permission::PatchMovies,
        }
    }

    pub fn delete_permission(self) -> Permission {
        match self {
            Collection::Actors => Permission::DeleteActors,
            Collection::Movies => Permission::DeleteMovies,
        }
    }

    /// Parses `actors` / `movies` (the command line's spelling).
    pub fn parse(text: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.path() == text)
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}
