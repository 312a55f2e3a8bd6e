//! Drawing: `impl Widget for &App`. Reads state, never changes it, no I/O.
//! Each view draws itself from its own module (login, table, detail,
//! dialogs, cast, help); this one stacks them and holds the pieces they
//! share.

pub mod cast;
pub mod changes;
pub mod detail;
pub mod dialogs;
pub mod help;
pub mod history;
pub mod login;
pub mod palette;
pub mod pipeline;
pub mod roles;
pub mod schedule;
pub mod table;
pub mod text_form;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, Widget, Wrap};
use tui_input::Input;

use crate::app::{App, Dialog, Message};
use crate::bindings::{Command, Context};
use crate::collection::Collection;
use crate::list_filter::ListFilter;
use theme::Theme;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = Theme::of(self);
        if let Some(picker) = &self.servers {
            login::render_servers(picker, &theme, area, buf);
            return;
        }
        if self.session.is_none() {
            login::render_login(self, &theme, area, buf);
            if let Some(scroll) = self.help {
                help::render_help(self, scroll, &theme, area, buf);
            }
            return;
        }
        table::render_main(self, &theme, area, buf);
        if let Some(view) = self.details.last() {
            detail::render_detail(self, view, &theme, area, buf);
        }
        match &self.dialog {
            Some(Dialog::Form(form)) => dialogs::render_form(self, form, &theme, area, buf),
            Some(Dialog::Filters(dialog)) => {
                dialogs::render_filters(self, dialog, &theme, area, buf)
            }
            Some(Dialog::Export(dialog)) => dialogs::render_export(self, dialog, &theme, area, buf),
            Some(Dialog::Cast(view)) => cast::render_cast(self, view, &theme, area, buf),
            Some(Dialog::Filmography(view)) => cast::render_filmography(view, &theme, area, buf),
            Some(Dialog::History(view)) => history::render_history(self, view, &theme, area, buf),
            Some(Dialog::Roles(view)) => roles::render_roles(self, view, &theme, area, buf),
            Some(Dialog::Changes(view)) => changes::render_changes(self, view, &theme, area, buf),
            None => {}
        }
        if let Some(confirm) = &self.confirm {
            dialogs::render_confirm(confirm, &theme, area, buf);
        }
        if let Some(palette) = &self.palette {
            palette::render_palette(self, palette, &theme, area, buf);
        }
        if self.relogin {
            login::render_login(self, &theme, area, buf);
        }
        if let Some(scroll) = self.help {
            help::render_help(self, scroll, &theme, area, buf);
        }
    }
}

pub fn spinner(app: &App) -> &'static str {
    if app.loading() {
        SPINNER[app.tick % SPINNER.len()]
    } else {
        " "
    }
}

/// Text cut to `width` cells, ending in `…` when it was longer.
pub fn clip(text: &str, width: usize) -> String {
    if Span::raw(text).width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// An input's visible text, with a block cursor when focused.
pub fn input_spans(
    input: &Input,
    width: usize,
    focused: bool,
    masked: bool,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let value: String = if masked {
        "•".repeat(input.value().chars().count())
    } else {
        input.value().to_owned()
    };
    let scroll = input.visual_scroll(width.max(1));
    let chars: Vec<char> = value.chars().skip(scroll).take(width.max(1)).collect();
    let cursor = input.visual_cursor().saturating_sub(scroll);
    let style = if focused { theme.focus() } else { Style::new() };
    if !focused {
        return vec![Span::styled(chars.into_iter().collect::<String>(), style)];
    }
    let before: String = chars.iter().take(cursor).collect();
    let at: String = chars.get(cursor).map_or(" ".into(), |c| c.to_string());
    let after: String = chars.iter().skip(cursor + 1).collect();
    vec![
        Span::styled(before, style),
        Span::styled(at, theme.selected()),
        Span::styled(after, style),
    ]
}

/// A box of `width`×`height` in the middle of `area`. A box that would
/// leave less than three cells of what is under it on a side takes the
/// whole side: a sliver of another dialog's border beside it reads as a
/// doubled border.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let fill = |wanted: u16, room: u16| {
        if room.saturating_sub(wanted) < 3 {
            room
        } else {
            wanted
        }
    };
    let width = fill(width, area.width);
    let height = fill(height, area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// A box for a dialog in the middle of `area`, cleared with a blank cell
/// around it: two dialogs' borders never touch (that reads as one doubled
/// border).
pub fn popup(area: Rect, width: u16, height: u16, buf: &mut Buffer) -> Rect {
    let box_area = centered(area, width, height);
    let margin = Rect {
        x: box_area.x.saturating_sub(1),
        y: box_area.y.saturating_sub(1),
        width: box_area.width + 2,
        height: box_area.height + 2,
    }
    .intersection(area);
    Clear.render(margin, buf);
    box_area
}

/// An area without its first and last column: text one cell from a border.
pub fn inset(area: Rect) -> Rect {
    area.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    })
}

