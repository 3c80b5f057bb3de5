//! The Reports screen's keys: Tab goes round revenue, cash flow and budget; each view has its
//! own; and the budget's edit box has its keys.

use ratatui::crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Left, Right, Tab, Up};

use super::state::ReportsTab;
use super::{BudgetEdit, ReportsScreen};
use crate::tui::action::Action;
use crate::tui::keys::{
    Binding,
    Press::{Any, Key},
    Section::Reports,
};

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

fn budget(s: &ReportsScreen) -> bool {
    s.tab == ReportsTab::Budget
}

/// Where ←→ and t move the month: the revenue overview and the budget.
fn by_month(s: &ReportsScreen) -> bool {
    overview(s) || budget(s)
}

fn not_drilled(s: &ReportsScreen) -> bool {
    !drilled(s)
}

pub static KEYS: &[Binding<ReportsScreen>] = &[
    Binding::says().bar("↑↓", "move", |_| true),
    Binding::keys(&[Key(Tab), Key(BackTab)], |_| Action::NextPane)
        .when(not_drilled)
        .bar("Tab", "cash flow", overview)
        .help(Reports, "reports: Tab", "revenue; cash flow; budget"),
    Binding::says().bar("Tab", "budget", cash_flow),
    Binding::says().bar("Tab", "revenue", budget),
    Binding::keys(&[Key(Left)], |_| Action::ReportsMonth(-1)).when(by_month),
    Binding::keys(&[Key(Right)], |_| Action::ReportsMonth(1))
        .when(by_month)
        .bar("←→", "month", by_month)
        .help(
            Reports,
            "reports: ←→  t  g  Enter",
            "month before / after; this month; grouping; the sales behind a row's month",
        ),
    Binding::keys(&[Key(Char('i'))], |_| Action::ReportsExplain {
        again: false,
    })
    .when(overview)
    .bar("i", "explain", overview)
    .help(
        Reports,
        "revenue: i  I",
        "Gemini explains the month: what changed and why it might have (kept); ask anew",
    ),
    Binding::keys(&[Key(Char('I'))], |_| Action::ReportsExplain {
        again: true,
    })
    .when(overview),
    Binding::keys(&[Key(Char('t'))], |_| Action::ReportsThisMonth)
        .when(by_month)
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
    Binding::keys(&[Key(Char('e')), Key(Enter)], |_| Action::ReportsEditBudget)
        .when(budget)
        .bar("e", "set budget", budget)
        .help(
            Reports,
            "budget: ←→  e  a  x",
            "month before / after; set the selected class's budget; another class's; clear it",
        ),
    Binding::keys(&[Key(Char('a'))], |_| Action::ReportsAddBudget)
        .when(budget)
        .bar("a", "add", budget),
    Binding::keys(&[Key(Char('x'))], |_| Action::ReportsClearBudget)
        .when(budget)
        .bar("x", "clear", budget),
    // Esc closes the transactions, then goes back to the hub.
    Binding::keys(&[Key(Esc)], |_| Action::Back).bar("Esc", "back", drilled),
    Binding::says().bar("Esc", "hub", not_drilled),
    Binding::says().bar("q", "quit", |_| true),
];

fn picking(edit: &BudgetEdit) -> bool {
    !edit.choices.is_empty()
}

/// The budget's edit box: typing goes into the amount.
pub static BUDGET_EDIT_KEYS: &[Binding<BudgetEdit>] = &[
    Binding::keys(&[Key(Down)], |_| Action::FormNext)
        .when(picking)
        .bar("↑↓", "class", picking),
    Binding::keys(&[Key(Up)], |_| Action::FormPrev).when(picking),
    Binding::keys(&[Key(Enter)], |_| Action::Submit).bar("Enter", "save", |_| true),
    Binding::keys(&[Key(Esc)], |_| Action::Back).bar("Esc", "cancel", |_| true),
    Binding::keys(&[Any], Action::Edit),
];
