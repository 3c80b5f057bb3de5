//! Colours and emphasis. With colour off (NO_COLOR, `[ui] color = "never"`) only bold, reverse
//! and the status symbols carry meaning; with colour on, only the 16 basic colours are used, so
//! every terminal shows the same thing.

use ratatui::style::{Color, Modifier, Style};

use crate::api::{Status, SyncStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    /// Drops colours from a style that came from elsewhere (rendered Markdown) when colour is
    /// off; bold, italic and the like stay.
    pub fn strip(&self, style: Style) -> Style {
        if self.color {
            style
        } else {
            Style {
                fg: None,
                bg: None,
                underline_color: None,
                ..style
            }
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self, focused: bool) -> Style {
        if !focused {
            return Style::default().add_modifier(Modifier::BOLD);
        }
        if self.color {
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn status(&self, status: Status) -> Style {
        match status {
            Status::Connected => self.fg(Color::Green),
            Status::Disconnected => self.fg(Color::Gray),
            Status::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::NeedsReauth => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Status::Syncing => self.fg(Color::Cyan),
            Status::ComingSoon => self.dim(),
        }
    }

    pub fn sync_status(&self, status: SyncStatus) -> Style {
        match status {
            SyncStatus::Started => self.fg(Color::Cyan),
            SyncStatus::Completed => self.fg(Color::Green),
            SyncStatus::Failed => self.fg(Color::Red),
            SyncStatus::Interrupted => self.fg(Color::Yellow),
            SyncStatus::Skipped => self.dim(),
        }
    }
}
