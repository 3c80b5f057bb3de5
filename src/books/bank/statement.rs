//! A bank statement as a reader found it in a file, before anything is stored: the one shape the
//! three readers (OFX, CAMT.053, CSV) produce and the import consumes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Which reader understood the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementFormat {
    /// OFX 1.x: SGML with unclosed leaf tags and a `KEY:VALUE` header (QFX too).
    Ofx1,
    /// OFX 2.x: XML.
    Ofx2,
    /// ISO 20022 `camt.053` end-of-day statement.
    Camt053,
    /// A bank's CSV export, read with a rules file.
    Csv,
}

impl StatementFormat {
    pub fn label(self) -> &'static str {
        match self {
            StatementFormat::Ofx1 => "OFX 1.x",
            StatementFormat::Ofx2 => "OFX 2.x",
            StatementFormat::Camt053 => "CAMT.053",
            StatementFormat::Csv => "CSV",
        }
    }
}

/// A balance the bank states, at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatedBalance {
    pub amount: Decimal,
    pub date: NaiveDate,
}

/// One statement: the account the file says it is for, its balances, its lines in file order.
/// Serde, because the file is read where the command runs and the statements cross the control
/// socket to the process that holds the books.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParsedStatement {
    pub format: StatementFormat,
    /// The bank's own identifier of the account (OFX `ACCTID`, CAMT `Acct/Id/IBAN` or `Othr/Id`),
    /// when the file carries one; CSV exports usually do not.
    pub account_id: Option<String>,
    /// ISO 4217; the statement's default (OFX `CURDEF`, CAMT `Acct/Ccy` or the entries' `Ccy`).
    pub currency: Option<String>,
    /// The balance before the first line (CAMT `OPBD`/`PRCD`); OFX has none.
    pub opening: Option<StatedBalance>,
    /// The balance after the last line (OFX `LEDGERBAL`, CAMT `CLBD`).
    pub closing: Option<StatedBalance>,
    /// The period the bank says the statement covers, when it says (OFX `DTSTART`/`DTEND`,
    /// CAMT `FrToDt`).
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub lines: Vec<ParsedLine>,
}

/// One line of the bank's statement: money in (positive) or out (negative) of the account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParsedLine {
    /// Where the line starts in the file (1-based text line), for errors and the audit trail.
    pub file_line: usize,
    /// The day the bank booked it (OFX `DTPOSTED`, CAMT `BookgDt`, the CSV's date column).
    pub date: NaiveDate,
    /// The day the money is worth it, when the bank says (CAMT `ValDt`, OFX `DTAVAIL`).
    pub value_date: Option<NaiveDate>,
    /// Signed: a credit is positive, a debit negative. Exact, as the bank wrote it.
    pub amount: Decimal,
    /// ISO 4217, when the line says (else the statement's).
    pub currency: Option<String>,
    /// Who paid or was paid, cleaned to one line (OFX `NAME`/`PAYEE`, CAMT `RltdPties` name,
    /// the CSV's payee or description column).
    pub payee: String,
    /// The rest of the bank's text (OFX `MEMO`, CAMT `RmtInf/Ustrd` and `AddtlNtryInf`).
    pub memo: String,
    /// The bank's id of the line, unique in the account (OFX `FITID`, CAMT `AcctSvcrRef`, else
    /// `NtryRef`, a CSV id column when the rules name one).
    pub bank_id: Option<String>,
    /// The bank's kind of line (OFX `TRNTYPE`, CAMT's bank transaction code), as written.
    pub kind: Option<String>,
    /// The account's balance after this line, when the bank prints it (CSV "Balance" columns).
    pub balance_after: Option<Decimal>,
    /// A CAMT entry with several `TxDtls` is one bank line carrying its parts; empty otherwise.
    pub parts: Vec<LinePart>,
}

/// One part of a batched bank line (a CAMT `TxDtls`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinePart {
    pub amount: Decimal,
    pub payee: String,
    pub memo: String,
    /// `Refs/EndToEndId` or `Refs/AcctSvcrRef`, when there.
    pub reference: Option<String>,
}

/// Why a file could not be read: where, what, and what to do. Nothing of the file is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}line {line}: {what}\n{hint}", file_prefix(.file))]
pub struct ReadError {
    /// Set by the import, which knows the file's name; readers leave it empty.
    pub file: Option<String>,
    /// 1-based text line of the file where the trouble is (0: the file as a whole).
    pub line: usize,
    pub what: String,
    pub hint: String,
}

fn file_prefix(file: &Option<String>) -> String {
    file.as_ref().map(|f| format!("{f}, ")).unwrap_or_default()
}

impl ReadError {
    pub fn at(line: usize, what: impl Into<String>, hint: impl Into<String>) -> ReadError {
        ReadError {
            file: None,
            line,
            what: what.into(),
            hint: hint.into(),
        }
    }
}

/// The bounds every reader keeps, whatever the file: a statement is a human-sized thing.
pub mod bounds {
    /// Larger files are refused before they are read (a decade of a busy account is ~5 MB).
    pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
    /// Lines in one statement.
    pub const MAX_LINES: usize = 2_000_000;
    /// Characters kept of one text field (payee, memo); longer ones are cut, not refused.
    pub const MAX_TEXT: usize = 512;
    /// Parts of one batched line.
    pub const MAX_PARTS: usize = 10_000;
}
