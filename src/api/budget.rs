//! Monthly budgets per financial class, beside the month's actual and projection, and the
//! classes whose projection falls short. Plain serde types.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A month's budgets beside what the month has made so far and is projected to make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetView {
    /// The month's first day.
    pub month: NaiveDate,
    pub currency: String,
    /// Classes with a budget, then those with sales or a projection in the month.
    pub lines: Vec<BudgetLine>,
    pub total_budget: Decimal,
    pub total_actual: Decimal,
    /// None for a month the projection does not cover (past, or over three months ahead).
    pub total_projected: Option<Decimal>,
    /// The classes a budget may be set for.
    pub classes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub class: String,
    pub budget: Option<Decimal>,
    /// Net sales of the class in the month so far.
    pub actual: Decimal,
    /// The class's projection for the month ([`crate::api::projection`]), when it has one.
    pub projected: Option<Decimal>,
}

impl BudgetLine {
    /// How far the projection falls short of the budget, in percent of the budget (rounded to
    /// a whole percent); None with no budget or no projection, or when it does not fall short.
    pub fn shortfall_percent(&self) -> Option<Decimal> {
        shortfall_percent(self.projected?, self.budget?)
    }
}

/// `(budget - projected) / budget` in whole percent, when the projection is under a positive
/// budget.
pub fn shortfall_percent(projected: Decimal, budget: Decimal) -> Option<Decimal> {
    if budget <= Decimal::ZERO || projected >= budget {
        return None;
    }
    let short = (budget - projected).checked_mul(Decimal::ONE_HUNDRED)? / budget;
    Some(short.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// A class whose projection for this month falls short of its budget by more than
/// `[books] budget_warn_percent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetWarning {
    pub month: NaiveDate,
    pub class: String,
    pub currency: String,
    pub budget: Decimal,
    pub projected: Decimal,
    /// Whole percent of the budget, over the configured limit.
    pub short_percent: Decimal,
}
