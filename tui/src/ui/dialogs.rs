//! The edit form, the filter dialog, the export dialog and the one
//! confirmation. Long messages (a conflict's whole difference) wrap.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use tui_input::Input;

use super::theme::Theme;
use super::{dialog_block, input_spans, inset, key_hints, popup};
use crate::app::{App, ExportDialog, Tone};
use crate::bindings::{Command, Context};
use crate::confirm::{Button, Confirm};
use crate::filters::FilterDialog;
use crate::form::Form;

/// One labelled field, its error (or blank) line and a spacer.
pub(super) fn field_lines(
    label: &str,
    input: &Input,
    hint: &str,
    error: Option<&str>,
    focused: bool,
    width: usize,
    theme: &Theme,
) -> [Line<'static>; 3] {
    let label_style = if focused { theme.focus() } else { Style::new() };
    let mut spans = vec![
        Span::styled(format!(" {label:<13}"), label_style),
        Span::raw("│"),
    ];
    if input.value().is_empty() && !focused {
        spans.push(Span::styled(hint.to_owned(), theme.dim()));
    } else {
        spans.extend(input_spans(input, width, focused, false, theme));
    }
    let error = match error {
        Some(error) => Line::styled(format!("               ! {error}"), theme.tone(Tone::Error)),
        None => Line::raw(""),
    };
    [Line::from(spans), error, Line::raw("")]
}

/// A message wrapped inside a dialog, one cell from each border.
pub(super) fn wrapped(text: &str, style: Style, width: u16) -> (Paragraph<'static>, u16) {
    let paragraph = Paragraph::new(text.to_owned())
        .style(style)
        .wrap(Wrap { trim: true });
    let height = if text.is_empty() {
        0
    } else {
        paragraph.line_count(width.saturating_sub(2).max(1)) as u16
    };
    (paragraph, height)
}

pub fn render_form(app: &App, form: &Form, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = 64.min(area.width);
    let inner_width = width.saturating_sub(2);
    let (note, note_style) = match (&form.conflict, &form.message) {
        (Some(conflict), _) => (
            format!(
                "{conflict} {} loads theirs and keeps your other changes; {} overwrites theirs with yours.",
                app.bindings.keys_of(Context::Form, Command::LoadTheirs),
                app.bindings.keys_of(Context::Form, Command::Overwrite),
            ),
            theme.tone(Tone::Error),
        ),
        (None, _) if form.saving => ("Saving…".to_owned(), Style::new()),
        (None, Some(message)) => (message.clone(), theme.tone(Tone::Error)),
        (None, None) => (String::new(), Style::new()),
    };
    let (note, note_height) = wrapped(&note, note_style, inner_width);
    let fields_height = form.fields.len() as u16 * 3 + 1;
    let height = fields_height + note_height.max(1) + 3;
    let box_area = popup(area, width, height, buf);
    let block = dialog_block(form.title(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    // The key line first: it stays when the terminal is too short for all.
    let [rest, keys_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let [fields_area, note_area] =
        Layout::vertical([Constraint::Length(fields_height), Constraint::Min(1)]).areas(rest);
    let width = usize::from(inner.width.saturating_sub(17));
    let mut lines = vec![Line::raw("")];
    for (index, field) in form.fields.iter().enumerate() {
        lines.extend(field_lines(
            field.label,
            &field.input,
            field.hint,
            field.error.as_deref(),
            index == form.focus,
            width,
            theme,
        ));
    }
    Paragraph::new(lines).render(fields_area, buf);
    note.render(inset(note_area), buf);
    if form.conflict.is_some() {
        // The way out of a conflict stays on screen however small it is.
        conflict_keys(app, theme).render(keys_area, buf);
    } else {
        key_hints(app, Context::Form, keys_area.width).render(keys_area, buf);
    }
}

/// The key line of a form in conflict: load theirs, overwrite, cancel.
fn conflict_keys(app: &App, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (command, what) in [
        (Command::LoadTheirs, "theirs"),
        (Command::Overwrite, "overwrite"),
        (Command::Back, "cancel"),
    ] {
        spans.push(Span::styled(
            app.bindings.keys_of(Context::Form, command),
            theme.key(),
        ));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Line::from(spans)
}

pub fn render_filters(
    app: &App,
    dialog: &FilterDialog,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let height = dialog.fields.len() as u16 * 3 + 4;
    let box_area = popup(area, 64, height, buf);
    let block = dialog_block(format!("Filter {}", dialog.collection.path()), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [fields_area, keys_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let width = usize::from(inner.width.saturating_sub(17));
    let mut lines = vec![Line::raw("")];
    for (index, field) in dialog.fields.iter().enumerate() {
        lines.extend(field_lines(
            field.label,
            &field.input,
            field.hint,
            field.error.as_deref(),
            index == dialog.focus,
            width,
            theme,
        ));
    }
    Paragraph::new(lines).render(fields_area, buf);
    key_hints(app, Context::Filters, keys_area.width).render(keys_area, buf);
}

pub fn render_export(
    app: &App,
    dialog: &ExportDialog,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = popup(area, 64, 8, buf);
    let block = dialog_block(format!("Export {} to CSV", dialog.collection.path()), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [body, keys_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let width = usize::from(inner.width.saturating_sub(17));
    let mut lines = vec![Line::raw("")];
    lines.extend(field_lines(
        "File",
        &dialog.path,
        "",
        dialog.error.as_deref(),
        true,
        width,
        theme,
    ));
    lines.push(Line::styled(
        " Every row matching the filters, in the table's order.",
        theme.dim(),
    ));
    Paragraph::new(lines).render(body, buf);
    key_hints(app, Context::Export, keys_area.width).render(keys_area, buf);
}

/// The one yes/no question; Cancel is the default button.
pub fn render_confirm(confirm: &Confirm, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = 60.min(area.width);
    let detail = confirm.detail();
    let (text, text_height) = wrapped(&confirm.text(), Style::new(), width.saturating_sub(2));
    let (detail, detail_height) = wrapped(&detail, theme.dim(), width.saturating_sub(2));
    let height = text_height + detail_height + 5;
    let box_area = popup(area, width, height, buf);
    let block = dialog_block(confirm.title(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [_, text_area, detail_area, _, buttons] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(text_height),
        Constraint::Length(detail_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    text.render(inset(text_area), buf);
    detail.render(inset(detail_area), buf);
    let button = |text: &str, which: Button| {
        let style = if confirm.selected == which {
            theme.selected()
        } else {
            Style::new()
        };
        Span::styled(format!("[ {text} ]"), style)
    };
    Line::from(vec![
        Span::raw("      "),
        button("Cancel", Button::Cancel),
        Span::raw("   "),
        button(confirm.yes_label(), Button::Yes),
        Span::styled("   y: yes  n/Esc: keep", theme.dim()),
    ])
    .render(buttons, buf);
}
