//! What the API hands back, by kind: a page of rows, one record, and what
//! is linked to a record (a movie's cast, an actor's movies).

use casting_shared::api::{CastEntry, FilmographyEntry};
use casting_shared::{Actor, Movie};

use crate::collection::Collection;

/// A page of one collection's rows.
#[derive(Debug, Clone)]
pub enum Rows {
    Actors(Vec<Actor>),
    Movies(Vec<Movie>),
}

/// One actor or movie.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Actor(Actor),
    Movie(Movie),
}

impl Record {
    pub fn collection(&self) -> Collection {
        match self {
            Record::Actor(_) => Collection::Actors,
            Record::Movie(_) => Collection::Movies,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            Record::Actor(a) => a.id,
            Record::Movie(m) => m.id,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Record::Actor(a) => &a.name,
            Record::Movie(m) => &m.title,
        }
    }
}

/// What is linked to a record: a movie's cast, an actor's movies.
#[derive(Debug, Clone, PartialEq)]
pub enum Related {
    Cast(Vec<CastEntry>),
    Filmography(Vec<FilmographyEntry>),
}

impl Related {
    pub fn len(&self) -> usize {
        match self {
            Related::Cast(entries) => entries.len(),
            Related::Filmography(entries) => entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of an actor in a cast, or the title of a movie in a filmography.
    pub fn name_of(&self, collection: Collection, id: i64) -> Option<String> {
        match self {
            Related::Cast(entries) => cast_name(entries, collection, id),
            Related::Filmography(entries) => filmography_name(entries, collection, id),
        }
    }

    /// Whether it lists this actor (a cast) or this movie (a filmography).
    pub fn lists(&self, collection: Collection, id: i64) -> bool {
        self.name_of(collection, id).is_some()
    }

    /// Each entry's texts a list filter looks in: who or what, and the character.
    pub fn texts(&self) -> Vec<[&str; 2]> {
        match self {
            Related::Cast(entries) => entries.iter().map(cast_texts).collect(),
            Related::Filmography(entries) => entries.iter().map(filmography_texts).collect(),
        }
    }
}

pub fn cast_texts(entry: &CastEntry) -> [&str; 2] {
    [&entry.actor.name, entry.character.as_deref().unwrap_or("")]
}

pub fn filmography_texts(entry: &FilmographyEntry) -> [&str; 2] {
    [&entry.movie.title, entry.character.as_deref().unwrap_or("")]
}

/// An actor's name, if a cast lists them.
pub fn cast_name(entries: &[CastEntry], collection: Collection, id: i64) -> Option<String> {
    entries
        .iter()
        .find(|e| collection == Collection::Actors && e.actor.id == id)
        .map(|e| e.actor.name.clone())
}

/// A movie's title, if a filmography lists it.
pub fn filmography_name(
    entries: &[FilmographyEntry],
    collection: Collection,
    id: i64,
) -> Option<String> {
    entries
        .iter()
        .find(|e| collection == Collection::Movies && e.movie.id == id)
        .map(|e| e.movie.title.clone())
}
