//! Transactions whose description, class or source contains a text, newest first: lines, so
//! offered only when `[gemini] books_access = "lines"`. A line is its date, amount, class and
//! description with long digit runs masked; never its customer.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{AnswerError, DateRange, MAX_ROWS, MAX_TEXT};
use crate::books::access::mask_digit_runs;
use crate::books::currency::exact;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundLine {
    pub date: NaiveDateTime,
    pub amount: String,
    pub currency: String,
    pub class: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub text: String,
    /// Every match in the range, of which `lines` are the newest.
    pub matched: u64,
    pub lines: Vec<FoundLine>,
}

/// The newest `n` (at most [`MAX_ROWS`]) transactions in `range` matching `text` (at most
/// [`MAX_TEXT`] characters; case does not matter).
pub fn search_transactions(
    store: &Store,
    text: &str,
    range: DateRange,
    n: usize,
) -> Result<Found, AnswerError> {
    let text = crate::text::one_line(text);
    if text.is_empty() {
        return Err(AnswerError::Invalid("`text` is empty".into()));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(AnswerError::Invalid(format!(
            "`text` is longer than {MAX_TEXT} characters"
        )));
    }
    let wanted = text.to_lowercase();
    let (start, end) = range.bounds();
    let mut matched = 0;
    let mut lines = Vec::new();
    for t in store.transactions_between(start, end)?.into_iter().rev() {
        let hit = [Some(&t.description), t.class.as_ref(), Some(&t.source)]
            .into_iter()
            .flatten()
            .any(|field| field.to_lowercase().contains(&wanted));
        if !hit {
            continue;
        }
        matched += 1;
        if lines.len() < n.min(MAX_ROWS) {
            lines.push(FoundLine {
                date: t.date,
                amount: exact(t.amount, &t.currency),
                description: mask_digit_runs(&t.description),
                class: t.class,
                currency: t.currency,
            });
        }
    }
    Ok(Found {
        text,
        matched,
        lines,
    })
}
