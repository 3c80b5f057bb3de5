//! What a word means to the sandbox's Gemini when it chooses a function: a question asks "how
//! much did we sell today?", a function is named `todays_sales`; the real model knows these are
//! the same, the sandbox knows it by stems ("sales" → "sale") and a short table of words people
//! use for the same thing ("sold" → "sale", "best" → "top"). Deterministic, so a test can predict
//! which function is called.

use std::collections::BTreeSet;

/// Words that mean what another word means in a question about a studio's books.
const SAME_AS: &[(&str, &str)] = &[
    ("sell", "sale"),
    ("sold", "sale"),
    ("selling", "sale"),
    ("sells", "sale"),
    ("takings", "sale"),
    ("best", "top"),
    ("biggest", "top"),
    ("spend", "spent"),
    ("spending", "spent"),
    ("client", "customer"),
    ("clients", "customer"),
    ("member", "customer"),
    ("members", "customer"),
    ("unmatched", "reconcile"),
    ("unreconciled", "reconcile"),
    ("reconciled", "reconcile"),
    ("connections", "integration"),
    ("connection", "integration"),
];

/// The word's stem: lower-case, a synonym's word, then a plural's or a tense's ending cut
/// ("customers" → "customer", "matched" → "match", "dates" → "date").
pub fn stem(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some((_, same)) = SAME_AS.iter().find(|(w, _)| *w == lower) {
        return (*same).to_string();
    }
    let cut = |w: &str, ending: &str, keep: usize| -> Option<String> {
        w.strip_suffix(ending)
            .filter(|rest| rest.chars().count() >= keep)
            .map(str::to_string)
    };
    if let Some(rest) = cut(&lower, "ies", 3) {
        return format!("{rest}y");
    }
    for ending in ["ches", "shes", "sses", "xes"] {
        if let Some(rest) = cut(&lower, ending, 2) {
            return format!("{rest}{}", &ending[..ending.len() - 2]);
        }
    }
    if !lower.ends_with("ss")
        && let Some(rest) = cut(&lower, "s", 3)
    {
        return rest;
    }
    if let Some(rest) = cut(&lower, "ed", 4) {
        return rest;
    }
    lower
}

/// The stems of a text's words (split where a character is neither a letter, a digit nor `_`,
/// and at `_` too, so `todays_sales` is "today" and "sale").
pub fn stems(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_s_words_and_a_function_s_words_meet_at_their_stems() {
        assert!(stems("todays_sales").is_subset(&stems("How much did we sell today?")));
        assert!(stems("Who are our best clients?").is_superset(&stems("top_customers")));
        assert_eq!(stem("customers"), "customer");
        assert_eq!(stem("Clients"), "customer");
        assert_eq!(stem("best"), "top");
        assert_eq!(stem("matched"), "match");
        assert_eq!(stem("matches"), "match");
        assert_eq!(stem("dates"), "date");
        assert_eq!(stem("business"), "business");
        assert_eq!(stem("bus"), "bus");
        assert_eq!(stem("categories"), "category");
    }
}
