//! The Gemini client: `models.list`, `models.get`, `generateContent`, `streamGenerateContent`
//! and `countTokens`, with the key in the `x-goog-api-key` header and bounded, cancellable
//! retries with exponential backoff and jitter that honour the server's `retryDelay`.

use std::time::Duration;

use futures_util::Stream;
use reqwest::RequestBuilder;
use tokio_util::sync::CancellationToken;

use super::error::GeminiError;
use super::sse;
use super::types::{CountTokensResponse, GenerateRequest, GenerateResponse, Model, ModelPage};
use crate::secret::Secret;

pub use crate::http::RetryPolicy;

/// How long a non-streamed call may take, reply included: a model list, a model, a token count.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a non-streamed `generateContent` may take: a thinking model can work for minutes on
/// a long answer. A streamed reply has no total timeout (it may rightly talk for long); the
/// HTTP client's read timeout ends it when the server falls silent (`http::client`).
const GENERATE_TIMEOUT: Duration = Duration::from_secs(300);

/// Pages fetched at most from `models.list`: a server that keeps returning page tokens must not
/// keep the hub busy forever.
const MAX_MODEL_PAGES: usize = 50;

#[derive(Clone)]
pub struct GeminiClient {
    http: reqwest::Client,
    base: String,
    key: Secret,
    retry: RetryPolicy,
}

impl GeminiClient {
    pub fn new(http: reqwest::Client, base_url: &str, key: Secret) -> GeminiClient {
        GeminiClient {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            key,
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> GeminiClient {
        self.retry = retry;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path)
    }

    /// Sends the request `make` builds, retrying what is worth retrying. Before each wait,
    /// `on_wait` hears why and for how long, so a person can be shown a countdown.
    async fn send(
        &self,
        cancel: &CancellationToken,
        url: &str,
        make: impl Fn() -> RequestBuilder,
        mut on_wait: impl FnMut(&GeminiError, Duration),
    ) -> Result<reqwest::Response, GeminiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = make().header("x-goog-api-key", self.key.expose()).send();
            let error = tokio::select! {
                _ = cancel.cancelled() => return Err(GeminiError::Cancelled),
                reply = request => match reply {
                    Ok(reply) if reply.status().is_success() => return Ok(reply),
                    Ok(reply) => {
                        let status = reply.status().as_u16();
                        let body = tokio::select! {
                            _ = cancel.cancelled() => return Err(GeminiError::Cancelled),
                            body = crate::http::read_capped(reply, crate::http::API_REPLY_LIMIT) => body.unwrap_or_default(),
                        };
                        GeminiError::from_reply(status, &body)
                    }
                    Err(e) => GeminiError::network(url, &e),
                },
            };
            let delay = match &error {
                _ if !error.is_retryable() || attempt >= self.retry.attempts => None,
                GeminiError::RateLimited {
                    retry_after: Some(wait),
                    ..
                } => Some(*wait).filter(|wait| *wait <= self.retry.max_delay),
                _ => Some(self.retry.backoff(attempt)),
            };
            // Debug, not Display: the log keeps the server's own words.
            let Some(delay) = delay else {
                tracing::info!(?error, attempt, "a Gemini request failed");
                return Err(error);
            };
            tracing::info!(?error, attempt, ?delay, "retrying a Gemini request");
            on_wait(&error, delay);
            tokio::select! {
                _ = cancel.cancelled() => return Err(GeminiError::Cancelled),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(
        reply: reqwest::Response,
        what: &str,
    ) -> Result<T, GeminiError> {
        let body = crate::http::read_capped(reply, crate::http::API_REPLY_LIMIT)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::TooLarge { limit } => GeminiError::TooLarge { limit },
                crate::http::BodyError::Transport(e) => {
                    GeminiError::StreamCut(crate::text::one_line(&e.to_string()))
                }
            })?;
        serde_json::from_slice(&body).map_err(|e| {
            GeminiError::Malformed(format!("{what} is not the JSON Gemini sends: {e}"))
        })
    }

