//! The detail view: every field in full (wrapped, never clipped), then the
//! movie's cast or the actor's movies.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::theme::Theme;
use super::{ListView, inset, open_panel, render_list, render_list_filter};
use crate::action::{Record, Related};
use crate::app::{App, DetailView, Tone};

fn fields(record: &Record) -> Vec<(&'static str, String)> {
    match record {
        Record::Actor(actor) => vec![
            ("ID", actor.id.to_string()),
            ("Name", actor.name.clone()),
            ("Age", actor.age.to_string()),
            ("Gender", actor.gender.clone()),
        ],
        Record::Movie(movie) => vec![
            ("ID", movie.id.to_string()),
            ("Title", movie.title.clone()),
            (
                "Release date",
                casting_shared::domain::format_date(movie.release_date),
            ),
        ],
    }
}

pub fn render_detail(app: &App, view: &DetailView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let trail = if app.details.len() > 1 {
        format!(" ({} deep, Esc goes back)", app.details.len())
    } else {
        String::new()
    };
    // "Movie #1", not "Movies #1": one record.
    let noun = view.collection.noun();
    let capital = noun[..1].to_uppercase() + &noun[1..];
    let title = format!("{capital} #{}{trail}", view.id);
    let [body, filter_line] = open_panel(title, theme, area, buf);
    let body = inset(body);
    let lines: Vec<Line> = fields(&view.record)
        .into_iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!("{label:<13}"), theme.header()),
                Span::raw(value),
            ])
        })
        .chain(
            view.error
                .iter()
                .map(|e| Line::styled(e.clone(), theme.tone(Tone::Error))),
        )
        .collect();
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let height = (paragraph.line_count(body.width) as u16).min(body.height.saturating_sub(3));
    let [fields_area, _, list_area] = Layout::vertical([
        Constraint::Length(height),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(body);
    paragraph.render(fields_area, buf);
    let shown = view.shown();
    let total = view.related.as_ref().map_or(0, Related::len);
    // The count once the list is in ("Cast (0)" while loading would say wrong).
    let counted = |what: &str| match &view.related {
        Some(_) => format!("{what} ({total})"),
        None => what.to_owned(),
    };
    match view.collection {
        crate::collection::Collection::Movies => {
            let rows = view.related.as_ref().map(|related| match related {
                Related::Cast(entries) => shown
                    .iter()
                    .map(|i| &entries[*i])
                    .map(|e| {
                        vec![
                            e.actor.id.to_string(),
                            e.actor.name.clone(),
                            e.character.clone().unwrap_or_else(|| "—".into()),
                        ]
                    })
                    .collect(),
                Related::Filmography(_) => Vec::new(),
            });
            render_list(
                ListView {
                    header: &["ID", &counted("Cast"), "Character"],
                    widths: &[10, 45, 45],
                    rows,
                    selected: view.selected,
                    empty: "Nobody is cast yet",
                    error: None,
                },
                theme,
                list_area,
                buf,
            );
        }
        crate::collection::Collection::Actors => {
            let rows = view.related.as_ref().map(|related| match related {
                Related::Filmography(entries) => shown
                    .iter()
                    .map(|i| &entries[*i])
                    .map(|e| {
                        vec![
                            e.movie.title.clone(),
                            casting_shared::domain::format_date(e.movie.release_date),
                            e.character.clone().unwrap_or_else(|| "—".into()),
                        ]
                    })
                    .collect(),
                Related::Cast(_) => Vec::new(),
            });
            render_list(
                ListView {
                    header: &[&counted("Movies"), "Released", "Character"],
                    widths: &[45, 15, 40],
                    rows,
                    selected: view.selected,
                    empty: "Not cast in any movie yet",
                    error: None,
                },
                theme,
                list_area,
                buf,
            );
        }
    }
    render_list_filter(&view.filter, shown.len(), total, theme, filter_line, buf);
}
