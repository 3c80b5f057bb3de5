//! The bank lines reconciliation has not matched yet, account by account, as the books'
//! reconciliation last worked them out (the standing it keeps for the status glance).

use serde::Serialize;

use super::AnswerError;
use crate::books::currency::exact;
use crate::books::reconcile::standing::kept_views;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreconciledAccount {
    pub account: String,
    pub currency: String,
    pub count: u64,
    pub sum: String,
    pub oldest: Option<chrono::NaiveDate>,
    /// Card sales no deposit has paid yet, past the allowance.
    pub overdue_sales: u64,
    pub overdue_sum: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unreconciled {
    pub accounts: Vec<UnreconciledAccount>,
    /// No bank statement imported: nothing to reconcile against.
    pub no_bank_accounts: bool,
}

/// Every bank account's unmatched lines: count, sum and the oldest's day.
pub fn unreconciled(store: &Store, overdue_after_days: u32) -> Result<Unreconciled, AnswerError> {
    let views = kept_views(store, overdue_after_days)?;
    Ok(Unreconciled {
        no_bank_accounts: views.is_empty(),
        accounts: views
            .into_iter()
            .map(|v| UnreconciledAccount {
                sum: exact(v.unreconciled_sum, &v.currency),
                overdue_sum: exact(v.overdue.sum, &v.currency),
                account: v.name,
                count: v.unreconciled,
                oldest: v.unreconciled_oldest,
                overdue_sales: v.overdue.count,
                currency: v.currency,
            })
            .collect(),
    })
}
