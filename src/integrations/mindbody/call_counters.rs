//! The `meta` counters of Mindbody's API calls, one pair a day and site (each site of a chain
//! has its own allowance; the first site's keys are `mindbody.…`, a further site's
//! `mindbody@5567.…`): requests Mindbody answered
//! (billed past the daily allowance) and requests that never reached it. A leaf: the sync counts
//! into them, the hub's view reads them.

use chrono::NaiveDate;

use crate::domain::IntegrationId;

/// The meta counter of API calls made on a day (they are billed past the daily allowance).
pub fn calls_key(site: &IntegrationId, day: NaiveDate) -> String {
    format!("{}.calls.{}", site.key(), day.format("%Y-%m-%d"))
}

/// The meta counter of the day's calls spent reading members' contracts (also in the day's
/// calls): kept within `[mindbody] contracts_daily_calls`.
pub fn contract_calls_key(site: &IntegrationId, day: NaiveDate) -> String {
    format!("{}.contract_calls.{}", site.key(), day.format("%Y-%m-%d"))
}

/// The meta counter of requests on a day that never reached Mindbody (not billed).
pub fn unreached_key(site: &IntegrationId, day: NaiveDate) -> String {
    format!("{}.unreached.{}", site.key(), day.format("%Y-%m-%d"))
}
