//! The first guess at the rules for a bank's CSV, from the file alone: its encoding (a
//! byte-order mark, valid UTF-8, else Windows-1252), separator (`,` `;` TAB `|`, the one that
//! splits the lines into the same number of fields), the header row after the bank's preamble,
//! what each column is (header words in English, German, French, Spanish and Dutch, else the
//! columns' contents), the date format (`dd/mm` against `mm/dd` decided by a day above 12),
//! the decimal mark, newest-first order, and footer lines to leave out. Whatever is not certain
//! is said in [`Guess::doubts`], for a person to check against the preview.

use rust_decimal::Decimal;

use super::super::amount::{self, DecimalMark};
use super::super::statement::{ParsedLine, ReadError};
use super::super::text::{self, Charset};
use super::read::{read_lines, record_line};
use super::{CsvRules, DateFormat, Field};

/// The guess, the lines it reads, and what a person should check.
#[derive(Debug, Clone)]
pub struct Guess {
    pub rules: CsvRules,
    /// The first lines read with the guess.
    pub preview: Vec<ParsedLine>,
    pub doubts: Vec<String>,
}

/// Records looked at from the start of the file (preamble, header and enough lines to judge).
const HEAD_RECORDS: usize = 1_000;
/// Records kept from the end of the file, for footers.
const TAIL_RECORDS: usize = 20;
/// Lines in the preview.
const PREVIEW_LINES: usize = 10;

/// The date formats tried, most common first; `None` is the ISO default.
const DATE_FORMATS: &[Option<&str>] = &[
    None,
    Some("%d.%m.%Y"),
    Some("%d/%m/%Y"),
    Some("%m/%d/%Y"),
    Some("%d-%m-%Y"),
    Some("%m-%d-%Y"),
    Some("%d.%m.%y"),
    Some("%d/%m/%y"),
    Some("%m/%d/%y"),
    Some("%Y%m%d"),
    Some("%d %b %Y"),
    Some("%d-%b-%Y"),
    Some("%d %b %y"),
    Some("%d-%b-%y"),
    Some("%b %d, %Y"),
];

/// One record of the sample: its number in the file (0-based), the line it starts on, and its
/// trimmed fields.
struct Row {
    index: usize,
    line: usize,
    cells: Vec<String>,
}

impl Row {
    fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", String::as_str)
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(String::is_empty)
    }
}

