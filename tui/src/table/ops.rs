//! What the app does to whichever table is on screen, whatever its rows.

use crate::api::ListParams;
use crate::bindings::Movement;
use crate::record::Record;

use super::{Table, TableRow};

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
    fn reverse_sort(&mut self, viewport: usize);
    /// Reads the rows on screen again, keeping the selection and the scroll.
    fn reload(&mut self);
    /// The same, once the reads in flight are answered (a colleague's change).
    fn reload_when_idle(&mut self);
    fn apply_movement(&mut self, movement: Movement, viewport: usize);
    fn keep_visible(&mut self, viewport: usize);
    fn follow(&mut self, id: i64);
    fn forget_selected_id(&mut self);
    fn filters(&self) -> &[(&'static str, String)];
    fn set_filters(&mut self, filters: Vec<(&'static str, String)>);
    fn selected_record(&self) -> Option<Record>;
    /// The query's first page (an export reads on from it).
    fn params(&self) -> ListParams;
    fn total(&self) -> Option<usize>;
    /// `total` is the exact count (else a lower bound).
    fn total_exact(&self) -> bool;
    /// Rows the table spans (0 until the first answer).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn selected(&self) -> usize;
    fn offset(&self) -> usize;
    fn select_index(&mut self, index: usize, viewport: usize);
}

impl<R: TableRow> Table<R> {
    /// A new filter or filter text: from the top, following nothing.
    fn requery_from_top(&mut self) {
        self.invalidate();
        self.selected = 0;
        self.offset = 0;
        self.selected_id = None;
    }
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
        if self.filter.value().chars().count() > crate::table::MAX_FILTER {
            // Longer than any name: a stray paste, refused past the cap.
            self.filter = tui_input::Input::new(before.clone());
        }
        let changed = self.filter.value() != before;
        if changed {
            self.requery_from_top();
        }
        changed
    }

    fn clear_filter(&mut self) -> bool {
        if self.filter.value().is_empty() {
            return false;
        }
        self.filter.reset();
        self.requery_from_top();
        true
    }

    fn cycle_sort(&mut self) {
        self.sort_column = (self.sort_column + 1) % Self::sortable().len().max(1);
        self.invalidate();
    }

    fn reverse_sort(&mut self, viewport: usize) {
        self.reverse(viewport);
    }

    fn reload(&mut self) {
        self.refresh();
    }

    fn reload_when_idle(&mut self) {
        self.refresh_when_idle();
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

    fn params(&self) -> ListParams {
        Table::params(self)
    }

    fn total(&self) -> Option<usize> {
        self.total
    }

    fn total_exact(&self) -> bool {
        self.total_exact
    }

    fn len(&self) -> usize {
        Table::len(self)
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
            Movement::HalfPageUp => self.move_by(-(page / 2).max(1), viewport),
            Movement::HalfPageDown => self.move_by((page / 2).max(1), viewport),
            Movement::Top => self.select(0, viewport),
            Movement::Bottom => self.select_last(viewport),
        }
    }
}
