//! A paged, filtered, sorted view of a collection on the server. Only the
//! pages around what is on screen are fetched, so 100 000 rows feel like 100.
//! The selection follows its record (by id) across sort, reload and resize.

use std::collections::{HashMap, HashSet};

use tui_input::Input;

use crate::api::ListParams;
use crate::bindings::Movement;
use crate::record::Record;

mod rows;

pub use rows::{Column, TableRow};

/// Rows fetched per request.
pub const PAGE_SIZE: usize = 100;

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
    /// The server's other filters (`gender`, `min_age`, … as sent).
    pub filters: Vec<(&'static str, String)>,
    /// The record the selection is on, followed across re-queries.
    pub selected_id: Option<i64>,
    /// Bumped whenever the query changes; answers to older queries are dropped.
    pub generation: u64,
    requested: HashSet<usize>,
    /// Rows on screen belong to an older query until its first page arrives.
    stale: bool,
    /// The query the rows held answer.
    held: Option<ListParams>,
    /// Requests of this table in flight.
    pub loading: usize,
    pub error: Option<String>,
    /// A record to select that is not among the pages on screen.
    seek: Option<Seek>,
}

/// Looking through the pages for a record to select (one just created,
/// which may sort anywhere): one page at a time, a bounded number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seek {
    id: i64,
    /// Pages asked so far for it.
    asked: HashSet<usize>,
    /// A page asked for it is awaited.
    waiting: bool,
}

/// At most this many pages are read to find a followed record.
pub const SEEK_PAGES: usize = 20;

impl<R: TableRow> Default for Table<R> {
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
            filters: Vec::new(),
            selected_id: None,
            generation: 0,
            requested: HashSet::new(),
            stale: false,
            held: None,
            loading: 0,
            error: None,
            seek: None,
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

impl<R: TableRow> Table<R> {
    pub fn sortable() -> Vec<&'static Column> {
        R::COLUMNS.iter().filter(|c| c.sort.is_some()).collect()
    }

