//! A bank's CSV read with its rules, one statement per file. A line is refused (with its line
//! number and what to change in the rules) when its date or amount cannot be read; records
//! whose fields are all empty are passed over. With a balance column, the first line's balance
//! before it and the last line's after it are the statement's opening and closing, so the
//! import checks the lines against the bank's own running balance.

use ::csv::{ByteRecord, ReaderBuilder};
use rust_decimal::Decimal;

use super::super::amount::{self, DecimalMark};
use super::super::statement::{
    ParsedLine, ParsedStatement, ReadError, StatedBalance, StatementFormat, bounds,
};
use super::super::text::{self, LineCounter};
use super::{CsvRules, DateFormat, Field};

/// Where each kind of field is, by column.
struct Columns {
    date: usize,
    value_date: Option<usize>,
    payee: Option<usize>,
    description: Vec<usize>,
    memo: Vec<usize>,
    amount: Option<usize>,
    amount_in: Option<usize>,
    amount_out: Option<usize>,
    balance: Option<usize>,
    code: Option<usize>,
    currency: Option<usize>,
}

impl Columns {
    fn of(rules: &CsvRules) -> Result<Columns, ReadError> {
        let all = |wanted: Field| -> Vec<usize> {
            rules
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| **f == wanted)
                .map(|(i, _)| i)
                .collect()
        };
        let one = |wanted: Field| all(wanted).first().copied();
        let date = one(Field::Date).ok_or_else(|| {
            ReadError::at(
                0,
                "the rules name no date column",
                "add `date` to the `fields` line where the booking date is",
            )
        })?;
        let columns = Columns {
            date,
            value_date: one(Field::ValueDate),
            payee: one(Field::Payee),
            description: all(Field::Description),
            memo: all(Field::Memo),
            amount: one(Field::Amount),
            amount_in: one(Field::AmountIn),
            amount_out: one(Field::AmountOut),
            balance: one(Field::Balance),
            code: one(Field::Code),
            currency: one(Field::Currency),
        };
        if columns.amount.is_none() && columns.amount_in.is_none() && columns.amount_out.is_none() {
            return Err(ReadError::at(
                0,
                "the rules name no amount column",
                "add `amount` (or `amount-in` and `amount-out`) to the `fields` line",
            ));
        }
        Ok(columns)
    }
}

/// Reads the statement; see the module comment.
pub fn read(bytes: &[u8], rules: &CsvRules) -> Result<ParsedStatement, ReadError> {
    read_lines(bytes, rules, bounds::MAX_LINES)
}

/// The first `limit` lines only (for the guess's preview), or all of them.
pub(super) fn read_lines(
    bytes: &[u8],
    rules: &CsvRules,
    limit: usize,
) -> Result<ParsedStatement, ReadError> {
    text::check_size(bytes)?;
    let text = text::decode(bytes, rules.encoding)?;
    let columns = Columns::of(rules)?;
    let dates = DateFormat::new(rules.date_format.as_deref()).map_err(|why| {
        ReadError::at(
            0,
            format!("the rules' date-format: {why}"),
            "fix `date-format` in the rules",
        )
    })?;
    let skip_if: Vec<String> = rules.skip_if.iter().map(|p| p.to_lowercase()).collect();
    let mut reader = ReaderBuilder::new()
        .delimiter(rules.separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = ByteRecord::new();
    let mut lines_seen = LineCounter::new(1);
    let mut lines: Vec<ParsedLine> = Vec::new();
    let mut records = 0usize;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p, &mut lines_seen));
            ReadError::at(
                line,
                format!("the CSV is broken here: {}", text::clean(&e.to_string())),
                "export the file again from the bank",
            )
        })?;
        if !more || lines.len() >= limit {
            break;
        }
        records += 1;
        if records <= rules.skip {
            continue;
        }
        let line = record
            .position()
            .map_or(0, |p| record_line(text.as_bytes(), p, &mut lines_seen));
        if (0..record.len()).all(|i| cell(&record, i).is_empty()) {
            continue;
        }
        if !skip_if.is_empty() && skipped(&record, rules.separator, &skip_if) {
            continue;
        }
        if lines.len() >= bounds::MAX_LINES {
            return Err(ReadError::at(
                line,
                format!("the file has more than {} lines", bounds::MAX_LINES),
                "export a shorter period from the bank",
            ));
        }
        lines.push(read_line(&record, line, &columns, &dates, rules)?);
    }
    if rules.newest_first {
        lines.reverse();
    }
    let balances = columns.balance.and_then(|_| {
        let (first, last) = (lines.first()?, lines.last()?);
        let opening = StatedBalance {
            amount: first.balance_after?.checked_sub(first.amount)?,
            date: first.date.pred_opt()?,
        };
        let closing = StatedBalance {
            amount: last.balance_after?,
            date: last.date,
        };
        Some((opening, closing))
    });
    let (opening, closing) = balances.unzip();
    Ok(ParsedStatement {
        format: StatementFormat::Csv,
        account_id: None,
        currency: rules
            .currency
            .clone()
            .or_else(|| lines.iter().find_map(|l| l.currency.clone())),
        opening,
        closing,
        period: None,
        lines,
    })
}

