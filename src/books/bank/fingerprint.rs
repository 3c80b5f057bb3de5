//! A bank line's fingerprint, for lines the bank gives no id: the account, the day, the amount,
//! the payee and memo as words (case, spacing and punctuation vary between exports of one bank),
//! and what tells apart lines that are otherwise the same: the running balance after the line
//! when the bank prints one, else the line's place among the identical lines of that day in that
//! file. Two identical coffees on one day are two lines, and importing the file again (or an
//! export that overlaps it) finds both again.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

/// What a fingerprint is for; bumped if what goes into it ever changes.
const DOMAIN: &[u8] = b"legion-hub bank line v1\0";

/// The payee and memo as lowercase words of letters and digits, one space apart.
pub fn words(payee: &str, memo: &str) -> String {
    let mut out = String::new();
    for word in payee
        .split(|c: char| !c.is_alphanumeric())
        .chain(memo.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// An amount as one text whatever its scale: `12.5` and `12.50` are one amount.
fn amount_text(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.is_zero() {
        amount.set_sign_positive(true);
    }
    amount.to_string()
}

/// What tells apart lines with the same day, amount and words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tiebreak {
    /// The account's balance after the line, as the bank printed it.
    BalanceAfter(Decimal),
    /// 1 for the first such line of the day in the file, 2 for the next, ...
    Position(u32),
}

/// The fingerprint of a line of `account`: 32 hex digits (128 bits of SHA-256).
pub fn fingerprint(
    account: &str,
    date: NaiveDate,
    amount: Decimal,
    words: &str,
    tiebreak: Tiebreak,
) -> String {
    let tiebreak = match tiebreak {
        Tiebreak::BalanceAfter(balance) => format!("balance {}", amount_text(balance)),
        Tiebreak::Position(n) => format!("position {n}"),
    };
    let mut hash = Sha256::new_with_prefix(DOMAIN);
    for part in [
        account,
        &date.to_string(),
        &amount_text(amount),
        words,
        &tiebreak,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Counts the identical lines of each day as a file's lines go by.
#[derive(Debug, Default)]
pub struct Positions(HashMap<(NaiveDate, String, String), u32>);

impl Positions {
    /// This line's place among the lines of its day with its amount and words so far.
    pub fn next(&mut self, date: NaiveDate, amount: Decimal, words: &str) -> u32 {
        let seen = self
            .0
            .entry((date, amount_text(amount), words.to_string()))
            .or_insert(0);
        *seen = seen.saturating_add(1);
        *seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn words_ignore_case_spacing_and_punctuation() {
        assert_eq!(
            words("  BLUE Bottle  Coffee*", "card 1234 / 11-03"),
            "blue bottle coffee card 1234 11 03"
        );
        assert_eq!(
            words("Blue bottle coffee", "CARD 1234 11/03"),
            "blue bottle coffee card 1234 11 03"
        );
        assert_eq!(words("", ""), "");
    }

    #[test]
    fn identical_lines_of_a_day_are_told_apart_by_their_place() {
        let mut positions = Positions::default();
        let coffee = words("Blue Bottle", "");
        let first = positions.next(day(3), Decimal::new(-450, 2), &coffee);
        let second = positions.next(day(3), Decimal::new(-45, 1), &coffee);
        let next_day = positions.next(day(4), Decimal::new(-450, 2), &coffee);
        assert_eq!(
            (first, second, next_day),
            (1, 2, 1),
            "4.5 and 4.50 are one amount"
        );
        let a = fingerprint(
            "chase",
            day(3),
            Decimal::new(-450, 2),
            &coffee,
            Tiebreak::Position(first),
        );
        let b = fingerprint(
            "chase",
            day(3),
            Decimal::new(-450, 2),
            &coffee,
            Tiebreak::Position(second),
        );
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(
            a,
            fingerprint(
                "chase",
                day(3),
                Decimal::new(-45, 1),
                &coffee,
                Tiebreak::Position(1)
            ),
            "the same line is found again"
        );
    }

    #[test]
    fn every_part_changes_the_fingerprint() {
        let base = || {
            (
                "chase",
                day(3),
                Decimal::new(-450, 2),
                "blue bottle",
                Tiebreak::Position(1),
            )
        };
        let of = |(a, d, m, w, t): (&str, NaiveDate, Decimal, &str, Tiebreak)| {
            fingerprint(a, d, m, w, t)
        };
        let reference = of(base());
        let variants = [
            (
                "savings",
                day(3),
                Decimal::new(-450, 2),
                "blue bottle",
                Tiebreak::Position(1),
            ),
            (
                "chase",
                day(4),
                Decimal::new(-450, 2),
                "blue bottle",
                Tiebreak::Position(1),
            ),
            (
                "chase",
                day(3),
                Decimal::new(450, 2),
                "blue bottle",
                Tiebreak::Position(1),
            ),
            (
                "chase",
                day(3),
                Decimal::new(-450, 2),
                "blue bottles",
                Tiebreak::Position(1),
            ),
            (
                "chase",
                day(3),
                Decimal::new(-450, 2),
                "blue bottle",
                Tiebreak::Position(2),
            ),
            (
                "chase",
                day(3),
                Decimal::new(-450, 2),
                "blue bottle",
                Tiebreak::BalanceAfter(Decimal::ONE),
            ),
        ];
        for variant in variants {
            assert_ne!(of(variant), reference, "{variant:?}");
        }
    }
}
