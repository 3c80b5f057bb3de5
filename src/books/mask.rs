//! What of a line's text is hidden before it leaves for Gemini: emails become `[email]`, the
//! names of the studio's customers the books hold become `[customer]` (first and last name as
//! whole words, case aside, either order, a comma allowed between: "JANE DOE", "Doe Jane",
//! "DOE, JANE"), and digit runs longer than 4 become as many `#`. The name set is built once per
//! run; a line is looked at word by word against it, so a line costs the same with ten
//! customers or ten thousand.

use std::collections::HashSet;

use super::access::mask_digit_runs;
use super::customer::Customer;

/// What an email becomes.
pub const EMAIL: &str = "[email]";
/// What a customer's name becomes.
pub const CUSTOMER: &str = "[customer]";
/// The most words a name (first and last together) is matched with; longer names are not
/// looked for. Bounds the work per word of a line.
const MAX_NAME_WORDS: usize = 6;

/// The customers' names to hide, ready to match.
#[derive(Debug, Default)]
pub struct LineMask {
    /// Each name's words, lower-case, joined by one space, first-last and last-first.
    names: HashSet<String>,
    /// The words a name may start with: a line's word that is none of them starts no name.
    first_words: HashSet<String>,
    /// The most words of a name above.
    longest: usize,
}

impl LineMask {
    /// Hides these customers' names. A customer without both a first and a last name is not
    /// looked for: one common word ("Rose", "Bank") would hide too much of the bank's text.
    pub fn of_customers<'c>(customers: impl IntoIterator<Item = &'c Customer>) -> LineMask {
        let mut mask = LineMask::default();
        for customer in customers {
            let first = words(&customer.first_name);
            let last = words(&customer.last_name);
            if first.is_empty() || last.is_empty() || first.len() + last.len() > MAX_NAME_WORDS {
                continue;
            }
            for (a, b) in [(&first, &last), (&last, &first)] {
                mask.first_words.insert(a[0].clone());
                mask.names.insert(joined(a.iter().chain(b.iter())));
            }
            mask.longest = mask.longest.max(first.len() + last.len());
        }
        mask
    }

    /// `text` as it may leave: emails, then customers' names, then long digit runs hidden.
    pub fn apply(&self, text: &str) -> String {
        mask_digit_runs(&self.hide_names(&mask_emails(text)))
    }

    fn hide_names(&self, text: &str) -> String {
        if self.names.is_empty() {
            return text.to_string();
        }
        let spans = word_spans(text);
        let lower: Vec<String> = spans
            .iter()
            .map(|&(s, e)| text[s..e].to_lowercase())
            .collect();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < spans.len() {
            let named = if self.first_words.contains(&lower[i]) {
                self.name_at(text, &spans, &lower, i)
            } else {
                None
            };
            match named {
                Some(count) => {
                    out.push_str(&text[copied..spans[i].0]);
                    out.push_str(CUSTOMER);
                    copied = spans[i + count - 1].1;
                    i += count;
                }
                None => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// How many words from the `i`th make a customer's name, the longest name first.
    fn name_at(
        &self,
        text: &str,
        spans: &[(usize, usize)],
        lower: &[String],
        i: usize,
    ) -> Option<usize> {
        // The words that follow on from the ith with only a name's separators between them.
        let mut reach = 1;
        while reach < self.longest
            && i + reach < spans.len()
            && joins_a_name(&text[spans[i + reach - 1].1..spans[i + reach].0])
        {
            reach += 1;
        }
        (2..=reach)
            .rev()
            .find(|&count| self.names.contains(&joined(&lower[i..i + count])))
    }
}

/// A name's words, lower-case: its runs of letters and digits ("O'Brien" is "o", "brien").
fn words(name: &str) -> Vec<String> {
    word_spans(name)
        .into_iter()
        .map(|(s, e)| name[s..e].to_lowercase())
        .collect()
}

fn joined<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word.as_ref());
    }
    out
}

/// The byte ranges of `text`'s runs of letters and digits.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                spans.push((s, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// Whether what stands between two words can be inside a name as a bank prints it: spaces, a
/// comma ("DOE, JANE"), an apostrophe, a hyphen or a period ("O'BRIEN", "SMITH-JONES").
fn joins_a_name(between: &str) -> bool {
    !between.is_empty()
        && between
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, ',' | '\'' | '’' | '-' | '.'))
}