pub fn dialog_block(title: String, theme: &Theme) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(format!(" {title} "), theme.title()))
}

/// A titled panel in place of the filter line and the table (the tabs,
/// the status and the keys stay in view): its list area and a line under
/// it for the list's filter.
pub fn open_panel(title: String, theme: &Theme, area: Rect, buf: &mut Buffer) -> [Rect; 2] {
    let box_area = if area.height >= 8 {
        Rect {
            y: area.y + 1,
            height: area.height - 3,
            ..area
        }
    } else {
        area
    };
    Clear.render(box_area, buf);
    let block = dialog_block(title, theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner)
}

/// A list's filter line: what is typed and how many entries it keeps, or
/// how to start one.
pub fn render_list_filter(
    filter: &ListFilter,
    kept: usize,
    total: usize,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if !filter.shown() {
        Line::styled(" / filters this list", theme.dim()).render(area, buf);
        return;
    }
    let count = format!(" {kept} of {total} ");
    let label = " Filter: ";
    let width = usize::from(area.width).saturating_sub(label.len() + count.chars().count());
    let mut spans = vec![Span::styled(label, theme.key())];
    spans.extend(input_spans(
        &filter.input,
        width,
        filter.active,
        false,
        theme,
    ));
    Line::from(spans).render(area, buf);
    let [_, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(count.chars().count() as u16),
    ])
    .areas(area);
    Line::styled(count, theme.dim()).render(right, buf);
}

