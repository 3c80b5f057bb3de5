//! What of the books may leave the machine for Gemini, by use: nothing, aggregates (totals,
//! counts, classes), or lines (a transaction's or bank line's date, amount and description, with
//! long digit runs masked, and for categorization emails and customers' names too: `mask`). Customer names are a separate yes/no, off unless the user turns it
//! on. Categorization needs lines to work; the chat is told aggregates unless the user allows more.

use serde::{Deserialize, Serialize};

/// How much of the books one use may send, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BooksAccess {
    /// Nothing of the books: Gemini knows only what the user types.
    None,
    /// Totals, counts and classes; never a single line.
    Aggregates,
    /// Lines too: date, amount and a masked description (never a customer's name, email or an
    /// account number).
    Lines,
}

impl BooksAccess {
    pub fn name(self) -> &'static str {
        match self {
            BooksAccess::None => "none",
            BooksAccess::Aggregates => "aggregates",
            BooksAccess::Lines => "lines",
        }
    }

    /// Whether this level lets `wanted` leave.
    pub fn allows(self, wanted: BooksAccess) -> bool {
        self >= wanted
    }
}

/// `[gemini] books_access`: one level for every use (`books_access = "none"`), or one per use
/// (`[gemini.books_access]` with `chat` and `categorize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BooksAccessSetting {
    Every(BooksAccess),
    PerUse(PerUse),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PerUse {
    pub chat: BooksAccess,
    pub categorize: BooksAccess,
}

impl Default for PerUse {
    fn default() -> Self {
        PerUse {
            chat: BooksAccess::Aggregates,
            categorize: BooksAccess::Lines,
        }
    }
}

impl Default for BooksAccessSetting {
    fn default() -> Self {
        BooksAccessSetting::PerUse(PerUse::default())
    }
}

impl BooksAccessSetting {
    /// What the chat (its tools and "explain this month") may send.
    pub fn chat(self) -> BooksAccess {
        match self {
            BooksAccessSetting::Every(level) => level,
            BooksAccessSetting::PerUse(per_use) => per_use.chat,
        }
    }

    /// What categorization may send.
    pub fn categorize(self) -> BooksAccess {
        match self {
            BooksAccessSetting::Every(level) => level,
            BooksAccessSetting::PerUse(per_use) => per_use.categorize,
        }
    }
}

/// The longest run of digits sent as written: a date's year, a price, a short store number.
/// Longer runs (card, account, phone and reference numbers) are masked.
pub const MAX_DIGIT_RUN: usize = 4;

/// `text` with every run of more than [`MAX_DIGIT_RUN`] digits replaced whole by as many `#`:
/// an account's last four digits would tell whose account it is, so none are kept. Separators
/// inside numbers (`800-833-6687`) split runs: each part is judged alone.
pub fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let len = run.chars().count();
        if len > MAX_DIGIT_RUN {
            out.extend(std::iter::repeat_n('#', len));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_runs_are_masked_and_short_ones_kept() {
        assert_eq!(
            mask_digit_runs("POS 4821 ADOBE *CREATIVE CLD 800-833"),
            "POS 4821 ADOBE *CREATIVE CLD 800-833"
        );
        assert_eq!(
            mask_digit_runs("ORIG CO NAME:CITY OF AUSTIN ORIG ID:1746000085 IND ID:0041727733"),
            "ORIG CO NAME:CITY OF AUSTIN ORIG ID:########## IND ID:##########"
        );
        assert_eq!(
            mask_digit_runs("REF 12345 on 2026-11-03"),
            "REF ##### on 2026-11-03"
        );
        assert_eq!(mask_digit_runs(""), "");
        assert_eq!(mask_digit_runs("1234567"), "#######");
        assert_eq!(
            mask_digit_runs("ACCT 4000123412341234"),
            "ACCT ################"
        );
        assert_eq!(mask_digit_runs("12345"), "#####");
    }

    #[test]
    fn one_level_or_one_per_use() {
        #[derive(Deserialize)]
        struct Gemini {
            #[serde(default)]
            books_access: BooksAccessSetting,
        }
        let every: Gemini = toml::from_str("books_access = \"none\"").unwrap();
        assert_eq!(every.books_access.chat(), BooksAccess::None);
        assert_eq!(every.books_access.categorize(), BooksAccess::None);
        let per_use: Gemini = toml::from_str("[books_access]\nchat = \"lines\"").unwrap();
        assert_eq!(per_use.books_access.chat(), BooksAccess::Lines);
        assert_eq!(per_use.books_access.categorize(), BooksAccess::Lines);
        let inline: Gemini =
            toml::from_str("books_access = { chat = \"none\", categorize = \"lines\" }").unwrap();
        assert_eq!(inline.books_access.chat(), BooksAccess::None);
        let default: Gemini = toml::from_str("").unwrap();
        assert_eq!(default.books_access.chat(), BooksAccess::Aggregates);
        assert_eq!(default.books_access.categorize(), BooksAccess::Lines);
        assert!(toml::from_str::<Gemini>("books_access = \"everything\"").is_err());
        assert!(BooksAccess::Lines.allows(BooksAccess::Aggregates));
        assert!(!BooksAccess::Aggregates.allows(BooksAccess::Lines));
    }
}
