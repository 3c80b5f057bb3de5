//! The transactions screen's state: a window of the synced transactions (its key is the filter
//! in force), their customers' names, and today's sales and the budget warnings for the title
//! line.

use std::collections::BTreeMap;

use crate::api::{TodaysSales, Transaction};
use crate::tui::action::Request;
use crate::tui::layout;
use crate::tui::paged::Paged;
use crate::tui::screens::context::Context;

pub struct TransactionsScreen {
    pub list: Paged<String, Transaction>,
    /// Names of the customers of the transactions on screen.
    pub names: BTreeMap<String, String>,
    pub todays_sales: Option<TodaysSales>,
    /// This month's classes projected under budget, reloaded with today's sales.
    pub budget_warnings: Vec<crate::api::budget::BudgetWarning>,
    pub(crate) reload_today: bool,
}

impl Default for TransactionsScreen {
    fn default() -> Self {
        TransactionsScreen {
            list: Paged::default(),
            names: BTreeMap::new(),
            todays_sales: None,
            budget_warnings: Vec::new(),
            reload_today: true,
        }
    }
}

impl TransactionsScreen {
    /// Rows of transactions on screen.
    pub fn rows(cx: &Context) -> usize {
        usize::from(layout::transactions_area(cx.size).height.saturating_sub(3))
    }

    /// What it needs loaded: today's sales when they changed, the rows on screen while shown.
    pub fn requests(&mut self, cx: &Context, on_show: bool) -> Vec<Request> {
        let mut out = Vec::new();
        if std::mem::take(&mut self.reload_today) {
            out.push(Request::LoadTodaysSales);
            out.push(Request::LoadBudgetWarnings);
        }
        if !on_show {
            return out;
        }
        let Some(filter) = self.list.key.clone() else {
            return out;
        };
        let rows = Self::rows(cx);
        if self.list.wants_page(rows) {
            out.push(Request::LoadTransactions {
                filter,
                offset: self.list.top,
                limit: rows.max(1),
            });
        }
        out
    }
}
