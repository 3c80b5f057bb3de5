//! The Reports screen's view: the revenue overview (or a cell's sales), or the cash flow.

use ratatui::Frame;

use crate::tui::screens::context::Context;

use super::ReportsScreen;
use super::state::ReportsTab;
use super::{cash_flow_view, revenue_view};

pub fn draw(frame: &mut Frame, screen: &ReportsScreen, cx: &Context) {
    match screen.tab {
        ReportsTab::Revenue => revenue_view::draw(frame, screen, cx),
        ReportsTab::CashFlow => cash_flow_view::draw(frame, screen, cx),
    }
}