/// `text` with each email (something@something) replaced by [`EMAIL`]. Lenient on purpose: a
/// bank cuts an address short ("JANE@GMAI"), and hiding too much costs less than too little.
pub fn mask_emails(text: &str) -> String {
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-'".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&b| b == b'@') {
        let sign = at + found;
        let mut start = sign;
        while start > copied && local(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = sign + 1;
        while end < bytes.len() && domain(bytes[end]) {
            end += 1;
        }
        // A sentence's full stop or a dash after the address is not part of it.
        while end > sign + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start < sign && end > sign + 1 {
            // Every byte of an address is ASCII: these are character boundaries.
            out.push_str(&text[copied..start]);
            out.push_str(EMAIL);
            copied = end;
            at = end;
        } else {
            at = sign + 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(first: &str, last: &str) -> Customer {
        Customer {
            key: format!("mindbody:client:{first}{last}"),
            mindbody_id: None,
            first_name: first.into(),
            last_name: last.into(),
            email: None,
            phone: None,
            source: "mindbody".into(),
            modified_at: None,
            modified_by: None,
            possible_duplicate_of: None,
        }
    }

    fn mask(customers: &[Customer]) -> LineMask {
        LineMask::of_customers(customers)
    }

    #[test]
    fn a_customers_name_is_hidden_in_either_order_with_a_comma_and_case_aside() {
        let m = mask(&[customer("Jane", "Doe"), customer("Mary Ann", "O'Brien")]);
        for (line, masked) in [
            ("ZELLE FROM JANE DOE", "ZELLE FROM [customer]"),
            ("ZELLE FROM DOE JANE REF", "ZELLE FROM [customer] REF"),
            ("VENMO DOE, JANE", "VENMO [customer]"),
            ("paid by jane doe.", "paid by [customer]."),
            ("FROM MARY ANN O'BRIEN", "FROM [customer]"),
            ("FROM O'BRIEN MARY ANN", "FROM [customer]"),
            ("JANE DOE AND JANE DOE", "[customer] AND [customer]"),
        ] {
            assert_eq!(m.apply(line), masked, "{line}");
        }
    }

    #[test]
    fn only_whole_words_of_a_whole_name_are_hidden() {
        let m = mask(&[
            customer("Jane", "Doe"),
            customer("", "Adobe"),
            customer("Rose", ""),
        ]);
        for line in [
            "JANEDOE LLC",
            "JANE DOES",
            "JANE SMITH",
            "DOE",
            "POS 4821 ADOBE *CREATIVE CLD 800-833",
            "ROSE GARDEN",
            "JANE / DOE",
        ] {
            assert_eq!(m.apply(line), line);
        }
    }

    #[test]
    fn emails_are_hidden_even_cut_short_and_a_lone_at_sign_is_kept() {
        for (line, masked) in [
            ("ZELLE jane@x.com REF", "ZELLE [email] REF"),
            ("TO J.DOE+YOGA@MAIL.EXAMPLE.COM.", "TO [email]."),
            ("PAYPAL *JANE@GMAI", "PAYPAL *[email]"),
            ("a@b c@d", "[email] [email]"),
            ("2 @ 5.00", "2 @ 5.00"),
            ("@", "@"),
            ("x@", "x@"),
            ("café jane@x.com", "café [email]"),
        ] {
            assert_eq!(mask_emails(line), masked, "{line}");
        }
    }

    #[test]
    fn emails_then_names_then_digits() {
        let m = mask(&[customer("Jane", "Doe")]);
        assert_eq!(
            m.apply("ZELLE FROM JANE DOE jane.doe123456@x.com REF 123456789"),
            "ZELLE FROM [customer] [email] REF #########"
        );
        assert_eq!(
            LineMask::default().apply("ACCT 12345678 jane@x.com"),
            "ACCT ######## [email]"
        );
    }

    #[test]
    fn thousands_of_customers_cost_a_line_no_more_than_a_few() {
        let many: Vec<Customer> = (0..5_000)
            .map(|n| customer(&format!("First{n}"), &format!("Last{n}")))
            .collect();
        let m = mask(&many);
        assert_eq!(m.names.len(), 10_000);
        assert_eq!(
            m.apply("ACH FROM LAST4999 FIRST4999"),
            "ACH FROM [customer]"
        );
        assert_eq!(
            m.apply("ACH FROM FIRST12 LAST13"),
            "ACH FROM FIRST12 LAST13"
        );
    }
}
