//! What a screen is given by the app ([`Context`]: the terminal's size, the time, the theme and
//! whether something covers it) and what it gives back ([`Outbox`]: requests for the engine, a
//! line for the status bar, an overlay to open, a screen to show, text to copy). A screen reads
//! and changes only its own state; everything it wants of the rest goes through these two.

use chrono::{DateTime, FixedOffset};
use ratatui::layout::Rect;

use crate::tui::action::Request;
use crate::tui::app::{Notice, Screen};
use crate::tui::overlay::Overlay;
use crate::tui::theme::Theme;

/// What covers the screen, as far as its looks go: its panes are drawn focused only when
/// nothing does (the hub's table stays focused under its filter line; the welcome covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covered {
    No,
    ByFilter,
    Yes,
}

#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub size: Rect,
    /// The current time in the viewer's zone.
    pub now: DateTime<FixedOffset>,
    pub theme: Theme,
    pub covered: Covered,
}

impl Context {
    /// Nothing on top: the screen's keys are its own.
    pub fn uncovered(&self) -> bool {
        self.covered == Covered::No
    }
}

/// What a screen asks of the app after an action; the app carries it out.
#[derive(Debug, Default)]
pub struct Outbox {
    pub requests: Vec<Request>,
    pub notice: Option<Notice>,
    pub open: Option<Overlay>,
    pub show: Option<Screen>,
    pub clipboard: Option<String>,
}

impl Outbox {
    pub fn request(&mut self, request: Request) {
        self.requests.push(request);
    }

    /// A line in the status bar (an error and its hint are joined onto one line).
    pub fn notify(&mut self, text: impl Into<String>, is_error: bool) {
        self.notice = Some(Notice {
            text: crate::text::one_line(&text.into()),
            is_error,
        });
    }

    /// Makes a request and says what is under way.
    pub fn start(&mut self, request: Request, what: &str) {
        self.request(request);
        self.notify(what, false);
    }

    pub fn open(&mut self, overlay: Overlay) {
        self.open = Some(overlay);
    }

    pub fn show(&mut self, screen: Screen) {
        self.show = Some(screen);
    }

    pub fn copy(&mut self, text: String) {
        self.clipboard = Some(text);
    }
}
