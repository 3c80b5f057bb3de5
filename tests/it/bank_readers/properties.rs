//! What every bank-statement reader keeps, whatever the bytes: it answers (statements, a CSV
//! guess, or an error that says where and what to do), nothing it returns breaks a bound, its
//! amounts can be summed, and a guess's rules read back as themselves. Shared by the proptest
//! tests (`tests/it/bank_readers.rs`, which also replay the kept corpus) and the cargo-fuzz
//! targets (`fuzz/fuzz_targets/bank_*.rs`), so both check the same thing. A property that
//! does not hold panics.
#![allow(dead_code)]

use legion_hub::books::bank::statement::bounds;
use legion_hub::books::bank::{
    CsvRules, Guess, ParsedLine, ParsedStatement, ReadError, Reading, camt, csv, ofx,
    read_statement,
};
use rust_decimal::Decimal;

/// Lines in the file, as errors and lines count them.
fn file_lines(bytes: &[u8]) -> usize {
    1 + bytes.iter().filter(|&&b| b == b'\n').count()
}

fn text_is_bounded(text: &str) {
    assert!(
        text.chars().count() <= bounds::MAX_TEXT,
        "text past the bound"
    );
    assert!(
        !text.chars().any(char::is_control),
        "control characters kept: {text:?}"
    );
}

fn check_line(line: &ParsedLine, bytes: &[u8]) {
    assert!(
        (1..=file_lines(bytes)).contains(&line.file_line),
        "line {} of a file of {}",
        line.file_line,
        file_lines(bytes)
    );
    text_is_bounded(&line.payee);
    text_is_bounded(&line.memo);
    assert!(line.parts.len() <= bounds::MAX_PARTS);
    for part in &line.parts {
        text_is_bounded(&part.payee);
        text_is_bounded(&part.memo);
    }
}

/// Statements as the import gets them: bounded, and their amounts sum without overflow.
pub fn check_statements(statements: &[ParsedStatement], bytes: &[u8]) {
    let lines: usize = statements.iter().map(|s| s.lines.len()).sum();
    assert!(lines <= bounds::MAX_LINES);
    for statement in statements {
        let mut total = statement
            .opening
            .as_ref()
            .map_or(Decimal::ZERO, |b| b.amount);
        for line in &statement.lines {
            check_line(line, bytes);
            total = total
                .checked_add(line.amount)
                .expect("a statement's amounts sum without overflow");
            for part in &line.parts {
                let _ = total.checked_add(part.amount).expect("parts sum too");
            }
        }
    }
}

pub fn check_error(error: &ReadError, bytes: &[u8]) {
    assert!(
        !error.what.is_empty() && !error.hint.is_empty(),
        "{error:?}"
    );
    assert!(
        error.line <= file_lines(bytes),
        "{error:?} in {} lines",
        file_lines(bytes)
    );
    assert!(!error.to_string().is_empty());
}

/// A guess: its preview is short and bounded, its rules read back as themselves and read the
/// same file to statements or an error.
pub fn check_guess(guess: &Guess, bytes: &[u8]) {
    assert!(guess.preview.len() <= 10);
    for line in &guess.preview {
        check_line(line, bytes);
    }
    let again = CsvRules::parse(&guess.rules.to_text()).expect("a guess's rules read back");
    assert_eq!(again, guess.rules, "to_text then parse");
    match csv::read(bytes, &guess.rules) {
        Ok(statement) => check_statements(&[statement], bytes),
        Err(error) => check_error(&error, bytes),
    }
}

/// Any file, through the one entry point.
pub fn any_statement(bytes: &[u8]) {
    match read_statement(bytes, None) {
        Ok(Reading::Statements(statements)) => check_statements(&statements, bytes),
        Ok(Reading::NeedsRules(guess)) => check_guess(&guess, bytes),
        Err(error) => check_error(&error, bytes),
    }
}

pub fn ofx_file(bytes: &[u8]) {
    match ofx::read(bytes) {
        Ok(statements) => check_statements(&statements, bytes),
        Err(error) => check_error(&error, bytes),
    }
    any_statement(bytes);
}

pub fn camt_file(bytes: &[u8]) {
    match camt::read(bytes) {
        Ok(statements) => check_statements(&statements, bytes),
        Err(error) => check_error(&error, bytes),
    }
    any_statement(bytes);
}

/// A CSV: guessed, and read with rules that fit the fixtures' banks.
pub fn csv_file(bytes: &[u8]) {
    match csv::guess(bytes) {
        Ok(guess) => check_guess(&guess, bytes),
        Err(error) => check_error(&error, bytes),
    }
    for rules in [
        "skip 1\nfields _, date, description, amount, _, balance, _\ndate-format %m/%d/%Y\n",
        "skip 5\nseparator ;\nfields date, date2, _, payee, memo, _, _, amount-out, amount-in, currency\ndate-format %d.%m.%Y\ndecimal-mark ,\n\nif ^Kontostand\n  skip\n",
    ] {
        let rules = CsvRules::parse(rules).expect("the rules are good");
        match csv::read(bytes, &rules) {
            Ok(statement) => check_statements(&[statement], bytes),
            Err(error) => check_error(&error, bytes),
        }
    }
}
