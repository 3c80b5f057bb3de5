//! What categorization shows and takes: suggested financial classes for bank lines and for
//! transactions without one (each with its confidence, its one-line reason and where it came
//! from: the user's rule, the cache of earlier answers, or Gemini), the user's rules, what a run
//! did and cost, and the decisions that accept, reject or take one back. Nothing is applied
//! unseen: a suggestion changes the books only when accepted.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::store::TokenUsage;

/// What a suggestion is for, named so it survives a re-run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "key")]
pub enum Subject {
    /// A bank line, by its key.
    BankLine(String),
    /// A transaction without a financial class, by its key.
    Transaction(String),
}

impl Subject {
    /// `bank:<line key>` or `tx:<transaction key>`: one word for the command line.
    pub fn id(&self) -> String {
        match self {
            Subject::BankLine(key) => format!("bank:{key}"),
            Subject::Transaction(key) => format!("tx:{key}"),
        }
    }

    /// The subject an [`id`](Subject::id) names; None for anything else.
    pub fn parse(id: &str) -> Option<Subject> {
        if let Some(key) = id.strip_prefix("bank:").filter(|k| !k.is_empty()) {
            return Some(Subject::BankLine(key.to_string()));
        }
        id.strip_prefix("tx:")
            .filter(|k| !k.is_empty())
            .map(|k| Subject::Transaction(k.to_string()))
    }
}

/// Where a suggestion came from, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// One of the user's rules ("payee contains ADOBE → Software").
    Rule,
    /// An earlier answer for the same cleaned payee.
    Cache,
    /// Gemini, in this run or an earlier one.
    Gemini,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Rule => "rule",
            Source::Cache => "cache",
            Source::Gemini => "gemini",
        }
    }
}

/// What the user decided of a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    /// Nobody has decided yet.
    Open,
    /// Applied to the books with this class (the suggested one or the one the user chose).
    /// Named `accepted_class` on the wire: the decision is flattened into the suggestion, whose
    /// own `class` is the suggested one.
    Accepted {
        #[serde(rename = "accepted_class")]
        class: String,
        at: DateTime<Utc>,
    },
    /// Refused; not offered again for the same payee and class.
    Rejected { at: DateTime<Utc> },
}

/// One suggestion, as the screen and `categorize --json` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestionView {
    pub subject: Subject,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub currency: String,
    /// The text as the bank or the provider wrote it; always kept.
    pub original: String,
    /// The cleaned payee ("Adobe Creative Cloud").
    pub payee: String,
    /// The suggested class; None when nothing answered (no rule, no cache, Gemini not asked or
    /// not sure).
    pub class: Option<String>,
    /// 0 to 1.
    pub confidence: f64,
    /// One line on why.
    pub reason: String,
    pub source: Option<Source>,
    /// The rule's id when a rule answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(flatten)]
    pub decision: Decision,
    /// Only in the answer to an acceptance that made a rule: what it did to the rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_made: Option<RuleMade>,
}

/// A rule by its words and class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub id: String,
    /// The words the cleaned payee must contain, case aside.
    pub contains: String,
    pub class: String,
}

/// What accepting a suggestion with a rule did to the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMade {
    pub rule: RuleRef,
    /// The older rules with the same words: the new one took their place, and they are gone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<RuleRef>,
    /// A more specific rule that answers this payee before the new one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outranked_by: Option<RuleRef>,
}

impl RuleMade {
    /// In a sentence: "made rule:5: payee contains “adobe” → Marketing; it replaces rule:2
    /// (→ Software)".
    pub fn words(&self) -> String {
        let RuleRef {
            id,
            contains,
            class,
        } = &self.rule;
        let mut text = format!("made {id}: payee contains “{contains}” → {class}");
        if !self.replaced.is_empty() {
            let olds: Vec<String> = self
                .replaced
                .iter()
                .map(|old| format!("{} (→ {})", old.id, old.class))
                .collect();
            text.push_str(&format!(
                "; it replaces {}, with the same words",
                olds.join(", ")
            ));
        }
        if let Some(first) = &self.outranked_by {
            text.push_str(&format!(
                "; but {} (payee contains “{}” → {}) is more specific and still answers this payee first",
                first.id, first.contains, first.class
            ));
        }
        text
    }
}

/// One of the user's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: String,
    /// The words the cleaned payee must contain, case aside ("adobe").
    pub contains: String,
    pub class: String,
    /// How many open or accepted suggestions it answers now.
    pub answers: u64,
    pub created_at: DateTime<Utc>,
}

