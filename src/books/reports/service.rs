//! The reports in the engine: the overview, the report and the drill-down into one cell.

use chrono::NaiveDate;

use super::groups::belongs;
use super::overview::month_bounds;
use crate::api::reports::{
    Amounts, CELL_LIMIT, GroupRef, Grouping, RevenueCell, RevenueOverview, RevenueQuery,
    RevenueReport,
};
use crate::engine::host::{Core, EngineError};
use crate::store::daily_totals::DayTotals;

impl Core {
    /// Month `month` (any day of it) at a glance, grouped `by`.
    pub async fn revenue_overview(
        &self,
        month: NaiveDate,
        by: Grouping,
    ) -> Result<RevenueOverview, EngineError> {
        super::overview::revenue_overview(&self.inner.store, month, by)
    }

    pub async fn revenue_report(&self, query: &RevenueQuery) -> Result<RevenueReport, EngineError> {
        super::revenue::revenue_report(&self.inner.store, query)
    }

    /// The sales in `currency` behind one cell (a group in the month holding `month`), newest
    /// first, at most [`CELL_LIMIT`] listed. A month's transactions are read by the date index.
    pub async fn revenue_cell(
        &self,
        month: NaiveDate,
        group: GroupRef,
        currency: String,
    ) -> Result<RevenueCell, EngineError> {
        let (first, next) = month_bounds(month)?;
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let mut rows: Vec<_> = self
            .inner
            .store
            .transactions_between(midnight(first), midnight(next))?
            .into_iter()
            .filter(|t| t.is_sale() && t.currency == currency && belongs(t, &group))
            .collect();
        let mut amounts = Amounts::default();
        for tx in &rows {
            super::add_totals(&mut amounts, &DayTotals::of(tx));
        }
        rows.reverse();
        let total_count = rows.len() as u64;
        rows.truncate(CELL_LIMIT);
        Ok(RevenueCell {
            month: first,
            group,
            currency,
            amounts,
            transactions: rows,
            total_count,
        })
    }
}