/// The date formats, compiled once, to try cells against.
struct Dates(Vec<(Option<&'static str>, DateFormat)>);

impl Dates {
    fn new() -> Dates {
        Dates(
            DATE_FORMATS
                .iter()
                .filter_map(|f| Some((*f, DateFormat::new(*f).ok()?)))
                .collect(),
        )
    }

    fn could_be(&self, cell: &str) -> bool {
        !cell.is_empty() && self.0.iter().any(|(_, f)| f.parse(cell).is_some())
    }

    /// A record with a date and an amount in it: a transaction.
    fn is_data(&self, row: &Row) -> bool {
        let date = row.cells.iter().position(|c| self.could_be(c));
        date.is_some_and(|d| {
            row.cells
                .iter()
                .enumerate()
                .any(|(i, c)| i != d && could_be_amount(c))
        })
    }
}

fn could_be_amount(cell: &str) -> bool {
    cell.bytes().any(|b| b.is_ascii_digit())
        && (amount::parse(cell, DecimalMark::Point).is_ok()
            || amount::parse(cell, DecimalMark::Comma).is_ok())
}

/// The records of the file's head and tail (or its first `only` records), split with
/// `separator`.
fn sample(text: &str, separator: u8, only: Option<usize>) -> Vec<Row> {
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut tail: std::collections::VecDeque<Row> = std::collections::VecDeque::new();
    let mut record = ::csv::ByteRecord::new();
    let mut lines = text::LineCounter::new(1);
    let mut index = 0;
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if only.is_some_and(|only| index >= only) {
            break;
        }
        let row = Row {
            index,
            line: record
                .position()
                .map_or(0, |p| record_line(text.as_bytes(), p, &mut lines)),
            cells: record
                .iter()
                .map(|c| String::from_utf8_lossy(c).trim().to_owned())
                .collect(),
        };
        if index < HEAD_RECORDS {
            rows.push(row);
        } else {
            if tail.len() == TAIL_RECORDS {
                tail.pop_front();
            }
            tail.push_back(row);
        }
        index += 1;
    }
    rows.extend(tail);
    rows
}

/// The separator that splits the most lines into the same number (two or more) of fields.
fn separator_of(text: &str) -> Option<u8> {
    let mut best: Option<(usize, usize, u8)> = None;
    for separator in [b',', b';', b'\t', b'|'] {
        let rows = sample(text, separator, Some(60));
        // The last lines of the head: past any preamble.
        let counts: Vec<usize> = rows
            .iter()
            .filter(|r| !r.is_blank())
            .rev()
            .take(30)
            .map(|r| r.cells.len())
            .collect();
        let Some(mode) = mode(&counts) else {
            continue;
        };
        let agree = counts.iter().filter(|c| **c == mode).count();
        if mode >= 2 && best.is_none_or(|(a, m, _)| (agree, mode) > (a, m)) {
            best = Some((agree, mode, separator));
        }
    }
    best.map(|(_, _, separator)| separator)
}

fn mode(values: &[usize]) -> Option<usize> {
    let mut counted: Vec<(usize, usize)> = Vec::new();
    for value in values {
        match counted.iter_mut().find(|(v, _)| v == value) {
            Some((_, n)) => *n += 1,
            None => counted.push((*value, 1)),
        }
    }
    counted
        .into_iter()
        .max_by_key(|(value, n)| (*n, *value))
        .map(|(value, _)| value)
}

/// What a header names, by its words.
fn field_of_header(header: &str) -> Option<Field> {
    let lower = header.to_lowercase();
    // "Betrag (EUR)", "Amount ($)": the unit in brackets says nothing of the column.
    let name = lower
        .split(['(', '['])
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_owned();
    let is = |words: &[&str]| words.contains(&name.as_str());
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    Some(
        if has(&[
            "value date",
            "valuta",
            "wertstellung",
            "date de valeur",
            "date valeur",
            "fecha valor",
            "rentedatum",
        ]) || is(&["wert", "valor"])
        {
            Field::ValueDate
        } else if has(&["date", "datum", "fecha", "buchungstag", "day"]) {
            Field::Date
        } else if has(&["balance", "saldo", "solde", "kontostand"]) {
            Field::Balance
        } else if is(&[
            "debit",
            "débit",
            "soll",
            "cargo",
            "cargos",
            "af",
            "paid out",
            "withdrawal",
            "withdrawals",
            "money out",
            "out",
            "ausgang",
            "ausgaben",
            "débito",
            "retrait",
            "retraits",
        ]) {
            Field::AmountOut
        } else if is(&[
            "credit",
            "crédit",
            "haben",
            "abono",
            "abonos",
            "bij",
            "paid in",
            "deposit",
            "deposits",
            "money in",
            "in",
            "eingang",
            "einnahmen",
            "crédito",
            "ingreso",
            "ingresos",
        ]) {
            Field::AmountIn
        } else if has(&["amount", "betrag", "montant", "importe", "bedrag"])
            || is(&["umsatz", "umsatz in eur"])
        {
            Field::Amount
        } else if has(&[
            "currency", "währung", "waehrung", "devise", "moneda", "munt",
        ]) || is(&["ccy"])
        {
            Field::Currency
        } else if has(&[
            "payee",
            "begünstigter",
            "beguenstigter",
            "empfänger",
            "empfaenger",
            "auftraggeber",
            "bénéficiaire",
            "beneficiario",
            "counterparty",
            "tegenpartij",
            "naam",
        ]) || is(&["name"])
        {
            Field::Payee
        } else if has(&[
            "memo",
            "verwendungszweck",
            "reference",
            "referenz",
            "notes",
            "mededelingen",
            "remarks",
            "référence",
            "referencia",
        ]) {
            Field::Memo
        } else if has(&[
            "description",
            "beschreibung",
            "buchungstext",
            "libellé",
            "libelle",
            "concepto",
            "omschrijving",
            "narrative",
            "text",
        ]) {
            Field::Description
        } else if is(&[
            "id",
            "transaction id",
            "fitid",
            "transaktions-id",
            "transaction reference",
        ]) {
            Field::Code
        } else {
            return None;
        },
    )
}

/// Whether every non-empty cell of column `column` in `rows` passes `test`.
fn every(rows: &[&Row], column: usize, test: impl Fn(&str) -> bool) -> bool {
    rows.iter()
        .map(|r| r.cell(column))
        .filter(|c| !c.is_empty())
        .all(test)
}

/// Whether every non-empty cell passes `test`, and at least one is non-empty.
fn column_is(rows: &[&Row], column: usize, test: impl Fn(&str) -> bool) -> bool {
    rows.iter().any(|r| !r.cell(column).is_empty()) && every(rows, column, test)
}

pub fn guess(bytes: &[u8]) -> Result<Guess, ReadError> {
    text::check_size(bytes)?;
    let mut doubts = Vec::new();
    let has_bom = encoding_rs::Encoding::for_bom(bytes).is_some();
    let encoding = if bytes.is_ascii() || has_bom {
        None
    } else {
        Some(text::sniff(bytes))
    };
    if encoding == Some(Charset::Windows1252) {
        doubts.push(
            "The file is not UTF-8, so it is read as Windows-1252 (Latin-1): check the accented \
             letters in the preview."
                .to_owned(),
        );
    }
    let text = text::decode(bytes, encoding)?;
    let separator = separator_of(&text).ok_or_else(|| {
        ReadError::at(
            1,
            "I could not find the columns: no separator (, ; TAB |) splits the lines alike",
            "check this is the bank's CSV export; otherwise write the rules by hand",
        )
    })?;
    let dates = Dates::new();
    let rows = sample(&text, separator, None);
    // Transactions have their date in the same column; a footer's date elsewhere (`Kontostand;
    // 30.11.2026;...`) does not make it one.
    let candidates: Vec<&Row> = rows.iter().filter(|r| dates.is_data(r)).collect();
    let date_positions: Vec<usize> = candidates
        .iter()
        .filter_map(|r| r.cells.iter().position(|c| dates.could_be(c)))
        .collect();
    let data: Vec<&Row> = match mode(&date_positions) {
        Some(column) => candidates
            .into_iter()
            .filter(|r| dates.could_be(r.cell(column)))
            .collect(),
        None => Vec::new(),
    };
    let (Some(first), Some(last)) = (data.first(), data.last()) else {
        return Err(ReadError::at(
            0,
            "no line of this file has both a date and an amount",
            "check this is the bank's CSV export of transactions; otherwise write the rules by hand",
        ));
    };
    let header = rows
        .iter()
        .rev()
        .find(|r| r.index + 1 == first.index)
        .filter(|r| {
            r.cells
                .iter()
                .all(|c| !dates.could_be(c) && !could_be_amount(c))
                && r.cells.iter().filter(|c| !c.is_empty()).count() >= 2
        });
    let columns = data.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    // Rules name at most this many; more would also make naming columns by content slow.
    if columns > super::rules::MAX_FIELDS {
        return Err(ReadError::at(
            first.line,
            format!(
                "the lines have {columns} columns, more than the {} the rules may name",
                super::rules::MAX_FIELDS
            ),
            "check this is the bank's CSV export of transactions",
        ));
    }
    let mut fields: Vec<Field> = (0..columns)
        .map(|i| {
            header
                .and_then(|h| field_of_header(h.cell(i)))
                .unwrap_or(Field::Ignored(String::new()))
        })
        .collect();
    if header.is_none() {
        doubts.push(
            "The file has no header row: the columns were named by their contents.".to_owned(),
        );
    }
    fill_by_content(&mut fields, &data, &dates, &mut doubts);
    keep_one(&mut fields, &Field::Date, Field::ValueDate);
    keep_one(&mut fields, &Field::Amount, Field::Ignored(String::new()));
    keep_one(&mut fields, &Field::Balance, Field::Ignored(String::new()));

    let date_column = fields
        .iter()
        .position(|f| *f == Field::Date)
        .ok_or_else(|| {
            ReadError::at(
                first.line,
                "no column holds dates throughout",
                "write the rules by hand: `fields` with `date` where the booking date is",
            )
        })?;
    let date_format = date_format_of(&data, date_column, &dates, separator, &mut doubts);
    let amount_columns: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            matches!(
                f,
                Field::Amount | Field::AmountIn | Field::AmountOut | Field::Balance
            )
        })
        .map(|(i, _)| i)
        .collect();
    if !fields
        .iter()
        .any(|f| matches!(f, Field::Amount | Field::AmountIn | Field::AmountOut))
    {
        return Err(ReadError::at(
            first.line,
            "no column holds amounts throughout",
            "write the rules by hand: `fields` with `amount` (or `amount-in` and `amount-out`)",
        ));
    }
    let decimal_mark = decimal_mark_of(&data, &amount_columns, separator, &mut doubts);
    let format = DateFormat::new(date_format).ok();
    let day = |row: &Row| format.as_ref().and_then(|f| f.parse(row.cell(date_column)));
    let newest_first = matches!((day(first), day(last)), (Some(a), Some(b)) if a > b);
    direction_doubt(&fields, &data, header, decimal_mark, &mut doubts);
    let currency = currency_of(&fields, &data, &amount_columns, &mut doubts);
    let skip_if = footers(&rows, last.index, &mut doubts);
    let rules = CsvRules {
        skip: first.index,
        separator,
        fields,
        date_format: date_format.map(str::to_owned),
        decimal_mark,
        encoding,
        newest_first,
        currency,
        skip_if,
    };
    let preview = match read_lines(bytes, &rules, super::super::statement::bounds::MAX_LINES) {
        Ok(statement) => statement.lines.into_iter().take(PREVIEW_LINES).collect(),
        Err(e) => {
            doubts.push(format!(
                "Line {} cannot be read with these rules: {}. Fix the rules (or the file) before \
                 importing.",
                e.line, e.what
            ));
            read_lines(bytes, &rules, PREVIEW_LINES)
                .map(|s| s.lines)
                .unwrap_or_default()
        }
    };
    Ok(Guess {
        rules,
        preview,
        doubts,
    })
}

