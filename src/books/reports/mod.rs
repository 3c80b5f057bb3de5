//! Reports: revenue by service (financial class, with the provider's categories beneath), by
//! payment method and by location, over days, weeks or months. They read only the store's daily
//! totals ([`crate::store::daily_totals`]), never a scan of the transactions; only the
//! drill-down into one cell reads that month's transactions, by the date index. Uses the store
//! and the contract's report types (`api::reports`); never an integration or a front end.

pub mod groups;
pub mod overview;
pub mod revenue;
pub mod service;

use std::collections::HashMap;

use crate::api::reports::Amounts;
use crate::store::daily_totals::DayTotals;

/// The currency most of these entries' sales are in (by count; the first by name on a tie),
/// and the others by name. "USD" when there are none, as the books' default.
pub fn studio_currency<'a>(
    entries: impl IntoIterator<Item = (&'a str, i64)>,
) -> (String, Vec<String>) {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for (currency, count) in entries {
        *counts.entry(currency).or_default() += count;
    }
    let mut ranked: Vec<(&str, i64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let Some((first, _)) = ranked.first() else {
        return ("USD".into(), Vec::new());
    };
    let first = first.to_string();
    let mut others: Vec<String> = ranked.iter().skip(1).map(|(c, _)| c.to_string()).collect();
    others.sort();
    (first, others)
}

/// Adds a kept entry into a cell.
pub fn add_totals(amounts: &mut Amounts, totals: &DayTotals) {
    let mut sum = DayTotals {
        sales: amounts.sales,
        refunds: amounts.refunds,
        discounts: amounts.discounts,
        tax: amounts.tax,
        count: i64::try_from(amounts.count).unwrap_or(i64::MAX),
    };
    sum.add(totals);
    *amounts = Amounts {
        sales: sum.sales,
        refunds: sum.refunds,
        discounts: sum.discounts,
        tax: sum.tax,
        net: sum.net(),
        count: u64::try_from(sum.count).unwrap_or(0),
    };
}

/// Adds one cell into another.
pub fn add_amounts(into: &mut Amounts, other: &Amounts) {
    add_totals(
        into,
        &DayTotals {
            sales: other.sales,
            refunds: other.refunds,
            discounts: other.discounts,
            tax: other.tax,
            count: i64::try_from(other.count).unwrap_or(i64::MAX),
        },
    );
}
