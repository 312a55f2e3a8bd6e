//! A paged, filtered, sorted view of a collection on the server. Only the
//! pages around what is on screen are fetched, so 100 000 rows feel like 100.

use std::collections::{HashMap, HashSet};

use casting_shared::{Actor, Movie, Permission};
use tui_input::Input;

use crate::api::ListParams;

/// Rows fetched per request.
pub const PAGE_SIZE: usize = 100;

pub struct Column {
    pub title: &'static str,
    /// The API's sort field, if the column can be sorted.
    pub sort: Option<&'static str>,
    /// Share of the table's width, in percent.
    pub width: u16,
}

/// What a table needs to know about the rows it shows.
pub trait Record: Clone + Send + 'static {
    const COLLECTION: &'static str;
    const NOUN: &'static str;
    const COLUMNS: &'static [Column];
    const CREATE: Permission;
    const EDIT: Permission;
    const DELETE: Permission;
    fn id(&self) -> i64;
    fn cells(&self) -> Vec<String>;
    /// What people call it: a name or a title.
    fn label(&self) -> &str;
}

impl Record for Actor {
    const COLLECTION: &'static str = "actors";
    const NOUN: &'static str = "actor";
    const COLUMNS: &'static [Column] = &[
        Column {
            title: "ID",
            sort: Some("id"),
            width: 10,
        },
        Column {
            title: "Name",
            sort: Some("name"),
            width: 50,
        },
        Column {
            title: "Age",
            sort: Some("age"),
            width: 10,
        },
        Column {
            title: "Gender",
            sort: None,
            width: 30,
        },
    ];
    const CREATE: Permission = Permission::PostActors;
    const EDIT: Permission = Permission::PatchActors;
    const DELETE: Permission = Permission::DeleteActors;
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
}

impl Record for Movie {
    const COLLECTION: &'static str = "movies";
    const NOUN: &'static str = "movie";
    const COLUMNS: &'static [Column] = &[
        Column {
            title: "ID",
            sort: Some("id"),
            width: 10,
        },
        Column {
            title: "Title",
            sort: Some("title"),
            width: 65,
        },
        Column {
            title: "Release date",
            sort: Some("release_date"),
            width: 25,
        },
    ];
    const CREATE: Permission = Permission::PostMovies;
    const EDIT: Permission = Permission::PatchMovies;
    const DELETE: Permission = Permission::DeleteMovies;
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
}

pub struct Table<R> {
    pages: HashMap<usize, Vec<R>>,
    /// Rows matching the filter on the server; `None` until the first answer.
    pub total: Option<usize>,
    pub selected: usize,
    /// Index of the first row on screen.
    pub offset: usize,
    /// Index into the sortable columns.
    pub sort_column: usize,
    pub descending: bool,
    pub filter: Input,
    /// The filter line has the keyboard.
    pub filtering: bool,
    /// Bumped whenever the query changes; answers to older queries are dropped.
    pub generation: u64,
    requested: HashSet<usize>,
    /// Rows on screen belong to an older query until its first page arrives.
    stale: bool,
    /// Requests of this table in flight.
    pub loading: usize,
    pub error: Option<String>,
}

impl<R: Record> Default for Table<R> {
    fn default() -> Self {
        Self {
            pages: HashMap::new(),
            total: None,
            selected: 0,
            offset: 0,
            sort_column: 0,
            descending: false,
            filter: Input::default(),
            filtering: false,
            generation: 0,
            requested: HashSet::new(),
            stale: false,
            loading: 0,
            error: None,
        }
    }
}

/// A page to fetch for a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub generation: u64,
    /// 0-based page index (the API's `page` is this + 1).
    pub page: usize,
    pub params: ListParams,
}

impl<R: Record> Table<R> {
    pub fn sortable() -> Vec<&'static Column> {
        R::COLUMNS.iter().filter(|c| c.sort.is_some()).collect()
    }

    pub fn sort_field(&self) -> &'static str {
        Self::sortable()
            .get(self.sort_column)
            .and_then(|c| c.sort)
            .unwrap_or("id")
    }

    pub fn len(&self) -> usize {
        self.total.unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, index: usize) -> Option<&R> {
        self.pages
            .get(&(index / PAGE_SIZE))
            .and_then(|rows| rows.get(index % PAGE_SIZE))
    }

    pub fn selected_row(&self) -> Option<&R> {
        self.row(self.selected)
    }

    /// How many rows are held in memory.
    pub fn loaded_rows(&self) -> usize {
        self.pages.values().map(Vec::len).sum()
    }

    pub fn query(&self) -> &str {
        self.filter.value()
    }

    fn params(&self, page: usize) -> ListParams {
        let sort = if self.descending {
            format!("-{}", self.sort_field())
        } else {
            self.sort_field().to_owned()
        };
        ListParams {
            page: page as u32 + 1,
            per_page: PAGE_SIZE as u32,
            sort,
            q: self.query().trim().to_owned(),
        }
    }

    /// The query changed (filter, sort, reload): older answers no longer count.
    pub fn invalidate(&mut self) {
        self.generation += 1;
        self.requested.clear();
        self.stale = true;
        self.error = None;
    }

    /// Pages covering the rows on screen (and the next page) not yet asked for.
    pub fn wanted_pages(&mut self, viewport: usize) -> Vec<PageRequest> {
        let viewport = viewport.max(1);
        let first = self.offset / PAGE_SIZE;
        // The screen, and once the size of the result is known, one screen
        // ahead so scrolling on does not wait.
        let last = match self.total.filter(|_| !self.stale) {
            Some(total) => {
                ((self.offset + 2 * viewport) / PAGE_SIZE).min(total.saturating_sub(1) / PAGE_SIZE)
            }
            None => (self.offset + viewport - 1) / PAGE_SIZE,
        };
        let mut wanted = Vec::new();
        for page in first..=last.max(first) {
            let have = !self.stale && self.pages.contains_key(&page);
            if !have && self.requested.insert(page) {
                self.loading += 1;
                wanted.push(PageRequest {
                    generation: self.generation,
                    page,
                    params: self.params(page),
                });
            }
        }
        wanted
    }

    /// Stores an answer; an answer to an older query is dropped.
    pub fn apply_page(&mut self, generation: u64, page: usize, rows: Vec<R>, total: usize) {
        self.loading = self.loading.saturating_sub(1);
        if generation != self.generation {
            return;
        }
        if self.stale {
            self.pages.clear();
            self.stale = false;
        }
        self.error = None;
        self.pages.insert(page, rows);
        self.total = Some(total);
        let last = total.saturating_sub(1);
        self.selected = self.selected.min(last);
        self.offset = self.offset.min(self.selected);
    }

    /// A failed page: the rows already shown stay. The page is not asked
    /// again by itself (that would hammer a failing server); `R` retries.
    pub fn apply_error(&mut self, generation: u64, _page: usize, error: String) {
        self.loading = self.loading.saturating_sub(1);
        if generation == self.generation {
            self.error = Some(error);
        }
    }

    /// Moves the selection, keeping it on screen.
    pub fn select(&mut self, index: usize, viewport: usize) {
        let viewport = viewport.max(1);
        self.selected = index.min(self.len().saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + viewport {
            self.offset = self.selected + 1 - viewport;
        }
    }

    pub fn move_by(&mut self, delta: isize, viewport: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.select(target, viewport);
    }

    /// The row with `id`, wherever it is among the loaded pages.
    pub fn find(&self, id: i64) -> Option<&R> {
        self.pages.values().flatten().find(|r| r.id() == id)
    }
}

