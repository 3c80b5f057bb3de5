//! What the books answer the front ends: today's sales for the hub's title, and a page of
//! transactions under a filter for the transactions screen. The rows are the books' own records.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::books::transaction::Transaction;

/// The sum of today's sales, for the hub's title line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodaysSales {
    pub total: Decimal,
    pub items: u64,
    /// The sales' currency (all of a site's sales are in its currency).
    #[serde(default)]
    pub currency: String,
}

/// A window of transactions, newest first, under a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionPage {
    pub filter: String,
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<Transaction>,
    /// The customers of these rows: key → name.
    pub customers: std::collections::BTreeMap<String, String>,
}
