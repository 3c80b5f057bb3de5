//! The `meta` counters of Mindbody's API calls, one pair a day: requests Mindbody answered
//! (billed past the daily allowance) and requests that never reached it. A leaf: the sync counts
//! into them, the hub's view reads them.

use chrono::NaiveDate;

/// The meta counter of API calls made on a day (they are billed past the daily allowance).
pub fn calls_key(day: NaiveDate) -> String {
    format!("mindbody.calls.{}", day.format("%Y-%m-%d"))
}

/// The meta counter of the day's calls spent reading members' contracts (also in the day's
/// calls): kept within `[mindbody] contracts_daily_calls`.
pub fn contract_calls_key(day: NaiveDate) -> String {
    format!("mindbody.contract_calls.{}", day.format("%Y-%m-%d"))
}

/// The meta counter of requests on a day that never reached Mindbody (not billed).
pub fn unreached_key(day: NaiveDate) -> String {
    format!("mindbody.unreached.{}", day.format("%Y-%m-%d"))
}
