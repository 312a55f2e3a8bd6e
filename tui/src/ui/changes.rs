//! The recent changes: one line per change (seq, when, who, what), newest
//! first, and the selected change in full under the list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::history::render_with_selected;
use super::theme::Theme;
use super::{ListView, open_panel};
use crate::app::table::group_digits;
use crate::app::{App, ChangesView};

pub fn render_changes(app: &App, view: &ChangesView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let count = match view.entries.as_ref().map(Vec::len) {
        None => String::new(),
        Some(1) => " — 1 change".to_owned(),
        Some(n) => format!(" — {} changes", group_digits(n)),
    };
    let reading = if view.loading { ", reading…" } else { "" };
    let areas = open_panel(
        format!("Recent changes, newest first{count}{reading}"),
        theme,
        area,
        buf,
    );
    let names = |collection, id| app.known_name(collection, id);
    let rows = view.rows(&names);
    let selected = view.selected_change().map(|change| {
        format!(
            "{} · {}",
            crate::changes::author(change),
            crate::app::changes::what(change, &names)
        )
    });
    let when = format!("When ({})", crate::local_time::zone_shown());
    let list_view = ListView {
        header: &["#", when.as_str(), "Who", "What"],
        widths: &[7, 24, 13, 56],
        rows,
        selected: view.selected,
        empty: "No changes recorded",
        error: view.error.as_deref(),
    };
    render_with_selected(list_view, selected, theme, areas, buf);
}
