//! The one-shot chat's whole answer, as the owner of the data sends it to an attached process
//! (`legion-hub chat` while a dashboard or `serve` runs). Nothing of it is saved.

use serde::{Deserialize, Serialize};

/// A whole answer to a chat question (the one-shot `chat` of an attached process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    /// Why it ended early, with what to do.
    pub error: Option<String>,
}
