//! What a table shows of each kind of row: its columns (with the API's
//! sort field) and its cells.

use casting_shared::{Actor, Movie};

use crate::collection::Collection;
use crate::record::{Record, Rows};

pub struct Column {
    pub title: &'static str,
    /// The API's sort field, if the server can sort by it.
    pub sort: Option<&'static str>,
    /// Takes the room left over (the name or title).
    pub main: bool,
}

impl Column {
    /// A column the server sorts by `field`.
    const fn sorted(title: &'static str, field: &'static str) -> Self {
        Self {
            title,
            sort: Some(field),
            main: false,
        }
    }

    /// The name or title column: it takes the room left over.
    const fn main(title: &'static str, field: &'static str) -> Self {
        Self {
            main: true,
            ..Self::sorted(title, field)
        }
    }
}

/// What a table needs to know about the rows it shows.
pub trait TableRow: Clone + Send + 'static {
    const COLLECTION: Collection;
    const COLUMNS: &'static [Column];
    fn id(&self) -> i64;
    fn cells(&self) -> Vec<String>;
    /// What people call it: a name or a title.
    fn label(&self) -> &str;
    fn record(&self) -> Record;
    /// The rows of a page answer, if they are of this kind.
    fn from_rows(rows: Rows) -> Option<Vec<Self>>;
}

impl TableRow for Actor {
    const COLLECTION: Collection = Collection::Actors;
    const COLUMNS: &'static [Column] = &[
        Column::sorted("ID", "id"),
        Column::main("Name", "name"),
        Column::sorted("Age", "age"),
        Column::sorted("Gender", "gender"),
    ];
    fn id(&self) -> i64 {
        self.id
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.age.to_string(),
            self.gender.clone(),
        ]
    }
    fn label(&self) -> &str {
        &self.name
    }
    fn record(&self) -> Record {
        Record::Actor(self.clone())
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Actors(rows) => Some(rows),
            Rows::Movies(_) => None,
        }
    }
}

impl TableRow for Movie {
    const COLLECTION: Collection = Collection::Movies;
    const COLUMNS: &'static [Column] = &[
        Column::sorted("ID", "id"),
        Column::main("Title", "title"),
        Column::sorted("Release date", "release_date"),
    ];
    fn id(&self) -> i64 {
        self.id
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.title.clone(),
            casting_shared::domain::format_date(self.release_date),
        ]
    }
    fn label(&self) -> &str {
        &self.title
    }
    fn record(&self) -> Record {
        Record::Movie(self.clone())
    }
    fn from_rows(rows: Rows) -> Option<Vec<Self>> {
        match rows {
            Rows::Movies(rows) => Some(rows),
            Rows::Actors(_) => None,
        }
    }
}
