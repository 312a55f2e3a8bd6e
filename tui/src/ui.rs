//! Drawing: `impl Widget for &App`. Reads state, never changes it, no I/O.
//! Everything stays readable without colour (`NO_COLOR`): selection is
//! reversed video and errors are bold, colours only add to that.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Clear, Paragraph, Row, Scrollbar, ScrollbarOrientation,
    ScrollbarState, Table as TableWidget, Widget, Wrap,
};
use tui_input::Input;

use crate::action::Tab;
use crate::app::{App, Button, ConfirmDelete, Dialog, LoginFocus, Message, Tone};
use crate::cast::{CastMode, CastView, CharacterEdit, FilmographyView, PICKER_ROWS, Picker};
use crate::form::Form;
use crate::keymap::HELP;
use crate::table::{Record, Table};

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Styles, with or without colour.
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }
    fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Info => Style::new(),
            Tone::Success => self.fg(Color::Green),
            Tone::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }
    fn focus(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = Theme { color: self.color };
        if self.session.is_none() {
            render_login(self, &theme, area, buf);
            return;
        }
        let [tabs, filter, table, status, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        render_tabs(self, &theme, tabs, buf);
        match self.tab {
            Tab::Actors => {
                render_filter(&self.actors, &theme, filter, buf);
                render_table(&self.actors, &theme, table, buf);
            }
            Tab::Movies => {
                render_filter(&self.movies, &theme, filter, buf);
                render_table(&self.movies, &theme, table, buf);
            }
        }
        render_status(self, &theme, status, buf);
        render_keys(self, &theme, keys, buf);
        match &self.dialog {
            Some(Dialog::Form(form)) => render_form(form, &theme, area, buf),
            Some(Dialog::ConfirmDelete(confirm)) => render_confirm(confirm, &theme, area, buf),
            Some(Dialog::Cast(view)) => render_cast(view, &theme, area, buf),
            Some(Dialog::Filmography(view)) => render_filmography(view, &theme, area, buf),
            None => {}
        }
        if self.help {
            render_help(&theme, area, buf);
        }
    }
}

fn spinner(app: &App) -> &'static str {
    if app.loading() {
        SPINNER[app.tick % SPINNER.len()]
    } else {
        " "
    }
}

