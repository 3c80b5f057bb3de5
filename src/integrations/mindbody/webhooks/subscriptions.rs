//! The Webhooks API (`API-Key` header): create a subscription (Mindbody checks the URL with a
//! `HEAD` first and returns the `messageSignatureKey` only then), list, activate, delete. Replies
//! come bare or wrapped in `{"isSuccess", "value", "errorInformation"}`; both are read. Each
//! request has a total timeout and each reply a size ceiling.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum WebhooksError {
    #[error("the Mindbody Webhooks API refused the request (HTTP {status}): {message}")]
    Api { status: u16, message: String },
    #[error("cannot reach the Mindbody Webhooks API at {url}: {detail}")]
    Network { url: String, detail: String },
    #[error("the Mindbody Webhooks API sent a reply legion-hub cannot read: {0}")]
    Malformed(String),
    #[error("the Mindbody Webhooks API's reply was larger than {} and was not read", crate::http::size(*limit))]
    TooLarge { limit: usize },
}

/// How long one Webhooks API request may take, reply included: they are small JSON documents.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

impl WebhooksError {
    pub fn hint(&self) -> &'static str {
        match self {
            WebhooksError::Api {
                status: 401 | 403, ..
            } => {
                "check the Mindbody API key (`legion-hub mindbody configure`): webhooks need the same developer account's key"
            }
            WebhooksError::Api { status: 400, .. } => {
                "check the URL: it must be HTTPS, reachable from the internet, and answer HEAD with 200 (run `legion-hub serve` behind your TLS proxy first)"
            }
            WebhooksError::Api { status: 404, .. } => {
                "that subscription is gone: `legion-hub webhooks list` shows the ones there are"
            }
            WebhooksError::Api { .. } => "try again in a minute",
            WebhooksError::Network { .. } => {
                "check the network, or LEGION_HUB_MINDBODY_WEBHOOKS_URL if you moved it"
            }
            WebhooksError::Malformed(_) => "try again; if it persists, report it with the log file",
            WebhooksError::TooLarge { .. } => {
                "no Webhooks API reply is that large: check LEGION_HUB_MINDBODY_WEBHOOKS_URL (a proxy may be in the way)"
            }
        }
    }
}

/// A subscription as Mindbody reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    #[serde(rename = "subscriptionId")]
    pub id: String,
    pub status: String,
    #[serde(rename = "webhookUrl", default)]
    pub webhook_url: String,
    #[serde(rename = "eventIds", default)]
    pub event_ids: Vec<String>,
    #[serde(rename = "statusChangeDate", default)]
    pub status_changed_at: Option<DateTime<Utc>>,
    #[serde(rename = "statusChangeMessage", default)]
    pub status_message: Option<String>,
    #[serde(rename = "referenceId", default)]
    pub reference_id: Option<String>,
    /// Only in the reply to a creation; sealed at once, never written out with the rest.
    #[serde(rename = "messageSignatureKey", default, skip_serializing)]
    pub message_signature_key: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    PendingActivation,
    Active,
    /// Deactivated by us, by Mindbody's staff, or after deliveries failed for hours.
    Deactivated,
    Unknown,
}

impl Subscription {
    pub fn state(&self) -> SubscriptionStatus {
        match self.status.as_str() {
            "PendingActivation" => SubscriptionStatus::PendingActivation,
            "Active" => SubscriptionStatus::Active,
            s if s.starts_with("Deactivated") => SubscriptionStatus::Deactivated,
            _ => SubscriptionStatus::Unknown,
        }
    }

    /// Mindbody turned it off (not the user): deliveries stopped until it is reactivated.
    pub fn deactivated_by_mindbody(&self) -> bool {
        self.state() == SubscriptionStatus::Deactivated && self.status != "DeactivatedByUser"
    }
}

#[derive(Debug, Serialize)]
struct Create<'a> {
    #[serde(rename = "eventIds")]
    event_ids: &'a [String],
    #[serde(rename = "eventSchemaVersion")]
    event_schema_version: u32,
    #[serde(rename = "referenceId")]
    reference_id: &'a str,
    #[serde(rename = "webhookUrl")]
    webhook_url: &'a str,
}

#[derive(Debug, Deserialize)]
struct Listed {
    #[serde(default)]
    items: Vec<Subscription>,
}

pub struct WebhooksClient {
    http: reqwest::Client,
    base: String,
    api_key: Secret,
}

impl WebhooksClient {
    pub fn new(http: reqwest::Client, base_url: &str, api_key: Secret) -> WebhooksClient {
        WebhooksClient {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            api_key,
        }
    }

