//! The token requests of the authorization-code flow, through the oauth2 crate with a small
//! adapter that sends its requests over the hub's reqwest client: the authorize URL (PKCE S256,
//! a fresh `state`, a `nonce`, provider extras), the code exchange and refresh. Revocation is in
//! `revocation.rs`.

use chrono::{Duration, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use rand::RngCore;
use url::Url;

use super::OAuthError;
use crate::secret::Secret;
use crate::store::TokenSet;

/// A provider's OAuth application as registered, and where its endpoints are.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub authorize_url: String,
    pub token_url: String,
    pub revocation_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub redirect_uri: Url,
    pub scopes: Vec<String>,
    /// Provider-specific authorize parameters (Mindbody's `subscriberId`).
    pub extra_params: Vec<(String, String)>,
}

/// A sign-in begun: the address to open, and what only this process knows about it.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub verifier: PkceCodeVerifier,
}

fn config_error(what: &str, value: &str) -> OAuthError {
    OAuthError::Config(format!("{what} `{value}` is not a valid URL"))
}

impl OAuthApp {
    pub fn authorize(&self) -> Result<Authorization, OAuthError> {
        let auth_url = AuthUrl::new(self.authorize_url.clone())
            .map_err(|_| config_error("the authorize URL", &self.authorize_url))?;
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()));
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("nonce", crate::encoding::base64_url(&nonce));
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for (name, value) in &self.extra_params {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (url, state) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            verifier,
        })
    }

    fn token_client(
        &self,
    ) -> Result<
        BasicClient<
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
        OAuthError,
    > {
        let token_url = TokenUrl::new(self.token_url.clone())
            .map_err(|_| config_error("the token URL", &self.token_url))?;
        let mut client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_token_uri(token_url)
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()));
        if let Some(secret) = &self.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        Ok(client)
    }

    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
        verifier: PkceCodeVerifier,
    ) -> Result<TokenSet, OAuthError> {
        let reply = self
            .token_client()?
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&|request| send(http.clone(), request))
            .await
            .map_err(|e| self.token_error(e))?;
        Ok(token_set(&reply, None))
    }

    /// A fresh access token. Providers that rotate refresh tokens send a new one, which
    /// replaces the old; others keep the old one.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &Secret,
    ) -> Result<TokenSet, OAuthError> {
        let reply = self
            .token_client()?
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_string()))
            .request_async(&|request| send(http.clone(), request))
            .await
            .map_err(|e| self.token_error(e))?;
        Ok(token_set(&reply, Some(refresh_token)))
    }

    fn token_error<E: std::error::Error + 'static>(
        &self,
        error: RequestTokenError<E, oauth2::basic::BasicErrorResponse>,
    ) -> OAuthError {
        match error {
            RequestTokenError::ServerResponse(reply) => {
                let description = reply
                    .error_description()
                    .map(|d| crate::text::one_line(d))
                    .unwrap_or_default();
                match reply.error() {
                    BasicErrorResponseType::InvalidGrant => OAuthError::InvalidGrant(description),
                    other => OAuthError::TokenRequest(format!("{other}: {description}")),
                }
            }
            RequestTokenError::Request(e) => OAuthError::Network {
                url: self.token_url.clone(),
                detail: crate::text::one_line(&e.to_string()),
            },
            RequestTokenError::Parse(e, _) => OAuthError::Malformed(e.to_string()),
            RequestTokenError::Other(text) => OAuthError::TokenRequest(text),
        }
    }
}

fn token_set(reply: &oauth2::basic::BasicTokenResponse, old_refresh: Option<&Secret>) -> TokenSet {
    let now = Utc::now();
    TokenSet {
        access_token: Secret::new(reply.access_token().secret().clone()),
        refresh_token: reply
            .refresh_token()
            .map(|r| Secret::new(r.secret().clone()))
            .or_else(|| old_refresh.cloned()),
        token_type: "Bearer".into(),
        expires_at: reply
            .expires_in()
            .and_then(|d| Duration::from_std(d).ok())
            // A server's absurd `expires_in` must not overflow (`+` would panic).
            .and_then(|d| now.checked_add_signed(d)),
        scope: reply.scopes().map(|s| {
            s.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        created_at: now,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(transparent)]
    Reqwest(#[from] reqwest::Error),
    #[error(transparent)]
    Http(#[from] http::Error),
    #[error("the sign-in server's reply was larger than {} and was not read: check the token URL", crate::http::size(*limit))]
    TooLarge { limit: usize },
}

/// How long a token request may take, reply included.
const TOKEN_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// oauth2's requests, sent with our reqwest client (oauth2's own uses another reqwest).
async fn send(
    http: reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let reply = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .timeout(TOKEN_REQUEST_TIMEOUT)
        .send()
        .await?;
    let mut response = http::Response::builder().status(reply.status());
    for (name, value) in reply.headers() {
        response = response.header(name, value);
    }
    // A token reply is a few kilobytes; a sign-in server that sends more is not read whole.
    let body = crate::http::read_capped(reply, crate::http::TOKEN_REPLY_LIMIT)
        .await
        .map_err(|e| match e {
            crate::http::BodyError::TooLarge { limit } => HttpError::TooLarge { limit },
            crate::http::BodyError::Transport(e) => HttpError::Reqwest(e),
        })?
        .to_vec();
    Ok(response.body(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(expires_in: u64) -> oauth2::basic::BasicTokenResponse {
        serde_json::from_value(serde_json::json!({
            "access_token": "a",
            "token_type": "Bearer",
            "expires_in": expires_in,
        }))
        .unwrap()
    }

    #[test]
    fn an_expiry_past_the_calendar_is_unknown_not_a_panic() {
        let usual = token_set(&reply(3600), None);
        let in_an_hour = usual.expires_at.unwrap() - usual.created_at;
        assert_eq!(in_an_hour, Duration::hours(1));
        // Past chrono's range, and past it only once added to now.
        for absurd in [u64::MAX, 9_000_000_000_000_000] {
            assert_eq!(token_set(&reply(absurd), None).expires_at, None);
        }
    }
}
