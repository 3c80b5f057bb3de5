//! Cash coming in: what reading the members' contracts will cost and what it did, and the cash
//! flow view (expected inflows beside what arrived). Plain serde types.

use serde::{Deserialize, Serialize};

/// What a refresh of the members' contracts would do now, before it runs: `clientcontracts`
/// takes one client per call, so its cost in calls is said first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContractsPlan {
    /// Clients known to hold a contract (a contract sale in the last two months, or a
    /// `clientContract.*` webhook).
    pub clients_with_contracts: u64,
    /// Those due a read now (never read, changed since, or read a week ago): at least one call
    /// each.
    pub clients_due: u64,
    /// No client's contracts were ever read: the first full read, which is asked for.
    pub first_read: bool,
    /// Calls spent on contracts today, and the day's share (`[mindbody] contracts_daily_calls`).
    pub calls_today: u64,
    pub daily_limit: u64,
}

impl ContractsPlan {
    /// The calls the refresh would make today (the daily share caps it).
    pub fn calls_now(&self) -> u64 {
        self.clients_due
            .min(self.daily_limit.saturating_sub(self.calls_today))
    }
}

/// What a refresh of the members' contracts did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContractsReport {
    pub clients_read: u64,
    /// Calls Mindbody answered (billed past the allowance).
    pub calls: u64,
    /// Upcoming autopays stored.
    pub inflows: u64,
    /// Clients due but left for another day: the day's share of calls was spent.
    pub deferred: u64,
    /// Clients whose read failed (kept due), and the last failure.
    pub failed: u64,
    pub last_error: Option<String>,
}
