//! A paged, filtered, sorted view of a collection on the server. Only the
//! pages around what is on screen are fetched, so a million rows feel like
//! a hundred, and every page is read the way a first page is: its head
//! forward from the first row, each page `after` the cursor of the one
//! before; its tail (`G`) as the reverse sort's first pages ([`chain`]).
//! The selection follows its record (by id) across sort, reload and resize.

use tui_input::Input;

use crate::api::{ListPage, ListParams};
use crate::record::Rows;

mod chain;
mod ops;
mod rows;

pub use chain::End;
use chain::{Chain, Wanted};
pub use ops::TableOps;
pub use rows::{Column, TableRow};

/// Rows fetched per request.
pub const PAGE_SIZE: usize = 100;

/// At most this many pages are read to find a followed record.
pub const SEEK_PAGES: usize = 20;

/// When the count is only a lower bound, the rows assumed between what the
/// head and the tail hold: more than a screen, so that moving up the tail
/// never lands among the head's rows before the two have met.
const UNCOUNTED_GAP: usize = 10 * PAGE_SIZE;

/// The longest filter typed into a table (a paste is cut there).
pub const MAX_FILTER: usize = 200;

pub struct Table<R> {
    /// Pages read forward from the first row.
    head: Chain<R>,
    /// Pages read backward from the last row (the reverse sort's first pages).
    tail: Chain<R>,
    /// Rows matching the filter on the server (a lower bound unless
    /// `total_exact`); `None` until the first answer.
    pub total: Option<usize>,
    /// `total` is the exact count (else at least that many match).
    pub total_exact: bool,
    /// Rows the table spans: `total`, or when that is only a lower bound,
    /// at least what both ends hold and [`UNCOUNTED_GAP`] between them.
    len: usize,
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
    /// Bumped whenever the query changes or is read again; answers to
    /// older requests are dropped.
    pub generation: u64,
    /// Rows on screen belong to an older query until its first page arrives.
    stale: bool,
    /// The query the rows held answer.
    held: Option<ListParams>,
    /// Requests of this table in flight.
    pub loading: usize,
    pub error: Option<String>,
    /// A record to select that is not among the pages on screen.
    seek: Option<Seek>,
    /// A refresh waits for the reads in flight to be answered.
    refresh_pending: bool,
    /// The last row was asked for while the rows on screen belonged to an
    /// older query: it is selected when the new query's first answer says
    /// where the end is.
    end_asked: bool,
}

/// Looking through the pages for a record to select (one just created,
/// which may sort anywhere): one page at a time, a bounded number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seek {
    id: i64,
    /// Pages asked so far for it.
    asked: usize,
    /// A page asked for it is awaited.
    waiting: bool,
}

impl<R: TableRow> Default for Table<R> {
    fn default() -> Self {
        Self {
            head: Chain::default(),
            tail: Chain::default(),
            total: None,
            total_exact: true,
            len: 0,
            selected: 0,
            offset: 0,
            sort_column: 0,
            descending: false,
            filter: Input::default(),
            filtering: false,
            filters: Vec::new(),
            selected_id: None,
            generation: 0,
            stale: false,
            held: None,
            loading: 0,
            error: None,
            seek: None,
            refresh_pending: false,
            end_asked: false,
        }
    }
}

/// A page to fetch for a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub generation: u64,
    /// The chain it extends or reads again.
    pub end: End,
    /// Its place in that chain (0: the first page from that end).
    pub page: usize,
    /// The query, with the chain's sort and the cursor it is read after.
    pub params: ListParams,
}

