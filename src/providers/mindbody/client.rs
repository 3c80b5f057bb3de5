//! Mindbody's Public API v6 client: `Api-Key`, `SiteId` and `Authorization: Bearer` on every
//! call, errors read from `{"Error":{"Message","Code"}}` with a hint per code.

use serde::Deserialize;

use crate::secret::Secret;

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
}

impl MindbodyError {
    pub fn hint(&self) -> &'static str {
        match self {
            MindbodyError::Api { code, .. } => match code.as_str() {
                "DeniedAccess" | "Unauthorized" | "InvalidAccessToken" => {
                    "The sign-in or the API key was refused: check the API key in the settings, then reconnect Mindbody."
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
        }
    }

    /// The sign-in itself was refused (the fix is to reconnect).
    pub fn is_auth(&self) -> bool {
        matches!(self, MindbodyError::Api { status: 401, .. })
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

pub struct MindbodyClient {
    http: reqwest::Client,
    base: String,
    api_key: Secret,
    site_id: String,
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
        }
    }

    /// The cheapest authenticated call: the site's locations.
    pub async fn locations(&self, access_token: &Secret) -> Result<Vec<Location>, MindbodyError> {
        let url = format!("{}/site/locations", self.base);
        let reply = self
            .http
            .get(&url)
            .header("Api-Key", self.api_key.expose())
            .header("SiteId", &self.site_id)
            .bearer_auth(access_token.expose())
            .send()
            .await
            .map_err(|e| MindbodyError::Network {
                url: url.clone(),
                detail: crate::present::one_line(&e.to_string()),
            })?;
        let status = reply.status().as_u16();
        let body = reply.bytes().await.map_err(|e| MindbodyError::Network {
            url: url.clone(),
            detail: crate::present::one_line(&e.to_string()),
        })?;
        if !(200..300).contains(&status) {
            return Err(match serde_json::from_slice::<ErrorEnvelope>(&body) {
                Ok(envelope) => MindbodyError::Api {
                    status,
                    code: crate::present::one_line(&envelope.error.code),
                    message: crate::present::one_line(&envelope.error.message),
                },
                Err(_) => MindbodyError::Api {
                    status,
                    code: "HTTP".into(),
                    message: crate::present::one_line(&String::from_utf8_lossy(
                        &body[..body.len().min(200)],
                    )),
                },
            });
        }
        serde_json::from_slice::<LocationsPage>(&body)
            .map(|page| page.locations)
            .map_err(|e| MindbodyError::Malformed(e.to_string()))
    }
}
