//! The one HTTP client setup the hub uses for every provider: rustls with ring (installed
//! once, here), bounded connect and read times (the read timeout is an *idle* timeout: it
//! resets with every read, so a stream that keeps talking is never cut by it; clients add a
//! total timeout per request where a reply has a natural end), and bodies read with a ceiling.

use std::time::Duration;

use rand::Rng;

mod body;

pub use body::{API_REPLY_LIMIT, BodyError, TOKEN_REPLY_LIMIT, read_capped, size};

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(90))
        .user_agent(concat!("legion-hub/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
}

/// A client that does not follow redirects (to see where a sign-in page sends the browser).
pub fn client_without_redirects() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the HTTP client builds")
}

/// How a client retries what is worth retrying (408, 429, 5xx, network trouble).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    /// A longer wait than this (a `retryDelay` of minutes) is not waited out: the error goes
    /// back to the user with the delay, to show as a countdown.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// base * 2^(attempt-1), plus up to half of that again at random so that many clients
    /// retrying together spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1 << (attempt - 1).min(10));
        let jitter = rand::thread_rng().gen_range(0..=exp.as_millis() as u64 / 2);
        (exp + Duration::from_millis(jitter)).min(self.max_delay)
    }
}

/// A transport error in a line, without the URL (whose query may carry a key).
pub fn describe(error: &reqwest::Error) -> String {
    let detail = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "connection refused or no route".to_string()
    } else {
        let mut text = error.to_string();
        if let Some(url) = error.url() {
            text = text.replace(url.as_str(), "");
        }
        text
    };
    crate::text::one_line(&detail)
}