/// How the title counts the selected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowNumber {
    /// The n-th row (from 1).
    FromTop(usize),
    /// The n-th row from the end (1: the last), when the count is only a
    /// lower bound and the rows are the tail's.
    FromEnd(usize),
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
        self.stale && self.held.as_ref() != Some(&self.params())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn row(&self, index: usize) -> Option<&R> {
        if index >= self.len {
            return None;
        }
        let head = self.head.rows();
        if index < head {
            return self.head.get(index);
        }
        self.tail.get(self.len - 1 - index)
    }

    pub fn selected_row(&self) -> Option<&R> {
        self.row(self.selected)
    }

    /// How many rows are held in memory.
    pub fn loaded_rows(&self) -> usize {
        self.head.rows() + self.tail.rows()
    }

    pub fn query(&self) -> &str {
        self.filter.value()
    }

    /// The selected row's number for the title.
    pub fn row_number(&self) -> RowNumber {
        let from_end = self.len.saturating_sub(self.selected);
        if !self.total_exact && from_end <= self.tail.rows() && self.selected >= self.head.rows() {
            RowNumber::FromEnd(from_end)
        } else {
            RowNumber::FromTop(self.selected + 1)
        }
    }

    /// The query's first page (also what an export starts from).
    pub fn params(&self) -> ListParams {
        let sort = if self.descending {
            format!("-{}", self.sort_field())
        } else {
            self.sort_field().to_owned()
        };
        ListParams {
            page: 1,
            after: None,
            per_page: PAGE_SIZE as u32,
            sort,
            q: self.query().trim().to_owned(),
            filters: self.filters.clone(),
        }
    }

    /// The query changed (filter, sort): what is held no longer counts; it
    /// stays on screen until the new query's first page arrives.
    pub fn invalidate(&mut self) {
        self.forget_requests();
        self.head.refresh();
        self.tail.refresh();
        self.stale = true;
    }

    /// The same query, read again (`R`, a colleague's change): the rows
    /// stay where they are and each page on screen is read again after the
    /// same cursor, so the selection and the scroll position hold.
    pub fn refresh(&mut self) {
        self.generation += 1;
        self.error = None;
        self.head.refresh();
        self.tail.refresh();
        // A record being looked for still is, in what is read again.
        if let Some(seek) = self.seek.as_mut() {
            seek.waiting = false;
        }
    }

    /// A colleague's change: [`Table::refresh`], once the reads in flight
    /// are answered, so that a burst of changes costs one read of the screen.
    pub fn refresh_when_idle(&mut self) {
        if self.loading == 0 {
            self.refresh();
        } else {
            self.refresh_pending = true;
        }
    }

    /// After an answer: a refresh that waited for it is due.
    fn refresh_if_due(&mut self) {
        if self.loading == 0 && std::mem::take(&mut self.refresh_pending) {
            self.refresh();
        }
    }

    fn forget_requests(&mut self) {
        self.generation += 1;
        self.error = None;
        self.seek = None;
    }

    /// `S`: the same rows the other way round. The head becomes the tail
    /// (its cursors were made for the reverse of the new sort, which is
    /// what a tail reads), so nothing is read again.
    pub fn reverse(&mut self, viewport: usize) {
        self.descending = !self.descending;
        if self.stale || self.total.is_none() {
            self.invalidate();
            return;
        }
        std::mem::swap(&mut self.head, &mut self.tail);
        self.head.forget_all_asked();
        self.tail.forget_all_asked();
        self.forget_requests();
        let last = self.len.saturating_sub(1);
        self.selected = last - self.selected.min(last);
        self.offset = self.len.saturating_sub(self.offset + viewport.max(1));
        self.held = Some(self.params());
    }

    /// Pages covering the rows on screen (read again if they were read
    /// before a refresh), and a screen either side, not yet asked for.
    pub fn wanted_pages(&mut self, viewport: usize) -> Vec<PageRequest> {
        let viewport = viewport.max(1);
        let mut wanted = Vec::new();
        if self.stale || self.total.is_none() {
            // Nothing is known of this query yet: its first page.
            if let Some(page) = self.head.want(0) {
                wanted.push(self.request(End::Head, page));
            }
            return wanted;
        }
        let visible = self.offset..(self.offset + viewport).min(self.len);
        let around =
            self.offset.saturating_sub(viewport)..(self.offset + 2 * viewport).min(self.len);
        for index in visible {
            if let Some((end, page)) = self.want_row(index, true) {
                wanted.push(self.request(end, page));
            }
        }
        for index in around {
            if let Some((end, page)) = self.want_row(index, false) {
                wanted.push(self.request(end, page));
            }
        }
        if wanted.is_empty()
            && self.loading == 0
            && let Some(request) = self.next_seek_request()
        {
            wanted.push(request);
        }
        wanted
    }

    /// The page to read for a row: its own page read again (when
    /// `refresh`), or for a row neither end holds, the next page of the end
    /// nearer to it.
    fn want_row(&mut self, index: usize, refresh: bool) -> Option<(End, Wanted)> {
        let head = self.head.rows();
        let tail = self.tail.rows();
        let from_end = self.len - 1 - index;
        if index < head {
            return refresh
                .then(|| self.head.want(index))
                .flatten()
                .map(|page| (End::Head, page));
        }
        if from_end < tail {
            return refresh
                .then(|| self.tail.want(from_end))
                .flatten()
                .map(|page| (End::Tail, page));
        }
        let head_gap = (!self.head.complete()).then_some(index - head);
        let tail_gap = (!self.tail.complete()).then_some(from_end - tail);
        match (head_gap, tail_gap) {
            (Some(h), Some(t)) if t < h => self.tail.want(from_end).map(|p| (End::Tail, p)),
            (Some(_), _) => self.head.want(index).map(|p| (End::Head, p)),
            (None, Some(_)) => self.tail.want(from_end).map(|p| (End::Tail, p)),
            (None, None) => None,
        }
    }

    fn request(&mut self, end: End, wanted: Wanted) -> PageRequest {
        self.loading += 1;
        let mut params = self.params();
        if end == End::Tail {
            params.sort = reverse_sort(&params.sort);
        }
        params.after = wanted.after;
        PageRequest {
            generation: self.generation,
            end,
            page: wanted.page,
            params,
        }
    }

    /// The next page to look in for a followed record the pages on screen
    /// did not hold: where it most likely is first (a new record sorts last
    /// by id: the tail's first page), then down from the top, until
    /// [`SEEK_PAGES`] were read.
    fn next_seek_request(&mut self) -> Option<PageRequest> {
        let seek = self.seek.as_ref().filter(|s| !s.waiting)?;
        if seek.asked >= SEEK_PAGES {
            // Not found (another filter hides it, or it is far down): the
            // selection stays where it is.
            self.seek = None;
            return None;
        }
        let likely_last = self.sort_column == 0 && !self.descending;
        let tail_first = if likely_last && !self.tail.fresh_at(0) {
            self.tail.want(0).map(|page| (End::Tail, page))
        } else {
            None
        };
        match tail_first.or_else(|| self.head.want_unread().map(|page| (End::Head, page))) {
            Some((end, page)) => {
                if let Some(seek) = self.seek.as_mut() {
                    seek.asked += 1;
                    seek.waiting = true;
                }
                Some(self.request(end, page))
            }
            None => {
                self.seek = None;
                None
            }
        }
    }

    /// Stores an answer; an answer to an older request is dropped.
    pub fn apply_page(&mut self, request: &PageRequest, answer: ListPage<Vec<R>>) {
        self.loading = self.loading.saturating_sub(1);
        self.store(request, answer);
        self.refresh_if_due();
    }

    fn store(&mut self, request: &PageRequest, answer: ListPage<Vec<R>>) {
        if request.generation != self.generation {
            return;
        }
        let query_changed = std::mem::take(&mut self.stale);
        if query_changed {
            self.head.clear();
            self.tail.clear();
        }
        self.error = None;
        if let Some(seek) = self.seek.as_mut() {
            seek.waiting = false;
        }
        let before = (self.head.rows(), self.len);
        let chain = match request.end {
            End::Head => &mut self.head,
            End::Tail => &mut self.tail,
        };
        let ListPage {
            rows,
            total,
            total_exact,
            next,
        } = answer;
        let sought = self.seek.as_ref().map(|s| s.id).or(self.selected_id);
        let position = sought.and_then(|id| rows.iter().position(|r| r.id() == id));
        if !chain.store(request.page, request.params.after.clone(), rows, next) {
            return;
        }
        self.held = Some(self.params());
        self.total = Some(total);
        self.total_exact = total_exact;
        self.fit_len(before, query_changed);
        let found = position.map(|at| {
            let k = request.page * PAGE_SIZE + at;
            match request.end {
                End::Head => k,
                End::Tail => self.len.saturating_sub(1 + k),
            }
        });
        match found {
            // `G` pressed before this first answer of a new query: the end
            // was asked for, wherever the selected record now sorts.
            _ if query_changed && std::mem::take(&mut self.end_asked) => {
                self.selected = self.len.saturating_sub(1);
            }
            Some(index) => {
                self.seek = None;
                // The row keeps its place on screen.
                let moved = index as isize - self.selected as isize;
                self.offset = self.offset.saturating_add_signed(moved).min(index);
                self.selected = index;
            }
            None if query_changed => {
                // Another order or filter: from the top.
                self.selected = 0;
                self.offset = 0;
            }
            None => {}
        }
        self.selected = self.selected.min(self.len.saturating_sub(1));
        self.offset = self.offset.min(self.selected);
        self.selected_id = self.selected_row().map(R::id).or(self.selected_id);
    }

    /// The span after an answer: the count, or what both ends hold when
    /// one of them reached the other end or the count is a lower bound. A
    /// selection among the tail's rows moves with the end it is counted from.
    fn fit_len(&mut self, (head_before, len_before): (usize, usize), query_changed: bool) {
        let total = self.total.unwrap_or(0);
        let (head, tail) = (self.head.rows(), self.tail.rows());
        let len = if self.head.complete() {
            head
        } else if self.tail.complete() {
            tail
        } else if self.total_exact {
            total.max(head + 1).max(tail + 1)
        } else {
            total.max(head + tail + UNCOUNTED_GAP)
        };
        if self.head.complete() || self.tail.complete() {
            self.total = Some(len);
            self.total_exact = true;
        }
        if len_before > 0 && !query_changed && self.selected >= head_before {
            let moved = len as isize - len_before as isize;
            self.selected = self.selected.saturating_add_signed(moved);
            self.offset = self.offset.saturating_add_signed(moved);
        }
        self.len = len;
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
            asked: 0,
            waiting: false,
        });
    }

    /// A failed page: the rows already shown stay. The page is not asked
    /// again by itself (that would hammer a failing server); `R` retries.
    pub fn apply_error(&mut self, request: &PageRequest, error: String) {
        self.loading = self.loading.saturating_sub(1);
        if request.generation == self.generation {
            self.error = Some(error);
            self.seek = None;
        }
        self.refresh_if_due();
    }

    /// The last row; asked while a new query's first page is awaited, the
    /// last row of its answer.
    pub fn select_last(&mut self, viewport: usize) {
        self.select(self.len.saturating_sub(1), viewport);
        self.end_asked = self.stale;
    }

    /// Moves the selection, keeping it on screen.
    pub fn select(&mut self, index: usize, viewport: usize) {
        self.end_asked = false;
        let viewport = viewport.max(1);
        self.selected = index.min(self.len.saturating_sub(1));
        self.keep_visible(viewport);
        self.selected_id = self.selected_row().map(R::id);
    }

    pub fn move_by(&mut self, delta: isize, viewport: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.select(target, viewport);
    }

    /// The row with `id`, wherever it is among the loaded pages.
    pub fn find(&self, id: i64) -> Option<&R> {
        self.head
            .iter()
            .chain(self.tail.iter())
            .find(|r| r.id() == id)
    }

    /// The rows of a page answer, if they are of this table's kind.
    pub fn page_of(answer: ListPage<Rows>) -> Option<ListPage<Vec<R>>> {
        let rows = R::from_rows(answer.rows)?;
        Some(ListPage {
            rows,
            total: answer.total,
            total_exact: answer.total_exact,
            next: answer.next,
        })
    }
}

/// `name` ⇄ `-name`: the order a table's tail is read in.
pub fn reverse_sort(sort: &str) -> String {
    match sort.strip_prefix('-') {
        Some(field) => field.to_owned(),
        None => format!("-{sort}"),
    }
}

#[cfg(test)]
mod tests;
