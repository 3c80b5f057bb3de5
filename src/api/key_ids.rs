//! Which key the secrets are sealed with against the key this process has (`legion-hub secrets
//! id`). Ids only: a key itself never leaves the store.

use serde::Serialize;

/// The key the secrets are sealed with and the key this process has, by id.
#[derive(Debug, Clone, Serialize)]
pub struct KeyIds {
    /// None: nothing was sealed since ids were recorded.
    pub recorded: Option<String>,
    pub at_hand: Option<String>,
    /// Where the key at hand comes from (a path, or the environment variable).
    pub at_hand_from: Option<String>,
    pub sealed_values: usize,
}
