//! The webhook events screen's keys: move, open a delivery, retry the failed ones.

use ratatui::crossterm::event::KeyCode::{Char, Enter, Esc};

use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key};

pub static KEYS: &[Binding<()>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::says().bar("PgUp/PgDn", "page", |_| true),
    Binding::keys(&[Key(Enter)], |_| Action::Open).bar("Enter", "details", |_| true),
    Binding::keys(&[Key(Char('r'))], |_| Action::RetryWebhooks).bar("r", "retry failed", |_| true),
    Binding::keys(&[Key(Esc), Key(Char('1'))], |_| Action::Back).bar("Esc", "hub", |_| true),
    Binding::says().bar("q", "quit", |_| true),
];