    /// Every model the key can use to generate content, from all pages of `models.list`.
    pub async fn list_models(&self, cancel: &CancellationToken) -> Result<Vec<Model>, GeminiError> {
        let url = self.url("models");
        let mut models = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_MODEL_PAGES {
            let reply = self
                .send(
                    cancel,
                    &url,
                    || {
                        let mut request = self
                            .http
                            .get(&url)
                            .query(&[("pageSize", "100")])
                            .timeout(CALL_TIMEOUT);
                        if let Some(token) = &token {
                            request = request.query(&[("pageToken", token)]);
                        }
                        request
                    },
                    ignore_waits,
                )
                .await?;
            let page: ModelPage = Self::json(reply, "the model list").await?;
            models.extend(page.models.into_iter().filter(Model::can_generate));
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(models),
            }
        }
        Ok(models)
    }

    pub async fn get_model(
        &self,
        model: &str,
        cancel: &CancellationToken,
    ) -> Result<Model, GeminiError> {
        let url = self.url(&format!("models/{}", bare(model)));
        let reply = self
            .send(
                cancel,
                &url,
                || self.http.get(&url).timeout(CALL_TIMEOUT),
                ignore_waits,
            )
            .await?;
        Self::json(reply, "the model").await
    }

    pub async fn generate(
        &self,
        model: &str,
        request: &GenerateRequest,
        cancel: &CancellationToken,
    ) -> Result<GenerateResponse, GeminiError> {
        let url = self.url(&format!("models/{}:generateContent", bare(model)));
        let reply = self
            .send(
                cancel,
                &url,
                || self.http.post(&url).json(request).timeout(GENERATE_TIMEOUT),
                ignore_waits,
            )
            .await?;
        let response: GenerateResponse = Self::json(reply, "the reply").await?;
        match response.block_reason() {
            Some(reason) => Err(GeminiError::Blocked(reason.to_string())),
            None => Ok(response),
        }
    }

    /// Streams a reply chunk by chunk. Retries cover the request; once text flows, a cut is
    /// reported as [`GeminiError::StreamCut`] (the caller keeps what arrived).
    pub async fn stream(
        &self,
        model: &str,
        request: &GenerateRequest,
        cancel: &CancellationToken,
    ) -> Result<impl Stream<Item = Result<GenerateResponse, GeminiError>> + use<>, GeminiError>
    {
        self.stream_telling_waits(model, request, cancel, &mut ignore_waits)
            .await
    }

    /// [`GeminiClient::stream`], with `on_wait` told of each wait before a retry (why, how
    /// long): a reply someone is waiting for shows it.
    pub async fn stream_telling_waits(
        &self,
        model: &str,
        request: &GenerateRequest,
        cancel: &CancellationToken,
        on_wait: &mut (dyn FnMut(&GeminiError, Duration) + Send),
    ) -> Result<impl Stream<Item = Result<GenerateResponse, GeminiError>> + use<>, GeminiError>
    {
        let url = self.url(&format!("models/{}:streamGenerateContent", bare(model)));
        let reply = self
            .send(
                cancel,
                &url,
                || self.http.post(&url).query(&[("alt", "sse")]).json(request),
                on_wait,
            )
            .await?;
        Ok(sse::chunks(reply.bytes_stream()))
    }

    pub async fn count_tokens(
        &self,
        model: &str,
        request: &GenerateRequest,
        cancel: &CancellationToken,
    ) -> Result<u64, GeminiError> {
        let url = self.url(&format!("models/{}:countTokens", bare(model)));
        let body = serde_json::json!({ "contents": request.contents });
        let reply = self
            .send(
                cancel,
                &url,
                || self.http.post(&url).json(&body).timeout(CALL_TIMEOUT),
                ignore_waits,
            )
            .await?;
        let counted: CountTokensResponse = Self::json(reply, "the token count").await?;
        Ok(counted.total_tokens)
    }
}

/// For the calls nobody watches wait.
fn ignore_waits(_: &GeminiError, _: Duration) {}

fn bare(model: &str) -> &str {
    model.strip_prefix("models/").unwrap_or(model)
}
