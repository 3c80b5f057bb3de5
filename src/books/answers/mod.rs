//! What the books answer for Gemini's tools in the chat: plain functions over the store that
//! return aggregates (totals, counts, groups) with exact amounts written in their currency's
//! minor digits. Every argument is bounded here, whoever calls: a date range of at most
//! [`MAX_DAYS`], at most [`MAX_ROWS`] rows, a search text of at most [`MAX_TEXT`] characters.
//! Which of them may be offered (by `[gemini] books_access`) is the caller's choice; the
//! declarations Gemini reads live with the Gemini integration.

pub mod bank;
pub mod customers;
pub mod hub;
pub mod month;
pub mod sales;
pub mod search;

use chrono::{NaiveDate, NaiveDateTime};

use crate::store::StoreError;

/// The longest date range one answer covers (a little over two years: this year against last).
pub const MAX_DAYS: i64 = 800;
/// The most rows (customers, runs, transactions) one answer lists.
pub const MAX_ROWS: usize = 50;
/// The longest search text.
pub const MAX_TEXT: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The arguments do not make a question the books can answer; said so the model can ask
    /// again.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Days `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Reads two ISO dates (`2026-11-01`); the range must run forwards and be at most
    /// [`MAX_DAYS`] long.
    pub fn parse(from: &str, to: &str) -> Result<DateRange, AnswerError> {
        let day = |text: &str, which: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                AnswerError::Invalid(format!(
                    "`{which}` must be a date written YYYY-MM-DD, not {:?}",
                    crate::text::one_line_within(text, 40)
                ))
            })
        };
        DateRange::new(day(from, "from")?, day(to, "to")?)
    }

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, AnswerError> {
        if to < from {
            return Err(AnswerError::Invalid(format!(
                "the range ends ({to}) before it starts ({from})"
            )));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(AnswerError::Invalid(format!(
                "the range is longer than {MAX_DAYS} days: ask for a shorter one"
            )));
        }
        Ok(DateRange { from, to })
    }

    /// The store's half-open bounds: from midnight of `from` to midnight after `to`.
    pub fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = self.from.and_hms_opt(0, 0, 0).unwrap_or_default();
        let end = self.to.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::days(1);
        (start, end)
    }

    /// "2026-11-01..2026-11-30"
    pub fn words(&self) -> String {
        format!("{}..{}", self.from, self.to)
    }
}

/// `n` held to 1..=[`MAX_ROWS`] (a missing or zero `n` is 10).
pub fn rows_wanted(n: Option<i64>) -> usize {
    match n {
        Some(n) if n > 0 => (n as usize).min(MAX_ROWS),
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_strictly_and_bounded() {
        let range = DateRange::parse("2026-11-01", " 2026-11-30").unwrap();
        assert_eq!(range.words(), "2026-11-01..2026-11-30");
        let (start, end) = range.bounds();
        assert_eq!(start.to_string(), "2026-11-01 00:00:00");
        assert_eq!(end.to_string(), "2026-12-01 00:00:00");
        for (from, to) in [
            ("November", "2026-11-30"),
            ("2026-11-30", "2026-11-01"),
            ("2020-01-01", "2026-01-01"),
            ("2026-02-30", "2026-03-01"),
        ] {
            assert!(
                matches!(DateRange::parse(from, to), Err(AnswerError::Invalid(_))),
                "{from}..{to}"
            );
        }
        assert_eq!(rows_wanted(Some(1000)), MAX_ROWS);
        assert_eq!(rows_wanted(Some(-3)), 10);
        assert_eq!(rows_wanted(Some(3)), 3);
    }
}
