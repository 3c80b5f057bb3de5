//! An error as the front ends see it: what happened (in words, with the provider's hint), the
//! step that mends it (each front end says it its own way), and what kind of trouble it is, typed,
//! so a dashboard attached to `serve` can tell a locked store, a refused sign-in or a missing
//! setting from any other failure exactly as if it held the store itself.

use serde::{Deserialize, Serialize};

use crate::domain::{FrontEnd, NextStep};
use crate::engine::error::EngineError;
use crate::integrations::mindbody::client::MindbodyError;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    /// What happened, with the hint of the service that refused, as one or two sentences.
    pub message: String,
    pub step: Option<NextStep>,
    /// The further Mindbody site of a chain the call was for: the step's command names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorKind {
    /// Another process holds the data directory and did not answer on its control socket.
    Locked,
    /// The store could not be read or written (a full disk, a damaged file, a wrong key).
    Store,
    /// Gemini refused or could not be reached.
    Gemini,
    /// The sign-in (OAuth) failed.
    SignIn,
    /// Mindbody refused (`status` and Mindbody's error `code` when it answered) or could not
    /// be reached.
    Mindbody {
        status: Option<u16>,
        code: Option<String>,
    },
    /// The request itself was wrong (a bad argument, a value out of range).
    Invalid,
    /// The same work is already under way.
    Busy,
    /// Something must be done first: `step` says what.
    NotReady,
    /// The control socket: the owner could not be reached or understood.
    Control,
    /// The Postgres mirror could not be reached, or refused.
    Mirror,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, step: Option<NextStep>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            step,
            site: None,
        }
    }

    /// The error of a call made for a further site of a chain (`Engine::at_site`).
    pub fn at_site(mut self, site: Option<&str>) -> ApiError {
        if self.site.is_none() {
            self.site = site.map(str::to_string);
        }
        self
    }

    /// The owner could not be reached or understood.
    pub fn control(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorKind::Control, message, None)
    }

    /// The error as `front` says it: what happened, then the step that mends it in its words.
    pub fn said(&self, front: FrontEnd) -> String {
        crate::domain::advice_at(Some(&self.message), self.step, front, self.site.as_deref())
            .unwrap_or_default()
    }

    pub fn is_locked(&self) -> bool {
        self.kind == ErrorKind::Locked
    }

    pub fn is_not_ready(&self) -> bool {
        self.kind == ErrorKind::NotReady
    }

    /// Mindbody refused the access token.
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Mindbody {
                status: Some(401),
                ..
            }
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        ApiError::from(&error)
    }
}

impl From<&EngineError> for ApiError {
    fn from(error: &EngineError) -> ApiError {
        let kind = match error {
            EngineError::Store(StoreError::Locked { .. }) => ErrorKind::Locked,
            EngineError::Store(_) => ErrorKind::Store,
            EngineError::Gemini { .. } => ErrorKind::Gemini,
            EngineError::OAuth { .. } => ErrorKind::SignIn,
            EngineError::Mindbody { error } => match error {
                MindbodyError::Api { status, code, .. } => ErrorKind::Mindbody {
                    status: Some(*status),
                    code: Some(code.clone()),
                },
                _ => ErrorKind::Mindbody {
                    status: None,
                    code: None,
                },
            },
            EngineError::Invalid(_) => ErrorKind::Invalid,
            EngineError::Busy(_) => ErrorKind::Busy,
            EngineError::NotReady { .. } => ErrorKind::NotReady,
            EngineError::Control(_) => ErrorKind::Control,
            EngineError::Mirror(_) => ErrorKind::Mirror,
            EngineError::Reported { .. } => ErrorKind::SignIn,
        };
        ApiError {
            kind,
            message: error.to_string(),
            step: error.step(),
            site: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_sign_in_keeps_its_kind_and_step_across_the_socket() {
        let error = ApiError::from(EngineError::Mindbody {
            error: MindbodyError::Api {
                status: 401,
                code: "InvalidAccessToken".into(),
                message: "token expired".into(),
            },
        });
        let wire = serde_json::to_string(&error).unwrap();
        let back: ApiError = serde_json::from_str(&wire).unwrap();
        assert_eq!(back, error);
        assert!(back.is_unauthorized());
        assert_eq!(back.step, Some(NextStep::ConfigureMindbody));
        assert_eq!(
            back.said(FrontEnd::CommandLine),
            error.said(FrontEnd::CommandLine)
        );
    }

    #[test]
    fn not_ready_says_what_to_do_first() {
        let error = ApiError::from(EngineError::NotReady {
            what: "Mindbody is not signed in".into(),
            step: NextStep::ConnectMindbody,
        });
        assert!(error.is_not_ready());
        assert!(
            error
                .said(FrontEnd::CommandLine)
                .starts_with("Mindbody is not signed in.")
        );
    }
}
