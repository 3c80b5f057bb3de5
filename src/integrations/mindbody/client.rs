//! Mindbody's Public API v6 client: `Api-Key`, `SiteId` and `Authorization: Bearer` on every
//! call, errors read from `{"Error":{"Message","Code"}}` with a hint per code, 408/429/5xx retried
//! with backoff and jitter (honouring `Retry-After`), and every request counted (past about
//! 1,000 a day each call is billed). Every request has a total timeout and every reply a size
//! ceiling: a server that drips its answer or never stops sending cannot hold a sync forever or
//! take the memory.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::types::{CategoriesPage, ClientsPage, SalesPage, TransactionsPage};
use crate::http::RetryPolicy;
use crate::secret::Secret;

/// The most rows Mindbody returns in one page.
pub const PAGE_LIMIT: u64 = 200;
/// How long one request may take, from connecting to the last byte of the reply. A page of 200
/// records comes in well under a second; this only ends a request that would never end.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Called once for every request tried (retries included), with whether Mindbody answered it.
pub type CallCounter = Arc<dyn Fn(Attempt) + Send + Sync>;

/// How one request went, as far as the bill goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Mindbody answered (any status): a billed call.
    Answered,
    /// The request never reached Mindbody (no connection): nothing to bill.
    Unreached,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MindbodyError {
    #[error("Mindbody refused the request (HTTP {status}, {code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("cannot reach Mindbody at {url}: {detail}")]
    Network { url: String, detail: String },
    #[error("Mindbody sent a reply legion-hub cannot read: {0}")]
    Malformed(String),
    #[error("Mindbody's reply was larger than {} and was not read", crate::http::size(*limit))]
    TooLarge { limit: usize },
    /// The total timeout passed, or the server fell silent (the HTTP client's read timeout).
    #[error("Mindbody did not finish answering in time (a request may take at most {} s)", after.as_secs())]
    TimedOut { after: Duration },
}

impl MindbodyError {
    pub fn hint(&self) -> &'static str {
        match self {
            MindbodyError::Api { code, .. } => match code.as_str() {
                "DeniedAccess" | "Unauthorized" | "InvalidAccessToken" => {
                    "The sign-in or the API key was refused: check the API key in the settings; if it is right, sign in again."
                }
                "InvalidSiteId" | "SiteNotFound" => {
                    "Check the site id in the settings: it is the number in the studio's Mindbody address."
                }
                "TooManyRequests" | "ApiCallsExceeded" => {
                    "The API allowance is used up for now: wait, or raise it with Mindbody."
                }
                _ => "Mindbody's message says what it refused; the log file has the full reply.",
            },
            MindbodyError::Network { .. } => {
                "Check the network, and `[mindbody] api_url` in config.toml."
            }
            MindbodyError::Malformed(_) => {
                "A proxy may have changed the reply; check `[mindbody] api_url`."
            }
            MindbodyError::TooLarge { .. } => {
                "No Mindbody page is that large: something between legion-hub and Mindbody (a proxy?) sent it; check `[mindbody] api_url`. A sync run again resumes from its last stored page."
            }
            MindbodyError::TimedOut { .. } => {
                "Mindbody (or the network) is very slow right now: run the sync again later; it resumes from its last stored page."
            }
        }
    }

    /// The step that mends it, said by each front end in its own words.
    pub fn step(&self) -> Option<crate::domain::NextStep> {
        match self {
            MindbodyError::Api { code, .. }
                if matches!(
                    code.as_str(),
                    "DeniedAccess"
                        | "Unauthorized"
                        | "InvalidAccessToken"
                        | "InvalidSiteId"
                        | "SiteNotFound"
                ) =>
            {
                Some(crate::domain::NextStep::ConfigureMindbody)
            }
            _ => None,
        }
    }

    fn is_retryable(&self) -> bool {
        match self {
            MindbodyError::Api { status, .. } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
            }
            // A slow answer may come quicker the next time; a huge one will not shrink.
            MindbodyError::Network { .. } | MindbodyError::TimedOut { .. } => true,
            MindbodyError::Malformed(_) | MindbodyError::TooLarge { .. } => false,
        }
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(rename = "Error")]
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Code", default)]
    code: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Location {
    #[serde(rename = "Id", default)]
    pub id: i64,
    #[serde(rename = "Name", default)]
    pub name: String,
}

#[derive(Deserialize)]
struct LocationsPage {
    #[serde(rename = "Locations", default)]
    locations: Vec<Location>,
}

/// A request that got no usable answer.
struct Failure {
    error: MindbodyError,
    /// The server's `Retry-After`, if it sent one.
    retry_after: Option<Duration>,
    /// Whether Mindbody answered at all (a status line came back): then the call is billed.
    answered: bool,
}

pub struct MindbodyClient {
    http: reqwest::Client,
    base: String,
    api_key: Secret,
    site_id: String,
    retry: RetryPolicy,
    timeout: Duration,
    on_call: Option<CallCounter>,
}

