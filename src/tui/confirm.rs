//! The question before a key that cannot be undone: what will be forgotten, what is kept, and
//! `y` to go ahead. Any other key cancels, so a stray key costs nothing. Every destructive key
//! opens this one overlay with its own words and the request to make.

use super::action::Request;
use crate::api::cashflow::ContractsPlan;
use crate::api::categorize::RunReport;
use crate::present;

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// The question: "Disconnect Mindbody?".
    pub question: String,
    pub forgets: Vec<String>,
    pub keeps: Vec<String>,
    /// The headings of the two lists: "Forgotten" and "Kept" for what a key takes away; a
    /// question about what leaves the machine says "Sent" and "Stays here".
    pub headings: (&'static str, &'static str),
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

const FORGETS_KEEPS: (&str, &str) = ("Forgotten", "Kept");

/// The bulk-accept threshold moved by `step` percent, kept between 50% and 100% sure.
pub fn threshold_moved(threshold: u8, step: i64) -> u8 {
    (i64::from(threshold) + step).clamp(50, 100) as u8
}

/// What `A` would take now, said under a screen's detail (Reconcile, Categorize).
pub fn accept_all_hint(count: usize, threshold: u8) -> String {
    format!(
        "A accepts the {count} suggestion{} at least {threshold}% sure.",
        if count == 1 { "" } else { "s" }
    )
}

impl Confirm {
    pub fn undo_match(id: &str) -> Confirm {
        Confirm {
            question: format!("Undo {id}?"),
            forgets: vec!["the match and the fee line it posted".into()],
            keeps: vec!["the bank lines and the sales: they are open again, to match anew".into()],
            headings: FORGETS_KEEPS,
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
            headings: FORGETS_KEEPS,
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
            headings: FORGETS_KEEPS,
            yes: "accept them".into(),
            no: "look first".into(),
            request: Request::AcceptSuggestionsAbove(threshold),
            working: "Accepting…".into(),
            cancelled: "Nothing accepted.".into(),
        }
    }

    /// Before Gemini is asked to categorize: what leaves the machine, and what it costs.
    /// Before the first full read of the members' contracts: one billed call per member.
    pub fn read_contracts(plan: &ContractsPlan) -> Confirm {
        let plural = |n: u64, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let calls = plan.calls_now();
        let mut costs = vec![format!(
            "{} to Mindbody's client/clientcontracts, one per member with a contract (billed past the allowance)",
            plural(calls, "call", "calls")
        )];
        if calls < plan.clients_due {
            costs.push(format!(
                "{} left for the days after: [mindbody] contracts_daily_calls is {} a day, {} spent today",
                plural(plan.clients_due - calls, "member", "members"),
                plan.daily_limit,
                plan.calls_today
            ));
        }
        Confirm {
            question: format!(
                "Read the contracts of {}?",
                plural(plan.clients_due, "member", "members")
            ),
            forgets: costs,
            keeps: vec![
                "later reads take only the members a webhook or a sale changed, or read a week ago"
                    .into(),
            ],
            headings: ("Costs", "After that"),
            yes: "read them".into(),
            no: "not now".into(),
            request: Request::RefreshContracts {
                first_read_agreed: true,
            },
            working: "Reading the members' contracts…".into(),
            cancelled: "Contracts not read: the cash flow shows what was read before.".into(),
        }
    }

    pub fn ask_gemini(plan: &RunReport) -> Confirm {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let sent = vec![
            format!(
                "{} request{}, about {} tokens, {}",
                plan.planned_requests,
                plural(plan.planned_requests),
                plan.estimated_tokens,
                plan.estimate_words
            ),
            "each line's date, amount and description, with emails, your customers' names \
             and numbers longer than 4 digits masked"
                .into(),
        ];
        let mut keeps = Vec::new();
        let answered = plan.by_rule + plan.by_cache;
        if answered > 0 {
            keeps.push(format!(
                "{answered} answered here by your rules and earlier answers, at no cost"
            ));
        }
        if plan.withheld > 0 {
            keeps.push(format!(
                "{} line{} held back by [gemini] books_access",
                plan.withheld,
                plural(plan.withheld)
            ));
        }
        if plan.payees_waiting > 0 {
            keeps.push(format!(
                "{} more payee{} for the next run (at most {} a run)",
                plan.payees_waiting,
                plural(plan.payees_waiting),
                crate::integrations::gemini::categorize::MAX_PAYEES
            ));
        }
        Confirm {
            question: format!(
                "Ask Gemini about {} payee{}?",
                plan.payees_for_gemini,
                plural(plan.payees_for_gemini)
            ),
            forgets: sent,
            keeps,
            headings: ("Sent", "Stays here"),
            yes: "ask Gemini".into(),
            no: "not now".into(),
            request: Request::RunCategorize,
            working: "Asking Gemini…".into(),
            cancelled: "Gemini not asked: nothing left the machine.".into(),
        }
    }

    /// Disconnecting Mindbody, or a further site of a chain.
    pub fn disconnect_mindbody(site: Option<String>) -> Confirm {
        let named = crate::domain::IntegrationId {
            provider: crate::domain::Provider::Mindbody,
            site: site.clone(),
        }
        .label();
        let request = Request::DisconnectMindbody.at_site(site);
        Confirm {
            question: format!("Disconnect {named}?"),
            forgets: vec![format!(
                "{}, revoked at Mindbody",
                present::MINDBODY_FORGETS
            )],
            keeps: present::MINDBODY_KEEPS.map(String::from).to_vec(),
            headings: FORGETS_KEEPS,
            yes: "disconnect".into(),
            no: "keep the sign-in".into(),
            request,
            working: format!("Disconnecting {named}…"),
            cancelled: format!("Not disconnected: {named} stays signed in."),
        }
    }
}