/// Keeps the first column of `kind` and makes the others `instead`.
fn keep_one(fields: &mut [Field], kind: &Field, instead: Field) {
    let mut seen = false;
    for field in fields.iter_mut().filter(|f| **f == *kind) {
        if seen {
            *field = instead.clone();
        }
        seen = true;
    }
}

/// Names by their contents the date, amount, balance and description columns the header did
/// not name.
fn fill_by_content(fields: &mut [Field], data: &[&Row], dates: &Dates, doubts: &mut Vec<String>) {
    let unnamed = |f: &Field| matches!(f, Field::Ignored(_));
    let date_column = (0..fields.len())
        .find(|i| unnamed(&fields[*i]) && column_is(data, *i, |c| dates.could_be(c)));
    if let (false, Some(i)) = (fields.contains(&Field::Date), date_column) {
        fields[i] = Field::Date;
        doubts.push(format!(
            "Column {} was taken as the date by its contents.",
            i + 1
        ));
    }
    let has_amount = fields
        .iter()
        .any(|f| matches!(f, Field::Amount | Field::AmountIn | Field::AmountOut));
    if !has_amount {
        let numeric: Vec<usize> = (0..fields.len())
            .filter(|i| unnamed(&fields[*i]) && column_is(data, *i, could_be_amount))
            .collect();
        let full = |i: usize| data.iter().all(|r| !r.cell(i).is_empty());
        match numeric.as_slice() {
            [] => {}
            [one] => fields[*one] = Field::Amount,
            [a, b, rest @ ..] if !full(*a) && !full(*b) => {
                fields[*a] = Field::AmountOut;
                fields[*b] = Field::AmountIn;
                if let Some(balance) = rest.first() {
                    fields[*balance] = Field::Balance;
                }
                doubts.push(format!(
                    "Columns {} and {} were taken as money out and money in: check the signs in \
                     the preview.",
                    a + 1,
                    b + 1
                ));
            }
            [a, rest @ ..] => {
                fields[*a] = Field::Amount;
                if let Some(balance) = rest.first() {
                    fields[*balance] = Field::Balance;
                }
                doubts.push(format!(
                    "Column {} was taken as the amount by its contents: check the preview.",
                    a + 1
                ));
            }
        }
    }
    let text_column = (0..fields.len())
        .filter(|i| unnamed(&fields[*i]))
        .filter(|i| {
            !column_is(data, *i, could_be_amount) && !column_is(data, *i, |c| dates.could_be(c))
        })
        .max_by_key(|i| data.iter().map(|r| r.cell(*i).len()).sum::<usize>());
    let has_text = fields
        .iter()
        .any(|f| matches!(f, Field::Description | Field::Payee));
    if let (false, Some(i)) = (has_text, text_column) {
        fields[i] = Field::Description;
    }
}

