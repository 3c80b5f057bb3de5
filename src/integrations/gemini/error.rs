//! What can go wrong talking to Gemini, each with its own message and what to do about it.

use std::time::Duration;

use super::types::ErrorBody;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeminiError {
    #[error("no Gemini API key: none is saved and GEMINI_API_KEY is not set")]
    NoKey,
    #[error("Gemini rejected the API key (HTTP 400 API_KEY_INVALID)")]
    InvalidKey,
    #[error("Gemini refused access (HTTP 403): {0}")]
    PermissionDenied(String),
    #[error("Gemini does not know that model (HTTP 404): {0}")]
    ModelNotFound(String),
    /// Google's own text of a quota or overload error is long boilerplate (links, metric names,
    /// a retry time to the nanosecond) that says less than the hint: it is kept for the log
    /// (Debug), not shown.
    #[error("Gemini's quota is used up (HTTP 429)")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("Gemini is overloaded (HTTP 503)")]
    Unavailable(String),
    #[error("Gemini refused the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("Gemini failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    #[error("cannot reach Gemini at {url}: {detail}")]
    Network { url: String, detail: String },
    #[error("Gemini sent a reply legion-hub cannot read: {0}")]
    Malformed(String),
    #[error("Gemini blocked the prompt ({0})")]
    Blocked(String),
    #[error("the reply stopped part-way: {0}")]
    StreamCut(String),
    #[error("Gemini's reply was larger than {} in one piece and was not read", crate::http::size(*limit))]
    TooLarge { limit: usize },
    #[error("cancelled")]
    Cancelled,
}

impl GeminiError {
    /// Maps an HTTP error reply. `body` may be anything: a proxy's HTML page is not JSON.
    pub fn from_reply(status: u16, body: &[u8]) -> GeminiError {
        let parsed: Option<ErrorBody> = serde_json::from_slice::<super::types::ErrorEnvelope>(body)
            .ok()
            .map(|e| e.error);
        let message = parsed
            .as_ref()
            .map(|e| e.message.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| {
                crate::text::one_line(&String::from_utf8_lossy(&body[..body.len().min(200)]))
            });
        let message = crate::text::one_line(&message);
        let reason = parsed.as_ref().and_then(|e| e.reason());
        match status {
            400 if reason == Some("API_KEY_INVALID") => GeminiError::InvalidKey,
            401 | 403 => GeminiError::PermissionDenied(message),
            404 => GeminiError::ModelNotFound(message),
            429 => GeminiError::RateLimited {
                retry_after: parsed.as_ref().and_then(|e| e.retry_delay()),
                message,
            },
            503 => GeminiError::Unavailable(message),
            400..=499 => GeminiError::Rejected { status, message },
            _ => GeminiError::Server { status, message },
        }
    }

    /// Worth another try after a pause (408, 429, 500, 502, 503, 504 and network trouble).
    pub fn is_retryable(&self) -> bool {
        match self {
            GeminiError::RateLimited { .. }
            | GeminiError::Unavailable(_)
            | GeminiError::Network { .. } => true,
            GeminiError::Server { status, .. } => matches!(status, 500 | 502 | 504),
            GeminiError::Rejected { status, .. } => *status == 408,
            _ => false,
        }
    }

    /// The line people read wherever an error ends something (a chat reply, `legion-hub chat`):
    /// what happened, then what to do. The detail pane shows the same two parts on two lines.
    pub fn explain(&self) -> String {
        crate::domain::sentences(&self.to_string(), &self.hint())
    }

