//! Revoking a sign-in at the provider (RFC 7009): the refresh token and the access token, each
//! with its `token_type_hint`, and what came of it in a form the front ends can word honestly:
//! "revoked" only when the provider confirmed it.

use super::client::OAuthApp;
pub use crate::api::sign_in::Revocation;
use crate::secret::Secret;
use crate::store::TokenSet;

impl OAuthApp {
    /// Revokes the refresh token (which ends the grant) and then the access token. Both are
    /// tried even when the first fails; the first failure is the reason given.
    pub async fn revoke_tokens(&self, http: &reqwest::Client, tokens: &TokenSet) -> Revocation {
        let Some(url) = &self.revocation_url else {
            return Revocation::NotConfirmed {
                reason: "no revocation endpoint is set".into(),
            };
        };
        let mut requests = Vec::new();
        if let Some(refresh) = &tokens.refresh_token {
            requests.push((refresh, "refresh_token"));
        }
        requests.push((&tokens.access_token, "access_token"));
        let mut failure = None;
        for (token, hint) in requests {
            if let Err(reason) = self.revoke(http, url, token, hint).await {
                failure.get_or_insert(reason);
            }
        }
        match failure {
            None => Revocation::Revoked,
            Some(reason) => Revocation::NotConfirmed { reason },
        }
    }

    /// One revocation request; Err says why it was not confirmed.
    async fn revoke(
        &self,
        http: &reqwest::Client,
        url: &str,
        token: &Secret,
        hint: &str,
    ) -> Result<(), String> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token.expose())
            .append_pair("token_type_hint", hint)
            .append_pair("client_id", &self.client_id)
            .finish();
        let mut request = http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(secret) = &self.client_secret {
            request = request.basic_auth(&self.client_id, Some(secret.expose()));
        }
        let reply = request
            .timeout(std::time::Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "cannot reach {url}: {}",
                    crate::text::one_line(&e.to_string())
                )
            })?;
        // RFC 7009: 200 whether or not the token was still valid; an error names itself in
        // `error` (invalid_client, unsupported_token_type).
        let status = reply.status();
        if status.is_success() {
            return Ok(());
        }
        // Read with the token endpoints' ceiling: an error body is a few bytes of JSON.
        let error = crate::http::read_capped(reply, crate::http::TOKEN_REPLY_LIMIT)
            .await
            .ok()
            .and_then(|body| serde_json::from_slice::<serde_json::Value>(&body).ok())
            .and_then(|body| body.get("error")?.as_str().map(crate::text::one_line))
            // A short code is expected; a server's essay is not repeated.
            .map(|error| error.chars().take(40).collect::<String>());
        Err(match error {
            Some(error) => format!("HTTP {} {error}", status.as_u16()),
            None => format!("HTTP {}", status.as_u16()),
        })
    }
}
