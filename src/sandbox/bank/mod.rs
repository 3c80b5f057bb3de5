//! The fake studio's bank account: its statement over a date range, made as a deterministic
//! function of the [`Studio`], with the ground truth of what every line pays, and written in the
//! formats banks export (OFX 1.02 and 2.x, CAMT.053, a US bank's CSV). Tests score the matcher
//! against the truth; `legion-hub sandbox bank` writes both.
//!
//! The account opens [`OPENED_BEFORE_FIRST_SALE`] before the studio's first sale with
//! [`OPENING_BALANCE`], and every line from then on is made whatever range is asked for, so the
//! balances and the bank's line ids of a day are the same in every export that covers it (as a
//! real bank's are). The bank books up to the studio's present day, never after.

pub mod camt;
pub mod cash;
pub mod csv;
mod descriptions;
pub mod expenses;
pub mod ofx;
pub mod processor;
pub mod truth;
mod xml;

use chrono::{Days, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::studio::Studio;
pub use truth::{Pays, Truth};

/// The account's balance the day it opened.
pub const OPENING_BALANCE: Decimal = Decimal::from_parts(4_821_055, 0, 0, false, 2);

/// How long before the studio's first sale the account opened.
pub const OPENED_BEFORE_FIRST_SALE: Days = Days::new(28);

/// The longest statement written: ten years of days.
pub const MAX_DAYS: u64 = 3_660;

/// The largest studio whose account is made: every card transaction since the account opened
/// is held at once (about 64 MB at this size; a busy studio sells 100,000 times a year).
pub const MAX_SALES: u64 = 1_000_000;

/// The account the statement is of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// The bank's routing number (ABA).
    pub routing: String,
    pub number: String,
    /// The bank's BIC, for CAMT.053.
    pub bic: String,
    pub holder: String,
    pub currency: String,
}

impl Account {
    /// The business checking account of the studio at `site`: one company's, an account per
    /// site of the chain (site `-99`'s is the sandbox's original account).
    pub fn of(site: &super::studio::StudioSite) -> Account {
        Account {
            routing: "111000614".into(),
            number: (472_913_846 + 10_007 * (site.seed % 1_000)).to_string(),
            bic: "CHASUS33".into(),
            holder: "LEGION FITNESS LLC".into(),
            currency: "USD".into(),
        }
    }
}

/// What kind of line the bank booked; each format spells it its own way.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A card processor's payout (an ACH credit).
    ProcessorDeposit,
    /// Cash and cheques paid in at the branch with a deposit slip.
    BranchDeposit,
    /// A company pulling money by ACH (rent, payroll, utilities, a chargeback).
    AchDebit,
    /// The business debit card used at a merchant.
    CardPurchase,
    /// A cheque the studio wrote, paid.
    ChequePaid,
    /// Money moved to the studio's own savings account.
    Transfer,
    /// The bank's own fee.
    ServiceFee,
}

/// One line of the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    /// The bank's id of the line: OFX `FITID`, CAMT `AcctSvcrRef` (of the entry, or of its
    /// `TxDtls` when it is part of a batch). Stable across exports.
    pub id: String,
    pub date: NaiveDate,
    /// Signed: money in is positive.
    pub amount: Decimal,
    pub kind: LineKind,
    /// The description as the bank prints it in full.
    pub description: String,
    /// Who paid or was paid, short (CAMT's related party).
    pub party: String,
    /// The cheque's number, or the deposit slip's.
    pub check_or_slip: Option<u32>,
    pub balance_after: Decimal,
    /// Lines of one day with the same batch are booked as one CAMT entry with a `TxDtls` each
    /// (a processor's payout split in two); other formats list them apart.
    pub batch: Option<u32>,
    pub pays: Pays,
}

/// A line before the ledger gives it its id and balance.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub date: NaiveDate,
    pub amount: Decimal,
    pub kind: LineKind,
    pub description: String,
    pub party: String,
    pub check_or_slip: Option<u32>,
    pub batch: Option<u32>,
    pub pays: Pays,
}

/// The statement of the studio's account ([`Account::of`] its site) over `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub account: Account,
    pub from: NaiveDate,
    /// The last day covered: what was asked for, or the studio's present day if that is sooner.
    pub to: NaiveDate,
    /// When the bank wrote the file: the studio's present, so the same studio writes the same
    /// bytes.
    pub written_at: NaiveDateTime,
    /// The balance at the start of `from`.
    pub opening: Decimal,
    /// The balance at the end of `to`.
    pub closing: Decimal,
    /// In booking order, oldest first.
    pub lines: Vec<BankLine>,
}