    /// Why a request waits to be sent again, in a few words: "quota used up, retrying in 24 s".
    pub fn retry_reason(&self) -> &'static str {
        match self {
            GeminiError::RateLimited { .. } => "quota used up",
            GeminiError::Unavailable(_) => "Gemini is overloaded",
            GeminiError::Network { .. } => "Gemini unreachable",
            GeminiError::Rejected { status: 408, .. } => "Gemini timed out",
            _ => "Gemini failed",
        }
    }

    /// What the user should do next.
    pub fn hint(&self) -> String {
        match self {
            GeminiError::NoKey => "Create a key in Google AI Studio (aistudio.google.com/apikey) and save it.".into(),
            GeminiError::InvalidKey => "The key is wrong, deleted or restricted: save a current key from Google AI Studio.".into(),
            GeminiError::PermissionDenied(_) => "The key's Google Cloud project cannot use the Generative Language API: enable the API for that project, or use a key from AI Studio.".into(),
            GeminiError::ModelNotFound(_) => "The model is retired or unknown: a test of the key offers a replacement from the models it can use.".into(),
            GeminiError::RateLimited { retry_after: Some(d), .. } => format!("Wait {} s, or raise the quota (billing) for the key's project.", d.as_secs()),
            GeminiError::RateLimited { .. } => "Wait a minute, or raise the quota (billing) for the key's project.".into(),
            GeminiError::Unavailable(_) => "Google's side is busy: it usually passes within minutes. legion-hub already retried; try again shortly.".into(),
            GeminiError::Rejected { .. } => "legion-hub sent something Gemini would not take; the log file in the state directory has the details.".into(),
            GeminiError::Server { .. } => "A fault on Google's side: try again later.".into(),
            GeminiError::Network { .. } => "Check the network (and any proxy); `[gemini] base_url` in config.toml says where legion-hub connects.".into(),
            GeminiError::Malformed(_) => "Something between legion-hub and Gemini (a proxy?) changed the reply, or the API changed: check `[gemini] base_url`.".into(),
            GeminiError::Blocked(_) => "Gemini's safety filter stopped this prompt: rephrase it.".into(),
            GeminiError::StreamCut(_) => "The part that arrived is kept; ask again to get the rest.".into(),
            GeminiError::TooLarge { .. } => "No Gemini reply is that large: something between legion-hub and Gemini (a proxy?) sent it; check `[gemini] base_url`. What arrived before it is kept.".into(),
            GeminiError::Cancelled => "Nothing to do.".into(),
        }
    }

    /// The step that mends it, said by each front end in its own words.
    pub fn step(&self) -> Option<crate::domain::NextStep> {
        use crate::domain::NextStep;
        match self {
            GeminiError::NoKey | GeminiError::InvalidKey => Some(NextStep::ConfigureGemini),
            GeminiError::ModelNotFound(_) => Some(NextStep::TestGemini),
            _ => None,
        }
    }

    pub fn network(url: &str, error: &reqwest::Error) -> GeminiError {
        GeminiError::Network {
            url: url.to_string(),
            // Never the URL's query: it may carry `key=`.
            detail: crate::text::one_line(&crate::http::describe(error).replace(url, "")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_errors_map_to_their_own_kinds() {
        let bad_key = br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        assert_eq!(
            GeminiError::from_reply(400, bad_key),
            GeminiError::InvalidKey
        );
        let rate = br#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}"#;
        assert_eq!(
            GeminiError::from_reply(429, rate),
            GeminiError::RateLimited {
                retry_after: Some(Duration::from_secs(26)),
                message: "quota".into()
            }
        );
        assert!(matches!(
            GeminiError::from_reply(503, b"{}"),
            GeminiError::Unavailable(_)
        ));
        assert!(matches!(
            GeminiError::from_reply(502, b"<html>Bad Gateway</html>"),
            GeminiError::Server { status: 502, message } if message.contains("Bad Gateway")
        ));
        assert!(GeminiError::from_reply(408, b"").is_retryable());
        assert!(!GeminiError::InvalidKey.is_retryable());
    }

    #[test]
    fn a_quota_error_is_explained_in_our_words_not_googles() {
        let google = include_bytes!("../../../assets/sandbox/gemini/error.rate-limit.429.json");
        let error = GeminiError::from_reply(429, google);
        assert!(
            matches!(&error, GeminiError::RateLimited { message, .. } if message.contains("You exceeded your current quota")),
            "the log keeps Google's text: {error:?}"
        );
        assert_eq!(
            error.explain(),
            "Gemini's quota is used up (HTTP 429). Wait 26 s, or raise the quota (billing) for the key's project."
        );
        assert_eq!(error.retry_reason(), "quota used up");
    }
}
