//! What a list asks the store for: its order (a sort column and direction)
//! and where its page starts (a page number, or just after a row). The API
//! reads them from the query string and writes the `next` cursor
//! (`crate::listing`); the store turns them into SQL.

use time::{Date, OffsetDateTime};

/// Which page of a list, with `per_page` capped at
/// [`MAX_PER_PAGE`](casting_shared::api::MAX_PER_PAGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// The type of a sort column's values, which a cursor carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A name, title or gender: sorted by its folded key
    /// ([`casting_shared::names::fold`]), stored in `{column}_key`.
    Text,
    Int,
    Date,
    /// A moment (PostgreSQL `timestamptz`, SQLite unix seconds).
    Time,
}

/// A column a list may be sorted by, besides `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortColumn {
    pub name: &'static str,
    pub kind: KeyKind,
}

/// A sort column (one of a resource's whitelisted columns, or `id`) and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    /// `None` for `id`.
    pub kind: Option<KeyKind>,
    pub descending: bool,
}

impl Sort {
    pub const BY_ID: Sort = Sort {
        column: "id",
        kind: None,
        descending: false,
    };

    /// The column the statements order by: a text column's folded key
    /// (migrations/*/0014), else the column itself.
    pub fn sql_column(self) -> &'static str {
        match (self.kind, self.column) {
            (Some(KeyKind::Text), "name") => "name_key",
            (Some(KeyKind::Text), "title") => "title_key",
            (Some(KeyKind::Text), "gender") => "gender_key",
            (_, column) => column,
        }
    }

    pub fn sql_direction(self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }
}

/// A sort column's value in one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    /// The folded key of a name, title or gender.
    Text(String),
    Int(i64),
    Date(Date),
    Time(OffsetDateTime),
}

/// The position after a row in a sorted list: its sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `None` when the list is sorted by `id`.
    pub value: Option<SortValue>,
    pub id: i64,
}

/// Where a page starts: a page number (OFFSET, kept for the seed's
/// clients), or just after a cursor (keyset: as cheap deep as at the top).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    Page(Page),
    After { cursor: Cursor, per_page: u32 },
}

impl Position {
    pub fn per_page(&self) -> u32 {
        match self {
            Position::Page(page) => page.per_page,
            Position::After { per_page, .. } => *per_page,
        }
    }

    pub fn offset(&self) -> i64 {
        match self {
            Position::Page(page) => page.offset(),
            Position::After { .. } => 0,
        }
    }

    /// The page number a response names; `None` after a cursor.
    pub fn page_number(&self) -> Option<u32> {
        match self {
            Position::Page(page) => Some(page.page),
            Position::After { .. } => None,
        }
    }
}