/// The keys of a view the user may press, from the binding table, as many
/// as fit (the least needed go first; all are in help).
pub fn key_hints(app: &App, context: Context, width: u16) -> Line<'static> {
    let theme = Theme::of(app);
    let mut keys: Vec<(String, &'static str, u8)> = app
        .bindings
        .in_context(context)
        .filter(|e| !e.binding.label.is_empty() && app.allows(e.binding.need))
        // Roles are a movie's: not offered on the Actors tab.
        .filter(|e| {
            !(e.binding.command == Command::Roles
                && context == Context::Table
                && app.tab == Collection::Actors)
        })
        .filter_map(|e| {
            let key = e.keys.first()?;
            let label = match e.binding.command {
                // On the Actors tab, `c` shows the actor's movies.
                Command::Cast if context == Context::Table && app.tab == Collection::Actors => {
                    "movies"
                }
                _ => e.binding.label,
            };
            Some((
                crate::bindings::display(&key.0).to_owned(),
                label,
                e.binding.priority,
            ))
        })
        .collect();
    let needed = |keys: &[(String, &str, u8)]| -> usize {
        keys.iter()
            .map(|(k, w, _)| k.chars().count() + w.chars().count() + 3)
            .sum::<usize>()
            + 1
    };
    for drop in (1..=9).rev() {
        if needed(&keys) <= usize::from(width) {
            break;
        }
        keys.retain(|(_, _, priority)| *priority < drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, what, _) in keys {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

/// A list inside a panel: header, rows with the selection, an empty/error note.
pub struct ListView<'a> {
    pub header: &'a [&'a str],
    /// Percent of the width per column.
    pub widths: &'a [u16],
    /// `None` while loading.
    pub rows: Option<Vec<Vec<String>>>,
    pub selected: usize,
    pub empty: &'a str,
    pub error: Option<&'a str>,
}

pub fn render_list(list: ListView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let ListView {
        header,
        widths,
        rows,
        selected,
        empty,
        error,
    } = list;
    let viewport = usize::from(area.height.saturating_sub(1)).max(1);
    let count = rows.as_ref().map_or(0, Vec::len);
    let first = selected.saturating_sub(viewport - 1).min(count);
    // Cells are clipped with `…` to their column.
    let spacing = widths.len().saturating_sub(1) as u16;
    let cells: Vec<usize> = widths
        .iter()
        .map(|w| usize::from(area.width.saturating_sub(spacing)) * usize::from(*w) / 100)
        .collect();
    let body: Vec<Row> = rows
        .as_ref()
        .map(|rows| {
            rows.iter()
                .enumerate()
                .skip(first)
                .take(viewport)
                .map(|(index, row)| {
                    let style = if index == selected {
                        theme.selected()
                    } else {
                        Style::new()
                    };
                    Row::new(
                        row.iter()
                            .zip(&cells)
                            .map(|(text, width)| Cell::from(clip(text, *width))),
                    )
                    .style(style)
                })
                .collect()
        })
        .unwrap_or_default();
    let constraints: Vec<Constraint> = widths.iter().map(|w| Constraint::Percentage(*w)).collect();
    Table::new(body, constraints)
        .header(Row::new(header.iter().map(|h| Cell::from(*h))).style(theme.header()))
        .column_spacing(1)
        .render(area, buf);
    let note = match (error, &rows) {
        (Some(error), _) => Some(Message::error(error.to_owned())),
        (None, None) => Some(Message::info("Loading…")),
        (None, Some(rows)) if rows.is_empty() => Some(Message::info(empty.to_owned())),
        _ => None,
    };
    if let Some(note) = note {
        render_note(&note, theme, area, buf);
    }
}

/// An actor picker (the cast's or a role's candidates'): its box, the
/// search line, the actors found and under them the keys and how many.
pub struct PickerBox<'a> {
    pub title: &'a str,
    pub size: (u16, u16),
    pub search: &'a Input,
    /// The list has the keyboard (else the search line).
    pub list_focus: bool,
    /// The list's header and each column's percent of the width.
    pub columns: (&'a [&'a str], &'a [u16]),
    /// `None` while the first search runs.
    pub rows: Option<Vec<Vec<String>>>,
    pub selected: usize,
    pub error: Option<&'a str>,
    /// How many were found, at the right of the keys.
    pub found: String,
}

pub fn render_picker_box(
    app: &App,
    picker: PickerBox,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = popup(area, picker.size.0, picker.size.1, buf);
    let block = dialog_block(picker.title.to_owned(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [search, list, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let mut spans = vec![Span::styled(" Find: ", theme.key())];
    spans.extend(input_spans(
        picker.search,
        usize::from(search.width.saturating_sub(9)),
        !picker.list_focus,
        false,
        theme,
    ));
    Line::from(spans).render(search, buf);
    let (header, widths) = picker.columns;
    let found = ListView {
        header,
        widths,
        rows: picker.rows,
        selected: picker.selected,
        empty: "No actor matches",
        error: picker.error,
    };
    render_list(found, theme, list, buf);
    let [hints, count] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(picker.found.chars().count() as u16),
    ])
    .areas(footer);
    key_hints(app, crate::keymap::context(app).0, hints.width).render(hints, buf);
    Line::styled(picker.found, theme.dim()).render(count, buf);
}

/// A message in the middle of an area (empty list, error, loading).
pub fn render_note(note: &Message, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    Paragraph::new(note.text.clone())
        .style(theme.tone(note.tone))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(middle, buf);
}