/// Why no statement could be made for the range asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("the range ends ({to}) before it starts ({from}): give --from on or before --to")]
    Backwards { from: NaiveDate, to: NaiveDate },
    #[error(
        "{days} days is more than a statement covers (at most {MAX_DAYS}): ask for a shorter range"
    )]
    TooLong { days: u64 },
    #[error(
        "the bank has booked nothing after {today} (the studio's present day): give --from on or before it"
    )]
    NotYet { from: NaiveDate, today: NaiveDate },
    #[error(
        "a studio of {sales} sales is more than the sandbox's bank keeps (at most {MAX_SALES}): ask for fewer sales"
    )]
    TooManySales { sales: u64 },
}

/// The formats the statement is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BankFormat {
    /// OFX 1.02: SGML, CP1252, CRLF, unclosed leaf tags (what banks call QFX or Web Connect).
    Ofx1,
    /// OFX 2.2: XML.
    Ofx2,
    /// ISO 20022 camt.053.001.02, the end-of-day statement.
    Camt053,
    /// A US bank's CSV export (`Details,Posting Date,Description,Amount,Type,Balance,Check or
    /// Slip #`), newest first.
    Csv,
}

impl Statement {
    /// The statement of `studio`'s account over `from..=to` (cut at the studio's present day).
    pub fn of(studio: &Studio, from: NaiveDate, to: NaiveDate) -> Result<Statement, BankError> {
        if to < from {
            return Err(BankError::Backwards { from, to });
        }
        if studio.sales > MAX_SALES {
            return Err(BankError::TooManySales {
                sales: studio.sales,
            });
        }
        let today = studio.now.date();
        if from > today {
            return Err(BankError::NotYet { from, today });
        }
        let to = to.min(today);
        let days = (to - from).num_days().unsigned_abs() + 1;
        if days > MAX_DAYS {
            return Err(BankError::TooLong { days });
        }
        let opened = opened(studio);
        let mut drafts = Vec::new();
        if opened <= to {
            drafts.extend(processor::lines(studio, opened, to));
            drafts.extend(cash::lines(studio, opened, to));
            drafts.extend(expenses::lines(opened, to, expenses::scale(studio)));
        }
        // Within a day: money in before money out, then as each source made them (stable).
        drafts.sort_by_key(|d| (d.date, d.amount.is_sign_negative(), d.kind));
        let mut balance = OPENING_BALANCE;
        let mut opening = OPENING_BALANCE;
        let mut lines = Vec::new();
        let mut day_seq = (NaiveDate::MIN, 0u32);
        for draft in drafts {
            if draft.date != day_seq.0 {
                day_seq = (draft.date, 0);
            }
            day_seq.1 += 1;
            balance += draft.amount;
            if draft.date < from {
                opening = balance;
                continue;
            }
            lines.push(BankLine {
                id: format!("{}{:04}", draft.date.format("%Y%m%d"), day_seq.1),
                date: draft.date,
                amount: draft.amount,
                kind: draft.kind,
                description: draft.description,
                party: draft.party,
                check_or_slip: draft.check_or_slip,
                balance_after: balance,
                batch: draft.batch,
                pays: draft.pays,
            });
        }
        Ok(Statement {
            account: Account::of(&studio.site),
            from,
            to,
            written_at: studio.now,
            opening,
            closing: balance,
            lines,
        })
    }

    /// The statement in `format`, byte for byte as the bank writes it.
    pub fn write(&self, format: BankFormat) -> Vec<u8> {
        match format {
            BankFormat::Ofx1 => ofx::write(self, ofx::Version::Sgml102),
            BankFormat::Ofx2 => ofx::write(self, ofx::Version::Xml220),
            BankFormat::Camt053 => camt::write(self),
            BankFormat::Csv => csv::write(self),
        }
    }

    /// What each line pays, for scoring a matcher.
    pub fn truth(&self) -> Truth {
        Truth::of(self)
    }
}

/// The day the account opened.
pub fn opened(studio: &Studio) -> NaiveDate {
    let first = studio.first_sale.date();
    first
        .checked_sub_days(OPENED_BEFORE_FIRST_SALE)
        .unwrap_or(first)
}

/// An amount with exactly two decimals, as every format writes money ("-84.00", never "-0.00").
fn money(amount: Decimal) -> String {
    let mut rounded = amount.round_dp(2);
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    format!("{rounded:.2}")
}