fn date_format_of(
    data: &[&Row],
    column: usize,
    dates: &Dates,
    separator: u8,
    doubts: &mut Vec<String>,
) -> Option<&'static str> {
    let fits: Vec<Option<&'static str>> = dates
        .0
        .iter()
        .filter(|(_, format)| column_is(data, column, |c| format.parse(c).is_some()))
        .map(|(name, _)| *name)
        .collect();
    let day_first = fits.iter().find(|f| f.is_some_and(|f| f.starts_with("%d")));
    let month_first = fits.iter().find(|f| f.is_some_and(|f| f.starts_with("%m")));
    match (day_first, month_first) {
        (Some(day), Some(month)) => {
            // Europe writes `;` and decimal commas; the US, commas. The UK writes commas too,
            // so this is a doubt either way.
            let chosen = if separator == b',' { *month } else { *day };
            doubts.push(format!(
                "No day in the date column is above 12, so both {} and {} fit: I chose {}. Check \
                 the dates in the preview.",
                day.unwrap_or_default(),
                month.unwrap_or_default(),
                chosen.unwrap_or_default()
            ));
            chosen
        }
        _ => fits.first().copied().flatten(),
    }
}

fn decimal_mark_of(
    data: &[&Row],
    columns: &[usize],
    separator: u8,
    doubts: &mut Vec<String>,
) -> DecimalMark {
    let fits = |mark: DecimalMark| {
        columns
            .iter()
            .all(|c| every(data, *c, |cell| amount::parse(cell, mark).is_ok()))
    };
    // A mark followed by exactly two digits at the end is a decimal mark.
    let written = |mark: char| {
        columns.iter().any(|c| {
            data.iter().any(|r| {
                let cell = r.cell(*c).trim_end_matches(|ch: char| !ch.is_ascii_digit());
                let mut last = cell.chars().rev();
                let (units, tens, before) = (last.next(), last.next(), last.next());
                units.is_some_and(|d| d.is_ascii_digit())
                    && tens.is_some_and(|d| d.is_ascii_digit())
                    && before == Some(mark)
            })
        })
    };
    match (fits(DecimalMark::Point), fits(DecimalMark::Comma)) {
        (true, false) => DecimalMark::Point,
        (false, true) => DecimalMark::Comma,
        _ if written(',') && !written('.') => DecimalMark::Comma,
        _ if written('.') && !written(',') => DecimalMark::Point,
        _ => {
            let chosen = if separator == b';' {
                DecimalMark::Comma
            } else {
                DecimalMark::Point
            };
            doubts.push(format!(
                "The amounts do not show their decimal mark: I chose `{}`. Check the amounts in \
                 the preview.",
                chosen.char()
            ));
            chosen
        }
    }
}

