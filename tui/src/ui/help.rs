//! The help screen: every key the user's role may use, by view, from the
//! binding table. It scrolls, and fits small terminals.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::theme::Theme;
use super::{centered, dialog_block};
use crate::app::App;
use crate::app::help::HelpLine;

pub fn render_help(app: &App, scroll: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines = app.help_lines();
    let box_area = centered(area, 78, lines.len() as u16 + 3);
    Clear.render(box_area, buf);
    let inner_height = usize::from(box_area.height.saturating_sub(3));
    let last = lines.len().saturating_sub(inner_height);
    let scroll = scroll.min(last);
    let more = if last > 0 {
        format!("Keys — {}/{} · ↑↓ PgUp PgDn scroll", scroll + 1, last + 1)
    } else {
        "Keys".to_owned()
    };
    let block = dialog_block(more, theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let key_width = 18.min(usize::from(inner.width / 3));
    let mut shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(inner_height)
        .map(|line| match line {
            HelpLine::Heading(title) => Line::styled(format!(" {title}"), theme.title()),
            HelpLine::Key { keys, what } => Line::from(vec![
                Span::styled(format!("   {keys:<key_width$} "), theme.key()),
                Span::raw(*what),
            ]),
        })
        .collect();
    shown.push(Line::styled(
        " Keys your role cannot use are not listed. Esc closes.",
        theme.dim(),
    ));
    Paragraph::new(shown).render(inner, buf);
}