    pub async fn create(
        &self,
        webhook_url: &str,
        event_ids: &[String],
        reference_id: &str,
    ) -> Result<Subscription, WebhooksError> {
        let body = Create {
            event_ids,
            event_schema_version: 1,
            reference_id,
            webhook_url,
        };
        let request = self.http.post(self.url("subscriptions")).json(&body);
        self.send(request).await
    }

    pub async fn list(&self) -> Result<Vec<Subscription>, WebhooksError> {
        let listed: Listed = self.send(self.http.get(self.url("subscriptions"))).await?;
        Ok(listed.items)
    }

    pub async fn get(&self, id: &str) -> Result<Subscription, WebhooksError> {
        self.send(self.http.get(self.url(&format!("subscriptions/{id}"))))
            .await
    }

    /// Activates a new subscription, or reactivates one Mindbody turned off.
    pub async fn activate(&self, id: &str) -> Result<Subscription, WebhooksError> {
        let request = self
            .http
            .patch(self.url(&format!("subscriptions/{id}")))
            .json(&serde_json::json!({ "status": "Active" }));
        self.send(request).await
    }

    pub async fn delete(&self, id: &str) -> Result<(), WebhooksError> {
        let _: serde_json::Value = self
            .send(self.http.delete(self.url(&format!("subscriptions/{id}"))))
            .await?;
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, WebhooksError> {
        let response = request
            .header("API-Key", self.api_key.expose())
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| WebhooksError::Network {
                url: self.base.clone(),
                detail: crate::http::describe(&e),
            })?;
        let status = response.status();
        let body = crate::http::read_capped(response, crate::http::API_REPLY_LIMIT)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::TooLarge { limit } => WebhooksError::TooLarge { limit },
                crate::http::BodyError::Transport(e) => WebhooksError::Network {
                    url: self.base.clone(),
                    detail: crate::http::describe(&e),
                },
            })?;
        let text = String::from_utf8_lossy(&body);
        if !status.is_success() {
            return Err(WebhooksError::Api {
                status: status.as_u16(),
                message: error_message(&text),
            });
        }
        let value: serde_json::Value = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| WebhooksError::Malformed(e.to_string()))?
        };
        serde_json::from_value(unwrap_result(value)?)
            .map_err(|e| WebhooksError::Malformed(e.to_string()))
    }
}

/// The `PushApiResult` wrapper's value, or the body as it is.
fn unwrap_result(value: serde_json::Value) -> Result<serde_json::Value, WebhooksError> {
    match value {
        serde_json::Value::Object(mut map) if map.contains_key("isSuccess") => {
            if map.get("isSuccess") == Some(&serde_json::Value::Bool(false)) {
                return Err(WebhooksError::Api {
                    status: 200,
                    message: error_message(&serde_json::Value::Object(map).to_string()),
                });
            }
            Ok(map.remove("value").unwrap_or(serde_json::Value::Null))
        }
        other => Ok(other),
    }
}

/// The message in a Push API error body (`errorInformation`) or a v6-style `Error`.
fn error_message(text: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    value
        .pointer("/errorInformation/0/errorMessage")
        .or_else(|| value.pointer("/Error/Message"))
        .or_else(|| value.pointer("/message"))
        .and_then(|m| m.as_str())
        .map(crate::text::one_line)
        .unwrap_or_else(|| crate::text::one_line(&text.chars().take(200).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_reply_reads_and_keeps_the_key_out_of_json() {
        let reference: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/fixtures/mindbody/webhook_subscription_create.json"
        ))
        .unwrap();
        let sub: Subscription = serde_json::from_value(reference["response_200"].clone()).unwrap();
        assert_eq!(sub.state(), SubscriptionStatus::PendingActivation);
        assert!(sub.message_signature_key.is_some());
        let out = serde_json::to_string(&sub).unwrap();
        assert!(!out.contains("returned ONLY here"), "{out}");
    }

    #[test]
    fn wrapped_replies_and_errors_unwrap() {
        let wrapped =
            serde_json::json!({"isSuccess": true, "value": {"items": []}, "errorInformation": []});
        assert_eq!(
            unwrap_result(wrapped).unwrap(),
            serde_json::json!({"items": []})
        );
        let failed = serde_json::json!({"isSuccess": false, "errorInformation": [{"errorMessage": "bad url"}]});
        assert!(
            matches!(unwrap_result(failed), Err(WebhooksError::Api { message, .. }) if message == "bad url")
        );
    }
}
