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