impl MindbodyClient {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        api_key: Secret,
        site_id: &str,
    ) -> MindbodyClient {
        MindbodyClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            api_key,
            site_id: site_id.to_string(),
            retry: RetryPolicy::default(),
            timeout: REQUEST_TIMEOUT,
            on_call: None,
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> MindbodyClient {
        self.retry = retry;
        self
    }

    /// Another total timeout per request than [`REQUEST_TIMEOUT`] (tests use a short one).
    pub fn with_timeout(mut self, timeout: Duration) -> MindbodyClient {
        self.timeout = timeout;
        self
    }

    pub fn counting_calls(mut self, on_call: CallCounter) -> MindbodyClient {
        self.on_call = Some(on_call);
        self
    }

    /// One GET, retried while worth it; the body of the first good answer.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        access_token: &Secret,
    ) -> Result<T, MindbodyError> {
        let url = format!("{}/{path}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.get_once(&url, query, access_token).await;
            if let Some(count) = &self.on_call {
                count(match &outcome {
                    Err(failure) if !failure.answered => Attempt::Unreached,
                    _ => Attempt::Answered,
                });
            }
            let Failure {
                error, retry_after, ..
            } = match outcome {
                Ok(body) => {
                    return serde_json::from_slice(&body)
                        .map_err(|e| MindbodyError::Malformed(format!("{path}: {e}")));
                }
                Err(failure) => failure,
            };
            if !error.is_retryable() || attempt >= self.retry.attempts {
                return Err(error);
            }
            let delay = retry_after
                .filter(|d| *d <= self.retry.max_delay)
                .unwrap_or_else(|| self.retry.backoff(attempt));
            tracing::info!(%error, attempt, ?delay, "retrying a Mindbody request");
            tokio::time::sleep(delay).await;
        }
    }

    /// The body of a 2xx, or the error with the server's `Retry-After`, if it sent one.
    async fn get_once(
        &self,
        url: &str,
        query: &[(&str, String)],
        access_token: &Secret,
    ) -> Result<bytes::Bytes, Failure> {
        // The URL is said once, without its query; reqwest's own text repeats it whole.
        let timeout = self.timeout;
        let network = |e: reqwest::Error| {
            // A connection that could not be made in time is a network error, not a slow reply.
            if e.is_timeout() && !e.is_connect() {
                MindbodyError::TimedOut { after: timeout }
            } else {
                MindbodyError::Network {
                    url: url.to_string(),
                    detail: crate::http::describe(&e),
                }
            }
        };
        // A request that never connected cannot have been billed; one that timed out after
        // connecting may have been, so it counts.
        let unreached = |e: reqwest::Error| Failure {
            answered: !e.is_connect(),
            error: network(e),
            retry_after: None,
        };
        let cut_off = |e| Failure {
            error: match e {
                crate::http::BodyError::TooLarge { limit } => MindbodyError::TooLarge { limit },
                crate::http::BodyError::Transport(e) => network(e),
            },
            retry_after: None,
            answered: true,
        };
        let reply = self
            .http
            .get(url)
            .query(query)
            .header("Api-Key", self.api_key.expose())
            .header("SiteId", &self.site_id)
            .bearer_auth(access_token.expose())
            .timeout(self.timeout)
            .send()
            .await
            .map_err(unreached)?;
        let status = reply.status().as_u16();
        let retry_after = reply
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = crate::http::read_capped(reply, crate::http::API_REPLY_LIMIT)
            .await
            .map_err(cut_off)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let error = match serde_json::from_slice::<ErrorEnvelope>(&body) {
            Ok(envelope) => MindbodyError::Api {
                status,
                code: crate::text::one_line(&envelope.error.code),
                message: crate::text::one_line(&envelope.error.message),
            },
            Err(_) => MindbodyError::Api {
                status,
                code: "HTTP".into(),
                message: crate::text::one_line(&String::from_utf8_lossy(
                    &body[..body.len().min(200)],
                )),
            },
        };
        Err(Failure {
            error,
            retry_after,
            answered: true,
        })
    }

    /// The site's revenue categories.
    pub async fn categories_page(
        &self,
        access_token: &Secret,
        offset: u64,
    ) -> Result<CategoriesPage, MindbodyError> {
        let query = [
            ("Limit", PAGE_LIMIT.to_string()),
            ("Offset", offset.to_string()),
        ];
        self.get("site/categories", &query, access_token).await
    }

    /// Clients created or changed since `since` (all when None).
    pub async fn clients_page(
        &self,
        access_token: &Secret,
        since: Option<NaiveDateTime>,
        offset: u64,
    ) -> Result<ClientsPage, MindbodyError> {
        let mut query = vec![
            ("Limit", PAGE_LIMIT.to_string()),
            ("Offset", offset.to_string()),
        ];
        if let Some(since) = since {
            query.push((
                "LastModifiedDate",
                since.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ));
        }
        self.get("client/clients", &query, access_token).await
    }

    /// Card and ACH transactions made between `start` and `end`.
    pub async fn transactions_page(
        &self,
        access_token: &Secret,
        start: NaiveDateTime,
        end: NaiveDateTime,
        offset: u64,
    ) -> Result<TransactionsPage, MindbodyError> {
        let query = [
            (
                "TransactionStartDateTime",
                start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            (
                "TransactionEndDateTime",
                end.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            ("Limit", PAGE_LIMIT.to_string()),
            ("Offset", offset.to_string()),
        ];
        self.get("sale/transactions", &query, access_token).await
    }

    /// One page of sales made between `start` and `end` (studio time), `PAGE_LIMIT` at a time.
    pub async fn sales_page(
        &self,
        access_token: &Secret,
        start: NaiveDateTime,
        end: NaiveDateTime,
        offset: u64,
    ) -> Result<SalesPage, MindbodyError> {
        let query = [
            (
                "StartSaleDateTime",
                start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            (
                "EndSaleDateTime",
                end.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            ("Limit", PAGE_LIMIT.to_string()),
            ("Offset", offset.to_string()),
        ];
        self.get("sale/sales", &query, access_token).await
    }

    /// The cheapest authenticated call: the site's locations.
    pub async fn locations(&self, access_token: &Secret) -> Result<Vec<Location>, MindbodyError> {
        let page: LocationsPage = self.get("site/locations", &[], access_token).await?;
        Ok(page.locations)
    }
}
