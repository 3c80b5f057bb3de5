//! The Reports screen's keys: Tab goes from revenue to cash flow and back; each view has its own.

use ratatui::crossterm::event::KeyCode::{BackTab, Char, Enter, Esc, Left, Right, Tab};

use super::ReportsScreen;
use super::state::ReportsTab;
use crate::tui::action::Action;
use crate::tui::keys::{Binding, Press::Key, Section::Reports};

/// The revenue overview (no cell open).
fn overview(s: &ReportsScreen) -> bool {
    s.tab == ReportsTab::Revenue && s.drill.is_none()
}

fn row_open(s: &ReportsScreen) -> bool {
    overview(s) && s.selected_row().is_some()
}

fn drilled(s: &ReportsScreen) -> bool {
    s.tab == ReportsTab::Revenue && s.drill.is_some()
}

fn cash_flow(s: &ReportsScreen) -> bool {
    s.tab == ReportsTab::CashFlow
}

fn not_drilled(s: &ReportsScreen) -> bool {
    !drilled(s)
}

pub static KEYS: &[Binding<ReportsScreen>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Tab), Key(BackTab)], |_| Action::NextPane)
        .when(not_drilled)
        .bar("Tab", "cash flow", overview)
        .help(Reports, "reports: Tab", "revenue; cash flow"),
    Binding::says().bar("Tab", "revenue", cash_flow),
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
    Binding::keys(&[Key(Char('d'))], |_| Action::ReportsHorizon)
        .when(cash_flow)
        .bar("d", "30/60/90 days", cash_flow)
        .help(
            Reports,
            "cash flow: d  r",
            "30, 60 or 90 days ahead; read the members' contracts (asks the first time)",
        ),
    Binding::keys(&[Key(Char('r'))], |_| Action::ReportsReadContracts)
        .when(cash_flow)
        .bar("r", "read contracts", cash_flow),
    // Esc closes the transactions, then goes back to the hub.
    Binding::keys(&[Key(Esc)], |_| Action::Back).bar("Esc", "back", drilled),
    Binding::says().bar("Esc", "hub", not_drilled),
    Binding::says().bar("q", "quit", |_| true),
];
