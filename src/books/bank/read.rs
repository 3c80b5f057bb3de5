//! The one entry point from a file's bytes to its statements: the format is sniffed from the
//! bytes ([`format_of`]), never taken from the file's name, and the reader of that format reads
//! it. A CSV needs its bank's rules; without them, the guess comes back to be shown and
//! confirmed.

use super::camt;
use super::csv::{self, CsvRules, Guess};
use super::detect::format_of;
use super::ofx;
use super::statement::{ParsedStatement, ReadError, StatementFormat};
use super::text;

/// What reading a file gave.
#[derive(Debug, Clone)]
pub enum Reading {
    Statements(Vec<ParsedStatement>),
    /// CSV with no rules given: the guess, to show and confirm.
    NeedsRules(Guess),
}

/// Reads a statement file of any of the formats. `rules` are used only for CSV.
pub fn read_statement(bytes: &[u8], rules: Option<&CsvRules>) -> Result<Reading, ReadError> {
    text::check_size(bytes)?;
    match format_of(bytes) {
        Some(StatementFormat::Ofx1 | StatementFormat::Ofx2) => {
            ofx::read(bytes).map(Reading::Statements)
        }
        Some(StatementFormat::Camt053) => camt::read(bytes).map(Reading::Statements),
        Some(StatementFormat::Csv) => match rules {
            Some(rules) => csv::read(bytes, rules).map(|s| Reading::Statements(vec![s])),
            None => csv::guess(bytes).map(Reading::NeedsRules),
        },
        None => Err(not_a_statement(bytes)),
    }
}

/// Why the file is none of the formats, with what the bank offers instead.
fn not_a_statement(bytes: &[u8]) -> ReadError {
    let (what, hint) = if bytes.starts_with(b"%PDF") {
        (
            "this is a PDF: statements to read must be data, not a printout",
            "download the statement as CSV, OFX/QFX or CAMT.053 from the bank's website",
        )
    } else if bytes.starts_with(b"PK\x03\x04") {
        (
            "this is a ZIP or a spreadsheet (XLSX)",
            "unpack it, or save the spreadsheet as CSV, and import that",
        )
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        (
            "this is an old Excel spreadsheet (XLS)",
            "save it as CSV and import that",
        )
    } else {
        (
            "this is not a bank statement I can read (OFX, QFX, CAMT.053 or CSV)",
            "download the statement from the bank's website as CSV, OFX/QFX or CAMT.053",
        )
    };
    ReadError::at(0, what, hint)
}
