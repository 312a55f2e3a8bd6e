//! The cast panel (with its actor picker and character dialog) and an
//! actor's filmography.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme::Theme;
use super::{
    ListView, dialog_block, input_spans, key_hints, open_panel, popup, render_list,
    render_list_filter,
};
use crate::app::table::count_text;
use crate::app::{App, Tone};
use crate::bindings::Context;
use crate::cast::{CastMode, CastView, CharacterEdit, FilmographyView, PICKER_ROWS, Picker};
use crate::keymap::context;

pub fn render_cast(app: &App, view: &CastView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let count = view
        .entries
        .as_ref()
        .map_or(String::new(), |e| format!(" — {} in the cast", e.len()));
    let [list, filter_line] =
        open_panel(format!("Cast of {}{count}", view.title), theme, area, buf);
    let shown = view.shown();
    let rows = view.entries.as_ref().map(|_| {
        shown
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
    let total = view.entries.as_ref().map_or(0, Vec::len);
    render_list_filter(&view.filter, shown.len(), total, theme, filter_line, buf);
    match &view.mode {
        CastMode::Browse => {}
        CastMode::Picker(picker) => render_picker(app, view, picker, theme, area, buf),
        CastMode::Character(edit) => render_character(app, edit, &view.title, theme, area, buf),
    }
}

fn render_picker(
    app: &App,
    view: &CastView,
    picker: &Picker,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = popup(area, 64, PICKER_ROWS as u16 + 7, buf);
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
        !picker.list_focus,
        false,
        theme,
    ));
    Line::from(spans).render(search, buf);
    let cast: Vec<i64> = view
        .entries
        .as_ref()
        .map(|e| e.iter().map(|c| c.actor.id).collect())
        .unwrap_or_default();
    let rows = (!picker.loading || !picker.results.is_empty()).then(|| {
        picker
            .results
            .iter()
            .map(|a| {
                // ✓ marks an actor already in this cast.
                let mark = if cast.contains(&a.id) { "✓" } else { " " };
                vec![
                    format!("{mark}{}", a.id),
                    a.name.clone(),
                    a.age.to_string(),
                    a.gender.clone(),
                ]
            })
            .collect()
    });
    render_list(
        ListView {
            header: &[" ID", "Name", "Age", "Gender"],
            widths: &[12, 50, 10, 28],
            rows,
            selected: picker.selected,
            empty: "No actor matches",
            error: picker.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    let shown = format!(
        "{} of {} ",
        picker.results.len(),
        count_text(picker.total, picker.total_exact)
    );
    let [hints, count] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(shown.chars().count() as u16),
    ])
    .areas(footer);
    key_hints(app, context(app).0, hints.width).render(hints, buf);
    Line::styled(shown, theme.dim()).render(count, buf);
}

fn render_character(
    app: &App,
    edit: &CharacterEdit,
    title: &str,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let box_area = popup(area, 64, 9, buf);
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
        key_hints(app, Context::Character, inner.width),
    ];
    Paragraph::new(lines).render(inner, buf);
}

pub fn render_filmography(view: &FilmographyView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let count = view
        .entries
        .as_ref()
        .map_or(String::new(), |e| format!(" — {} movies", e.len()));
    let [list, filter_line] =
        open_panel(format!("Movies of {}{count}", view.name), theme, area, buf);
    let shown = view.shown();
    let rows = view.entries.as_ref().map(|_| {
        shown
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
    let total = view.entries.as_ref().map_or(0, Vec::len);
    render_list_filter(&view.filter, shown.len(), total, theme, filter_line, buf);
}
