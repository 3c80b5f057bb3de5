//! The transactions screen's keys: move through the list, filter it as you type.

use ratatui::crossterm::event::KeyCode::{Char, Esc};

use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key};

pub static KEYS: &[Binding<()>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::says().bar("PgUp/PgDn", "page", |_| true),
    // Help: the hub's `/` line names this screen's filter too.
    Binding::keys(&[Key(Char('/'))], |_| Action::OpenFilter).bar("/", "filter", |_| true),
    // Esc (and 1) clears the filter first, then goes back to the hub.
    Binding::keys(&[Key(Esc), Key(Char('1'))], |_| Action::Back).bar("Esc", "hub", |_| true),
    Binding::says().bar("q", "quit", |_| true),
];
