//! What the books keep of the bank: the accounts the user named, their lines as imported, and a
//! record of every imported file (its hash and name, for audit, and what importing it did).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::statement::StatementFormat;

/// The longest account key (the slug of the user's name for it).
pub const MAX_ACCOUNT_KEY: usize = 64;

/// A bank account, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// The slug of the user's name (`chase-business`): what line keys start with.
    pub key: String,
    /// The name as the user gave it ("Chase Business").
    pub name: String,
    /// The bank's own identifier of the account, from the first file that carried one (OFX
    /// `ACCTID`, CAMT IBAN): a file for another account is refused by it.
    #[serde(default)]
    pub bank_account_id: Option<String>,
    /// ISO 4217: every line of the account is in it.
    pub currency: String,
    pub created_at: DateTime<Utc>,
    /// The Mindbody site of a chain whose takings are paid into this account: its lines are
    /// matched to that site's sales alone. None: every site's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

impl crate::store::codec::Record for BankAccount {
    const KIND: &'static str = "bank account";
    /// 2: `site`.
    const VERSION: u32 = 2;
}

/// The key of the account the user calls `name`: lowercase letters and digits, runs of
/// anything else as one `-` ("Chase Business" → `chase-business`). None when nothing of the
/// name is left, or the key would be longer than [`MAX_ACCOUNT_KEY`].
pub fn account_key(name: &str) -> Option<String> {
    let mut key = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let key = key.trim_end_matches('-').to_string();
    (!key.is_empty() && key.len() <= MAX_ACCOUNT_KEY).then_some(key)
}

/// How a line is known again when a file is imported twice or exports overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineId<'a> {
    /// The bank's own id of the line (OFX `FITID`, CAMT `AcctSvcrRef`).
    Bank(&'a str),
    /// A bank id the file gives to lines that differ: each is told apart by its fingerprint.
    BankAndFingerprint(&'a str, &'a str),
    /// No bank id: the line's fingerprint ([`super::fingerprint`]).
    Fingerprint(&'a str),
}

/// The key of a line of `account`: `{account}:id:{bank id}`, `{account}:fp:{fingerprint}`, or
/// both for a bank id the file reuses. (`id:` keeps a bank id that happens to begin with `fp:`
/// from ever meeting a fingerprint.)
pub fn line_key(account: &str, id: LineId<'_>) -> String {
    match id {
        LineId::Bank(bank_id) => format!("{account}:id:{bank_id}"),
        LineId::BankAndFingerprint(bank_id, fp) => format!("{account}:id:{bank_id}:fp:{fp}"),
        LineId::Fingerprint(fp) => format!("{account}:fp:{fp}"),
    }
}

/// One line of a bank account: money in (positive) or out (negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLine {
    /// See [`line_key`].
    pub key: String,
    /// The account's key.
    pub account: String,
    pub date: NaiveDate,
    #[serde(default)]
    pub value_date: Option<NaiveDate>,
    pub amount: Decimal,
    pub currency: String,
    #[serde(default)]
    pub payee: String,
    #[serde(default)]
    pub memo: String,
    /// The bank's kind of line, as written (OFX `TRNTYPE`, a CAMT code).
    #[serde(default)]
    pub kind: Option<String>,
    /// The parts of a batched line (a CAMT entry with several `TxDtls`); empty otherwise.
    #[serde(default)]
    pub parts: Vec<BankLinePart>,
    #[serde(default)]
    pub bank_id: Option<String>,
    /// Always kept, whether or not the key is made of it.
    pub fingerprint: String,
    #[serde(default)]
    pub balance_after: Option<Decimal>,
    /// The import (file hash) that first brought it.
    pub import: String,
    /// Where it starts in that file (1-based text line).
    pub file_line: u64,
}

impl crate::store::codec::Record for BankLine {
    const KIND: &'static str = "bank line";
    const VERSION: u32 = 1;
}

/// One part of a batched bank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLinePart {
    pub amount: Decimal,
    #[serde(default)]
    pub payee: String,
    #[serde(default)]
    pub memo: String,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A balance on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub amount: Decimal,
    pub date: NaiveDate,
}

/// Something missing between two statements of an account: shown, never refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gap {
    /// No statement covers these days (inclusive).
    Days { from: NaiveDate, to: NaiveDate },
    /// One statement ends at a balance the next one does not start from: lines are missing, or
    /// a statement was not imported.
    Balance {
        /// The last day of the earlier statement.
        before: NaiveDate,
        closing: Decimal,
        /// The first day of the later one.
        after: NaiveDate,
        opening: Decimal,
        /// `opening - closing`.
        difference: Decimal,
    },
}

/// What one statement of a file held and what importing it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementSummary {
    /// The bank's period when it states one, else the first and last days of its lines.
    #[serde(default)]
    pub period: Option<(NaiveDate, NaiveDate)>,
    #[serde(default)]
    pub opening: Option<Balance>,
    /// The opening was worked out (closing less the lines): the file states none (OFX).
    #[serde(default)]
    pub opening_implied: bool,
    #[serde(default)]
    pub closing: Option<Balance>,
    pub lines: u64,
    pub lines_new: u64,
    pub lines_already_there: u64,
    /// What is missing before or after it, as far as the stored statements tell.
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

/// An imported file: kept for audit, and to know the file again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankImport {
    /// The SHA-256 of the file, hex.
    pub id: String,
    pub file_name: String,
    pub file_size: u64,
    pub format: StatementFormat,
    /// The account's key.
    pub account: String,
    pub imported_at: DateTime<Utc>,
    pub lines_new: u64,
    pub lines_already_there: u64,
    pub statements: Vec<StatementSummary>,
}

impl crate::store::codec::Record for BankImport {
    const KIND: &'static str = "bank import";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_are_slugs_of_the_users_names() {
        assert_eq!(
            account_key("Chase Business").as_deref(),
            Some("chase-business")
        );
        assert_eq!(
            account_key("  Chase -- Business!! ").as_deref(),
            Some("chase-business")
        );
        assert_eq!(
            account_key("Société Générale 2").as_deref(),
            Some("soci-t-g-n-rale-2")
        );
        assert_eq!(account_key("--"), None);
        assert_eq!(account_key(""), None);
        assert_eq!(account_key(&"a".repeat(MAX_ACCOUNT_KEY + 1)), None);
    }

    #[test]
    fn a_bank_id_never_meets_a_fingerprint() {
        let by_id = line_key("chase", LineId::Bank("fp:abc"));
        let by_fp = line_key("chase", LineId::Fingerprint("abc"));
        assert_ne!(by_id, by_fp);
        assert_eq!(by_fp, "chase:fp:abc");
    }
}