fn render_tabs(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tab = |key: &str, name: &str, on: bool| {
        let style = if on {
            theme.selected().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        Span::styled(format!(" {key} {name} "), style)
    };
    let line = Line::from(vec![
        Span::styled(" Casting Agency ", theme.title()),
        Span::raw("│"),
        tab("1", "Actors", app.tab == Tab::Actors),
        Span::raw("│"),
        tab("2", "Movies", app.tab == Tab::Movies),
        Span::raw("│ "),
        Span::raw(spinner(app)),
        Span::styled(if app.loading() { " loading…" } else { "" }, theme.dim()),
    ]);
    line.render(area, buf);
}

fn render_filter<R: Record>(table: &Table<R>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let sort = Table::<R>::sortable()
        .get(table.sort_column)
        .map_or("ID", |c| c.title);
    let arrow = if table.descending { "↓" } else { "↑" };
    let right = format!("sort: {sort} {arrow} ");
    let [left_area, right_area] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    Line::styled(right, theme.dim()).render(right_area, buf);
    if table.filtering || !table.query().is_empty() {
        let label = " Filter: ";
        let width = left_area.width.saturating_sub(label.len() as u16 + 1) as usize;
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
        Line::styled(" / to filter", theme.dim()).render(left_area, buf);
    }
}

/// An input's visible text, with a block cursor when focused.
fn input_spans(
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

fn render_table<R: Record>(table: &Table<R>, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let noun = R::COLLECTION;
    let position = match table.total {
        Some(0) => format!(" {noun}: none "),
        Some(total) => format!(" {noun}: row {} of {total} ", table.selected + 1),
        None => format!(" {noun} "),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Line::styled(position, theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let viewport = usize::from(inner.height.saturating_sub(1));
    let widths: Vec<Constraint> = R::COLUMNS
        .iter()
        .map(|c| Constraint::Percentage(c.width))
        .collect();
    let header = Row::new(R::COLUMNS.iter().map(|c| Cell::from(c.title))).style(theme.header());
    let mut rows = Vec::new();
    if let Some(total) = table.total {
        for index in table.offset..(table.offset + viewport).min(total) {
            let style = if index == table.selected {
                theme.selected()
            } else {
                Style::new()
            };
            let row = match table.row(index) {
                Some(record) => Row::new(record.cells()),
                None if table.error.is_some() => {
                    Row::new(vec![Cell::from(""), Cell::from("not loaded: R to retry")])
                }
                None => Row::new(vec![Cell::from(""), Cell::from("loading…")]),
            };
            rows.push(row.style(style));
        }
    }
    let table_area = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    TableWidget::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .render(table_area, buf);

    let message = match (&table.error, table.total) {
        (Some(error), _) if table.loaded_rows() == 0 => Some(Message::error(error.clone())),
        (None, Some(0)) if table.query().is_empty() => {
            Some(Message::info(format!("No {noun} yet")))
        }
        (None, Some(0)) => Some(Message::info(format!(
            "No {noun} match \"{}\"",
            table.query()
        ))),
        (None, None) => Some(Message::info("Loading…")),
        _ => None,
    };
    if let Some(message) = message {
        let [_, middle, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(2),
            Constraint::Fill(1),
        ])
        .areas(table_area);
        Paragraph::new(message.text)
            .style(theme.tone(message.tone))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(middle, buf);
    }

    let total = table.total.unwrap_or(0);
    if total > viewport {
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

/// The keys this user may press here; forbidden ones are not offered. When
/// the line is short, the least needed hints go first (all are in `?`).
fn render_keys(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let (create, edit, delete) = app.tab_permissions();
    // (key, what, priority: lower stays longer)
    let mut keys: Vec<(&str, &str, u8)> = Vec::new();
    if app.table().filtering() {
        keys.extend([
            ("Enter", "keep filter", 0),
            ("Esc", "clear", 0),
            ("↑↓", "move", 1),
        ]);
    } else {
        keys.push(("↑↓", "move", 3));
        keys.push(("/", "filter", 1));
        keys.push(("s/S", "sort", 2));
        if app.can(create) {
            keys.push(("n", "new", 0));
        }
        if app.can(edit) {
            keys.push(("e", "edit", 0));
        }
        if app.can(delete) {
            keys.push(("d", "delete", 0));
        }
        keys.push((
            "c",
            if app.tab == Tab::Movies {
                "cast"
            } else {
                "movies"
            },
            1,
        ));
        keys.extend([
            ("R", "reload", 3),
            ("1/2", "tabs", 4),
            ("?", "help", 0),
            ("q", "quit", 0),
        ]);
    }
    let width = |keys: &[(&str, &str, u8)]| -> usize {
        keys.iter()
            .map(|(k, w, _)| k.chars().count() + w.len() + 3)
            .sum::<usize>()
            + 1
    };
    for drop in [4, 3, 2, 1] {
        if width(&keys) <= usize::from(area.width) {
            break;
        }
        keys.retain(|(_, _, priority)| *priority < drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, what, _) in keys {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans).render(area, buf);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

fn dialog_block(title: String, theme: &Theme) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(format!(" {title} "), theme.title()))
}

fn render_login(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let login = &app.login;
    let browser = app.external_login().is_some();
    let height = if login.device.is_some() {
        19
    } else if browser {
        15
    } else {
        13
    };
    let box_area = centered(area, 64, height);
    Clear.render(box_area, buf);
    let block = dialog_block("Casting Agency — log in".into(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let field_width = usize::from(inner.width.saturating_sub(14));
    let label = |text: &str, focus: LoginFocus| {
        let style = if login.focus == focus {
            theme.focus()
        } else {
            Style::new()
        };
        Span::styled(format!(" {text:<11}"), style)
    };
    let field = |input: &Input, focus: LoginFocus, masked: bool| {
        let mut spans = vec![
            label(if masked { "Password" } else { "Username" }, focus),
            Span::raw("│"),
        ];
        spans.extend(input_spans(
            input,
            field_width,
            login.focus == focus,
            masked,
            theme,
        ));
        Line::from(spans)
    };
    let check = if login.remember { "[x]" } else { "[ ]" };
    let mut lines = vec![
        Line::styled(format!(" Server: {}", app.server), theme.dim()),
        Line::raw(""),
        field(&login.username, LoginFocus::Username, false),
        Line::raw(""),
        field(&login.password, LoginFocus::Password, true),
        Line::raw(""),
        Line::from(vec![
            label("", LoginFocus::Remember),
            Span::styled(
                format!("{check} Remember me (until the token expires)"),
                if login.focus == LoginFocus::Remember {
                    theme.focus()
                } else {
                    Style::new()
                },
            ),
        ]),
    ];
    if browser {
        lines.push(Line::raw(""));
        let style = if login.focus == LoginFocus::Browser {
            theme.selected()
        } else {
            theme.key()
        };
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(" Sign in with browser (Ctrl-B) ", style),
        ]));
    }
    if let Some(device) = &login.device {
        lines.push(Line::raw(""));
        lines.push(Line::raw(" Open this page and enter the code:"));
        lines.push(Line::styled(
            format!(" {}", device.verification_uri),
            theme.key(),
        ));
        lines.push(Line::from(vec![
            Span::raw(" Code: "),
            Span::styled(device.user_code.clone(), theme.title()),
        ]));
        if !device.browser_opened {
            lines.push(Line::styled(
                " (could not open a browser here)",
                theme.dim(),
            ));
        }
    }
    lines.push(Line::raw(""));
    match &login.message {
        Some(message) => lines.push(Line::styled(
            format!(" {} {}", spinner(app), message.text),
            theme.tone(message.tone),
        )),
        None => lines.push(Line::styled(
            " Tab: next · Space: remember me · Enter: log in · Esc: quit",
            theme.dim(),
        )),
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

fn render_form(form: &Form, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let height = (form.fields.len() as u16) * 3 + 6 + u16::from(form.conflict.is_some()) * 2;
    let box_area = centered(area, 64, height);
    Clear.render(box_area, buf);
    let block = dialog_block(form.title(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let width = usize::from(inner.width.saturating_sub(17));
    let mut lines = vec![Line::raw("")];
    for (index, field) in form.fields.iter().enumerate() {
        let focused = index == form.focus;
        let label_style = if focused { theme.focus() } else { Style::new() };
        let mut spans = vec![
            Span::styled(format!(" {:<13}", field.label), label_style),
            Span::raw("│"),
        ];
        if field.value().is_empty() && !focused {
            spans.push(Span::styled(field.hint, theme.dim()));
        } else {
            spans.extend(input_spans(&field.input, width, focused, false, theme));
        }
        lines.push(Line::from(spans));
        match &field.error {
            Some(error) => lines.push(Line::styled(
                format!("               ! {error}"),
                theme.tone(Tone::Error),
            )),
            None => lines.push(Line::raw("")),
        }
        lines.push(Line::raw(""));
    }
    if let Some(conflict) = &form.conflict {
        lines.push(Line::styled(
            format!(" {conflict}"),
            theme.tone(Tone::Error),
        ));
        lines.push(Line::from(vec![
            Span::styled(" Ctrl-R", theme.key()),
            Span::raw(" load theirs   "),
            Span::styled("Ctrl-O", theme.key()),
            Span::raw(" overwrite with mine   "),
            Span::styled("Esc", theme.key()),
            Span::raw(" cancel"),
        ]));
    } else if form.saving {
        lines.push(Line::raw(" Saving…"));
    } else if let Some(message) = &form.message {
        lines.push(Line::styled(format!(" {message}"), theme.tone(Tone::Error)));
    } else {
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(vec![
        Span::styled(" Tab", theme.key()),
        Span::raw(" next  "),
        Span::styled("Enter/Ctrl-S", theme.key()),
        Span::raw(" save  "),
        Span::styled("Esc", theme.key()),
        Span::raw(" cancel"),
    ]));
    Paragraph::new(lines).render(inner, buf);
}

fn render_confirm(confirm: &ConfirmDelete, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let noun = if confirm.collection == "actors" {
        "actor"
    } else {
        "movie"
    };
    let note = confirm.note.as_deref().unwrap_or("This cannot be undone.");
    render_question(
        &format!("Delete {noun}?"),
        &format!("Delete \"{}\" (#{})?", confirm.label, confirm.id),
        note,
        confirm.selected,
        theme,
        area,
        buf,
    );
}

/// A yes/no question whose default button is Cancel.
fn render_question(
    title: &str,
    question: &str,
    note: &str,
    selected: Button,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = centered(area, 60, 8);
    Clear.render(box_area, buf);
    let block = dialog_block(title.to_owned(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let button = |text: &str, which: Button| {
        let style = if selected == which {
            theme.selected()
        } else {
            Style::new()
        };
        Span::styled(format!("[ {text} ]"), style)
    };
    let lines = vec![
        Line::raw(""),
        Line::raw(format!(" {question}")),
        Line::styled(format!(" {note}"), theme.dim()),
        Line::raw(""),
        Line::from(vec![
            Span::raw("      "),
            button("Cancel", Button::Cancel),
            Span::raw("   "),
            button(
                if title.starts_with("Remove") {
                    "Remove"
                } else {
                    "Delete"
                },
                Button::Delete,
            ),
            Span::styled("   y: yes  n/Esc: keep", theme.dim()),
        ]),
    ];
    Paragraph::new(lines).render(inner, buf);
}

/// A large titled panel over the tables: its list area and its key-hint line.
fn open_panel(title: String, theme: &Theme, area: Rect, buf: &mut Buffer) -> [Rect; 2] {
    let width = (area.width.saturating_mul(9) / 10).max(40).min(area.width);
    let height = (area.height.saturating_sub(4)).max(10).min(area.height);
    let box_area = centered(area, width, height);
    Clear.render(box_area, buf);
    let block = dialog_block(title, theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner)
}

fn key_hints(hints: &[(&str, &str)], theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in hints {
        spans.push(Span::styled((*key).to_owned(), theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

/// A list inside a panel: header, rows with the selection, an empty/error note.
struct ListView<'a> {
    header: &'a [&'a str],
    /// Percent of the width per column.
    widths: &'a [u16],
    /// `None` while loading.
    rows: Option<Vec<Vec<String>>>,
    selected: usize,
    empty: &'a str,
    error: Option<&'a str>,
}

fn render_list(list: ListView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let ListView {
        header,
        widths,
        rows,
        selected,
        empty,
        error,
    } = list;
    let selected = Some(selected);
    let widths: Vec<Constraint> = widths.iter().map(|w| Constraint::Percentage(*w)).collect();
    let viewport = usize::from(area.height.saturating_sub(1)).max(1);
    let count = rows.as_ref().map_or(0, Vec::len);
    let first = selected
        .map_or(0, |s| s.saturating_sub(viewport - 1))
        .min(count);
    let body: Vec<Row> = rows
        .clone()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .skip(first)
        .take(viewport)
        .map(|(index, cells)| {
            let style = if Some(index) == selected {
                theme.selected()
            } else {
                Style::new()
            };
            Row::new(cells).style(style)
        })
        .collect();
    TableWidget::new(body, widths)
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
        let [_, middle, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(2),
            Constraint::Fill(1),
        ])
        .areas(area);
        Paragraph::new(note.text)
            .style(theme.tone(note.tone))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(middle, buf);
    }
}

fn render_cast(view: &CastView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let count = view
        .entries
        .as_ref()
        .map_or(String::new(), |e| format!(" — {} in the cast", e.len()));
    let [list, hints] = open_panel(format!("Cast of {}{count}", view.title), theme, area, buf);
    let rows = view.entries.as_ref().map(|entries| {
        entries
            .iter()
            .map(|e| {
                vec![
                    e.actor.name.clone(),
                    e.actor.age.to_string(),
                    e.character.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect()
    });
    let empty = if view.can_change {
        "Nobody is cast yet: a adds an actor"
    } else {
        "Nobody is cast yet"
    };
    render_list(
        ListView {
            header: &["Actor", "Age", "Character"],
            widths: &[45, 10, 45],
            rows,
            selected: view.selected,
            empty,
            error: view.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    let mut keys = vec![("↑↓", "move")];
    if view.can_change {
        keys.extend([("a", "add actor"), ("e", "character"), ("x", "remove")]);
    }
    keys.extend([("R", "reload"), ("Esc", "back")]);
    key_hints(&keys, theme).render(hints, buf);
    match &view.mode {
        CastMode::Browse => {}
        CastMode::Picker(picker) => render_picker(picker, theme, area, buf),
        CastMode::Character(edit) => render_character(edit, &view.title, theme, area, buf),
        CastMode::ConfirmRemove { name, selected, .. } => render_question(
            "Remove from the cast?",
            &format!("Take {name} out of {}?", view.title),
            "The actor stays; only this role goes.",
            *selected,
            theme,
            area,
            buf,
        ),
    }
}

fn render_picker(picker: &Picker, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let box_area = centered(area, 64, PICKER_ROWS as u16 + 7);
    Clear.render(box_area, buf);
    let block = dialog_block("Add an actor to the cast".into(), theme);
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
        &picker.filter,
        usize::from(search.width.saturating_sub(9)),
        true,
        false,
        theme,
    ));
    Line::from(spans).render(search, buf);
    let rows = (!picker.loading || !picker.results.is_empty()).then(|| {
        picker
            .results
            .iter()
            .map(|a| vec![a.name.clone(), a.age.to_string(), a.gender.clone()])
            .collect()
    });
    render_list(
        ListView {
            header: &["Name", "Age", "Gender"],
            widths: &[60, 10, 30],
            rows,
            selected: picker.selected,
            empty: "No actor matches",
            error: picker.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    let shown = format!("{} of {} ", picker.results.len(), picker.total);
    let [hints, count] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(shown.chars().count() as u16),
    ])
    .areas(footer);
    key_hints(
        &[
            ("type", "to search"),
            ("↑↓", "choose"),
            ("Enter", "pick"),
            ("Esc", "back"),
        ],
        theme,
    )
    .render(hints, buf);
    Line::styled(shown, theme.dim()).render(count, buf);
}

fn render_character(
    edit: &CharacterEdit,
    title: &str,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = centered(area, 64, 9);
    Clear.render(box_area, buf);
    let heading = if edit.adding { "Cast" } else { "Character of" };
    let block = dialog_block(format!("{heading} {}", edit.actor_name), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let mut field = vec![Span::styled(" Character   ", theme.focus()), Span::raw("│")];
    field.extend(input_spans(
        &edit.input,
        usize::from(inner.width.saturating_sub(15)),
        true,
        false,
        theme,
    ));
    let status = match (&edit.error, edit.saving) {
        (Some(error), _) => Line::styled(format!(" ! {error}"), theme.tone(Tone::Error)),
        (None, true) => Line::raw(" Saving…"),
        (None, false) => Line::styled(
            format!(" in {title}; leave empty for no character"),
            theme.dim(),
        ),
    };
    let lines = vec![
        Line::raw(""),
        Line::from(field),
        Line::raw(""),
        status,
        Line::raw(""),
        key_hints(&[("Enter", "save"), ("Esc", "cancel")], theme),
    ];
    Paragraph::new(lines).render(inner, buf);
}

fn render_filmography(view: &FilmographyView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let count = view
        .entries
        .as_ref()
        .map_or(String::new(), |e| format!(" — {} movies", e.len()));
    let [list, hints] = open_panel(format!("Movies of {}{count}", view.name), theme, area, buf);
    let rows = view.entries.as_ref().map(|entries| {
        entries
            .iter()
            .map(|e| {
                vec![
                    e.movie.title.clone(),
                    casting_shared::domain::format_date(e.movie.release_date),
                    e.character.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect()
    });
    render_list(
        ListView {
            header: &["Title", "Released", "Character"],
            widths: &[45, 15, 40],
            rows,
            selected: view.selected,
            empty: "Not cast in any movie yet",
            error: view.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    key_hints(&[("↑↓", "move"), ("R", "reload"), ("Esc", "back")], theme).render(hints, buf);
}

fn render_help(theme: &Theme, area: Rect, buf: &mut Buffer) {
    let box_area = centered(area, 72, HELP.len() as u16 + 4);
    Clear.render(box_area, buf);
    let block = dialog_block("Keys".into(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let mut lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<24}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::styled(
        " Keys your role cannot use are not offered.",
        theme.dim(),
    ));
    lines.push(Line::styled(" Any key closes this help.", theme.dim()));
    Paragraph::new(lines).render(inner, buf);
}