    pub fn sort_field(&self) -> &'static str {
        Self::sortable()
            .get(self.sort_column)
            .and_then(|c| c.sort)
            .unwrap_or("id")
    }

    /// The rows held answer another filter or sort than the one asked for
    /// now (whose first answer is awaited, or failed).
    pub fn is_stale(&self) -> bool {
        self.stale && self.held.as_ref() != Some(&self.params(0))
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

    /// The query for a page (also what an export sends, page by page).
    pub fn params(&self, page: usize) -> ListParams {
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
            filters: self.filters.clone(),
        }
    }

    /// The query changed (filter, sort, reload): older answers no longer count.
    pub fn invalidate(&mut self) {
        self.generation += 1;
        self.requested.clear();
        self.stale = true;
        self.error = None;
        self.seek = None;
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
                wanted.push(self.request(page));
            }
        }
        if wanted.is_empty()
            && self.loading == 0
            && let Some(page) = self.next_seek_page()
        {
            self.requested.insert(page);
            wanted.push(self.request(page));
        }
        wanted
    }

    fn request(&mut self, page: usize) -> PageRequest {
        self.loading += 1;
        PageRequest {
            generation: self.generation,
            page,
            params: self.params(page),
        }
    }

    /// The next page to look in for a followed record the pages on screen
    /// did not hold: where it most likely is first (a new record sorts last
    /// by id), then every page from the top, until [`SEEK_PAGES`] were read.
    fn next_seek_page(&mut self) -> Option<usize> {
        let total = self.total.filter(|_| !self.stale)?;
        let pages = total.div_ceil(PAGE_SIZE);
        let seek = self.seek.as_mut().filter(|s| !s.waiting)?;
        let likely = match (self.sort_column, self.descending) {
            (0, false) => pages.saturating_sub(1),
            _ => 0,
        };
        let page = std::iter::once(likely)
            .chain(0..pages)
            .find(|p| !seek.asked.contains(p) && !self.pages.contains_key(p));
        match page {
            Some(page) if seek.asked.len() < SEEK_PAGES => {
                seek.asked.insert(page);
                seek.waiting = true;
                Some(page)
            }
            // Not found (another filter hides it, or it is far down): the
            // selection stays where it is.
            _ => {
                self.seek = None;
                None
            }
        }
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
        let sought = self.seek.as_ref().map(|s| s.id);
        if let Some(seek) = self.seek.as_mut() {
            seek.waiting = false;
        }
        let found = sought
            .or(self.selected_id)
            .and_then(|id| rows.iter().position(|r| r.id() == id))
            .map(|index| page * PAGE_SIZE + index);
        if found.is_some() {
            self.seek = None;
        }
        self.pages.insert(page, rows);
        self.held = Some(self.params(0));
        self.total = Some(total);
        let last = total.saturating_sub(1);
        self.selected = found.unwrap_or(self.selected).min(last);
        if found.is_some() && self.selected < self.offset {
            self.offset = self.selected;
        }
        self.offset = self.offset.min(self.selected);
        self.selected_id = self.selected_row().map(R::id).or(self.selected_id);
    }

    /// Keeps the selected row on screen in a viewport of this height (after
    /// a resize or a follow).
    pub fn keep_visible(&mut self, viewport: usize) {
        let viewport = viewport.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + viewport {
            self.offset = self.selected + 1 - viewport;
        }
    }

    /// After a delete: the row that took its place (the next one) is selected.
    pub fn forget_selected_id(&mut self) {
        self.selected_id = None;
        self.seek = None;
    }

    /// Selects `id` when its page arrives (a saved or created record),
    /// looking through other pages when it is not among those on screen.
    pub fn follow(&mut self, id: i64) {
        self.selected_id = Some(id);
        self.seek = Some(Seek {
            id,
            asked: HashSet::new(),
            waiting: false,
        });
    }

    /// A failed page: the rows already shown stay. The page is not asked
    /// again by itself (that would hammer a failing server); `R` retries.
    pub fn apply_error(&mut self, generation: u64, _page: usize, error: String) {
        self.loading = self.loading.saturating_sub(1);
        if generation == self.generation {
            self.error = Some(error);
            self.seek = None;
        }
    }

    /// Moves the selection, keeping it on screen.
    pub fn select(&mut self, index: usize, viewport: usize) {
        let viewport = viewport.max(1);
        self.selected = index.min(self.len().saturating_sub(1));
        self.keep_visible(viewport);
        self.selected_id = self.selected_row().map(R::id);
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
    fn apply_movement(&mut self, movement: Movement, viewport: usize);
    fn keep_visible(&mut self, viewport: usize);
    fn follow(&mut self, id: i64);
    fn forget_selected_id(&mut self);
    fn filters(&self) -> &[(&'static str, String)];
    fn set_filters(&mut self, filters: Vec<(&'static str, String)>);
    fn selected_record(&self) -> Option<Record>;
    fn params(&self, page: usize) -> ListParams;
    fn total(&self) -> Option<usize>;
    fn selected(&self) -> usize;
    fn offset(&self) -> usize;
    fn select_index(&mut self, index: usize, viewport: usize);
}

impl<R: TableRow> TableOps for Table<R> {
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
            self.selected_id = None;
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
        self.selected_id = None;
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

    fn keep_visible(&mut self, viewport: usize) {
        Table::keep_visible(self, viewport);
    }

    fn follow(&mut self, id: i64) {
        Table::follow(self, id);
    }

    fn forget_selected_id(&mut self) {
        Table::forget_selected_id(self);
    }

    fn filters(&self) -> &[(&'static str, String)] {
        &self.filters
    }

    fn set_filters(&mut self, filters: Vec<(&'static str, String)>) {
        self.filters = filters;
        self.invalidate();
        self.selected = 0;
        self.offset = 0;
    }

    fn selected_record(&self) -> Option<Record> {
        self.selected_row().map(R::record)
    }

    fn params(&self, page: usize) -> ListParams {
        Table::params(self, page)
    }

    fn total(&self) -> Option<usize> {
        self.total
    }

    fn selected(&self) -> usize {
        self.selected
    }

    fn offset(&self) -> usize {
        self.offset
    }

    fn select_index(&mut self, index: usize, viewport: usize) {
        self.select(index, viewport);
    }

    fn apply_movement(&mut self, movement: Movement, viewport: usize) {
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
    use casting_shared::Actor;

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

    #[test]
    fn a_followed_record_off_screen_is_looked_for_page_by_page() {
        let mut table = Table::<Actor>::default();
        let page = |n: usize| (n * 100 + 1..=(n * 100 + 100).min(250)).map(|i| actor(i as i64));
        table.wanted_pages(20);
        table.apply_page(0, 0, page(0).collect(), 250);
        table.follow(233);
        table.invalidate();
        table.follow(233);
        let first = table.wanted_pages(20);
        assert_eq!(first.iter().map(|r| r.page).collect::<Vec<_>>(), vec![0]);
        table.apply_page(table.generation, 0, page(0).collect(), 250);
        assert_eq!(table.selected_row().map(|a| a.id), Some(1), "not there yet");
        let seek = table.wanted_pages(20);
        assert_eq!(
            seek.iter().map(|r| r.page).collect::<Vec<_>>(),
            vec![2],
            "sorted by id, a new record is on the last page"
        );
        table.apply_page(table.generation, 2, page(2).collect(), 250);
        assert_eq!(table.selected_row().map(|a| a.id), Some(233));
        assert!(
            table.wanted_pages(20).iter().all(|r| r.page != 1),
            "found: no more seeking"
        );

        table.reverse_sort();
        table.follow(150);
        table.wanted_pages(20);
        table.apply_page(table.generation, 0, page(0).collect(), 250);
        let seek = table.wanted_pages(20);
        assert_eq!(seek.iter().map(|r| r.page).collect::<Vec<_>>(), vec![1]);
        table.apply_page(table.generation, 1, page(1).collect(), 250);
        assert_eq!(table.selected_row().map(|a| a.id), Some(150));
    }
}