/// A column of `Af`/`Bij`, `S`/`H`, `D`/`C` beside unsigned amounts: these rules cannot turn
/// it into signs, so a person must know.
fn direction_doubt(
    fields: &[Field],
    data: &[&Row],
    header: Option<&Row>,
    mark: DecimalMark,
    doubts: &mut Vec<String>,
) {
    let Some(amount) = fields.iter().position(|f| *f == Field::Amount) else {
        return;
    };
    let unsigned = !data
        .iter()
        .any(|r| amount::parse(r.cell(amount), mark).is_ok_and(|a: Decimal| a.is_sign_negative()));
    let direction = (0..fields.len()).find(|i| {
        column_is(data, *i, |c| {
            matches!(
                c.to_lowercase().as_str(),
                "af" | "bij"
                    | "s"
                    | "h"
                    | "d"
                    | "c"
                    | "dr"
                    | "cr"
                    | "debit"
                    | "credit"
                    | "soll"
                    | "haben"
            )
        })
    });
    if let (true, Some(column)) = (unsigned, direction) {
        let name = header.map_or(String::new(), |h| {
            format!(" ({})", text::clean(h.cell(column)))
        });
        doubts.push(format!(
            "Column {}{name} seems to say which amounts are debits, and the amounts have no sign: \
             these rules cannot read that, so every amount would be money in. Export the file \
             with signed amounts if the bank offers it.",
            column + 1
        ));
    }
}

