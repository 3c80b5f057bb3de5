//! The customers who spent most in a date range. Their names are told only when the user
//! allowed it (`[gemini] customer_names`); otherwise they are "customer 1", "customer 2", … by
//! rank, so Gemini can still say how spending is spread.
//!
//! Read from the customers' day totals the store keeps on every write (one entry a day of the
//! range, [`crate::store::customer_totals`]), never from the transactions: a customer's total is
//! exactly the sum of their sales' amounts (returns taken off) and its count their number.

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
    let totals = store.customer_totals(range.from, range.to)?;
    let without_customer = totals
        .without_customer
        .values()
        .map(|sum| u64::try_from(sum.count).unwrap_or(0))
        .sum();
    let mut ranked: Vec<((String, String), (rust_decimal::Decimal, u64))> = totals
        .by_currency
        .into_iter()
        .flat_map(|(currency, customers)| {
            customers.into_iter().map(move |(customer, sum)| {
                let count = u64::try_from(sum.count).unwrap_or(0);
                ((customer, currency.clone()), (sum.net, count))
            })
        })
        .collect();
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
