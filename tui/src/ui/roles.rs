//! A movie's roles, the role and audition dialogs, and (from
//! [`super::pipeline`]) a role's pipeline over them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use super::theme::Theme;
use super::{ListView, open_panel, render_list};
use crate::app::App;
use crate::casting::roles::RolesView;
use crate::casting::{age_range, role_label, stage_counts};

pub fn render_roles(app: &App, view: &RolesView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(pipeline) = &view.pipeline {
        super::pipeline::render_pipeline(app, pipeline, theme, area, buf);
        return;
    }
    let count = view
        .roles
        .as_ref()
        .map_or(String::new(), |r| format!(" — {} roles", r.len()));
    let [list, note] = open_panel(format!("Roles of {}{count}", view.title), theme, area, buf);
    let rows = view.roles.as_ref().map(|roles| {
        roles
            .iter()
            .map(|role| {
                vec![
                    role_label(role),
                    match role.actor {
                        Some(_) => "cast".into(),
                        None => "open".into(),
                    },
                    role.actor
                        .as_ref()
                        .map_or_else(|| "—".into(), |a| a.name.clone()),
                    stage_counts(role),
                ]
            })
            .collect()
    });
    let empty = if view.can_change {
        "No roles yet: n adds one"
    } else {
        "No roles yet"
    };
    render_list(
        ListView {
            header: &["Role", "Status", "Booked", "Candidates"],
            widths: &[24, 8, 21, 43],
            rows,
            selected: view.selected,
            empty,
            error: view.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
    if let Some(role) = view.selected_role() {
        let mut wanted = format!(" age {}", age_range(role.age_min, role.age_max));
        if let Some(gender) = &role.gender {
            wanted.push_str(&format!(" · {gender}"));
        }
        if let Some(description) = &role.description {
            wanted.push_str(&format!(" · {description}"));
        }
        Line::styled(super::clip(&wanted, usize::from(note.width)), theme.dim()).render(note, buf);
    }
    if let Some(form) = &view.form {
        super::text_form::render_text_form(app, form, theme, area, buf);
    }
}
