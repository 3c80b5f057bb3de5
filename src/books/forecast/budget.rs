//! Budgets: a month's revenue target per financial class (one of the studio's classes), set and
//! cleared by a person, and shown beside what the month has made (net sales by class, from the
//! daily totals) and, for this month and the next three, what it is projected to make
//! ([`super::projection`]).

use std::collections::BTreeMap;

use chrono::{Local, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{actual_by_class, month_currency, month_of};
use crate::api::budget::{BudgetLine, BudgetView};
use crate::api::projection::PROJECTED_MONTHS;
use crate::books::categorize::classes::known_class;
use crate::engine::host::{Core, EngineError};
use crate::store::budgets::Budget;

/// No studio budgets a class at this much or more in a month (it also keeps a typo of many
/// zeros out).
const LARGEST_BUDGET: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0); // 10^12

impl Core {
    /// Sets `class`'s budget for the month holding `month`: one of the studio's classes (any
    /// case), an amount over zero in the month's currency, with at most its minor digits.
    pub async fn set_budget(
        &self,
        month: NaiveDate,
        class: &str,
        amount: Decimal,
    ) -> Result<Budget, EngineError> {
        let classes = self.studio_classes()?;
        let Some(class) = known_class(&classes, class) else {
            return Err(EngineError::Invalid(format!(
                "{:?} is not one of the studio's classes: {}",
                crate::text::one_line_within(class, 60),
                classes.join(", ")
            )));
        };
        if amount <= Decimal::ZERO || amount >= LARGEST_BUDGET {
            return Err(EngineError::Invalid(format!(
                "a budget is an amount over 0 and under 1,000,000,000,000, not {amount}"
            )));
        }
        let month = month_of(month);
        let store = &self.inner.store;
        let currency = month_currency(store, month)?;
        let digits = crate::books::currency::minor_digits(&currency);
        if amount.round_dp(digits) != amount {
            return Err(EngineError::Invalid(format!(
                "{amount} has more than the {digits} decimal places {currency} has"
            )));
        }
        let mut amount = amount;
        amount.rescale(digits);
        let budget = Budget {
            month,
            class,
            amount,
            currency,
            set_at: Utc::now(),
        };
        store.set_budget(&budget)?;
        self.budget_warnings().await?;
        Ok(budget)
    }

    /// Clears the budget of `class` (or every class's) for the month holding `month`; how many
    /// went. A class that is neither budgeted that month nor one of the studio's is an error
    /// (a typo must not pass for "nothing to clear").
    pub async fn clear_budget(
        &self,
        month: NaiveDate,
        class: Option<String>,
    ) -> Result<usize, EngineError> {
        let cleared = self
            .inner
            .store
            .clear_budgets(month_of(month), class.as_deref())?;
        if let Some(class) = class
            && cleared == 0
        {
            let classes = self.studio_classes()?;
            if known_class(&classes, &class).is_none() {
                return Err(EngineError::Invalid(format!(
                    "{:?} is not one of the studio's classes: {}",
                    crate::text::one_line_within(&class, 60),
                    classes.join(", ")
                )));
            }
        }
        self.budget_warnings().await?;
        Ok(cleared)
    }

    /// The budgets of the month holding `month`, beside its actual by class and, for this month
    /// and the next three, its projection.
    pub async fn budget(&self, month: NaiveDate) -> Result<BudgetView, EngineError> {
        let month = month_of(month);
        let store = &self.inner.store;
        let budgets = store.budgets(month)?;
        let currency = match budgets.first() {
            Some(budget) => budget.currency.clone(),
            None => month_currency(store, month)?,
        };
        let mut actual = actual_by_class(store, month, &currency)?;
        let today = Local::now().date_naive();
        let mut projected: Option<BTreeMap<String, Decimal>> = None;
        let mut total_projected = None;
        if (month_of(today)..=month_of(today) + Months::new(PROJECTED_MONTHS - 1)).contains(&month)
        {
            let projection = super::projection::projection(store, today)?;
            if projection.currency == currency
                && let Some(months) = projection.months.into_iter().find(|m| m.month == month)
            {
                total_projected = Some(months.parts.projected);
                projected = Some(
                    months
                        .classes
                        .into_iter()
                        .map(|c| (c.class, c.parts.projected))
                        .collect(),
                );
            }
        }
        let mut lines: Vec<BudgetLine> = budgets
            .iter()
            .filter(|b| b.currency == currency)
            .map(|b| BudgetLine {
                class: b.class.clone(),
                budget: Some(b.amount),
                actual: take_class(&mut actual, &b.class).unwrap_or_default(),
                projected: projected
                    .as_mut()
                    .map(|p| take_class(p, &b.class).unwrap_or_default()),
            })
            .collect();
        // The classes with no budget: sales so far, or a projection.
        let mut rest: BTreeMap<String, BudgetLine> = BTreeMap::new();
        for (class, actual) in actual {
            rest.insert(
                class.clone(),
                BudgetLine {
                    class,
                    budget: None,
                    actual,
                    projected: projected.is_some().then_some(Decimal::ZERO),
                },
            );
        }
        for (class, amount) in projected.into_iter().flatten() {
            rest.entry(class.clone())
                .or_insert(BudgetLine {
                    class,
                    budget: None,
                    actual: Decimal::ZERO,
                    projected: None,
                })
                .projected = Some(amount);
        }
        lines.extend(rest.into_values());
        let total_budget = lines.iter().filter_map(|l| l.budget).sum();
        let total_actual = lines.iter().map(|l| l.actual).sum();
        Ok(BudgetView {
            month,
            currency,
            lines,
            total_budget,
            total_actual,
            total_projected,
            classes: self.studio_classes()?,
        })
    }
}

/// Takes `class`'s entry out of `by_class`, the case aside (a budget's class is the studio's
/// spelling; a sale's is the category map's).
fn take_class(by_class: &mut BTreeMap<String, Decimal>, class: &str) -> Option<Decimal> {
    let key = by_class
        .keys()
        .find(|k| k.eq_ignore_ascii_case(class))?
        .clone();
    by_class.remove(&key)
}
