//! The customers who spent most in a date range. Their names are told only when the user
//! allowed it (`[gemini] customer_names`); otherwise they are "customer 1", "customer 2", … by
//! rank, so Gemini can still say how spending is spread.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::{AnswerError, DateRange, MAX_ROWS};
use crate::books::currency::exact;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRow {
    pub rank: usize,
    /// The name, or "customer {rank}" when names may not be sent.
    pub customer: String,
    pub currency: String,
    pub total: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopCustomers {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub names_shown: bool,
    pub customers: Vec<CustomerRow>,
    /// Sales with no customer, left out of the ranking.
    pub without_customer: u64,
}

/// The `n` (at most [`MAX_ROWS`]) customers with the highest sales in `range`.
pub fn top_customers(
    store: &Store,
    range: DateRange,
    n: usize,
    names_allowed: bool,
) -> Result<TopCustomers, AnswerError> {
    let (start, end) = range.bounds();
    let mut sums: HashMap<(String, String), (Decimal, u64)> = HashMap::new();
    let mut without_customer = 0;
    for t in store.transactions_between(start, end)? {
        if !t.is_sale() {
            continue;
        }
        match t.customer {
            Some(customer) => {
                let entry = sums.entry((customer, t.currency)).or_default();
                entry.0 += t.amount;
                entry.1 += 1;
            }
            None => without_customer += 1,
        }
    }
    let mut ranked: Vec<_> = sums.into_iter().collect();
    // Highest first; the key breaks ties, so the same books give the same ranking.
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let customers = ranked
        .into_iter()
        .take(n.min(MAX_ROWS))
        .enumerate()
        .map(|(i, ((key, currency), (sum, count)))| {
            let rank = i + 1;
            let named = if names_allowed {
                store.customer(&key)?.map(|c| c.full_name())
            } else {
                None
            };
            Ok(CustomerRow {
                rank,
                customer: named
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("customer {rank}")),
                total: exact(sum, &currency),
                currency,
                count,
            })
        })
        .collect::<Result<Vec<_>, AnswerError>>()?;
    Ok(TopCustomers {
        from: range.from,
        to: range.to,
        names_shown: names_allowed,
        customers,
        without_customer,
    })
}
