//! A transaction in the books: one purchased item of a sale (a return is a negative amount),
//! keyed by its source and external id (`mindbody:sale:{SaleId}:{SaleDetailId}`), so a sale seen by
//! a sync, a webhook and a re-sync is one transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// `mindbody:sale:100458:211873`
    pub key: String,
    /// When the sale happened, in the studio's local time (as Mindbody reports it).
    pub date: NaiveDateTime,
    pub amount: Decimal,
    #[serde(default)]
    pub tax: Decimal,
    #[serde(default)]
    pub discount: Decimal,
    #[serde(default = "default_currency")]
    pub currency: String,
    pub description: String,
    /// The provider's revenue category.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// The financial class the category maps to (None: unmapped).
    #[serde(default)]
    pub class: Option<String>,
    /// The customer's key (`mindbody:client:100000009`).
    #[serde(default)]
    pub customer: Option<String>,
    /// "mindbody", "stripe", ...
    pub source: String,
    #[serde(default)]
    pub returned: bool,
    /// Card/ACH settlement of the sale, for reconciliation.
    #[serde(default)]
    pub settlement: Option<Settlement>,
    /// The studio location the sale was made at (Mindbody's `LocationId`); None when not said.
    #[serde(default)]
    pub location_id: Option<i64>,
    /// How the sale was paid: a [`MethodKind`](crate::books::payment::MethodKind) name
    /// ("card", "cash", "ach", "check", "other"), or [`SPLIT`] when its payments were of
    /// several kinds; None when the sale names no payment.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// The contract the item was sold under (Mindbody's `ContractId`): a member's autopay or a
    /// contract's own sale, scheduled money rather than a drop-in or retail sale. None for the
    /// rest, and for sales stored before it was kept (a full re-sync fills it in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<i64>,
    pub synced_at: DateTime<Utc>,
}

fn default_currency() -> String {
    "USD".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub transaction_id: i64,
    pub status: String,
    pub settled: bool,
}

impl crate::store::codec::Record for Transaction {
    const KIND: &'static str = "transaction";
    /// 2: `location_id` and `payment_method` (read as None from a version-1 record).
    /// 3: `contract` (read as None from an older record).
    const VERSION: u32 = 3;
}

/// The payment method of a sale paid in several kinds of way (part cash, part card).
pub const SPLIT: &str = "split";

/// The payment method a sale's payments make, by their kinds: None for no payment, the one
/// kind's name, or [`SPLIT`].
pub fn payment_method_of(
    kinds: impl IntoIterator<Item = crate::books::payment::MethodKind>,
) -> Option<String> {
    let mut kinds = kinds.into_iter();
    let first = kinds.next()?;
    if kinds.all(|k| k == first) {
        Some(first.name().to_string())
    } else {
        Some(SPLIT.to_string())
    }
}

/// The source of the entries the books post themselves (a matched deposit's card fee, a cash
/// deposit's over or short): expenses and adjustments, never sales.
pub const BOOKS_SOURCE: &str = "books";

impl Transaction {
    /// A sale (or its return) a provider reported, as opposed to an entry the books posted.
    pub fn is_sale(&self) -> bool {
        self.source != BOOKS_SOURCE
    }

    /// A re-read sale knows nothing of settlement (another sync records it): keep what was there.
    pub fn keeping_settlement_of(mut self, old: &Transaction) -> Transaction {
        if self.settlement.is_none() {
            self.settlement = old.settlement.clone();
        }
        self
    }

    /// Equal in everything but when it was last synced: an upsert that changes nothing is
    /// "unchanged", not "updated".
    pub fn same_content(&self, other: &Transaction) -> bool {
        Transaction {
            synced_at: other.synced_at,
            ..self.clone()
        } == *other
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    New,
    Updated,
    Unchanged,
    /// The user deleted it; it stays deleted unless a full re-import was asked for.
    Tombstoned,
}