fn currency_of(
    fields: &[Field],
    data: &[&Row],
    amounts: &[usize],
    doubts: &mut Vec<String>,
) -> Option<String> {
    if fields.contains(&Field::Currency) {
        return None;
    }
    let symbols = [
        ("€", "EUR"),
        ("£", "GBP"),
        ("EUR", "EUR"),
        ("GBP", "GBP"),
        ("USD", "USD"),
        ("CHF", "CHF"),
    ];
    let found = symbols.iter().find(|(symbol, _)| {
        amounts
            .iter()
            .any(|c| data.iter().any(|r| r.cell(*c).contains(symbol)))
    });
    match found {
        Some((_, code)) => Some((*code).to_owned()),
        None => {
            doubts.push(
                "The file does not say its currency: the account's is used (add a line such as \
                 `currency USD` to the rules to say it)."
                    .to_owned(),
            );
            None
        }
    }
}

/// Records after the last transaction (a bank's closing balance, totals): left out with an
/// `if ^TEXT` + `skip` rule when their first field is plain text.
fn footers(rows: &[Row], last_data: usize, doubts: &mut Vec<String>) -> Vec<String> {
    let mut patterns: Vec<String> = Vec::new();
    for row in rows.iter().filter(|r| r.index > last_data && !r.is_blank()) {
        let first = row
            .cells
            .iter()
            .find(|c| !c.is_empty())
            .map_or("", String::as_str);
        let plain: String = first
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | ':' | '-' | '/' | '_'))
            .collect();
        let plain = plain.trim();
        let starts_row = row.cells.first().is_some_and(|c| c.starts_with(plain));
        if plain.chars().filter(|c| c.is_alphabetic()).count() >= 3 && starts_row {
            let pattern = format!("^{plain}");
            if !patterns.contains(&pattern) {
                doubts.push(format!(
                    "Line {} (`{}`) comes after the transactions and is left out.",
                    row.line,
                    text::clean(first)
                ));
                patterns.push(pattern);
            }
        }
    }
    patterns
}
