//! Styles: a dark and a light palette, colours overridable in the config,
//! and none at all under `NO_COLOR`. Everything stays readable without
//! colour: selection is reversed video and errors are bold.

use ratatui::style::{Color, Modifier, Style};

use crate::app::{App, Tone};
use crate::config::ThemeName;

pub struct Theme {
    color: bool,
    accent: Color,
    header: Color,
    key: Color,
    dim: Color,
    error: Color,
    success: Color,
    focus: Color,
}

impl Theme {
    pub fn of(app: &App) -> Theme {
        let base = match app.theme {
            ThemeName::Dark => Theme {
                color: app.color,
                accent: Color::Cyan,
                header: Color::Yellow,
                key: Color::Cyan,
                dim: Color::DarkGray,
                error: Color::Red,
                success: Color::Green,
                focus: Color::Cyan,
            },
            ThemeName::Light => Theme {
                color: app.color,
                accent: Color::Blue,
                header: Color::Magenta,
                key: Color::Blue,
                // Not Gray (colour 7): light grey on a light background.
                dim: Color::DarkGray,
                error: Color::Red,
                success: Color::Green,
                focus: Color::Blue,
            },
        };
        let config = &app.config;
        let pick = |role: &str, default: Color| config.color(role).unwrap_or(default);
        Theme {
            accent: pick("accent", base.accent),
            header: pick("header", base.header),
            key: pick("key", base.key),
            dim: pick("dim", base.dim),
            error: pick("error", base.error),
            success: pick("success", base.success),
            focus: pick("focus", base.focus),
            ..base
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }
    pub fn title(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn header(&self) -> Style {
        self.fg(self.header).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        self.fg(self.dim)
    }
    pub fn key(&self) -> Style {
        self.fg(self.key).add_modifier(Modifier::BOLD)
    }
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Info => Style::new(),
            Tone::Success => self.fg(self.success),
            Tone::Error => self.fg(self.error).add_modifier(Modifier::BOLD),
        }
    }
    /// A row a colleague just changed (bold and italic without colour).
    pub fn changed(&self) -> Style {
        self.fg(self.success)
            .add_modifier(Modifier::BOLD | Modifier::ITALIC)
    }
    pub fn focus(&self) -> Style {
        self.fg(self.focus).add_modifier(Modifier::BOLD)
    }
}
