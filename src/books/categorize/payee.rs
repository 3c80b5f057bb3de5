//! Payee cleanup: the name a person would write for what a bank or a provider printed
//! (`POS 4821 ADOBE *CREATIVE CLD 800-833` → `Adobe Creative Cld`), by rules: an ACH entry's
//! company name, card and POS prefixes, store, phone and reference numbers, `*` joins, and the
//! trailing codes after a marker (`ID:`, `TRN:`, `transaction#`). The original is always kept
//! beside it; what the rules miss Gemini names in the same batched request.

/// The most characters of a description read: a bound on outside input.
const MAX_READ: usize = 400;
/// The longest cleaned payee.
const MAX_PAYEE: usize = 60;

/// Words that begin a card purchase or a transfer's description and name nobody.
const PREFIXES: &[&str] = &[
    "pos",
    "purchase",
    "debit",
    "card",
    "checkcard",
    "recurring",
    "ach",
    "sq",
    "tst",
    "paypal",
];

/// Words after which the rest is the bank's codes, not the payee.
const MARKERS: &[&str] = &[
    "id",
    "orig",
    "trn",
    "trace",
    "ref",
    "eed",
    "ind",
    "transaction",
    "conf",
    "auth",
];

/// Short words kept upper-case ("LLC", "AT&T").
const ACRONYMS: &[&str] = &["llc", "inc", "usa", "atm", "ach"];

/// The cleaned payee of `text`; empty when nothing of it names anyone.
pub fn clean_payee(text: &str) -> String {
    let text: String = text.chars().take(MAX_READ).collect();
    let text = ach_company(&text).unwrap_or(text);
    let spaced = text.replace(['*', '_', '/'], " ");
    let mut words: Vec<&str> = Vec::new();
    for token in spaced.split_whitespace() {
        let bare = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
        let lower = bare.to_lowercase();
        let marker = lower.trim_end_matches(|c: char| !c.is_alphanumeric());
        if (!words.is_empty() && MARKERS.contains(&marker)) || token.contains('#') {
            break;
        }
        if words.is_empty() && PREFIXES.contains(&lower.as_str()) {
            continue;
        }
        if bare.is_empty() || mostly_digits(bare) {
            continue;
        }
        // "CHECK 1322 check 1322": a word the bank repeats is one word.
        if words
            .last()
            .is_some_and(|last| last.eq_ignore_ascii_case(bare))
        {
            continue;
        }
        words.push(bare);
    }
    let mut out = String::new();
    for word in words {
        let titled: String = title(word).chars().take(MAX_PAYEE).collect();
        let space = usize::from(!out.is_empty());
        if out.chars().count() + space + titled.chars().count() > MAX_PAYEE {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&titled);
    }
    out
}

/// The company of an ACH entry as banks print them (`ORIG CO NAME:CITY OF AUSTIN ORIG ID:...`).
/// An export that cut the text in two (OFX's 32-character `NAME`) may have split `ORIG` with a
/// space: what is left of it before `ID:` goes too.
fn ach_company(text: &str) -> Option<String> {
    let at = text.find("CO NAME:")? + "CO NAME:".len();
    let rest = text.get(at..)?;
    let end = rest
        .find("ID:")
        .unwrap_or_else(|| rest.char_indices().nth(16).map_or(rest.len(), |(i, _)| i));
    let mut words: Vec<&str> = rest.get(..end)?.split_whitespace().collect();
    for tail in (1..=words.len().min(3)).rev() {
        let cut: String = words[words.len() - tail..].concat();
        if "ORIG".starts_with(cut.as_str()) {
            words.truncate(words.len() - tail);
            break;
        }
    }
    Some(words.join(" "))
}

/// Store numbers, phone numbers, references: at least half digits.
fn mostly_digits(word: &str) -> bool {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    digits > 0 && digits * 2 >= word.chars().filter(|c| c.is_alphanumeric()).count()
}

fn title(word: &str) -> String {
    let lower = word.to_lowercase();
    if ACRONYMS.contains(&lower.as_str()) || (word.contains('&') && word.len() <= 4) {
        return word.to_uppercase();
    }
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The key a payee is cached and grouped under: its cleaned name, case aside (the original's
/// words when nothing was left of it), and for an ACH entry the first word of its description
/// (a payroll company's `NET` and `TAX` pulls are different things).
pub fn payee_key(cleaned: &str, original: &str) -> String {
    let name = if cleaned.is_empty() {
        crate::books::access::mask_digit_runs(&crate::text::one_line(original))
    } else {
        cleaned.to_string()
    };
    let mut key: String = name.to_lowercase().chars().take(MAX_PAYEE * 2).collect();
    if let Some(entry) = ach_entry(original) {
        key.push_str(" / ");
        key.push_str(&entry);
    }
    key
}

/// The first word of an ACH entry's description (`CO ENTRY DESCR:NET DC4C0FSEC:CCD` → `net`),
/// when it is a word.
fn ach_entry(text: &str) -> Option<String> {
    let at = text.find("ENTRY DESCR:")? + "ENTRY DESCR:".len();
    let rest = text.get(at..)?;
    let rest = rest.split("SEC:").next().unwrap_or(rest);
    let word = rest.split_whitespace().next()?;
    (word.len() >= 2 && word.len() <= 10 && word.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| word.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_ach_transfer_and_cheque_lines_are_named() {
        assert_eq!(
            clean_payee("POS 4821 ADOBE *CREATIVE CLD 800-833"),
            "Adobe Creative Cld"
        );
        assert_eq!(
            clean_payee(
                "ORIG CO NAME:CITY OF AUSTIN     ORIG ID:1746000085 DESC DATE:261112 CO ENTRY DESCR:UTIL PYMT SEC:CCD"
            ),
            "City Of Austin"
        );
        assert_eq!(
            clean_payee("ORIG CO NAME:AT&T SERVICES    ORIG ID:9864031005"),
            "AT&T Services"
        );
        assert_eq!(
            clean_payee("Online Transfer to SAV ...7731 transaction#: 12345678901"),
            "Online Transfer To Sav"
        );
        assert_eq!(
            clean_payee("ORIG CO NAME:GUSTO OR IG ID:9138864001 DESC DATE:261127"),
            "Gusto"
        );
        assert_eq!(
            clean_payee("ORIG CO NAME:CONGRESS AVE PRO ORIG ID:9741203385"),
            "Congress Ave Pro"
        );
        assert_eq!(clean_payee("CHECK 1042"), "Check");
        assert_eq!(clean_payee("CHECK 1322 check 1322"), "Check");
        assert_eq!(clean_payee("SQ *BLUE BOTTLE #0412 AUSTIN"), "Blue Bottle");
        assert_eq!(clean_payee("4821 800-555-1212"), "");
        assert_eq!(clean_payee(&"A".repeat(10_000)).len(), MAX_PAYEE);
    }

    #[test]
    fn a_payee_with_no_name_left_is_keyed_by_its_masked_words() {
        assert_eq!(payee_key("Adobe Creative Cld", "x"), "adobe creative cld");
        assert_eq!(payee_key("", "4821 1234567"), "4821 #######");
        let pull = |entry: &str| {
            let text =
                format!("ORIG CO NAME:GUSTO ORIG ID:9138864001 CO ENTRY DESCR:{entry}SEC:CCD");
            payee_key(&clean_payee(&text), &text)
        };
        assert_eq!(pull("NET DC4C0F"), "gusto / net");
        assert_eq!(pull("TAX DC4C0F"), "gusto / tax");
        assert_eq!(pull("SETTLEMENT"), "gusto / settlement");
        assert_eq!(pull("4821"), "gusto");
    }
}
