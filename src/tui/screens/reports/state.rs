//! The Reports screen's state: which of its views is on show (revenue, cash flow, budget; the
//! budget's own state is in `budget`); for revenue,
//! the overview as the engine last read it, the month and grouping asked for, the selected row,
//! and the transactions behind a cell when one is open; for cash flow, the horizon, the flow as
//! last read and what reading the members' contracts would cost.

use chrono::{Datelike, Months, NaiveDate};

use crate::api::cashflow::{CashFlow, ContractsPlan};
use crate::api::reports::{Grouping, OverviewRow, RevenueCell, RevenueOverview};
use crate::tui::action::Request;
use crate::tui::screens::context::Context;

use super::budget::BudgetTab;

/// The views of the Reports screen, in the order Tab goes round them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportsTab {
    #[default]
    Revenue,
    CashFlow,
    Budget,
}

impl ReportsTab {
    pub fn next(self) -> ReportsTab {
        match self {
            ReportsTab::Revenue => ReportsTab::CashFlow,
            ReportsTab::CashFlow => ReportsTab::Budget,
            ReportsTab::Budget => ReportsTab::Revenue,
        }
    }
}

/// The cash flow's horizons, in days, in the order `d` goes round them.
pub const HORIZONS: [u32; 3] = [30, 60, 90];

/// The cash flow view's state.
#[derive(Default)]
pub struct CashFlowView {
    pub flow: Option<CashFlow>,
    pub error: Option<String>,
    /// What reading the contracts would cost now (None until read).
    pub plan: Option<ContractsPlan>,
    /// Index into [`HORIZONS`].
    pub horizon: usize,
    /// The first week on show, and the selected one (into the flow's weeks).
    pub top: usize,
    pub selected: Option<usize>,
    /// A read of the contracts is going on.
    pub reading: bool,
    pub(crate) stale: bool,
    pub(crate) loading: bool,
}

impl CashFlowView {
    pub fn days(&self) -> u32 {
        HORIZONS[self.horizon % HORIZONS.len()]
    }
}

pub struct ReportsScreen {
    pub tab: ReportsTab,
    pub cash: CashFlowView,
    pub budget: BudgetTab,
    pub overview: Option<RevenueOverview>,
    /// Why the last load failed.
    pub error: Option<String>,
    /// The first day of the month on show; None until the first load (then: this month).
    pub month: Option<NaiveDate>,
    pub by: Grouping,
    /// Index into the overview's rows.
    pub selected: usize,
    pub top: usize,
    /// The transactions behind a cell, when Enter opened one.
    pub drill: Option<Drill>,
    /// An explanation of a month is being read or asked for.
    pub explaining: bool,
    pub(crate) stale: bool,
    pub(crate) loading: bool,
}

/// The transactions behind one cell: what was asked (to title it while it loads), and the answer.
pub struct Drill {
    /// "Class revenue · Nov 2026".
    pub title: String,
    pub cell: Option<RevenueCell>,
    pub error: Option<String>,
    pub selected: usize,
    pub top: usize,
}

impl Default for ReportsScreen {
    fn default() -> Self {
        ReportsScreen {
            tab: ReportsTab::Revenue,
            cash: CashFlowView {
                stale: true,
                ..CashFlowView::default()
            },
            budget: BudgetTab {
                stale: true,
                ..BudgetTab::default()
            },
            overview: None,
            error: None,
            month: None,
            by: Grouping::Class,
            selected: 0,
            top: 0,
            drill: None,
            explaining: false,
            stale: true,
            loading: false,
        }
    }
}

/// The first day of the month `day` is in.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month `months` after (or, negative, before) the month starting `month`.
pub fn months_after(month: NaiveDate, months: i64) -> NaiveDate {
    let step = Months::new(months.unsigned_abs().min(12 * 100) as u32);
    let moved = if months >= 0 {
        month.checked_add_months(step)
    } else {
        month.checked_sub_months(step)
    };
    moved.unwrap_or(month)
}

impl ReportsScreen {
    /// This month, in the viewer's time.
    pub fn this_month(cx: &Context) -> NaiveDate {
        first_of_month(cx.now.date_naive())
    }

    /// The month on show (this month until ←→ moved it).
    pub fn month_on_show(&self, cx: &Context) -> NaiveDate {
        self.month.unwrap_or_else(|| Self::this_month(cx))
    }

    pub fn rows(&self) -> &[OverviewRow] {
        self.overview.as_ref().map_or(&[], |o| o.rows.as_slice())
    }

    pub fn selected_row(&self) -> Option<&OverviewRow> {
        self.rows().get(self.selected)
    }

    /// What the view on show needs loaded.
    pub fn requests(&mut self, cx: &Context, on_show: bool) -> Vec<Request> {
        if !on_show {
            return Vec::new();
        }
        match self.tab {
            ReportsTab::Revenue if self.stale && !self.loading => {
                self.stale = false;
                self.loading = true;
                vec![Request::LoadRevenueOverview {
                    month: self.month_on_show(cx),
                    by: self.by,
                }]
            }
            ReportsTab::CashFlow if self.cash.stale && !self.cash.loading => {
                self.cash.stale = false;
                self.cash.loading = true;
                vec![
                    Request::LoadCashFlow(self.cash.days()),
                    Request::LoadContractsPlan,
                ]
            }
            ReportsTab::Budget => self.budget.requests(cx),
            _ => Vec::new(),
        }
    }
}
