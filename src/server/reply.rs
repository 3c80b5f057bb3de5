//! How the webhook receiver answers what the engine did with a post: 200 stored (new or a
//! retry, told apart later), 401 a bad signature, 429 too many of those from one address, 503 not stored now.
//! The last two say when to come back (`Retry-After`, in seconds).

use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};

use crate::engine::Refusal;

/// The HTTP answer to what the engine did with a post.
pub fn answer(outcome: Result<(), Refusal>) -> Response {
    let refusal = match outcome {
        Ok(()) => return (StatusCode::OK, "stored\n").into_response(),
        Err(refusal) => refusal,
    };
    let (status, text) = match &refusal {
        Refusal::Signature(_) | Refusal::NoKey => {
            (StatusCode::UNAUTHORIZED, "signature rejected\n")
        }
        Refusal::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too many rejected attempts from this address\n",
        ),
        // Not stored: a 5xx makes Mindbody deliver it again later.
        Refusal::Busy | Refusal::Store(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "not stored, retry\n")
        }
    };
    match refusal.retry_after() {
        Some(after) => (
            status,
            [(RETRY_AFTER, after.as_secs().max(1).to_string())],
            text,
        )
            .into_response(),
        None => (status, text).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::integrations::mindbody::webhooks::signature::SignatureError;

    fn status_and_retry_after(outcome: Result<(), Refusal>) -> (u16, Option<String>) {
        let response = answer(outcome);
        let retry = response
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), retry)
    }

    #[test]
    fn each_outcome_has_its_status_and_a_retry_when_one_makes_sense() {
        assert_eq!(status_and_retry_after(Ok(())), (200, None));
        assert_eq!(
            status_and_retry_after(Err(Refusal::Signature(SignatureError::Mismatch))),
            (401, None)
        );
        assert_eq!(
            status_and_retry_after(Err(Refusal::Throttled {
                retry_after: Duration::from_secs(7)
            })),
            (429, Some("7".into()))
        );
        assert_eq!(
            status_and_retry_after(Err(Refusal::Busy)),
            (503, Some("5".into()))
        );
        assert_eq!(
            status_and_retry_after(Err(Refusal::Store("disk full".into()))),
            (503, Some("5".into()))
        );
    }
}
