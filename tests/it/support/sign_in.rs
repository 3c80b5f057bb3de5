//! Signing in at the Mindbody sandbox the way the hub's flow does (PKCE, the registered loopback
//! redirect, `subscriberId`), without a browser or a listener: the code is read from the
//! sandbox's redirect. For tests that talk to the sandbox's endpoints directly.
#![allow(dead_code)]

use legion_hub::oauth::client::OAuthApp;
use legion_hub::sandbox::mindbody::*;
use legion_hub::secret::Secret;
use legion_hub::store::TokenSet;

/// The hub's redirect URI on some loopback port (nothing listens: the code is read from the
/// sandbox's `Location`).
pub const REDIRECT: &str = "http://localhost:3000/api/integrations/mindbody/callback";

/// The hub's OAuth application at the sandbox, for `site`, asking for `scopes`.
pub fn app(sandbox: &MindbodySandbox, site: &str, scopes: &[&str]) -> OAuthApp {
    OAuthApp {
        authorize_url: sandbox.authorize_url(),
        token_url: sandbox.token_url(),
        revocation_url: Some(sandbox.revocation_url()),
        client_id: SANDBOX_CLIENT_ID.into(),
        client_secret: Some(Secret::new(SANDBOX_CLIENT_SECRET)),
        redirect_uri: url::Url::parse(REDIRECT).unwrap(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        extra_params: vec![("subscriberId".into(), site.into())],
    }
}

/// Where the sandbox sends the browser after an authorize request (it must auto-approve).
pub async fn redirect_target(authorize_url: &str) -> reqwest::Response {
    legion_hub::http::client_without_redirects()
        .get(authorize_url)
        .send()
        .await
        .unwrap()
}

/// The `code` of an authorize request the sandbox approved.
pub async fn code_for(authorize_url: &str) -> String {
    let reply = redirect_target(authorize_url).await;
    let location = reply.headers()["location"].to_str().unwrap().to_string();
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {location}"))
        .1
        .into_owned()
}

/// Tokens for `site` with `scopes`, through authorize and the code exchange.
pub async fn tokens(sandbox: &MindbodySandbox, site: &str, scopes: &[&str]) -> TokenSet {
    sandbox.set_auto_approve(true);
    let app = app(sandbox, site, scopes);
    let authorization = app.authorize().unwrap();
    let code = code_for(&authorization.url).await;
    app.exchange(&legion_hub::http::client(), &code, authorization.verifier)
        .await
        .unwrap()
}

/// Tokens as the hub asks for them: every scope, the sandbox's site.
pub async fn hub_tokens(sandbox: &MindbodySandbox) -> TokenSet {
    tokens(
        sandbox,
        SANDBOX_SITE_ID,
        &legion_hub::integrations::mindbody::SCOPES,
    )
    .await
}
