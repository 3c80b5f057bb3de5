//! A bank account at a glance, as `legion-hub status` and the hub show it: the deposits still to
//! reconcile and the card sales no deposit has paid yet, late past `[books]
//! deposit_overdue_days`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::reconcile::Overdue;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankStandingView {
    /// The account's key (`legion-hub reconcile --account KEY`).
    pub account: String,
    pub name: String,
    pub currency: String,
    /// Credits no match holds: how many, their sum, the oldest.
    pub unreconciled: u64,
    pub unreconciled_sum: Decimal,
    pub unreconciled_oldest: Option<NaiveDate>,
    /// Card sales seen in no deposit after `after_days` business days, counted today.
    pub overdue: Overdue,
    /// The day of the last imported line.
    pub statement_through: Option<NaiveDate>,
}

impl BankStandingView {
    /// Card sales waited for past the allowance: money that should be in the bank and is not
    /// (or a statement not imported yet).
    pub fn needs_attention(&self) -> bool {
        self.overdue.count > 0
    }
}
