//! The ground truth of a statement: for every bank line, what it pays, so a test can score a
//! matcher's suggestions (and `legion-hub sandbox bank --truth FILE` can save it as JSON).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::sandbox::studio::MerchantAccount;

/// What a bank line is, in the studio's books.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "pays", rename_all = "snake_case")]
pub enum Pays {
    /// A processor's payout of these card and ACH transactions (Mindbody `TransactionId`s, refunds
    /// among them): `gross` is their sum, the line's amount is `gross - fee`.
    Card {
        merchant: MerchantAccount,
        transaction_ids: Vec<i64>,
        gross: Decimal,
        fee: Decimal,
    },
    /// The cash and cheques taken at the desk on these days (less cash refunds); the line's
    /// amount is their sum less `short`, what was missing from the envelope.
    Cash {
        days: Vec<NaiveDate>,
        short: Decimal,
    },
    /// A charge taken back by its cardholder's bank: its amount and `fee`.
    Chargeback { transaction_id: i64, fee: Decimal },
    /// Nothing of Mindbody's: rent, payroll, a bill, a transfer, the bank's fee.
    Other { what: String },
}

/// One line and what it pays.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TruthLine {
    /// The line's bank id (OFX `FITID`; CAMT `AcctSvcrRef` of the entry, or of its `TxDtls`
    /// when the entry carries a processor's batch). CSV lines have none: use date, amount and
    /// description.
    pub id: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub description: String,
    pub balance_after: Decimal,
    #[serde(flatten)]
    pub pays: Pays,
}

/// The whole statement's truth.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Truth {
    pub account: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opening_balance: Decimal,
    pub closing_balance: Decimal,
    pub lines: Vec<TruthLine>,
}

impl Truth {
    pub(super) fn of(statement: &super::Statement) -> Truth {
        Truth {
            account: statement.account.number.clone(),
            from: statement.from,
            to: statement.to,
            opening_balance: statement.opening,
            closing_balance: statement.closing,
            lines: statement
                .lines
                .iter()
                .map(|line| TruthLine {
                    id: line.id.clone(),
                    date: line.date,
                    amount: line.amount,
                    description: line.description.clone(),
                    balance_after: line.balance_after,
                    pays: line.pays.clone(),
                })
                .collect(),
        }
    }
}
