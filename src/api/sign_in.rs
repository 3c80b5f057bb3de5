//! What the front ends are told about signing in to a provider and out of it: the address a
//! sign-in waits on, and what the revocation at disconnect came to. The OAuth code makes both.

use serde::{Deserialize, Serialize};

/// What the user needs to finish the sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    pub url: String,
    /// Whether the browser was opened for them.
    pub browser_opened: bool,
    /// The loopback port listening for the redirect (None when it could not be bound).
    pub listening_port: Option<u16>,
    /// Why the listener is not there, when it is not.
    pub listener_error: Option<String>,
}

/// What a revocation came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "revocation", rename_all = "snake_case")]
pub enum Revocation {
    /// The provider confirmed the revocation of every token (HTTP 200 to each request).
    Revoked,
    /// The tokens may still work at the provider: why it did not confirm ("HTTP 500", "cannot
    /// reach ...").
    NotConfirmed { reason: String },
    /// There was no sign-in to revoke.
    NothingToRevoke,
}
