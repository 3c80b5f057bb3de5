//! The question before a key that cannot be undone: what will be forgotten, what is kept, and
//! `y` to go ahead. Any other key cancels, so a stray key costs nothing. Every destructive key
//! opens this one overlay with its own words and the request to make.

use super::action::Request;
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
