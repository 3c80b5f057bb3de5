//! An accepted match: what the user agreed a bank line (or two, for a batch paid in two) pays.
//! It keeps its own copy of the amounts and the keys it claims, so it is frozen: a later sync,
//! import or re-matching never changes it; only an explicit undo takes it back.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The financial class the processor's fees are posted to.
pub const FEES_CLASS: &str = "Card processing fees";

/// The financial class a cash deposit's difference from the days it carries is posted to: a
/// short envelope is an expense, an over one income, as bookkeepers book it.
pub const CASH_OVER_SHORT_CLASS: &str = "Cash over and short";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MatchKind {
    /// Settlement batches of a merchant account.
    Card {
        merchant: String,
        /// The settlement days of the batches.
        days: Vec<NaiveDate>,
    },
    /// Days of cash and cheques.
    Cash { days: Vec<NaiveDate> },
    /// A charge taken back.
    Chargeback,
}

/// Who decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum AcceptedBy {
    /// Someone looked at it and accepted it.
    Person,
    /// Accepted in bulk because its confidence was at least this.
    Threshold { at_least: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// `match:{n}`: never reused, so an undone match's fee line cannot come back by accident.
    pub id: String,
    /// The bank account's key.
    pub account: String,
    /// The bank lines it settles (two for a batch paid in two).
    pub lines: Vec<String>,
    pub kind: MatchKind,
    /// The payments it covers: card transactions' keys for a card batch or a chargeback, cash
    /// payments' keys for cash.
    pub payments: Vec<String>,
    /// What the payments add up to.
    pub gross: Decimal,
    /// The processor's fee (or the dispute fee), posted as an expense.
    pub fee: Decimal,
    /// What the bank lines add up to.
    pub banked: Decimal,
    pub currency: String,
    /// The books line the match posted: the fee's expense (card, chargeback), or a cash
    /// deposit's over or short; None when there was nothing to post.
    pub fee_transaction: Option<String>,
    pub reason: String,
    pub confidence: f64,
    pub accepted_by: AcceptedBy,
    pub accepted_at: DateTime<Utc>,
}

impl crate::store::codec::Record for Match {
    const KIND: &'static str = "match";
    const VERSION: u32 = 1;
}

impl Match {
    /// Everything the match claims: no other match may claim any of it.
    pub fn claims(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .chain(self.payments.iter())
            .map(String::as_str)
    }

    /// The bank lines' amount less what the payments make, net of the fee: zero when the match
    /// is exact. A cash deposit that came up short or over keeps its difference here, and posts
    /// it to [`CASH_OVER_SHORT_CLASS`].
    pub fn difference(&self) -> Decimal {
        self.banked - (self.gross - self.fee)
    }
}
