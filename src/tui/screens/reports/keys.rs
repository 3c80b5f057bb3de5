//! The Reports screen's keys.

use ratatui::crossterm::event::KeyCode::{Char, Enter, Esc, Left, Right};

use super::ReportsScreen;
use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key, Section::Reports};

fn overview(s: &ReportsScreen) -> bool {
    s.drill.is_none()
}

fn row_open(s: &ReportsScreen) -> bool {
    overview(s) && s.selected_row().is_some()
}

fn drilled(s: &ReportsScreen) -> bool {
    s.drill.is_some()
}

pub static KEYS: &[Binding<ReportsScreen>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Left)], |_| Action::ReportsMonth(-1)).when(overview),
    Binding::keys(&[Key(Right)], |_| Action::ReportsMonth(1))
        .when(overview)
        .bar("←→", "month", overview)
        .help(
            Reports,
            "reports: ←→  t  g  Enter",
            "month before / after; this month; grouping; the sales behind a row's month",
        ),
    Binding::keys(&[Key(Char('t'))], |_| Action::ReportsThisMonth)
        .when(overview)
        .bar("t", "this month", overview),
    Binding::keys(&[Key(Char('g'))], |_| Action::ReportsGrouping)
        .when(overview)
        .bar("g", "grouping", overview),
    Binding::keys(&[Key(Enter)], |_| Action::Open)
        .when(row_open)
        .bar("Enter", "sales", row_open),
    // Esc closes the transactions, then goes back to the hub.
    Binding::keys(&[Key(Esc)], |_| Action::Back).bar("Esc", "back", drilled),
    Binding::says().bar("Esc", "hub", overview),
    Binding::says().bar("q", "quit", |_| true),
];
