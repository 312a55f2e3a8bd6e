//! The main screen: tabs, filter line, the table of the current tab,
//! status bar and key bar. Column widths follow the content on screen and
//! the terminal's width; clipped cells end in `…`; the sorted column's
//! header shows the direction.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Row, Scrollbar, ScrollbarOrientation, ScrollbarState,
    Table as TableWidget, Widget,
};

use super::theme::Theme;
use super::{clip, input_spans, key_hints, render_note, spinner};
use crate::app::table::{AUDITIONS_TAB, TITLE, count_label, group_digits, tab_label};
use crate::app::{App, LiveStatus, Message};
use crate::bindings::{Command, Context};
use crate::collection::Collection;
use crate::filters::summary;
use crate::keymap::context;
use crate::table::{RowNumber, Table, TableRow};

pub fn render_main(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [tabs, filter, table, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_tabs(app, theme, tabs, buf);
    let flashing = |id| app.flashing(app.tab, id);
    let marks = Marked {
        count: app.marks.count(app.tab),
        has: &|id| app.marks.contains(app.tab, id),
    };
    if app.auditions_tab {
        super::schedule::render_schedule(app, theme, filter, table, buf);
        render_status(app, theme, status, buf);
        key_hints(app, context(app).0, keys.width).render(keys, buf);
        return;
    }
    // An empty table says how to add the first row, to those who may.
    let add = if app.allows(crate::bindings::Need::Create) {
        app.bindings.keys_of(Context::Table, Command::New)
    } else {
        String::new()
    };
    let flashing = Rows {
        flashing: &flashing,
        add: &add,
    };
    match app.tab {
        Collection::Actors => {
            render_filter(&app.actors, theme, filter, buf);
            render_table(&app.actors, &flashing, &marks, theme, table, buf);
        }
        Collection::Movies => {
            render_filter(&app.movies, theme, filter, buf);
            render_table(&app.movies, &flashing, &marks, theme, table, buf);
        }
    }
    render_status(app, theme, status, buf);
    key_hints(app, context(app).0, keys.width).render(keys, buf);
}

fn render_tabs(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(TITLE, theme.title())];
    for collection in Collection::ALL {
        let style = if app.tab == collection && !app.auditions_tab {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::raw("│"));
        spans.push(Span::styled(tab_label(collection), style));
    }
    let style = if app.auditions_tab {
        theme.selected().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    spans.push(Span::raw("│"));
    spans.push(Span::styled(AUDITIONS_TAB, style));
    spans.extend([
        Span::raw("│ "),
        Span::raw(spinner(app)),
        Span::styled(if app.loading() { " loading…" } else { "" }, theme.dim()),
    ]);
    let tabs = Line::from(spans);
    let used = tabs.width();
    tabs.render(area, buf);
    // Whether colleagues' changes arrive as they happen (when it fits).
    let live = match app.live {
        LiveStatus::Off => return,
        LiveStatus::Connected => "● live ",
        LiveStatus::Reconnecting => "○ reconnecting… ",
        LiveStatus::Unavailable => "no live updates ",
    };
    if used + live.chars().count() < usize::from(area.width) {
        Line::styled(live, theme.dim())
            .right_aligned()
            .render(area, buf);
    }
}

fn render_filter<R: TableRow>(table: &Table<R>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let sort = R::COLUMNS
        .iter()
        .find(|c| c.sort == Some(table.sort_field()))
        .map_or("ID", |c| c.title);
    let arrow = if table.descending { "↓" } else { "↑" };
    let right = format!("sort: {sort} {arrow} ");
    // One cell always parts the two sides.
    let [left_area, _, right_area] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(1),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    Line::styled(right, theme.dim()).render(right_area, buf);
    if table.filtering || !table.query().is_empty() {
        let label = " Filter: ";
        let width = left_area.width.saturating_sub(label.len() as u16) as usize;
        let mut spans = vec![Span::styled(label, theme.key())];
        spans.extend(input_spans(
            &table.filter,
            width,
            table.filtering,
            false,
            theme,
        ));
        Line::from(spans).render(left_area, buf);
    } else {
        // The longest hint that fits.
        let hint = [
            " / to filter, f for more filters",
            " / filter  f filters",
            " / filter",
        ]
        .into_iter()
        .find(|hint| hint.chars().count() <= usize::from(left_area.width))
        .unwrap_or("");
        Line::styled(hint, theme.dim()).render(left_area, buf);
    }
}

/// Each column's width: what its header and the rows on screen need; the
/// main column (name, title) takes what is left, or gives way first.
fn column_widths(headers: &[String], rows: &[Vec<String>], mains: &[bool], room: u16) -> Vec<u16> {
    let mut widths: Vec<u16> = headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            rows.iter()
                .map(|r| Span::raw(r[i].as_str()).width())
                .chain([Span::raw(header.as_str()).width()])
                .max()
                .unwrap_or(0) as u16
        })
        .collect();
    let spacing = headers.len().saturating_sub(1) as u16;
    let room = room.saturating_sub(spacing);
    let used: u16 = widths.iter().sum();
    let main = mains.iter().position(|m| *m).unwrap_or(0);
    if used <= room {
        widths[main] += room - used;
        return widths;
    }
    // Too wide: the main column gives way down to 8 cells, then the others
    // from the right down to their header.
    let mut excess = used - room;
    let give = excess.min(widths[main].saturating_sub(8));
    widths[main] -= give;
    excess -= give;
    for i in (0..widths.len()).rev() {
        if excess == 0 {
            break;
        }
        let floor = (Span::raw(headers[i].as_str()).width() as u16).min(widths[i]);
        let give = excess.min(widths[i].saturating_sub(floor.max(3)));
        widths[i] -= give;
        excess -= give;
    }
    widths
}

