//! The `:` command palette: its line, and under it the actions it keeps
//! (keys, name, what it does), or where a jump goes, or why nothing does.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme::Theme;
use super::{clip, dialog_block, input_spans, popup};
use crate::app::App;
use crate::palette::{Jump, Palette, parse_jump};

/// Actions listed at once.
const SHOWN: usize = 8;

pub fn render_palette(app: &App, palette: &Palette, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let choices = app.palette_choices();
    let listed = choices.len().clamp(1, SHOWN);
    let box_area = popup(area, 72, listed as u16 + 4, buf);
    let block = dialog_block(format!("Actions — {}", palette.under.title()), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let width = usize::from(inner.width);
    let mut line = vec![Span::styled(" :", theme.key())];
    line.extend(input_spans(
        &palette.input,
        width.saturating_sub(3),
        true,
        false,
        theme,
    ));
    let mut lines = vec![Line::from(line), Line::raw("")];
    match parse_jump(palette.text()) {
        Some(Jump::Id(collection, id)) => lines.push(Line::styled(
            format!(" Enter opens {} #{id}", collection.noun()),
            theme.dim(),
        )),
        Some(Jump::Name(collection, name)) => lines.push(Line::styled(
            clip(
                &format!(" Enter finds {} named \"{name}\"", collection.path()),
                width,
            ),
            theme.dim(),
        )),
        None if choices.is_empty() => lines.push(Line::styled(
            clip(
                &format!(
                    " No action matches \"{}\" — :actor ID, :movie NAME jump",
                    palette.text().trim()
                ),
                width,
            ),
            theme.dim(),
        )),
        None => {
            let first = palette.selected.saturating_sub(SHOWN - 1);
            for (index, choice) in choices.iter().enumerate().skip(first).take(SHOWN) {
                let text = clip(
                    &format!(" {:<14} {:<16} {}", choice.keys, choice.name, choice.help),
                    width,
                );
                let style = if index == palette.selected {
                    theme.selected()
                } else {
                    ratatui::style::Style::new()
                };
                lines.push(Line::styled(text, style));
            }
        }
    }
    Paragraph::new(lines).render(inner, buf);
}
