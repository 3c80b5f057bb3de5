//! The engine's error: what went wrong in the core, by the part that failed (the store, Gemini,
//! the sign-in, Mindbody) or by what the caller must do. The contract's `ApiError` is made from it.
//! A leaf: it names the rooms' error types and nothing that imports the engine.

use crate::domain::{FrontEnd, NextStep};
use crate::integrations::gemini::error::GeminiError;
use crate::integrations::mindbody::client::MindbodyError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", error.explain())]
    Gemini { error: GeminiError },
    #[error("{}", crate::domain::sentences(&error.to_string(), error.hint()))]
    OAuth { error: crate::oauth::OAuthError },
    #[error("{}", crate::domain::sentences(&error.to_string(), error.hint()))]
    Mindbody { error: MindbodyError },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Busy(String),
    /// The control socket: the owner could not be reached or understood.
    #[error("{0}")]
    Control(String),
    /// A failure a background job reported as an event (a sign-in), with the step that mends it.
    #[error("{message}")]
    Reported {
        message: String,
        step: Option<NextStep>,
    },
    /// Something must be done first; each front end words `step` its own way (a command on the
    /// command line, a key in the dashboard).
    #[error("{what}")]
    NotReady { what: String, step: NextStep },
    #[error(transparent)]
    Mirror(#[from] crate::mirror::MirrorError),
}

impl EngineError {
    /// The Gemini error behind this one, if that is what it is.
    pub fn gemini(&self) -> Option<&GeminiError> {
        match self {
            EngineError::Gemini { error } => Some(error),
            _ => None,
        }
    }

    /// Mindbody refused the access token.
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            EngineError::Mindbody {
                error: MindbodyError::Api { status: 401, .. }
            }
        )
    }

    /// The step that mends it, if one does; each front end says it in its own words.
    pub fn step(&self) -> Option<NextStep> {
        match self {
            EngineError::Gemini { error } => error.step(),
            EngineError::OAuth { error } => error.step(),
            EngineError::Mindbody { error } => error.step(),
            EngineError::NotReady { step, .. } => Some(*step),
            EngineError::Reported { step, .. } => *step,
            _ => None,
        }
    }

    /// The error as `front` says it: what happened, then the step that mends it in its words.
    pub fn said(&self, front: FrontEnd) -> String {
        crate::domain::advice(Some(&self.to_string()), self.step(), front).unwrap_or_default()
    }

    /// Mindbody's refusal is about the `Api-Key` header rather than the sign-in.
    pub fn names_the_api_key(&self) -> bool {
        match self {
            EngineError::Mindbody {
                error: MindbodyError::Api { message, .. },
            } => {
                let message = message.to_ascii_lowercase();
                message.contains("api-key") || message.contains("api key")
            }
            _ => false,
        }
    }

    /// An error every later type of the same sync would meet again (each try billed): a
    /// refused sign-in or key, a site Mindbody does not know, a Mindbody that cannot be
    /// reached, the allowance used up, a store that cannot write. A bad page or a server error
    /// is one type's trouble; the next type may still work.
    pub fn ends_the_sync(&self) -> bool {
        match self {
            EngineError::Mindbody { error } => match error {
                MindbodyError::Api { status, code, .. } => {
                    matches!(status, 401 | 403 | 429)
                        || matches!(
                            code.as_str(),
                            "InvalidSiteId" | "SiteNotFound" | "ApiCallsExceeded"
                        )
                }
                MindbodyError::Network { .. } | MindbodyError::TimedOut { .. } => true,
                MindbodyError::Malformed(_) | MindbodyError::TooLarge { .. } => false,
            },
            EngineError::OAuth { .. }
            | EngineError::NotReady { .. }
            | EngineError::Store(_)
            | EngineError::Invalid(_) => true,
            _ => false,
        }
    }
}
