//! The cast panel (with its actor picker and character dialog) and an
//! actor's filmography.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme::Theme;
use super::{
    ListView, PickerBox, dialog_block, input_spans, key_hints, open_panel, popup, render_list,
    render_list_filter, render_picker_box,
};
use crate::app::table::count_text;
use crate::app::{App, Tone};
use crate::bindings::Context;
use crate::cast::{CastMode, CastView, CharacterEdit, FilmographyView, PICKER_ROWS, Picker};
use crate::list_filter::ListFilter;

pub fn render_cast(app: &App, view: &CastView, theme: &Theme, area: Rect, buf: &mut Buffer) {
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
    let list = ListView {
        header: &["Actor", "Age", "Character"],
        widths: &[45, 10, 45],
        rows,
        selected: view.selected,
        empty: if view.can_change {
            "Nobody is cast yet: a adds an actor"
        } else {
            "Nobody is cast yet"
        },
        error: view.error.as_deref(),
    };
    let total = view.entries.as_ref().map(Vec::len);
    let title = format!("Cast of {}{}", view.title, counted(total, "in the cast"));
    render_entries(title, list, &view.filter, total, theme, area, buf);
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
    let found = format!(
        "{} of {} ",
        picker.results.len(),
        count_text(picker.total, picker.total_exact)
    );
    let picker_box = PickerBox {
        title: "Add an actor to the cast",
        size: (64, PICKER_ROWS as u16 + 7),
        search: &picker.filter,
        list_focus: picker.list_focus,
        columns: (&[" ID", "Name", "Age", "Gender"], &[12, 50, 10, 28]),
        rows,
        selected: picker.selected,
        error: picker.error.as_deref(),
        found,
    };
    render_picker_box(app, picker_box, theme, area, buf);
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
    let rows = view.entries.as_ref().map(|_| {
        view.shown()
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
    let list = ListView {
        header: &["Title", "Released", "Character"],
        widths: &[45, 15, 40],
        rows,
        selected: view.selected,
        empty: "Not cast in any movie yet",
        error: view.error.as_deref(),
    };
    let total = view.entries.as_ref().map(Vec::len);
    let title = format!("Movies of {}{}", view.name, counted(total, "movies"));
    render_entries(title, list, &view.filter, total, theme, area, buf);
}

/// " — 3 movies" after a panel's title once its list is read.
fn counted(total: Option<usize>, what: &str) -> String {
    total.map_or(String::new(), |n| format!(" — {n} {what}"))
}

/// A cast or a filmography: its panel, the entries the filter keeps (of
/// `list`), and the filter line.
fn render_entries(
    title: String,
    list: ListView,
    filter: &ListFilter,
    total: Option<usize>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let [list_area, filter_line] = open_panel(title, theme, area, buf);
    let kept = list.rows.as_ref().map_or(0, Vec::len);
    render_list(list, theme, list_area, buf);
    render_list_filter(filter, kept, total.unwrap_or(0), theme, filter_line, buf);
}
