//! The help screen: every key the user's role may use, by view, from the
//! binding table. Long lines wrap; it scrolls, and fits small terminals.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme::Theme;
use super::{dialog_block, input_spans, popup};
use crate::app::App;
use crate::app::help::HelpRow;

pub fn render_help(app: &App, scroll: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let layout = app.help_layout(area.width, area.height);
    let box_area = popup(area, layout.width, layout.height, buf);
    let scroll = scroll.min(layout.last_scroll());
    let total = layout.rows.len();
    let title = if layout.last_scroll() > 0 {
        let last = (scroll + layout.visible).min(total);
        format!("Keys {}–{last} of {total} · ↑↓ PgUp PgDn", scroll + 1)
    } else {
        "Keys".to_owned()
    };
    let block = dialog_block(title, theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let key_width = layout.key_width;
    let mut shown: Vec<Line> = layout
        .rows
        .iter()
        .skip(scroll)
        .take(layout.visible)
        .map(|row| match row {
            HelpRow::Heading(title) => Line::styled(format!(" {title}"), theme.title()),
            HelpRow::Key { keys, text } => Line::from(vec![
                Span::styled(format!("   {keys:<key_width$} "), theme.key()),
                Span::raw(text.clone()),
            ]),
        })
        .collect();
    let filter = &app.help_filter;
    if filter.shown() && layout.rows.is_empty() {
        shown.push(Line::styled(
            format!(" No keys match \"{}\"", filter.text()),
            theme.dim(),
        ));
    }
    if filter.shown() {
        let mut line = vec![Span::styled(" Filter: ", theme.key())];
        line.extend(input_spans(
            &filter.input,
            usize::from(inner.width).saturating_sub(10),
            filter.active,
            false,
            theme,
        ));
        shown.push(Line::from(line));
    } else {
        shown.push(Line::styled(
            " Only keys your role may use. Esc closes.",
            theme.dim(),
        ));
    }
    Paragraph::new(shown).render(inner, buf);
}