/// What the app does to whichever table is on screen, whatever its rows.
pub trait TableOps {
    fn query(&self) -> &str;
    fn filtering(&self) -> bool;
    fn set_filtering(&mut self, on: bool);
    /// Lets the filter line handle a key; `true` when the filter text changed
    /// (and the table was re-queried from the top).
    fn edit_filter(&mut self, key: crossterm::event::KeyEvent) -> bool;
    /// Empties the filter; `true` when there was one.
    fn clear_filter(&mut self) -> bool;
    fn cycle_sort(&mut self);
    fn reverse_sort(&mut self);
    fn reload(&mut self);
    fn apply_movement(&mut self, movement: crate::action::Movement, viewport: usize);
}

impl<R: Record> TableOps for Table<R> {
    fn query(&self) -> &str {
        self.filter.value()
    }

    fn filtering(&self) -> bool {
        self.filtering
    }

    fn set_filtering(&mut self, on: bool) {
        self.filtering = on;
    }

    fn edit_filter(&mut self, key: crossterm::event::KeyEvent) -> bool {
        use tui_input::backend::crossterm::EventHandler;
        let before = self.filter.value().to_owned();
        self.filter.handle_event(&crossterm::event::Event::Key(key));
        let changed = self.filter.value() != before;
        if changed {
            self.invalidate();
            self.selected = 0;
            self.offset = 0;
        }
        changed
    }

    fn clear_filter(&mut self) -> bool {
        if self.filter.value().is_empty() {
            return false;
        }
        self.filter.reset();
        self.invalidate();
        self.selected = 0;
        self.offset = 0;
        true
    }

    fn cycle_sort(&mut self) {
        self.sort_column = (self.sort_column + 1) % Self::sortable().len().max(1);
        self.invalidate();
    }

    fn reverse_sort(&mut self) {
        self.descending = !self.descending;
        self.invalidate();
    }

    fn reload(&mut self) {
        self.invalidate();
    }

    fn apply_movement(&mut self, movement: crate::action::Movement, viewport: usize) {
        use crate::action::Movement;
        let page = viewport.max(1) as isize;
        match movement {
            Movement::Up => self.move_by(-1, viewport),
            Movement::Down => self.move_by(1, viewport),
            Movement::PageUp => self.move_by(-page, viewport),
            Movement::PageDown => self.move_by(page, viewport),
            Movement::Top => self.select(0, viewport),
            Movement::Bottom => self.select(self.len().saturating_sub(1), viewport),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64) -> Actor {
        Actor {
            id,
            name: format!("A{id}"),
            age: 30,
            gender: "Other".into(),
        }
    }

    #[test]
    fn only_pages_on_screen_are_fetched_and_stale_answers_dropped() {
        let mut table = Table::<Actor>::default();
        let first = table.wanted_pages(20);
        assert_eq!(first.iter().map(|r| r.page).collect::<Vec<_>>(), vec![0]);
        assert!(table.wanted_pages(20).is_empty(), "not asked twice");
        table.apply_page(0, 0, (1..=100).map(actor).collect(), 100_000);
        table.select(90, 20);
        let next = table.wanted_pages(20);
        assert_eq!(
            next.iter().map(|r| r.page).collect::<Vec<_>>(),
            vec![1],
            "the next page is fetched a screen ahead"
        );
        table.select(150, 20);
        assert!(
            table.wanted_pages(20).is_empty(),
            "page 1 is already in flight"
        );
        table.select(99_999, 20);
        let last = table.wanted_pages(20);
        assert_eq!(last.iter().map(|r| r.page).collect::<Vec<_>>(), vec![999]);
        table.invalidate();
        table.apply_page(0, 1, vec![actor(7)], 5);
        assert_eq!(
            table.total,
            Some(100_000),
            "an answer to an old query is dropped"
        );
    }
}
