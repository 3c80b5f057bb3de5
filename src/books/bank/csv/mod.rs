//! Bank CSV exports, read with a small rules file per bank ([`CsvRules`], a subset of hledger's
//! `.csv.rules` so bookkeepers' existing files work), and the first guess at those rules for a
//! bank never seen ([`guess`]), shown to a person with the lines it reads and what to check.

mod date;
mod guess;
mod read;
mod rules;

pub use date::DateFormat;
pub use guess::{Guess, guess};
pub use read::read;

use super::amount::DecimalMark;
use super::text::Charset;

/// How to read one bank's CSV export. `parse(to_text())` gives the same rules back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRules {
    /// Lines (records) before the transactions: the bank's preamble and the header row.
    pub skip: usize,
    /// `,` `;` TAB or `|`.
    pub separator: u8,
    /// What each column is, in order.
    pub fields: Vec<Field>,
    /// strftime, as hledger's `date-format` (`%d.%m.%Y`); `None`: `YYYY-MM-DD`, `YYYY/MM/DD`
    /// or `YYYY.MM.DD`.
    pub date_format: Option<String>,
    pub decimal_mark: DecimalMark,
    /// `None`: UTF-8 when the file is, else Windows-1252.
    pub encoding: Option<Charset>,
    /// The bank lists the newest transaction first; lines are put back in date order.
    pub newest_first: bool,
    /// The currency when the file has no currency column.
    pub currency: Option<String>,
    /// Records to leave out (a bank's footer such as `Kontostand`), from hledger's
    /// `if PATTERN` + `skip` blocks: the record (its fields joined by the separator) contains
    /// the text, or starts with it when written `^text`; letter case aside.
    pub skip_if: Vec<String>,
}

impl Default for CsvRules {
    fn default() -> CsvRules {
        CsvRules {
            skip: 0,
            separator: b',',
            fields: Vec::new(),
            date_format: None,
            decimal_mark: DecimalMark::Point,
            encoding: None,
            newest_first: false,
            currency: None,
            skip_if: Vec::new(),
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `date`: the booking date.
    Date,
    /// `date2` (or `value_date`): the value date.
    ValueDate,
    /// `description`: the bank's text; the payee unless a `payee` column says.
    Description,
    /// `payee`.
    Payee,
    /// `memo` (or `notes`, `comment`).
    Memo,
    /// `amount`: signed.
    Amount,
    /// `amount-in`: credits.
    AmountIn,
    /// `amount-out`: debits, subtracted whatever their sign.
    AmountOut,
    /// `balance`: the balance after the line.
    Balance,
    /// `code` (or `id`): the bank's id of the line.
    Code,
    /// `currency`.
    Currency,
    /// `_`, empty, or a name of the bookkeeper's own (hledger allows any): not read.
    Ignored(String),
}

impl Field {
    /// The field a `fields` name means; `None` for a name that cannot be one.
    pub fn from_name(name: &str) -> Option<Field> {
        let name = name.trim().trim_matches('"').trim();
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "date" | "date1" => Field::Date,
            "date2" | "value_date" | "value-date" => Field::ValueDate,
            "description" => Field::Description,
            "payee" => Field::Payee,
            "memo" | "notes" | "note" | "comment" | "comment1" => Field::Memo,
            "amount" | "amount1" => Field::Amount,
            "amount-in" | "amount1-in" => Field::AmountIn,
            "amount-out" | "amount1-out" => Field::AmountOut,
            "balance" | "balance1" => Field::Balance,
            "code" | "id" => Field::Code,
            "currency" | "currency1" => Field::Currency,
            "" | "_" => Field::Ignored(String::new()),
            _ if lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                Field::Ignored(lower)
            }
            _ => return None,
        })
    }

    /// The name `to_text` writes.
    pub fn name(&self) -> &str {
        match self {
            Field::Date => "date",
            Field::ValueDate => "date2",
            Field::Description => "description",
            Field::Payee => "payee",
            Field::Memo => "memo",
            Field::Amount => "amount",
            Field::AmountIn => "amount-in",
            Field::AmountOut => "amount-out",
            Field::Balance => "balance",
            Field::Code => "code",
            Field::Currency => "currency",
            Field::Ignored(name) if name.is_empty() => "_",
            Field::Ignored(name) => name,
        }
    }
}
