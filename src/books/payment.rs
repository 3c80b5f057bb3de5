//! The money side of a sale, for reconciliation: how it was paid (a [`Payment`] per entry of
//! Mindbody's `Sale.Payments[]`) and the card or ACH charges behind it (a [`CardTransaction`] per
//! entry of `sale/transactions`). Card and ACH money reaches the bank through the processor's
//! deposits; cash and cheques through the studio's own. Both are keyed by their provider's id
//! (`mindbody@{SiteId}:payment:{Id}`, `mindbody@{SiteId}:card:{TransactionId}`), so a sale seen
//! by a sync, a webhook and a re-sync is one set of payments.
//!
//! No card digits are kept: the API's `CCLastFour`/`ACHLastFour` are never read into these.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How a payment reached the studio, as far as the bank is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// A credit or debit card, through the processor.
    Card,
    /// A bank debit (ACH, eCheck), through the processor.
    Ach,
    Cash,
    Check,
    /// Anything that puts no money in the bank by itself or that we cannot place (a gift card,
    /// a comp, the client's account balance, a studio's custom method): its name as given.
    Other(String),
}

/// A [`PaymentMethod`] without its name: what the store indexes payments by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MethodKind {
    Card,
    Ach,
    Cash,
    Check,
    Other,
}

impl MethodKind {
    pub const ALL: [MethodKind; 5] = [
        MethodKind::Card,
        MethodKind::Ach,
        MethodKind::Cash,
        MethodKind::Check,
        MethodKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MethodKind::Card => "card",
            MethodKind::Ach => "ach",
            MethodKind::Cash => "cash",
            MethodKind::Check => "check",
            MethodKind::Other => "other",
        }
    }
}

/// Longest name of an `Other` method kept (Mindbody's custom methods are short labels).
const MAX_METHOD_NAME: usize = 64;

impl PaymentMethod {
    pub fn kind(&self) -> MethodKind {
        match self {
            PaymentMethod::Card => MethodKind::Card,
            PaymentMethod::Ach => MethodKind::Ach,
            PaymentMethod::Cash => MethodKind::Cash,
            PaymentMethod::Check => MethodKind::Check,
            PaymentMethod::Other(_) => MethodKind::Other,
        }
    }

    /// The method a Mindbody payment names by its `Type` (a `Sale.Payments[]` entry) or
    /// `paymentMethodName` (a webhook's): the checkout's types (`CreditCard`, `StoredCard`,
    /// `TrackData`, `EncryptedTrackData`, `DebitAccount`, `Custom`, `Comp`, `Cash`, `Check`,
    /// `GiftCard`) or, as sales report them, a card's brand (`Visa`). Mindbody documents no
    /// values for the numeric `Method`, so it is kept beside the payment, never interpreted.
    /// A type we do not know is a card when the payment went through the processor (it has a
    /// card transaction), else `Other`. `DebitAccount` is the client's balance at the studio,
    /// not a bank account: no money moves, so it is `Other`.
    pub fn from_mindbody(type_name: &str, through_processor: bool) -> PaymentMethod {
        let squashed: String = type_name
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        match squashed.as_str() {
            "cash" => PaymentMethod::Cash,
            "check" | "cheque" | "personalcheck" => PaymentMethod::Check,
            "ach" | "echeck" | "directdebit" | "bankaccount" | "banktransfer" => PaymentMethod::Ach,
            "creditcard" | "debitcard" | "card" | "storedcard" | "trackdata"
            | "encryptedtrackdata" | "visa" | "mastercard" | "amex" | "americanexpress"
            | "discover" | "jcb" | "diners" | "dinersclub" | "maestro" | "unionpay" => {
                PaymentMethod::Card
            }
            _ if through_processor => PaymentMethod::Card,
            _ => {
                let name = crate::text::one_line_within(type_name, MAX_METHOD_NAME);
                PaymentMethod::Other(if name.is_empty() {
                    "unnamed".into()
                } else {
                    name
                })
            }
        }
    }
}

