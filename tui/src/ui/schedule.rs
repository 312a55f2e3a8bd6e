//! The Auditions tab: the schedule by day (today first), its filters, and
//! where the selection is.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Widget};

use super::theme::Theme;
use super::{ListView, render_list};
use crate::app::App;
use crate::app::table::count_text;
use crate::casting::schedule::ScheduleRow;
use crate::casting::{clock, day_text, weekday};

pub fn render_schedule(app: &App, theme: &Theme, filter: Rect, table: Rect, buf: &mut Buffer) {
    let view = &app.schedule;
    let filters = view.filter_text();
    let line = if filters.is_empty() {
        " From today · l: only this location  a: only this actor".to_owned()
    } else {
        format!(" From today, {filters} · Esc: everyone, everywhere")
    };
    Line::styled(super::clip(&line, usize::from(filter.width)), theme.dim()).render(filter, buf);
    let position = match (&view.auditions, view.selected_audition()) {
        (Some(_), Some(_)) => format!(
            " audition {} of {} ",
            view.selected + 1,
            count_text(view.total, view.total_exact)
        ),
        _ => String::new(),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Line::styled(
            format!(" Auditions ({}) ", crate::local_time::zone_shown()),
            theme.title(),
        ))
        .title_bottom(Line::styled(position, theme.dim()).right_aligned());
    let inner = block.inner(table);
    block.render(table, buf);
    let rows = view.rows();
    let selected = rows
        .iter()
        .position(|r| *r == ScheduleRow::Audition(view.selected))
        .unwrap_or(0);
    let shown = view.shown();
    let texts = view.auditions.as_ref().map(|_| {
        rows.iter()
            .map(|row| match row {
                ScheduleRow::Day(date) => vec![
                    format!("{} {}", weekday(*date), day_text(*date)),
                    if view.today == Some(*date) {
                        "— today".into()
                    } else {
                        String::new()
                    },
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                ScheduleRow::Audition(index) => {
                    let s = &shown[*index];
                    vec![
                        format!(
                            "  {}–{}",
                            clock(s.audition.starts_at),
                            clock(s.audition.ends_at)
                        ),
                        s.actor.name.clone(),
                        s.role
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("#{}", s.role.id)),
                        s.movie.title.clone(),
                        s.audition.location.clone(),
                    ]
                }
            })
            .collect()
    });
    let [list] = Layout::vertical([Constraint::Min(1)]).areas(inner);
    render_list(
        ListView {
            header: &["When", "Actor", "Role", "Movie", "Location"],
            widths: &[18, 19, 17, 21, 20],
            rows: texts,
            selected,
            empty: "No auditions from today on",
            error: view.error.as_deref(),
        },
        theme,
        list,
        buf,
    );
}
