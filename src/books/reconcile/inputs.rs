//! What the matcher reads, as plain values: the card payments and cash takings of the sales, the
//! bank lines. The store's records are turned into these by the caller.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// One settled card or ACH payment of a sale (a refund is negative), as the processor batches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPayment {
    /// The card transaction's key (`mindbody:card:5550123`).
    pub key: String,
    /// The merchant account that settles it (Mindbody's `MerchantId`); "" when unknown.
    pub merchant: String,
    /// When the card was charged, in the studio's time.
    pub at: NaiveDateTime,
    pub amount: Decimal,
    /// "Visa", "Amex", "ACH", ...: only for the reason's words.
    pub card_type: String,
}

/// The cash and cheques a studio took on one day, waiting to be carried to the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashTaking {
    pub day: NaiveDate,
    pub amount: Decimal,
    /// How many payments make it up.
    pub count: u32,
}

/// One line of the bank's statement (a credit is positive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankEntry {
    pub key: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    /// Payee and memo, for the hints a bank's text gives ("DEPOSIT", "CHARGEBACK", a merchant id).
    pub text: String,
    /// How many parts the bank booked as this one line (a CAMT entry with several `TxDtls`; 1
    /// otherwise): a processor that paid a batch in parts rounded each part's fee on its own.
    pub parts: u32,
}
