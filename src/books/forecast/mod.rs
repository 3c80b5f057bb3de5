//! Forecasts: the cash flow (members' autopays expected beside what arrived) and, later, the
//! month's projection against its budget. They read the store's expected inflows (read from the
//! providers by their integrations), the daily totals and reconciliation's matches; never an
//! integration or a front end.

pub mod cashflow;

use chrono::{Datelike, Duration, NaiveDate};

/// The Monday of `day`'s week.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
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
