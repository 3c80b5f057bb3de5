//! Forecasts: the cash flow (members' autopays expected beside what arrived), the month's
//! revenue projection, and the budgets it is set against. They read the store's expected
//! inflows (read from the providers by their integrations), the daily totals, reconciliation's
//! matches and, for the projection's weekday pattern, the last weeks' transactions by the date
//! index; never an integration or a front end.

pub mod budget;
pub mod cashflow;
pub mod projection;
pub mod warnings;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::store::daily_totals::{Dimension, Granularity, TotalsGroup};
use crate::store::{Store, StoreError};

/// The class of sales with none.
pub const UNCLASSIFIED: &str = "Unclassified";

/// The Monday of `day`'s week.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// A provider's payment method for an autopay (Mindbody's `PaymentMethodEnum`) in the books'
/// words ([`crate::books::payment::MethodKind`] names), so expected and arrived line up.
pub fn autopay_method(method: &str) -> &'static str {
    use crate::books::payment::MethodKind;
    let kind = match method.to_ascii_lowercase().as_str() {
        "creditcard" | "card" => MethodKind::Card,
        "ach" | "debitaccount" => MethodKind::Ach,
        _ => MethodKind::Other,
    };
    kind.name()
}

/// The currency of the month holding `month`: the one most of its sales are in, else the one
/// most sales of the twelve months before are in (a month not begun has none), else USD.
pub fn month_currency(store: &Store, month: NaiveDate) -> Result<String, StoreError> {
    let month = month_of(month);
    let counts = |from: NaiveDate| -> Result<_, StoreError> {
        store.daily_totals(Granularity::Month, Dimension::Service, from, month)
    };
    let mut entries = counts(month)?;
    if entries.is_empty() {
        entries = counts(month.checked_sub_months(Months::new(12)).unwrap_or(month))?;
    }
    let (currency, _) = crate::books::reports::studio_currency(
        entries
            .iter()
            .map(|(key, totals)| (key.currency.as_str(), totals.count)),
    );
    Ok(currency)
}

/// Net sales by class in the month holding `month` (in `currency`), from the daily totals;
/// [`UNCLASSIFIED`] for sales with no class.
pub fn actual_by_class(
    store: &Store,
    month: NaiveDate,
    currency: &str,
) -> Result<BTreeMap<String, Decimal>, StoreError> {
    let month = month_of(month);
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for (key, totals) in store.daily_totals(Granularity::Month, Dimension::Service, month, month)? {
        if key.currency != currency {
            continue;
        }
        let class = match &key.group {
            TotalsGroup::Service { class: Some(c), .. } => c.clone(),
            _ => UNCLASSIFIED.to_string(),
        };
        let sum = out.entry(class).or_default();
        *sum = plus(*sum, totals.net());
    }
    Ok(out)
}

/// `a + b`, saturating: no studio's money comes near `Decimal`'s limit, but outside data must
/// not make the books panic.
pub fn plus(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(if b.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}
