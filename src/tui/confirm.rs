//! The question before a key that cannot be undone: what will be forgotten, what is kept, and
//! `y` to go ahead. Any other key cancels, so a stray key costs nothing. Every destructive key
//! opens this one overlay with its own words and the request to make.

use super::action::Request;
use crate::api::categorize::RunReport;
use crate::present;

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// The question: "Disconnect Mindbody?".
    pub question: String,
    pub forgets: Vec<String>,
    pub keeps: Vec<String>,
    /// What `y` does, and what any other key does: "disconnect", "keep the sign-in".
    pub yes: String,
    pub no: String,
    /// Made on `y`.
    pub request: Request,
    /// The status line while it runs.
    pub working: String,
    /// The status line when cancelled.
    pub cancelled: String,
}

impl Confirm {
    pub fn undo_match(id: &str) -> Confirm {
        Confirm {
            question: format!("Undo {id}?"),
            forgets: vec!["the match and the fee line it posted".into()],
            keeps: vec!["the bank lines and the sales: they are open again, to match anew".into()],
            yes: "undo".into(),
            no: "keep the match".into(),
            request: Request::UndoMatch(id.to_string()),
            working: format!("Undoing {id}…"),
            cancelled: format!("{id} kept."),
        }
    }

    /// Of `account`'s suggestions (the only account's when None).
    pub fn accept_above(count: usize, threshold: u8, account: Option<String>) -> Confirm {
        Confirm {
            question: format!(
                "Accept {count} suggestion{} at least {threshold}% sure?",
                if count == 1 { "" } else { "s" }
            ),
            forgets: Vec::new(),
            keeps: vec!["each can be undone later (u)".into()],
            yes: "accept them".into(),
            no: "look first".into(),
            request: Request::AcceptAbove {
                account,
                percent: threshold,
            },
            working: "Accepting…".into(),
            cancelled: "Nothing accepted.".into(),
        }
    }

    /// Of the open categorization suggestions.
    pub fn accept_classes_above(count: usize, threshold: u8) -> Confirm {
        Confirm {
            question: format!(
                "Accept {count} class suggestion{} at least {threshold}% sure?",
                if count == 1 { "" } else { "s" }
            ),
            forgets: Vec::new(),
            keeps: vec!["each can be taken back later (u)".into()],
            yes: "accept them".into(),
            no: "look first".into(),
            request: Request::AcceptSuggestionsAbove(threshold),
            working: "Accepting…".into(),
            cancelled: "Nothing accepted.".into(),
        }
    }

    /// Before Gemini is asked to categorize: what leaves the machine, and what it costs.
    pub fn ask_gemini(plan: &RunReport) -> Confirm {
        let answered = plan.by_rule + plan.by_cache;
        let mut keeps = vec![format!(
            "{answered} answered here by your rules and earlier answers, at no cost"
        )];
        if plan.withheld > 0 {
            keeps.push(format!(
                "{} line{} held back by [gemini] books_access",
                plan.withheld,
                if plan.withheld == 1 { "" } else { "s" }
            ));
        }
        Confirm {
            question: format!(
                "Ask Gemini about {} payee{}? {} request{}, about {} tokens ({}).",
                plan.payees_for_gemini,
                if plan.payees_for_gemini == 1 { "" } else { "s" },
                plan.planned_requests,
                if plan.planned_requests == 1 { "" } else { "s" },
                plan.estimated_tokens,
                plan.estimate_words
            ),
            forgets: vec![
                "sent to Gemini: each line's date, amount and description, long numbers masked; \
                 no customer names, emails or account numbers"
                    .into(),
            ],
            keeps,
            yes: "ask Gemini".into(),
            no: "not now".into(),
            request: Request::RunCategorize,
            working: "Asking Gemini…".into(),
            cancelled: "Gemini not asked: nothing left the machine.".into(),
        }
    }

    pub fn disconnect_mindbody() -> Confirm {
        Confirm {
            question: "Disconnect Mindbody?".into(),
            forgets: vec![format!(
                "{}, revoked at Mindbody",
                present::MINDBODY_FORGETS
            )],
            keeps: present::MINDBODY_KEEPS.map(String::from).to_vec(),
            yes: "disconnect".into(),
            no: "keep the sign-in".into(),
            request: Request::DisconnectMindbody,
            working: "Disconnecting Mindbody…".into(),
            cancelled: "Not disconnected: Mindbody stays signed in.".into(),
        }
    }
}
