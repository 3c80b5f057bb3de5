//! The Reports screen's state: the overview as the engine last read it, the month and grouping
//! asked for, the selected row, and the transactions behind a cell when one is open.

use chrono::{Datelike, Months, NaiveDate};

use crate::api::reports::{Grouping, OverviewRow, RevenueCell, RevenueOverview};
use crate::tui::action::Request;
use crate::tui::screens::context::Context;

pub struct ReportsScreen {
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
            overview: None,
            error: None,
            month: None,
            by: Grouping::Class,
            selected: 0,
            top: 0,
            drill: None,
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

    /// What it needs loaded while it is on show.
    pub fn requests(&mut self, cx: &Context, on_show: bool) -> Option<Request> {
        if !on_show || !self.stale || self.loading {
            return None;
        }
        self.stale = false;
        self.loading = true;
        Some(Request::LoadRevenueOverview {
            month: self.month_on_show(cx),
            by: self.by,
        })
    }
}
