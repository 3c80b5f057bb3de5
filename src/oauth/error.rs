//! What can go wrong in a sign-in, each with what to do next.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OAuthError {
    #[error("the sign-in was refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        error: String,
        description: Option<String>,
    },
    #[error(
        "that address does not belong to this sign-in (its state does not match): it may be from an older attempt, or forged"
    )]
    StateMismatch,
    #[error("that address is not the redirect address: expected {expected}, got {got}")]
    WrongRedirect { expected: String, got: String },
    #[error("that is not a web address: {0}")]
    NotAUrl(String),
    #[error("the address has no `code`: paste the whole address the browser ended on")]
    MissingCode,
    #[error(
        "port {port} on {host} is in use by another program, so legion-hub cannot receive the sign-in there: stop that program, or register another redirect URI with the provider and set it in the settings"
    )]
    PortBusy { host: String, port: u16 },
    #[error("cannot listen for the sign-in on {address}: {detail}")]
    Listen { address: String, detail: String },
    #[error(
        "the redirect URI {0} cannot be listened on: it must be http://localhost:PORT/PATH or http://127.0.0.1:PORT/PATH"
    )]
    NotLoopback(String),
    #[error("no sign-in arrived within {minutes} min")]
    TimedOut { minutes: u64 },
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("the saved sign-in is no longer accepted (invalid_grant): {0}")]
    InvalidGrant(String),
    #[error("the token request failed: {0}")]
    TokenRequest(String),
    #[error("cannot reach {url}: {detail}")]
    Network { url: String, detail: String },
    #[error("the provider's token reply cannot be read: {0}")]
    Malformed(String),
    #[error("{0}")]
    Config(String),
}

impl OAuthError {
    pub fn hint(&self) -> &'static str {
        match self {
            OAuthError::Denied { .. } => "Sign in again and choose Approve.",
            OAuthError::StateMismatch
            | OAuthError::WrongRedirect { .. }
            | OAuthError::MissingCode
            | OAuthError::NotAUrl(_) => {
                "Copy the full address from the browser's address bar after approving, and paste it again."
            }
            OAuthError::PortBusy { .. }
            | OAuthError::Listen { .. }
            | OAuthError::NotLoopback(_) => "The sign-in can also finish without the listener.",
            OAuthError::TimedOut { .. } => "Sign in again when you are ready.",
            OAuthError::Cancelled => "Nothing to do.",
            OAuthError::InvalidGrant(_) => "Settings, mappings and history are kept.",
            OAuthError::TokenRequest(_) | OAuthError::Malformed(_) => {
                "Check the client id and secret in the settings; the log file has the provider's reply."
            }
            OAuthError::Network { .. } => {
                "Check the network, and the endpoint URLs in config.toml."
            }
            OAuthError::Config(_) => "Fix the settings, then connect again.",
        }
    }

    /// The step that mends it, said by each front end in its own words.
    pub fn step(&self) -> Option<crate::domain::NextStep> {
        use crate::domain::NextStep;
        match self {
            OAuthError::PortBusy { .. }
            | OAuthError::Listen { .. }
            | OAuthError::NotLoopback(_) => Some(NextStep::PasteSignIn),
            OAuthError::InvalidGrant(_) => Some(NextStep::ReconnectMindbody),
            OAuthError::Denied { .. } | OAuthError::TimedOut { .. } => {
                Some(NextStep::ConnectMindbody)
            }
            OAuthError::TokenRequest(_) | OAuthError::Malformed(_) | OAuthError::Config(_) => {
                Some(NextStep::ConfigureMindbody)
            }
            _ => None,
        }
    }
}