/// Categorization as the screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorizeView {
    /// Open first, then decided; newest first within each.
    pub items: Vec<SuggestionView>,
    /// The studio's classes, offered when the user changes a suggestion.
    pub classes: Vec<String>,
    pub rules: Vec<RuleView>,
    pub last_run: Option<RunReport>,
}

/// What one run did, and what it cost: the estimate before Gemini is asked, and what
/// `usageMetadata` said after.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub at: Option<DateTime<Utc>>,
    /// A dry run plans and estimates; it asks Gemini nothing and saves nothing.
    pub dry_run: bool,
    /// Lines and transactions without a class looked at.
    pub items: u64,
    pub by_rule: u64,
    pub by_cache: u64,
    pub by_gemini: u64,
    /// Left with no suggestion.
    pub unanswered: u64,
    /// Distinct cleaned payees left for Gemini.
    pub payees_for_gemini: u64,
    /// Payees past the most one run asks about: the next run takes them.
    #[serde(default)]
    pub payees_waiting: u64,
    /// Before: the requests and tokens the run would take, estimated here from the text (a
    /// count by `countTokens` would send the lines before anyone agreed).
    pub planned_requests: u64,
    pub estimated_tokens: u64,
    pub estimate_words: String,
    /// After: what was really sent and what Gemini counted.
    pub requests: u64,
    pub usage: TokenUsage,
    /// Batches whose reply did not fit the schema twice: nothing of them applied.
    pub misfit_batches: u64,
    /// Held back by `[gemini] books_access` (nothing may leave): how many lines were not sent.
    pub withheld: u64,
    /// Why Gemini's part failed, with what to do; None when it did not.
    pub failed: Option<String>,
    /// Open suggestions after the run.
    pub open: u64,
}

/// A decision on one suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decide")]
pub enum Decide {
    /// Accept with this class (None: the suggested one); `rule` also makes a rule of it, for
    /// cleaned payees containing `pattern` (None: the cleaned payee itself).
    Accept {
        class: Option<String>,
        rule: bool,
        pattern: Option<String>,
    },
    Reject,
    /// Takes an acceptance or a rejection back: the class leaves the books, the suggestion is
    /// open again.
    Undo,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accepted_suggestion_reads_back() {
        let view = SuggestionView {
            subject: Subject::BankLine("chase:id:1".into()),
            date: NaiveDate::from_ymd_opt(2026, 11, 14).unwrap(),
            amount: Decimal::new(-8999, 2),
            currency: "USD".into(),
            original: "POS 4821 ADOBE *CREATIVE CLD 800-833".into(),
            payee: "Adobe Creative Cld".into(),
            class: Some("Software".into()),
            confidence: 0.85,
            reason: "a design software subscription".into(),
            source: Some(Source::Gemini),
            rule: None,
            decision: Decision::Accepted {
                class: "Marketing".into(),
                at: Utc::now(),
            },
            rule_made: None,
        };
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(serde_json::from_str::<SuggestionView>(&json).unwrap(), view);
    }

    #[test]
    fn a_rule_made_says_what_it_replaced_and_what_still_comes_first() {
        let rule = |id: &str, contains: &str, class: &str| RuleRef {
            id: id.into(),
            contains: contains.into(),
            class: class.into(),
        };
        let mut made = RuleMade {
            rule: rule("rule:5", "adobe", "Marketing"),
            replaced: vec![rule("rule:2", "adobe", "Software")],
            outranked_by: None,
        };
        assert_eq!(
            made.words(),
            "made rule:5: payee contains “adobe” → Marketing; it replaces rule:2 (→ Software), with the same words"
        );
        made.replaced.clear();
        made.outranked_by = Some(rule("rule:3", "adobe creative cld", "Software"));
        assert!(
            made.words().ends_with(
                "; but rule:3 (payee contains “adobe creative cld” → Software) is more specific and still answers this payee first"
            ),
            "{}",
            made.words()
        );
    }

    #[test]
    fn a_subject_reads_back_its_id() {
        for subject in [
            Subject::BankLine("acct:2026-11-03:ab12".into()),
            Subject::Transaction("mindbody:sale:1:2".into()),
        ] {
            assert_eq!(Subject::parse(&subject.id()), Some(subject));
        }
        assert_eq!(Subject::parse("bank:"), None);
        assert_eq!(Subject::parse("sale:1"), None);
    }
}
