//! Amounts as banks write them, read exactly: `1,234.56`, `1.234,56` (decimal comma), `-12.50`,
//! `12.50-`, `(12.50)`, `+3`, with a currency symbol or code beside the number (`$12.50`,
//! `12,50 €`, `EUR -3.00`) and spaces or apostrophes grouping thousands. Anything else is
//! refused, so a misread column is an error and never a wrong number.
//!
//! Amounts are bounded to 18 integer and 10 fraction digits: the sum of two million of them
//! (the most lines a statement may have) still fits a `Decimal`, so the import's balance checks
//! cannot overflow.

use rust_decimal::Decimal;

/// Integer digits an amount may have (a quintillion is beyond any bank account).
pub const MAX_INTEGER_DIGITS: usize = 18;
/// Fraction digits an amount may have.
pub const MAX_FRACTION_DIGITS: u32 = 10;
/// Characters an amount field may have, signs and currency included.
const MAX_FIELD: usize = 64;

/// Which character separates the fraction: the other one (and spaces, apostrophes) may group
/// thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMark {
    #[default]
    Point,
    Comma,
}

impl DecimalMark {
    pub fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    fn grouping(self) -> char {
        match self {
            DecimalMark::Point => ',',
            DecimalMark::Comma => '.',
        }
    }
}

/// Why a field is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    /// Not a number in the given decimal mark (or with stray characters).
    NotANumber,
    TooLarge,
    TooPrecise,
}

impl AmountError {
    /// What went wrong, for a [`ReadError`](super::ReadError)'s `what`.
    pub fn describe(self, field: &str, mark: DecimalMark) -> String {
        let field = super::text::clean(field);
        match self {
            AmountError::Empty => "the amount is empty".to_owned(),
            AmountError::NotANumber => format!(
                "`{field}` is not an amount with the decimal mark `{}`",
                mark.char()
            ),
            AmountError::TooLarge => format!(
                "`{field}` has more than {MAX_INTEGER_DIGITS} digits before the decimal mark"
            ),
            AmountError::TooPrecise => format!(
                "`{field}` has more than {MAX_FRACTION_DIGITS} digits after the decimal mark"
            ),
        }
    }
}

/// Currency symbols that may stand beside a number.
const SYMBOLS: &[char] = &[
    '$', '€', '£', '¥', '₹', '₽', '₩', '₪', '₫', '฿', '₺', '₴', '₦', '₱', '¢', '₡', '₲', '₵', '₸',
];

/// Spaces that may group thousands or stand between a number and its currency.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{a0}' || c == '\u{202f}' || c == '\t'
}

/// The text without a currency (a symbol, or up to four letters such as `EUR`, `US$`, `kr`)
/// at its start or end.
fn strip_currency(text: &str) -> &str {
    let is_currency = |c: char| c.is_ascii_alphabetic() || SYMBOLS.contains(&c);
    let mut text = text.trim_matches(is_space);
    let leading = text.chars().take_while(|&c| is_currency(c)).count();
    if (1..=4).contains(&leading) {
        let cut = text
            .char_indices()
            .nth(leading)
            .map_or(text.len(), |(i, _)| i);
        text = text
            .get(cut..)
            .unwrap_or_default()
            .trim_start_matches(is_space);
    }
    let trailing = text.chars().rev().take_while(|&c| is_currency(c)).count();
    if (1..=4).contains(&trailing) {
        let cut = text
            .char_indices()
            .rev()
            .nth(trailing - 1)
            .map_or(0, |(i, _)| i);
        text = text
            .get(..cut)
            .unwrap_or_default()
            .trim_end_matches(is_space);
    }
    text
}

/// Reads an amount; see the module comment for the forms.
pub fn parse(field: &str, mark: DecimalMark) -> Result<Decimal, AmountError> {
    let mut text = field.trim_matches(is_space);
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if text.len() > MAX_FIELD {
        return Err(AmountError::NotANumber);
    }
    let mut signs = 0;
    let mut negative = false;
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner;
        negative = true;
        signs += 1;
    }
    // A sign may stand outside or inside the currency: `-$12.50`, `$-12.50`, `12.50 EUR-`.
    for _ in 0..2 {
        text = strip_currency(text);
        if let Some(rest) = text
            .strip_prefix('-')
            .or_else(|| text.strip_prefix('\u{2212}'))
        {
            (text, negative, signs) = (rest, true, signs + 1);
        } else if let Some(rest) = text.strip_prefix('+') {
            (text, signs) = (rest, signs + 1);
        }
        if let Some(rest) = text.strip_suffix('-') {
            (text, negative, signs) = (rest, true, signs + 1);
        } else if let Some(rest) = text.strip_suffix('+') {
            (text, signs) = (rest, signs + 1);
        }
    }
    if signs > 1 {
        return Err(AmountError::NotANumber);
    }
    let magnitude = digits(text.trim_matches(is_space), mark)?;
    // No negative zero: `-0.00` is 0.00.
    Ok(if negative && !magnitude.is_zero() {
        -magnitude
    } else {
        magnitude
    })
}

