//! The budget warning: the classes whose projection for this month falls short of their budget
//! by more than `[books] budget_warn_percent` of it. A month with no budget costs one prefix read
//! of the budgets and nothing else (the hub asks on every refresh of its title line).
//!
//! The last warnings worked out are kept in the hub database (meta [`KEPT_KEY`], with their
//! month), so `legion-hub status` says them without opening the books, as it does the bank
//! accounts' standing; the running owner, when there is one, works them out afresh.

use chrono::{Local, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::month_of;
use crate::api::budget::{BudgetWarning, shortfall_percent};
use crate::engine::host::{Core, EngineError};
use crate::store::snapshot::HubFacts;
use crate::store::{Store, StoreError};

/// The meta key of the last warnings worked out.
pub const KEPT_KEY: &str = "books.budget_warnings";

/// The last warnings worked out, and the month they are of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeptWarnings {
    month: NaiveDate,
    warnings: Vec<BudgetWarning>,
}

/// The warnings last worked out, if they are of `today`'s month (none once it is over).
pub fn kept_warnings(
    facts: &dyn HubFacts,
    today: NaiveDate,
) -> Result<Vec<BudgetWarning>, StoreError> {
    Ok(facts
        .meta_json::<KeptWarnings>(KEPT_KEY)?
        .filter(|kept| kept.month == month_of(today))
        .map(|kept| kept.warnings)
        .unwrap_or_default())
}

impl Core {
    /// This month's classes projected under budget by more than the configured percent, the
    /// furthest under first.
    pub async fn budget_warnings(&self) -> Result<Vec<BudgetWarning>, EngineError> {
        let store = &self.inner.store;
        let today = Local::now().date_naive();
        let warnings = budget_warnings(store, today, self.inner.config.books.budget_warn_percent)?;
        // Written only when they changed: the title line asks after every sync.
        let kept = KeptWarnings {
            month: month_of(today),
            warnings,
        };
        if store.meta_json::<KeptWarnings>(KEPT_KEY)?.as_ref() != Some(&kept) {
            store.put_meta_json(KEPT_KEY, &kept)?;
        }
        Ok(kept.warnings)
    }

    /// The warnings last worked out (this month's), from the hub database alone.
    pub fn kept_budget_warnings(&self) -> Result<Vec<BudgetWarning>, EngineError> {
        let store: &Store = &self.inner.store;
        Ok(kept_warnings(store, Local::now().date_naive())?)
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
