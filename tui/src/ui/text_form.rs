//! The role and audition dialogs: a casting form's fields, what went wrong
//! (an audition's clashes one per line) and its keys.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::dialogs::{field_lines, wrapped};
use super::theme::Theme;
use super::{dialog_block, inset, key_hints, popup};
use crate::app::{App, Tone};
use crate::bindings::Context;
use crate::casting::form::TextForm;

/// The role or audition dialog: its fields, then what went wrong (an
/// audition's clashes one per line), then its keys.
pub fn render_text_form(app: &App, form: &TextForm, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = 68.min(area.width);
    let inner_width = width.saturating_sub(2);
    let (note, style) = match &form.message {
        _ if form.saving => ("Saving…".to_owned(), Style::new()),
        Some(message) => (message.clone(), theme.tone(Tone::Error)),
        None => (String::new(), Style::new()),
    };
    let (note, note_height) = wrapped(&note, style, inner_width);
    let clashes: Vec<Line> = form
        .clashes
        .iter()
        .map(|c| Line::styled(format!(" ✗ {c}"), theme.tone(Tone::Error)))
        .collect();
    let fields_height = form.fields.len() as u16 * 2 + 1;
    let height = fields_height + note_height.max(1) + clashes.len() as u16 + 3;
    let box_area = popup(area, width, height, buf);
    let block = dialog_block(form.title.clone(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [fields_area, note_area, clash_area, keys_area] = Layout::vertical([
        Constraint::Length(fields_height),
        Constraint::Length(note_height.max(1)),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(inner);
    let text_width = usize::from(inner.width.saturating_sub(17));
    let mut lines = vec![Line::raw("")];
    for (index, field) in form.fields.iter().enumerate() {
        let [field, error, _] = field_lines(
            field.label,
            &field.input,
            field.hint,
            field.error.as_deref(),
            index == form.focus,
            text_width,
            theme,
        );
        lines.extend([field, error]);
    }
    Paragraph::new(lines).render(fields_area, buf);
    note.render(inset(note_area), buf);
    Paragraph::new(clashes).render(clash_area, buf);
    key_hints(app, Context::Form, keys_area.width).render(keys_area, buf);
}
