//! The Reports screen's view: the revenue overview (or a cell's sales), the cash flow, or the
//! budget.

use ratatui::Frame;

use crate::tui::screens::context::Context;

use super::ReportsScreen;
use super::state::ReportsTab;
use super::{budget_view, cash_flow_view, revenue_view};

pub fn draw(frame: &mut Frame, screen: &ReportsScreen, cx: &Context) {
    match screen.tab {
        ReportsTab::Revenue => revenue_view::draw(frame, screen, cx),
        ReportsTab::CashFlow => cash_flow_view::draw(frame, screen, cx),
        ReportsTab::Budget => budget_view::draw(frame, screen, cx),
    }
}
