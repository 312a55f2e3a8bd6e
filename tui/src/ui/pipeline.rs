//! A role's pipeline: its candidates under their stages, with age, gender,
//! note and next audition; the actor picker and the audition dialog over it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::theme::Theme;
use super::{ListView, PickerBox, open_panel, render_list, render_picker_box};
use crate::app::App;
use crate::casting::picker::CandidatePicker;
use crate::casting::pipeline::{PipelineMode, PipelineRow, PipelineView};
use crate::casting::{age_range, audition_text, stage_title};

pub fn render_pipeline(
    app: &App,
    view: &PipelineView,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let [list, note] = open_panel(view.title(), theme, area, buf);
    let rows = view.rows();
    let selected = rows
        .iter()
        .position(|r| *r == PipelineRow::Candidate(view.selected))
        .unwrap_or(0);
    let candidates = view.candidates();
    let texts = view.body.as_ref().map(|_| {
        rows.iter()
            .map(|row| match row {
                PipelineRow::Stage(stage, count) => vec![
                    format!("▸ {} ({count})", stage_title(*stage)),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                PipelineRow::Candidate(index) => {
                    let c = &candidates[*index];
                    vec![
                        format!("  {}", c.actor.name),
                        c.actor.age.to_string(),
                        c.actor.gender.clone(),
                        c.note.clone().unwrap_or_default(),
                        view.next_audition(c.actor.id)
                            .map_or_else(|| "—".into(), audition_text),
                    ]
                }
            })
            .collect()
    });
    render_list(
        ListView {
            header: &["Candidate", "Age", "Gender", "Note", "Next audition"],
            widths: &[25, 5, 9, 18, 38],
            rows: texts,
            selected,
            empty: "No candidates yet: a adds one",
            error: view.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    if let Some(body) = &view.body {
        let role = &body.role;
        let mut wanted = format!(" wanted: age {}", age_range(role.age_min, role.age_max));
        if let Some(gender) = &role.gender {
            wanted.push_str(&format!(" · {gender}"));
        }
        if let Some(description) = &role.description {
            wanted.push_str(&format!(" · {description}"));
        }
        Line::styled(super::clip(&wanted, usize::from(note.width)), theme.dim()).render(note, buf);
    }
    match &view.mode {
        PipelineMode::Browse => {}
        PipelineMode::Picker(picker) => render_picker(app, view, picker, theme, area, buf),
        PipelineMode::Audition(form) => {
            super::text_form::render_text_form(app, form, theme, area, buf)
        }
    }
}

fn render_picker(
    app: &App,
    view: &PipelineView,
    picker: &CandidatePicker,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let already: Vec<i64> = view.candidates().iter().map(|c| c.actor.id).collect();
    let rows = (!picker.loading || !picker.is_empty()).then(|| {
        (0..picker.len())
            .filter_map(|i| picker.at(i))
            .map(|(actor, fits)| {
                // ✓ marks a candidate already; "fits" the role's age and gender.
                let mark = if already.contains(&actor.id) {
                    "✓"
                } else {
                    " "
                };
                vec![
                    format!("{mark}{}", actor.name),
                    actor.age.to_string(),
                    actor.gender.clone(),
                    if fits { "fits".into() } else { String::new() },
                ]
            })
            .collect()
    });
    let found = if picker.loading {
        "searching… ".to_owned()
    } else {
        format!(
            "{} fit, {} others ",
            picker.fitting.len(),
            picker.others.len()
        )
    };
    let picker_box = PickerBox {
        title: "Add a candidate",
        size: (68, 19),
        search: &picker.filter,
        list_focus: picker.list_focus,
        columns: (&[" Name", "Age", "Gender", ""], &[52, 9, 19, 15]),
        rows,
        selected: picker.selected,
        error: picker.error.as_deref(),
        found,
    };
    render_picker_box(app, picker_box, theme, area, buf);
}