/// One payment of a sale: part or all of what the client paid, by one method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// `mindbody@-99:payment:98001`
    pub key: String,
    /// The sale it paid for (`mindbody@-99:sale:100458`): every transaction key of the sale
    /// starts with it and a colon.
    pub sale: String,
    /// When the sale happened, in the studio's local time (as the sale's transactions).
    pub date: NaiveDateTime,
    pub amount: Decimal,
    #[serde(default = "default_currency")]
    pub currency: String,
    pub method: PaymentMethod,
    /// The method's name as Mindbody gave it ("Visa", "Cash"), one line.
    #[serde(default)]
    pub method_name: String,
    /// Mindbody's `Method` number, kept as given (its values are not documented).
    #[serde(default)]
    pub method_id: Option<i64>,
    /// The card transaction that carried it (`sale/transactions`' `TransactionId`), if any.
    #[serde(default)]
    pub card_transaction_id: Option<i64>,
    #[serde(default)]
    pub location_id: Option<i64>,
    /// Written from a webhook, which knows less (no card transaction): the next sync of the
    /// sale replaces it.
    #[serde(default)]
    pub provisional: bool,
}

impl crate::store::codec::Record for Payment {
    const KIND: &'static str = "payment";
    const VERSION: u32 = 1;
}

/// A sale's payments as the provider reports them now: stored, they replace the sale's
/// payments, so one taken off the sale disappears from the books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalePayments {
    /// The sale's key (see [`Payment::sale`]).
    pub sale: String,
    pub payments: Vec<Payment>,
}

/// One card or ACH charge (or refund) at the processor, behind a sale's payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTransaction {
    /// `mindbody@-99:card:5550123`
    pub key: String,
    pub transaction_id: i64,
    /// The sale it belongs to (see [`Payment::sale`]); None when Mindbody names no sale.
    #[serde(default)]
    pub sale: Option<String>,
    /// Signed: a refund is negative.
    pub amount: Decimal,
    #[serde(default = "default_currency")]
    pub currency: String,
    /// When the card was charged (`TransactionTime`; `AuthTime` when that is missing), in the
    /// studio's local time: what settlement windows are cut from.
    pub time: NaiveDateTime,
    #[serde(default)]
    pub auth_time: Option<NaiveDateTime>,
    /// The merchant account that is paid out for it: one deposit stream each.
    #[serde(default)]
    pub merchant_id: Option<String>,
    #[serde(default)]
    pub settled: bool,
    /// As Mindbody writes it ("Approved", "Settled", ...), one line.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub card_type: Option<String>,
    /// A bank debit rather than a card (Mindbody gave ACH digits, which are not kept).
    #[serde(default)]
    pub ach: bool,
    #[serde(default)]
    pub location_id: Option<i64>,
}

impl crate::store::codec::Record for CardTransaction {
    const KIND: &'static str = "card transaction";
    const VERSION: u32 = 1;
}

impl CardTransaction {
    pub fn is_refund(&self) -> bool {
        self.amount.is_sign_negative()
    }
}

fn default_currency() -> String {
    "USD".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_read_from_mindbodys_type_names_and_brands() {
        let of = |name| PaymentMethod::from_mindbody(name, false);
        assert_eq!(of("Cash"), PaymentMethod::Cash);
        assert_eq!(of("Check"), PaymentMethod::Check);
        assert_eq!(of("Visa"), PaymentMethod::Card);
        assert_eq!(of("Master Card"), PaymentMethod::Card);
        assert_eq!(of("American Express"), PaymentMethod::Card);
        assert_eq!(of("StoredCard"), PaymentMethod::Card);
        assert_eq!(of("eCheck"), PaymentMethod::Ach);
        assert_eq!(of("ACH"), PaymentMethod::Ach);
        assert_eq!(of("GiftCard"), PaymentMethod::Other("GiftCard".into()));
        assert_eq!(
            of("DebitAccount"),
            PaymentMethod::Other("DebitAccount".into()),
            "the client's balance at the studio moves no money"
        );
        assert_eq!(of(""), PaymentMethod::Other("unnamed".into()));
    }

    #[test]
    fn an_unknown_type_through_the_processor_is_a_card_and_names_are_bounded() {
        assert_eq!(
            PaymentMethod::from_mindbody("Studio Terminal 3", true),
            PaymentMethod::Card
        );
        let long = "x\u{1b}[31m".repeat(100);
        let PaymentMethod::Other(name) = PaymentMethod::from_mindbody(&long, false) else {
            panic!("an unknown type without a card transaction is Other");
        };
        assert_eq!(name.chars().count(), MAX_METHOD_NAME);
        assert!(!name.contains('\u{1b}'));
    }

    #[test]
    fn every_kind_has_its_own_name() {
        let names: std::collections::HashSet<_> =
            MethodKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), MethodKind::ALL.len());
        assert_eq!(
            PaymentMethod::Other("Comp".into()).kind(),
            MethodKind::Other
        );
    }
}
