//! The prompt's words, as the sandbox's Gemini reads them to choose an answer: lower-case words
//! to match enum values and function names, and the numbers and ISO dates in order, handed out
//! one by one to the fields that want them. Deterministic, so a test can predict the answer.

use std::collections::BTreeSet;

/// The most characters of a prompt read for words: a bound on outside input.
const MAX_PROMPT_CHARS: usize = 200_000;

/// The words of one prompt (or one line of it) and what has been handed out of them so far.
#[derive(Debug, Clone)]
pub struct Words {
    text: String,
    lower: BTreeSet<String>,
    numbers: Vec<String>,
    dates: Vec<String>,
    next_number: usize,
    next_date: usize,
}

impl Words {
    pub fn new(text: &str) -> Words {
        let text: String = text.chars().take(MAX_PROMPT_CHARS).collect();
        let mut lower = BTreeSet::new();
        let mut numbers = Vec::new();
        let mut dates = Vec::new();
        for token in text.split(|c: char| c.is_whitespace() || ",;()[]{}\"'?!".contains(c)) {
            let token = token.trim_end_matches(['.', ':']);
            if is_date(token) {
                dates.push(token.to_string());
            } else if token.parse::<f64>().is_ok_and(f64::is_finite) {
                numbers.push(token.to_string());
            }
        }
        for word in text.split(|c: char| !c.is_alphanumeric() && c != '_') {
            if !word.is_empty() {
                lower.insert(word.to_lowercase());
            }
        }
        Words {
            text,
            lower,
            numbers,
            dates,
            next_number: 0,
            next_date: 0,
        }
    }

    /// Whether the prompt writes an ISO date.
    pub fn has_dates(&self) -> bool {
        !self.dates.is_empty()
    }

    /// These words, with `dates` handed out as the prompt's own: the dates a question means
    /// without writing them ("last month"), worked out as the model would.
    pub fn with_dates(mut self, dates: &[String]) -> Words {
        self.dates = dates.to_vec();
        self.next_date = 0;
        self
    }

    /// The token right after the word `name` ("-98" in "sales at site -98"), as written.
    pub fn after(&self, name: &str) -> Option<&str> {
        let mut tokens = self
            .text
            .split(|c: char| c.is_whitespace() || ",;()[]{}\"'?!".contains(c))
            .map(|t| t.trim_end_matches(['.', ':']))
            .filter(|t| !t.is_empty());
        tokens.find(|t| t.eq_ignore_ascii_case(name))?;
        tokens.next()
    }

    /// Whether every word of `phrase` is in the prompt ("Software" in "adobe software").
    pub fn contain_all(&self, phrase: &str) -> bool {
        let mut any = false;
        for word in phrase.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            any = true;
            if !self.lower.contains(&word.to_lowercase()) {
                return false;
            }
        }
        any
    }

    /// Whether a number of the prompt is still to be handed out.
    pub fn has_number_left(&self) -> bool {
        self.next_number < self.numbers.len()
    }

    /// The prompt's next number not yet handed out.
    pub fn next_number(&mut self) -> Option<&str> {
        let number = self.numbers.get(self.next_number)?;
        self.next_number += 1;
        Some(number)
    }

    /// The prompt's next ISO date not yet handed out.
    pub fn next_date(&mut self) -> Option<&str> {
        let date = self.dates.get(self.next_date)?;
        self.next_date += 1;
        Some(date)
    }

    /// How many items the prompt asks for: the first whole number followed by a plural word
    /// ("3 suggestions", "2 lines"), if any.
    pub fn asked_count(&self) -> Option<usize> {
        let tokens: Vec<&str> = self.text.split_whitespace().collect();
        tokens.windows(2).find_map(|pair| {
            let (number, noun) = (pair.first()?, pair.get(1)?);
            let plural = noun.trim_end_matches(|c: char| !c.is_alphanumeric());
            (plural.len() > 1 && plural.ends_with('s'))
                .then(|| number.parse::<usize>().ok())
                .flatten()
        })
    }

    /// The prompt's non-empty lines after the first (the first says what to do, the rest are
    /// the lines to answer for, as a batch prompt is written).
    pub fn item_lines(&self) -> Vec<&str> {
        self.text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .skip(1)
            .collect()
    }

    /// The first few words, for a free-text field.
    pub fn gist(&self) -> String {
        crate::text::one_line(&self.text)
            .split(' ')
            .take(8)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_date(token: &str) -> bool {
    let bytes = token.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_numbers_dates_and_counts_are_read_in_order() {
        let mut words =
            Words::new("Give 2 suggestions for 2026-11-01 to 2026-11-30, top 5.\nADOBE\nrent");
        assert!(words.contain_all("Suggestions"));
        assert!(!words.contain_all("office supplies"));
        assert_eq!(words.asked_count(), Some(2));
        assert_eq!(words.next_date(), Some("2026-11-01"));
        assert_eq!(words.next_date(), Some("2026-11-30"));
        assert_eq!(words.next_date(), None);
        assert_eq!(words.next_number(), Some("2"));
        assert_eq!(words.next_number(), Some("5"));
        assert_eq!(words.item_lines(), vec!["ADOBE", "rent"]);
    }
}