/// The number itself: grouped integer digits, then the decimal mark and the fraction.
fn digits(text: &str, mark: DecimalMark) -> Result<Decimal, AmountError> {
    let (integer, fraction) = match text.split_once(mark.char()) {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (text, None),
    };
    let mut value: i128 = 0;
    let mut significant = 0;
    let mut scale = 0u32;
    // Grouping: one kind of separator, groups of three after the first group of one to three.
    let mut separator: Option<char> = None;
    let mut group = 0usize;
    let mut groups = 0usize;
    for c in integer.chars() {
        if let Some(d) = c.to_digit(10) {
            value = value * 10 + i128::from(d);
            if value > 0 {
                significant += 1;
            }
            if significant > MAX_INTEGER_DIGITS {
                return Err(AmountError::TooLarge);
            }
            group += 1;
        } else if c == mark.grouping() || c == '\'' || is_space(c) {
            let first = groups == 0;
            let fits = if first {
                (1..=3).contains(&group)
            } else {
                group == 3
            };
            if !fits || separator.is_some_and(|s| s != c) {
                return Err(AmountError::NotANumber);
            }
            separator = Some(c);
            groups += 1;
            group = 0;
        } else {
            return Err(AmountError::NotANumber);
        }
    }
    let grouped_well = groups == 0 || group == 3;
    let has_integer = integer.chars().any(|c| c.is_ascii_digit());
    if !grouped_well || (!has_integer && fraction.is_none()) {
        return Err(AmountError::NotANumber);
    }
    if let Some(fraction) = fraction {
        if fraction.is_empty() && !has_integer {
            return Err(AmountError::NotANumber);
        }
        for c in fraction.chars() {
            let d = c.to_digit(10).ok_or(AmountError::NotANumber)?;
            scale += 1;
            if scale > MAX_FRACTION_DIGITS {
                return Err(AmountError::TooPrecise);
            }
            value = value * 10 + i128::from(d);
        }
    }
    // At most 28 digits: always within a Decimal's 96 bits.
    Decimal::try_from_i128_with_scale(value, scale).map_err(|_| AmountError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn the_forms_banks_write() {
        let point = DecimalMark::Point;
        let comma = DecimalMark::Comma;
        assert_eq!(parse("1,234.56", point), Ok(d("1234.56")));
        assert_eq!(parse("1.234,56", comma), Ok(d("1234.56")));
        assert_eq!(parse("-12.50", point), Ok(d("-12.50")));
        assert_eq!(parse("12.50-", point), Ok(d("-12.50")));
        assert_eq!(parse("(12.50)", point), Ok(d("-12.50")));
        assert_eq!(parse("+3", point), Ok(d("3")));
        assert_eq!(parse("$1,000.00", point), Ok(d("1000.00")));
        assert_eq!(parse("-$12.50", point), Ok(d("-12.50")));
        assert_eq!(parse("$-12.50", point), Ok(d("-12.50")));
        assert_eq!(parse("12,50 €", comma), Ok(d("12.50")));
        assert_eq!(parse("EUR -3,00", comma), Ok(d("-3.00")));
        assert_eq!(parse("1 234,56", comma), Ok(d("1234.56")));
        assert_eq!(parse("1\u{a0}234,56 EUR", comma), Ok(d("1234.56")));
        assert_eq!(parse("1'234.56 CHF", point), Ok(d("1234.56")));
        assert_eq!(parse(".5", point), Ok(d("0.5")));
        assert_eq!(parse("0.00", point), Ok(d("0.00")));
        assert!(parse("-0.00", point).unwrap().is_sign_positive());
    }

    #[test]
    fn the_exact_digits_are_kept() {
        assert_eq!(
            parse("0.10", DecimalMark::Point).unwrap().to_string(),
            "0.10"
        );
        assert_eq!(
            parse("123456789012345678.0123456789", DecimalMark::Point)
                .unwrap()
                .to_string(),
            "123456789012345678.0123456789"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let point = DecimalMark::Point;
        for bad in [
            "",
            " ",
            "abc",
            "12,50",
            "1,23.00",
            "1.2.3",
            "--12",
            "-12-",
            "(-12)",
            "12..5",
            "1e5",
            "0x10",
            "12 34",
            "$",
            "-",
            ".",
            "NaN",
            "12.50 dollars",
            "1,234,56.00",
            "١٢",
        ] {
            assert!(parse(bad, point).is_err(), "{bad:?} was read");
        }
        assert_eq!(parse("12,50", point), Err(AmountError::NotANumber));
        assert_eq!(
            parse("1234567890123456789", point),
            Err(AmountError::TooLarge)
        );
        assert_eq!(parse("1.12345678901", point), Err(AmountError::TooPrecise));
        assert_eq!(parse(&"9".repeat(100), point), Err(AmountError::NotANumber));
    }
}
