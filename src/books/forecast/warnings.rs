//! The budget warning: the classes whose projection for this month falls short of their budget
//! by more than `[books] budget_warn_percent` of it. A month with no budget costs one prefix read
//! of the budgets and nothing else (the hub asks on every refresh of its title line).

use chrono::{Local, NaiveDate};
use rust_decimal::Decimal;

use super::month_of;
use crate::api::budget::{BudgetWarning, shortfall_percent};
use crate::engine::host::{Core, EngineError};
use crate::store::Store;

impl Core {
    /// This month's classes projected under budget by more than the configured percent, the
    /// furthest under first.
    pub async fn budget_warnings(&self) -> Result<Vec<BudgetWarning>, EngineError> {
        budget_warnings(
            &self.inner.store,
            Local::now().date_naive(),
            self.inner.config.books.budget_warn_percent,
        )
    }
}

pub fn budget_warnings(
    store: &Store,
    today: NaiveDate,
    warn_percent: u32,
) -> Result<Vec<BudgetWarning>, EngineError> {
    let month = month_of(today);
    let budgets = store.budgets(month)?;
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let projection = super::projection::projection(store, today)?;
    let Some(this_month) = projection.months.first() else {
        return Ok(Vec::new());
    };
    let limit = Decimal::from(warn_percent);
    let mut out: Vec<BudgetWarning> = budgets
        .into_iter()
        .filter(|b| b.currency == projection.currency)
        .filter_map(|b| {
            let projected = this_month
                .classes
                .iter()
                .find(|c| c.class.eq_ignore_ascii_case(&b.class))
                .map_or(Decimal::ZERO, |c| c.parts.projected);
            let short = shortfall_percent(projected, b.amount)?;
            (short > limit).then_some(BudgetWarning {
                month,
                class: b.class,
                currency: b.currency,
                budget: b.amount,
                projected,
                short_percent: short,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.short_percent
            .cmp(&a.short_percent)
            .then(a.class.cmp(&b.class))
    });
    Ok(out)
}
