//! What categorization keeps: each subject's suggestion (with the decision on it), the user's
//! rules, and the cache of earlier answers by cleaned payee.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::categorize::{RuleView, Source, SuggestionView};

/// A suggestion as stored: the view, and when it was last suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSuggestion {
    pub view: SuggestionView,
    pub suggested_at: DateTime<Utc>,
}

impl crate::store::codec::Record for StoredSuggestion {
    const KIND: &'static str = "categorize suggestion";
    const VERSION: u32 = 1;
}

/// "Payee contains `contains` → `class`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    /// Lower-case.
    pub contains: String,
    pub class: String,
    pub created_at: DateTime<Utc>,
}

impl crate::store::codec::Record for Rule {
    const KIND: &'static str = "categorize rule";
    const VERSION: u32 = 1;
}

impl Rule {
    /// How narrowly the rule's words pick a payee: more words, then more characters. Two rules
    /// with the same words are the same rule (the newer replaces the older).
    pub fn specificity(&self) -> (usize, usize) {
        (
            self.contains.split_whitespace().count(),
            self.contains.chars().count(),
        )
    }

    pub fn view(&self, answers: u64) -> RuleView {
        RuleView {
            id: self.id.clone(),
            contains: self.contains.clone(),
            class: self.class.clone(),
            answers,
            created_at: self.created_at,
        }
    }
}

/// An earlier answer for a cleaned payee: Gemini's, or the user's acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedAnswer {
    pub class: String,
    pub confidence: f64,
    pub reason: String,
    /// Gemini's name for a payee the rules left nameless.
    #[serde(default)]
    pub payee: Option<String>,
    pub source: Source,
    pub at: DateTime<Utc>,
}

impl crate::store::codec::Record for CachedAnswer {
    const KIND: &'static str = "categorize cache entry";
    const VERSION: u32 = 1;
}
