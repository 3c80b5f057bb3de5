//! What reconciliation shows and takes: a bank account's lines with their state (matched,
//! suggested, unmatched), each suggestion's reason and confidence, and the requests that accept,
//! reject or undo. A candidate is named by what it pays ([`CandidateRef`]), not by its place in a
//! list, so a request still means the same thing after the books moved.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a candidate pays, as a name that survives a re-computation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CandidateRef {
    /// Settlement batches of a merchant account (by their settlement days); `with` is the other
    /// bank line of a batch paid in two.
    Card {
        merchant: String,
        days: Vec<NaiveDate>,
        #[serde(default)]
        with: Option<String>,
    },
    /// Days of undeposited cash.
    Cash { days: Vec<NaiveDate> },
    /// A card transaction charged back.
    Chargeback { payment: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateView {
    pub id: CandidateRef,
    /// 0 to 1.
    pub confidence: f64,
    pub exact: bool,
    /// What the payments add up to, the fee taken, and what should have reached the bank.
    pub gross: Decimal,
    pub fee: Decimal,
    pub net: Decimal,
    /// The line's amount less `net` (zero when exact).
    pub gap: Decimal,
    /// How many payments it covers.
    pub payments: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum LineState {
    /// Accepted; frozen until undone.
    Matched {
        match_id: String,
        reason: String,
        fee: Decimal,
    },
    /// The best candidate nobody has decided on.
    Suggested { best: CandidateView },
    /// Nothing fits (rent, payroll, a transfer: lines that pay no sale).
    Unmatched,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub key: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub payee: String,
    pub memo: String,
    #[serde(flatten)]
    pub state: LineState,
    /// Other candidates, for the user to pick instead.
    #[serde(default)]
    pub others: Vec<CandidateView>,
}

/// Card sales not yet seen in any deposit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// Older than `[books] deposit_overdue_days` business days.
    pub count: u64,
    pub sum: Decimal,
    pub oldest: Option<NaiveDate>,
    pub after_days: u32,
}

/// A fee model in use, in words ("2.75% + 0.15, fits 212 deposits").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeView {
    pub merchant: String,
    pub words: String,
    /// How many deposits it fits to the cent (0: the default, nothing learned).
    pub fits: u32,
}

/// One bank account, reconciled as far as it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconcileView {
    pub account: String,
    pub currency: String,
    /// Unmatched first (suggested, then with nothing), newest first within each; matched last.
    pub lines: Vec<LineView>,
    pub fees: Vec<FeeView>,
    /// When the processor's batches close, as the deposits show it ("22:00", "midnight").
    pub batches_close: String,
    pub overdue: Overdue,
    /// Credits not matched: how many, their sum, the oldest.
    pub unreconciled: u64,
    pub unreconciled_sum: Decimal,
    pub unreconciled_oldest: Option<NaiveDate>,
}

/// A month of one bank account, as a bookkeeper closes it: the balances, what was matched and
/// what its fees were, and what is left unmatched on either side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthReport {
    pub account: String,
    pub currency: String,
    /// The first and last day of the month.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The balance before the month's first line and after its last, when the bank printed
    /// running balances (CSV exports do; OFX and CAMT state only their statement's ends).
    pub opening: Option<Decimal>,
    pub closing: Option<Decimal>,
    pub credits: Decimal,
    pub debits: Decimal,
    /// Bank lines matched, and what they came to.
    pub matched: u64,
    pub matched_sum: Decimal,
    /// The processor's fees those matches posted.
    pub fees: Decimal,
    /// Bank lines of the month no match holds (credits and debits apart).
    pub unmatched_credits: u64,
    pub unmatched_credits_sum: Decimal,
    pub unmatched_debits: u64,
    pub unmatched_debits_sum: Decimal,
    /// Card sales charged that month that no deposit has been found for (accepted or exact).
    pub sales_not_deposited: u64,
    pub sales_not_deposited_sum: Decimal,
}
