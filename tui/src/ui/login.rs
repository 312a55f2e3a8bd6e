//! The login screen (also drawn as an overlay over the screen when the
//! session ends) and the server picker.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use tui_input::Input;

use super::theme::Theme;
use super::{dialog_block, input_spans, inset, key_hints, popup, spinner};
use crate::app::{App, LoginFocus, ServerPicker};
use crate::bindings::Context;

/// Lines `text` takes when wrapped to `width` cells (words kept whole).
fn wrapped_height(text: &str, width: u16) -> u16 {
    let paragraph = Paragraph::new(text.to_owned()).wrap(Wrap { trim: true });
    paragraph.line_count(width.max(1)) as u16
}

pub fn render_login(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let login = &app.login;
    let browser = app.external_login().is_some();
    let width = 64.min(area.width);
    let message = login
        .message
        .as_ref()
        .map_or_else(String::new, |m| format!("{} {}", spinner(app), m.text));
    // The message wraps inside the box, one cell from each border; the
    // keys (from the binding table) stay under it.
    let message_height = match message.as_str() {
        "" => 0,
        text => wrapped_height(text, width.saturating_sub(4)),
    };
    let mut height = 12 + message_height;
    if browser {
        height += 2;
    }
    if login.device.is_some() {
        height += 5;
    }
    let box_area = popup(area, width, height, buf);
    let title = if app.relogin {
        "Session ended — log in again"
    } else {
        "Casting Agency — log in"
    };
    let block = dialog_block(title.into(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let [fields_area, message_area, keys_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(message_height),
        Constraint::Length(1),
    ])
    .areas(inner);
    let field_width = usize::from(inner.width.saturating_sub(14));
    let label = |text: &str, focus: LoginFocus| {
        let style = if login.focus == focus {
            theme.focus()
        } else {
            Style::new()
        };
        Span::styled(format!(" {text:<11}"), style)
    };
    let field = |input: &Input, focus: LoginFocus, masked: bool| {
        let name = match focus {
            LoginFocus::Server => "Server",
            _ if masked => "Password",
            _ => "Username",
        };
        let mut spans = vec![label(name, focus), Span::raw("│")];
        spans.extend(input_spans(
            input,
            field_width,
            login.focus == focus,
            masked,
            theme,
        ));
        Line::from(spans)
    };
    let check = if login.remember { "[x]" } else { "[ ]" };
    let server = if login.focus == LoginFocus::Server {
        field(&login.server, LoginFocus::Server, false)
    } else {
        Line::from(vec![
            label("Server", LoginFocus::Server),
            Span::styled(format!("│{}", app.server), theme.dim()),
        ])
    };
    let mut lines = vec![
        server,
        Line::raw(""),
        field(&login.username, LoginFocus::Username, false),
        Line::raw(""),
        field(&login.password, LoginFocus::Password, true),
        Line::raw(""),
        Line::from(vec![
            label("", LoginFocus::Remember),
            Span::styled(
                format!("{check} Remember me (until the token expires)"),
                if login.focus == LoginFocus::Remember {
                    theme.focus()
                } else {
                    Style::new()
                },
            ),
        ]),
    ];
    if browser {
        lines.push(Line::raw(""));
        let style = if login.focus == LoginFocus::Browser {
            theme.selected()
        } else {
            theme.key()
        };
        lines.push(Line::from(vec![
            Span::raw(" "),
            Span::styled(" Sign in with browser (Ctrl-B) ", style),
        ]));
    }
    if let Some(device) = &login.device {
        lines.push(Line::raw(""));
        lines.push(Line::raw(" Open this page and enter the code:"));
        lines.push(Line::styled(
            format!(" {}", device.verification_uri),
            theme.key(),
        ));
        lines.push(Line::from(vec![
            Span::raw(" Code: "),
            Span::styled(device.user_code.clone(), theme.title()),
        ]));
        if !device.browser_opened {
            lines.push(Line::styled(
                " (could not open a browser here)",
                theme.dim(),
            ));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(fields_area, buf);
    let style = login
        .message
        .as_ref()
        .map_or(theme.dim(), |m| theme.tone(m.tone));
    Paragraph::new(message)
        .style(style)
        .wrap(Wrap { trim: true })
        .render(inset(message_area), buf);
    key_hints(app, Context::Login, keys_area.width).render(keys_area, buf);
}

pub fn render_servers(picker: &ServerPicker, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let height = picker.entries.len() as u16 + 5;
    let box_area = popup(area, 64, height, buf);
    let block = dialog_block("Casting Agency — which server?".into(), theme);
    let inner = block.inner(box_area);
    block.render(box_area, buf);
    let mut lines = vec![Line::raw("")];
    for (index, entry) in picker.entries.iter().enumerate() {
        let style = if index == picker.selected {
            theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::styled(
            format!(" {:<12} {}", entry.name, entry.url),
            style,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " ↑↓ choose · Enter: connect · Esc: quit",
        theme.dim(),
    ));
    Paragraph::new(lines).render(inner, buf);
}