/// The marked rows of the table shown: how many, and which.
struct Marked<'a> {
    count: usize,
    has: &'a dyn Fn(i64) -> bool,
}

/// What starts a marked row's first cell.
pub const MARKER: &str = "● ";

/// What a table's drawing needs from the app: the rows flashing, the key
/// that adds a row ("" when the role may not).
struct Rows<'a> {
    flashing: &'a dyn Fn(i64) -> bool,
    add: &'a str,
}

fn render_table<R: TableRow>(
    table: &Table<R>,
    about: &Rows,
    marks: &Marked,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let noun = R::COLLECTION.path();
    let filters = summary(&table.filters);
    let mut filtered = if filters.is_empty() {
        String::new()
    } else {
        format!("· {filters} ")
    };
    if marks.count > 0 {
        filtered.push_str(&format!("· {} marked ", marks.count));
    }
    let count = count_label(table);
    let position = match (table.total, table.row_number()) {
        (Some(0), _) => format!(" {noun}: none {filtered}"),
        (Some(_), RowNumber::FromTop(n)) => {
            format!(" {noun}: row {} of {count} {filtered}", group_digits(n))
        }
        (Some(_), RowNumber::FromEnd(n)) => format!(
            " {noun}: row {} from the end of {count} {filtered}",
            group_digits(n)
        ),
        (None, _) => format!(" {noun} {filtered}"),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Line::styled(position, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let viewport = usize::from(inner.height.saturating_sub(1));
    let headers: Vec<String> = R::COLUMNS
        .iter()
        .map(|c| match c.sort {
            Some(field) if field == table.sort_field() => {
                format!("{} {}", c.title, if table.descending { "↓" } else { "↑" })
            }
            _ => c.title.to_owned(),
        })
        .collect();
    // Rows of an older query are not shown under a filter that failed to apply.
    let unapplied = table.error.is_some() && table.is_stale();
    let mut cells: Vec<(usize, Option<Vec<String>>, bool, bool)> = Vec::new();
    if table.total.is_some() && !unapplied {
        for index in table.offset..(table.offset + viewport).min(table.len()) {
            let row = table.row(index);
            let flash = row.is_some_and(|r| (about.flashing)(r.id()));
            let marked = row.is_some_and(|r| (marks.has)(r.id()));
            let mut texts = row.map(TableRow::cells);
            if let Some(first) = texts
                .as_mut()
                .and_then(|t| t.first_mut())
                .filter(|_| marked)
            {
                first.insert_str(0, MARKER);
            }
            cells.push((index, texts, flash, marked));
        }
    }
    let loaded: Vec<Vec<String>> = cells.iter().filter_map(|(_, c, _, _)| c.clone()).collect();
    let mains: Vec<bool> = R::COLUMNS.iter().map(|c| c.main).collect();
    // The rightmost column is the scrollbar's, with one cell before it.
    let table_area = Rect {
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let widths = column_widths(&headers, &loaded, &mains, table_area.width);
    let rows: Vec<Row> = cells
        .into_iter()
        .map(|(index, row, flash, marked)| {
            let style = match (index == table.selected, flash) {
                (true, false) => theme.selected(),
                (true, true) => theme.selected().patch(theme.changed()),
                (false, true) => theme.changed(),
                (false, false) => Style::new(),
            };
            let style = if marked {
                style.add_modifier(Modifier::BOLD)
            } else {
                style
            };
            let row = match row {
                Some(cells) => Row::new(
                    cells
                        .iter()
                        .zip(&widths)
                        .map(|(text, width)| Cell::from(clip(text, usize::from(*width)))),
                ),
                None if table.error.is_some() => {
                    Row::new(vec![Cell::from(""), Cell::from("not loaded: R to retry")])
                }
                None => Row::new(vec![Cell::from(""), Cell::from("loading…")]),
            };
            row.style(style)
        })
        .collect();
    let header = Row::new(
        headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| Cell::from(clip(h, usize::from(*w)))),
    )
    .style(theme.header());
    TableWidget::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .column_spacing(1)
        .render(table_area, buf);

    let message = match (&table.error, table.total) {
        (Some(error), _) if unapplied => Some(Message::error(format!(
            "This filter or sort could not be applied: {error}. R retries."
        ))),
        (Some(error), _) if table.loaded_rows() == 0 => Some(Message::error(error.clone())),
        (None, Some(0)) if table.query().is_empty() && filters.is_empty() => {
            Some(Message::info(match about.add {
                "" => format!("No {noun} yet"),
                key => format!("No {noun} yet — {key} to add"),
            }))
        }
        (None, Some(0)) if table.query().is_empty() => {
            Some(Message::info(format!("No {noun} match {filters}")))
        }
        (None, Some(0)) => Some(Message::info(format!(
            "No {noun} match \"{}\"",
            table.query()
        ))),
        (None, None) => Some(Message::info("Loading…")),
        _ => None,
    };
    if let Some(message) = message {
        render_note(&message, theme, table_area, buf);
    }

    let total = table.len();
    if total > viewport && !unapplied {
        let mut state = ScrollbarState::new(total.saturating_sub(viewport))
            .position(table.offset)
            .viewport_content_length(viewport);
        let bar_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        ratatui::widgets::StatefulWidget::render(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            bar_area,
            buf,
            &mut state,
        );
    }
}

/// The last action's result on the left; who is logged in where on the right
/// (the server is dropped first when the line is short).
fn render_status(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let who = app
        .session
        .as_ref()
        .map(|s| format!("{} · {}", s.who(), s.role_name()))
        .unwrap_or_default();
    let message = app.status.as_ref();
    let message_len = message.map_or(0, |m| m.text.chars().count()) + 2;
    let fits = |text: &str| message_len + text.chars().count() <= usize::from(area.width);
    let right = [format!("{who} @ {} ", app.server), format!("{who} ")]
        .into_iter()
        .find(|candidate| fits(candidate))
        .unwrap_or_default();
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    if let Some(message) = message {
        Line::styled(format!(" {}", message.text), theme.tone(message.tone)).render(left_area, buf);
    }
    Line::styled(right, theme.key()).render(right_area, buf);
}