/// The line a record starts on. The csv crate's own line numbers lag behind CRLF line ends and
/// blank lines (its position is where it started looking, before the `\n` of a `\r\n` and any
/// blank lines it passed over), so the line is counted here from the record's first byte.
pub(super) fn record_line(
    text: &[u8],
    position: &::csv::Position,
    lines: &mut LineCounter,
) -> usize {
    let mut at = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    while matches!(text.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    lines.line_at(text, at)
}

/// A field of a record, trimmed ("" when the record is short).
fn cell(record: &ByteRecord, i: usize) -> &str {
    record
        .get(i)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or_default()
        .trim()
}

/// Whether a record is one the rules' `if ... skip` blocks leave out.
fn skipped(record: &ByteRecord, separator: u8, patterns: &[String]) -> bool {
    let joined = record
        .iter()
        .map(String::from_utf8_lossy)
        .collect::<Vec<_>>()
        .join(&char::from(separator).to_string())
        .to_lowercase();
    patterns.iter().any(|p| match p.strip_prefix('^') {
        Some(start) => joined.starts_with(start),
        None => joined.contains(p.as_str()),
    })
}

fn amount_at(
    value: &str,
    line: usize,
    column: &str,
    mark: DecimalMark,
) -> Result<Decimal, ReadError> {
    amount::parse(value, mark).map_err(|e| {
        let hint = match mark {
            DecimalMark::Point => {
                "if the bank writes amounts like 1.234,56, the rules need `decimal-mark ,`; \
                 otherwise check that `fields` names the right column"
            }
            DecimalMark::Comma => {
                "if the bank writes amounts like 1,234.56, remove `decimal-mark ,` from the \
                 rules; otherwise check that `fields` names the right column"
            }
        };
        ReadError::at(line, format!("{column}: {}", e.describe(value, mark)), hint)
    })
}

fn optional_amount(
    value: &str,
    line: usize,
    column: &str,
    mark: DecimalMark,
) -> Result<Option<Decimal>, ReadError> {
    if value.is_empty() {
        Ok(None)
    } else {
        amount_at(value, line, column, mark).map(Some)
    }
}

fn read_line(
    record: &ByteRecord,
    line: usize,
    columns: &Columns,
    dates: &DateFormat,
    rules: &CsvRules,
) -> Result<ParsedLine, ReadError> {
    let mark = rules.decimal_mark;
    let field = |i: usize| cell(record, i);
    let raw_date = field(columns.date);
    let date = dates.parse(raw_date).ok_or_else(|| {
        let format = rules.date_format.as_deref().unwrap_or("YYYY-MM-DD");
        ReadError::at(
            line,
            if raw_date.is_empty() {
                format!("this line has no date (column {})", columns.date + 1)
            } else {
                format!("`{}` is not a date written {format}", text::clean(raw_date))
            },
            "fix `date-format` (or the `date` column in `fields`) in the rules; if this is a \
             summary line the bank adds, leave it out with an `if TEXT` + `skip` block",
        )
    })?;
    let value_date = columns.value_date.and_then(|c| dates.parse(field(c)));
    let signed = match columns.amount.map(&field).filter(|v| !v.is_empty()) {
        Some(value) => Some(amount_at(value, line, "amount", mark)?),
        None => None,
    };
    let amount = match signed {
        Some(amount) => amount,
        None => {
            let inflow = match columns.amount_in {
                Some(c) => optional_amount(field(c), line, "amount-in", mark)?,
                None => None,
            };
            let outflow = match columns.amount_out {
                Some(c) => optional_amount(field(c), line, "amount-out", mark)?,
                None => None,
            };
            if inflow.is_none() && outflow.is_none() {
                return Err(ReadError::at(
                    line,
                    "this line has no amount",
                    "check that `fields` names the amount columns where the bank puts them",
                ));
            }
            // Debits are money out whatever sign the bank gives them.
            inflow.unwrap_or_default() - outflow.unwrap_or_default().abs()
        }
    };
    let balance_after = match columns.balance {
        Some(c) => optional_amount(field(c), line, "balance", mark)?,
        None => None,
    };
    let join = |cols: &[usize]| {
        cols.iter()
            .map(|c| field(*c))
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let description = join(&columns.description);
    let mut memo = join(&columns.memo);
    let payee = match columns.payee.map(&field).filter(|v| !v.is_empty()) {
        Some(payee) => {
            if !description.is_empty() {
                memo = if memo.is_empty() {
                    description
                } else {
                    format!("{description} {memo}")
                };
            }
            payee.to_owned()
        }
        None => description,
    };
    let currency = columns
        .currency
        .map(&field)
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
        .or_else(|| rules.currency.clone());
    Ok(ParsedLine {
        file_line: line,
        date,
        value_date,
        amount,
        currency,
        payee: text::clean(&payee),
        memo: text::clean(&memo),
        bank_id: columns
            .code
            .map(&field)
            .filter(|v| !v.is_empty())
            .map(text::clean),
        kind: None,
        balance_after,
        parts: Vec::new(),
    })
}
