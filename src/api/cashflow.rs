//! Cash coming in: what reading the members' contracts will cost and what it did, and the cash
//! flow view (expected inflows beside what arrived). Plain serde types.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
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

impl ContractsReport {
    /// The read in words, for the command line and the dashboard alike: what it read, what it
    /// cost, what is left for another day and what failed.
    pub fn words(&self) -> String {
        use crate::format::counted;
        if self.clients_read == 0 && self.deferred == 0 && self.failed == 0 {
            return "Contracts: nothing changed since the last read (no call made).".into();
        }
        let mut words = format!(
            "Read the contracts of {} ({}): {} ahead on record.",
            counted(self.clients_read, "member", "members"),
            counted(self.calls, "call", "calls"),
            counted(self.inflows, "autopay", "autopays")
        );
        if self.deferred > 0 {
            words.push_str(&format!(
                " {} left for tomorrow: today's share of calls is spent.",
                self.deferred
            ));
        }
        if self.failed > 0 {
            words.push_str(&format!(
                " {} could not be read{}",
                self.failed,
                self.last_error
                    .as_deref()
                    .map_or_else(|| ".".to_string(), |e| format!(": {e}"))
            ));
        }
        words
    }
}

/// How far ahead a cash flow may look.
pub const LONGEST_HORIZON_DAYS: u32 = 366;

/// The cash flow: members' autopays expected over the next `days` days, week by week and by
/// payment method, beside what arrived over the `days` days before (synced sales, and bank
/// deposits matched by reconciliation), with the autopays at risk listed. One currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CashFlow {
    /// Today: the first day ahead.
    pub today: NaiveDate,
    pub days: u32,
    /// The last day ahead, and the first day behind.
    pub until: NaiveDate,
    pub since: NaiveDate,
    pub currency: String,
    /// Autopays of contracts whose autopay is active, due from today to `until`.
    pub expected: Decimal,
    pub expected_autopays: u64,
    /// Autopays of suspended or inactive contracts in the same days: not counted on.
    pub at_risk: Decimal,
    /// Net synced sales from `since` to yesterday, and deposits matched in those days.
    pub sales: Decimal,
    pub deposits: Decimal,
    /// Weeks (from Monday) from `since`'s to `until`'s.
    pub weeks: Vec<CashFlowWeek>,
    /// By payment method, in the books' words (card, ach, cash, ...).
    pub methods: Vec<MethodFlow>,
    /// The contracts at risk, soonest autopay first.
    pub risks: Vec<AutopayRisk>,
    /// When the contracts were read (the oldest read among the inflows shown); None when never.
    pub contracts_read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CashFlowWeek {
    /// Its Monday.
    pub start: NaiveDate,
    pub expected: Decimal,
    pub at_risk: Decimal,
    pub autopays: u64,
    /// What arrived in its days before today.
    pub sales: Decimal,
    pub deposits: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodFlow {
    pub method: String,
    pub expected: Decimal,
    pub autopays: u64,
    pub sales: Decimal,
}

/// A contract whose autopay is suspended or inactive: its next autopay is not counted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutopayRisk {
    /// The client's key as shown (no account), and name when the books know it.
    pub client: String,
    pub name: Option<String>,
    pub contract_name: String,
    /// `Suspended` or `Inactive`.
    pub status: String,
    pub next_date: NaiveDate,
    pub amount: Decimal,
    pub payment_method: String,
}
