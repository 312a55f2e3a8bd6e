//! A record's history: one line per change (when, who, what), newest
//! first, and the selected change in full under the list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::theme::Theme;
use super::{ListView, clip, open_panel, render_list};
use crate::app::{App, HistoryView};

pub fn render_history(app: &App, view: &HistoryView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let noun = view.collection.noun();
    let count = view
        .entries
        .as_ref()
        .map_or(String::new(), |e| match e.len() {
            1 => " — 1 change".to_owned(),
            n => format!(" — {n} changes"),
        });
    let [list, full] = open_panel(
        format!("History of {noun} {} (#{}){count}", view.label, view.id),
        theme,
        area,
        buf,
    );
    let names = |collection, id| app.known_name(collection, id);
    let rows = view.rows(&names);
    let selected = rows
        .as_ref()
        .and_then(|rows| rows.get(view.selected))
        .map(|row| row[2].clone());
    let when = format!("When ({})", crate::local_time::zone_shown());
    render_with_selected(
        ListView {
            header: &[when.as_str(), "Who", "What"],
            widths: &[24, 14, 62],
            rows,
            selected: view.selected,
            empty: "No changes recorded",
            error: view.error.as_deref(),
        },
        selected,
        theme,
        [list, full],
        buf,
    );
}

/// A list of changes and, on the line under it, the selected one in full.
pub fn render_with_selected(
    view: ListView,
    selected: Option<String>,
    theme: &Theme,
    [list, full]: [Rect; 2],
    buf: &mut Buffer,
) {
    render_list(view, theme, list, buf);
    if let Some(text) = selected {
        Line::styled(
            format!(
                " {}",
                clip(&text, usize::from(full.width).saturating_sub(1))
            ),
            theme.dim(),
        )
        .render(full, buf);
    }
}
