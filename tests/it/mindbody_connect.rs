//! Connecting Mindbody over OAuth against the sandbox: the full flow with an injected browser,
//! refusal, paste-back (valid, forged, wrong), code reuse, timeout, busy port, refresh ahead of
//! expiry (once for 50 callers), rotation, invalid_grant, disconnect; and the sandbox's OAuth
//! server as strict as Mindbody's: registered redirect URIs only, a refresh token only with
//! `offline_access`, a token for its own site only, client credentials at revocation, token
//! replies never cached.

use std::sync::Arc;
use std::time::Duration;

use legion_hub::config::{Config, Paths, Settings};
use legion_hub::domain::Status;
use legion_hub::engine::{Engine, EngineOptions, Event, Role};
use legion_hub::oauth::browser::BrowserOpener;
use legion_hub::oauth::flow::SignIn;
use legion_hub::oauth::{OAuthError, Revocation};
use legion_hub::sandbox::mindbody::*;
use legion_hub::secret::Secret;
use tokio::sync::broadcast;

use crate::support::sign_in;

/// A browser that follows the sign-in: GET the page, approve (or deny) it, follow the redirect.
struct TestBrowser {
    approve: bool,
}

impl BrowserOpener for TestBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let (url, approve) = (url.to_string(), self.approve);
        tokio::spawn(async move {
            let http = legion_hub::http::client();
            let page = http.get(&url).send().await.unwrap();
            let body = page.text().await.unwrap_or_default();
            if let Some(id) = body
                .split("name=request value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
            {
                let base = url.split("/connect/").next().unwrap();
                let decision = if approve { "approve" } else { "deny" };
                let _ = http
                    .post(format!("{base}/connect/authorize/decision"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("request={id}&decision={decision}"))
                    .send()
                    .await;
            }
        });
        Ok(())
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Setup {
    engine: Engine,
    events: broadcast::Receiver<Event>,
    sandbox: MindbodySandbox,
    _dir: tempfile::TempDir,
    port: u16,
}

async fn setup(approve: bool, configure: impl FnOnce(&mut Config)) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = MindbodySandbox::start().await.unwrap();
    let mut config = Config {
        mindbody: sandbox.endpoints(),
        ..Config::default()
    };
    configure(&mut config);
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config,
    };
    let options = EngineOptions {
        browser: Some(Arc::new(TestBrowser { approve })),
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&settings, Role::Dashboard, options).unwrap();
    let port = free_port();
    engine
        .configure_mindbody(legion_hub::demo::sandbox_mindbody_settings(&format!(
            "http://localhost:{port}/api/integrations/mindbody/callback"
        )))
        .await
        .unwrap();
    let events = engine.subscribe();
    Setup {
        engine,
        events,
        sandbox,
        _dir: dir,
        port,
    }
}

async fn waiting(events: &mut broadcast::Receiver<Event>) -> SignIn {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            Event::ConnectWaiting { sign_in, .. } => return sign_in,
            Event::ConnectFinished { error, .. } => panic!("finished before waiting: {error:?}"),
            _ => {}
        }
    }
}

async fn finished(events: &mut broadcast::Receiver<Event>) -> Option<String> {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::ConnectFinished { error, .. } = event {
            return error;
        }
    }
}

async fn status(engine: &Engine) -> Status {
    engine.integrations().await.unwrap()[1].status
}

/// What the sandbox would redirect the browser to, without following it.
async fn redirect_target(sign_in_url: &str) -> String {
    let http = legion_hub::http::client_without_redirects();
    let reply = http.get(sign_in_url).send().await.unwrap();
    reply.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_full_flow_with_a_browser_connects_and_seals_the_tokens() {
    let mut s = setup(true, |_| {}).await;
    s.engine.start_mindbody_connect(true).await.unwrap();
    let sign_in = waiting(&mut s.events).await;
    assert!(sign_in.browser_opened);
    assert_eq!(sign_in.listening_port, Some(s.port));
    for needle in [
        "code_challenge_method=S256",
        "subscriberId=-99",
        "nonce=",
        "offline_access",
        "state=",
    ] {
        assert!(
            sign_in.url.contains(needle),
            "{needle} missing in {}",
            sign_in.url
        );
    }
    assert_eq!(finished(&mut s.events).await, None);
    assert_eq!(status(&s.engine).await, Status::Connected);
    let locations = s.engine.test_mindbody().await.unwrap();
    assert_eq!(locations.len(), 3);
    // The port is released as soon as the flow ends.
    std::net::TcpListener::bind(("127.0.0.1", s.port)).expect("the port is free again");
    let view = serde_json::to_string(&s.engine.integrations().await.unwrap()).unwrap();
    assert!(
        !view.contains("at-") && !view.contains("rt-"),
        "no token in any view"
    );
}

#[tokio::test]
async fn a_refusal_in_the_browser_is_reported_with_its_description() {
    let mut s = setup(false, |_| {}).await;
    s.engine.start_mindbody_connect(true).await.unwrap();
    waiting(&mut s.events).await;
    let error = finished(&mut s.events).await.unwrap();
    assert!(
        error.contains("access_denied") && error.contains("The user denied access"),
        "{error}"
    );
    assert_ne!(status(&s.engine).await, Status::Connected);
}

#[tokio::test]
async fn paste_back_rejects_forged_and_wrong_addresses_then_takes_the_right_one() {
    let mut s = setup(true, |_| {}).await;
    s.sandbox.set_auto_approve(true);
    s.engine.start_mindbody_connect(false).await.unwrap();
    let sign_in = waiting(&mut s.events).await;
    assert!(!sign_in.browser_opened);
    let target = redirect_target(&sign_in.url).await;
    assert!(target.contains("code="));

    let forged = target.replace("state=", "state=forged");
    let err = s
        .engine
        .paste_mindbody_redirect(forged.to_string())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("state does not match"), "{err}");
    let wrong_path = target.replace("/callback", "/elsewhere");
    let err = s
        .engine
        .paste_mindbody_redirect(wrong_path.to_string())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not the redirect address"),
        "{err}"
    );
    let err = s
        .engine
        .paste_mindbody_redirect("hello".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a web address"), "{err}");

    s.engine
        .paste_mindbody_redirect(format!("  {target}\n"))
        .await
        .unwrap();
    assert_eq!(finished(&mut s.events).await, None);
    assert_eq!(status(&s.engine).await, Status::Connected);
}

#[tokio::test]
async fn the_listener_ignores_other_paths_and_forged_callbacks() {
    let mut s = setup(true, |_| {}).await;
    s.sandbox.set_auto_approve(true);
    s.engine.start_mindbody_connect(false).await.unwrap();
    let sign_in = waiting(&mut s.events).await;
    let http = legion_hub::http::client();
    let base = format!("http://127.0.0.1:{}", s.port);
    let other = http
        .get(format!("{base}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    let forged = http
        .get(format!(
            "{base}/api/integrations/mindbody/callback?code=x&state=forged"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    // Still listening: the real redirect connects.
    let target = redirect_target(&sign_in.url).await;
    let page = http.get(&target).send().await.unwrap();
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("Mindbody is connected"));
    assert_eq!(finished(&mut s.events).await, None);
}

#[tokio::test]
async fn a_code_works_once() {
    let s = setup(true, |_| {}).await;
    s.sandbox.set_auto_approve(true);
    // The flow's own exchange, by hand: authorize, take the code, exchange it twice.
    let app = sign_in::app(&s.sandbox, SANDBOX_SITE_ID, &["offline_access"]);
    let http = legion_hub::http::client();
    let auth = app.authorize().unwrap();
    let code = sign_in::code_for(&auth.url).await;
    let verifier = oauth2::PkceCodeVerifier::new(auth.verifier.secret().clone());
    app.exchange(&http, &code, auth.verifier).await.unwrap();
    let again = app.exchange(&http, &code, verifier).await.unwrap_err();
    assert!(matches!(again, OAuthError::InvalidGrant(_)), "{again:?}");
}

#[tokio::test]
async fn nobody_signing_in_times_out() {
    let mut s = setup(true, |c| c.mindbody.connect_timeout_secs = Some(1)).await;
    s.engine.start_mindbody_connect(false).await.unwrap();
    waiting(&mut s.events).await;
    let error = finished(&mut s.events).await.unwrap();
    assert!(error.contains("no sign-in arrived"), "{error}");
}

#[tokio::test]
async fn a_busy_port_is_named() {
    let mut s = setup(true, |_| {}).await;
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", s.port)).unwrap();
    s.engine.start_mindbody_connect(true).await.unwrap();
    let error = finished(&mut s.events).await.unwrap();
    assert!(
        error.contains(&format!("port {}", s.port)) && error.contains("in use"),
        "{error}"
    );
}

async fn connect(s: &mut Setup) {
    s.sandbox.set_auto_approve(true);
    s.engine.start_mindbody_connect(true).await.unwrap();
    assert_eq!(finished(&mut s.events).await, None);
}

#[tokio::test]
async fn fifty_callers_of_an_expired_token_cause_exactly_one_refresh_and_rotation_is_saved() {
    let mut s = setup(true, |c| c.mindbody.refresh_margin_secs = Some(0)).await;
    s.sandbox.set_access_ttl(Duration::from_secs(1));
    connect(&mut s).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let engine = s.engine.clone();
            tokio::spawn(async move {
                engine
                    .local()
                    .unwrap()
                    .mindbody_access_token()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap().expose().to_string());
    }
    assert_eq!(s.sandbox.refreshes(), 1, "one refresh for fifty callers");
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "everyone got the new token"
    );
    // The rotated refresh token was saved: the next refresh works with it.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    s.engine
        .local()
        .unwrap()
        .mindbody_access_token()
        .await
        .unwrap();
    assert_eq!(s.sandbox.refreshes(), 2);
    s.engine.test_mindbody().await.unwrap();
}

#[tokio::test]
async fn invalid_grant_means_needs_reauth_and_keeps_the_settings() {
    let mut s = setup(true, |c| c.mindbody.refresh_margin_secs = Some(3_600)).await;
    connect(&mut s).await;
    s.sandbox.revoke_all();
    let err = s.engine.test_mindbody().await.unwrap_err();
    assert!(err.to_string().contains("invalid_grant"), "{err}");
    let view = &s.engine.integrations().await.unwrap()[1];
    assert_eq!(view.status, Status::NeedsReauth);
    assert!(view.needs_attention());
    assert_eq!(
        view.settings.get("site_id").map(String::as_str),
        Some(SANDBOX_SITE_ID)
    );
    // One reconnect brings it back.
    s.engine.start_mindbody_connect(true).await.unwrap();
    assert_eq!(finished(&mut s.events).await, None);
    assert_eq!(status(&s.engine).await, Status::Connected);
}

#[tokio::test]
async fn disconnect_revokes_both_tokens_at_mindbody_and_forgets_them() {
    // No refresh on the way (the default margin): the tokens of the sign-in are the only ones.
    let mut s = setup(true, |_| {}).await;
    connect(&mut s).await;
    assert_eq!(s.sandbox.live_tokens(), 2, "an access and a refresh token");
    let revocation = s.engine.disconnect_mindbody().await.unwrap();
    assert_eq!(revocation, Revocation::Revoked);
    assert_eq!(
        s.sandbox.live_tokens(),
        0,
        "the access token is revoked too, not only the refresh token"
    );
    let said = legion_hub::present::mindbody_disconnected(&revocation);
    assert!(said.contains("revoked at Mindbody"), "{said}");
    assert_eq!(status(&s.engine).await, Status::Disconnected);
    let err = s
        .engine
        .local()
        .unwrap()
        .mindbody_access_token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not signed in"), "{err}");
}

#[tokio::test]
async fn a_revocation_mindbody_does_not_confirm_is_not_called_revoked() {
    // No refresh on the way (the default margin): the tokens of the sign-in are the only ones.
    let mut s = setup(true, |_| {}).await;
    connect(&mut s).await;
    s.sandbox.fail_revocations(Some(500));
    let revocation = s.engine.disconnect_mindbody().await.unwrap();
    assert_eq!(
        revocation,
        Revocation::NotConfirmed {
            reason: "HTTP 500".into()
        }
    );
    let said = legion_hub::present::mindbody_disconnected(&revocation);
    assert!(!said.contains("revoked at"), "{said}");
    assert!(
        said.contains("forgotten here; Mindbody did not confirm the revocation (HTTP 500): revoke the app in Mindbody's site settings"),
        "{said}"
    );
    // Forgotten here all the same: a disconnect always works.
    assert_eq!(status(&s.engine).await, Status::Disconnected);
    assert_eq!(s.sandbox.live_tokens(), 2);
    // Nothing left to revoke the second time.
    assert_eq!(
        s.engine.disconnect_mindbody().await.unwrap(),
        Revocation::NothingToRevoke
    );
}

/// The sandbox's `/connect/revocation` answers as RFC 7009 says a real one does.
#[tokio::test]
async fn the_sandbox_revocation_endpoint_answers_like_rfc_7009() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    let http = legion_hub::http::client();
    let revoke = |body: &'static str, secret: &'static str| {
        http.post(sandbox.revocation_url())
            .basic_auth(SANDBOX_CLIENT_ID, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // A token it never issued: 200, as for a known one.
    let unknown = revoke(
        "token=never-issued&token_type_hint=refresh_token",
        SANDBOX_CLIENT_SECRET,
    );
    assert_eq!(unknown.await.unwrap().status(), 200);
    let bad_client = revoke("token=never-issued", "wrong-secret").await.unwrap();
    assert_eq!(bad_client.status(), 401);
    let body: serde_json::Value = bad_client.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let no_token = revoke("token_type_hint=access_token", SANDBOX_CLIENT_SECRET);
    assert_eq!(no_token.await.unwrap().status(), 400);
    sandbox.fail_revocations(Some(500));
    let down = revoke("token=never-issued", SANDBOX_CLIENT_SECRET);
    assert_eq!(down.await.unwrap().status(), 500);
}

/// An authorize request for the sandbox's client with this `redirect_uri` (and PKCE, or not).
fn authorize_with(sandbox: &MindbodySandbox, redirect_uri: &str, pkce: bool) -> String {
    let mut url = url::Url::parse(&sandbox.authorize_url()).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", SANDBOX_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid offline_access Mindbody.Api.Public.v6")
        .append_pair("state", "S1")
        .append_pair("subscriberId", SANDBOX_SITE_ID);
    if pkce {
        url.query_pairs_mut()
            .append_pair(
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )
            .append_pair("code_challenge_method", "S256");
    }
    url.to_string()
}

/// RFC 6749 §4.1.2.1: a redirect URI that was never registered gets an error page, never a
/// redirect (with a code or with an error). Loopback redirects may use any port (RFC 8252 §7.3).
#[tokio::test]
async fn no_code_or_error_is_ever_sent_to_an_unregistered_redirect_uri() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    for unregistered in [
        "https://evil.example/api/integrations/mindbody/callback",
        "http://evil.example:3000/api/integrations/mindbody/callback",
        "http://localhost:3000/elsewhere",
        "http://localhost:3000/api/integrations/mindbody/callback/more",
        "not a url",
        "",
    ] {
        for pkce in [true, false] {
            let reply =
                sign_in::redirect_target(&authorize_with(&sandbox, unregistered, pkce)).await;
            assert_eq!(reply.status(), 400, "{unregistered} (pkce {pkce})");
            assert!(
                reply.headers().get("location").is_none(),
                "{unregistered}: no redirect"
            );
            let page = reply.text().await.unwrap();
            assert!(
                page.contains("redirect_uri") && !page.contains("code="),
                "{page}"
            );
        }
    }
    // The hub's redirect, on whatever loopback port it listens.
    for registered in [
        "http://localhost:3000/api/integrations/mindbody/callback",
        "http://localhost:41211/api/integrations/mindbody/callback",
        "http://127.0.0.1:5/api/integrations/mindbody/callback",
        "http://[::1]:8080/api/integrations/mindbody/callback",
    ] {
        let reply = sign_in::redirect_target(&authorize_with(&sandbox, registered, true)).await;
        let location = reply.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(registered) && location.contains("code="),
            "{registered}: {location}"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_comes_only_with_offline_access() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    let without = sign_in::tokens(
        &sandbox,
        SANDBOX_SITE_ID,
        &["openid", "Mindbody.Api.Public.v6"],
    )
    .await;
    assert!(without.refresh_token.is_none(), "no offline_access asked");
    let hub = sign_in::hub_tokens(&sandbox).await;
    let refresh = hub
        .refresh_token
        .clone()
        .expect("the hub asks for offline_access");
    // A refresh keeps what was granted, no more.
    let app = sign_in::app(&sandbox, SANDBOX_SITE_ID, &[]);
    let renewed = app
        .refresh(&legion_hub::http::client(), &refresh)
        .await
        .unwrap();
    assert_eq!(renewed.scope, hub.scope);
}

/// The sandbox's second site, which the API key may also read.
const SECOND_SITE: &str = "-98";

async fn locations(sandbox: &MindbodySandbox, site: &str, token: &Secret) -> reqwest::Response {
    legion_hub::http::client()
        .get(format!("{}/site/locations", sandbox.api_url()))
        .header("Api-Key", SANDBOX_API_KEY)
        .header("SiteId", site)
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_works_only_for_the_site_it_was_issued_for() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    let scopes = legion_hub::integrations::mindbody::SCOPES;
    let ours = sign_in::tokens(&sandbox, SANDBOX_SITE_ID, &scopes).await;
    let theirs = sign_in::tokens(&sandbox, SECOND_SITE, &scopes).await;
    assert_eq!(
        locations(&sandbox, SANDBOX_SITE_ID, &ours.access_token)
            .await
            .status(),
        200
    );
    assert_eq!(
        locations(&sandbox, SECOND_SITE, &theirs.access_token)
            .await
            .status(),
        200
    );
    for (site, token) in [
        (SECOND_SITE, &ours.access_token),
        (SANDBOX_SITE_ID, &theirs.access_token),
    ] {
        let reply = locations(&sandbox, site, token).await;
        assert_eq!(reply.status(), 401, "a token for another site, on {site}");
        let body: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(body["Error"]["Code"], "DeniedAccess", "{body}");
        assert!(body["Error"]["Message"].is_string(), "{body}");
    }
    // A site the application may not use is refused at the sign-in itself.
    let elsewhere = sign_in::app(&sandbox, "-97", &scopes).authorize().unwrap();
    let reply = sign_in::redirect_target(&elsewhere.url).await;
    let location = reply.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("error=invalid_request") && !location.contains("code="),
        "{location}"
    );
}

/// RFC 7009 §2.1: the caller authenticates; without client credentials it is 401
/// invalid_client, whatever it asks to revoke.
#[tokio::test]
async fn revocation_without_client_credentials_is_refused() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    let tokens = sign_in::hub_tokens(&sandbox).await;
    let live = sandbox.live_tokens();
    let refresh = tokens.refresh_token.unwrap();
    let http = legion_hub::http::client();
    for body in [
        format!("token={}&token_type_hint=refresh_token", refresh.expose()),
        format!(
            "token={}&token_type_hint=refresh_token&client_id={SANDBOX_CLIENT_ID}",
            refresh.expose()
        ),
    ] {
        let reply = http
            .post(sandbox.revocation_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 401);
        let error: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(error["error"], "invalid_client");
    }
    assert_eq!(sandbox.live_tokens(), live, "nothing was revoked");
}

/// RFC 6749 §5.1: token replies carry `Cache-Control: no-store` and `Pragma: no-cache`, the
/// errors too.
#[tokio::test]
async fn token_replies_are_never_cached() {
    let sandbox = MindbodySandbox::start().await.unwrap();
    sandbox.set_auto_approve(true);
    let http = legion_hub::http::client();
    let app = sign_in::app(
        &sandbox,
        SANDBOX_SITE_ID,
        &legion_hub::integrations::mindbody::SCOPES,
    );
    let auth = app.authorize().unwrap();
    let code = sign_in::code_for(&auth.url).await;
    let exchange = |code: String, verifier: String| {
        http.post(sandbox.token_url())
            .basic_auth(SANDBOX_CLIENT_ID, Some(SANDBOX_CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "authorization_code")
                    .append_pair("code", &code)
                    .append_pair("redirect_uri", sign_in::REDIRECT)
                    .append_pair("code_verifier", &verifier)
                    .finish(),
            )
            .send()
    };
    let verifier = auth.verifier.secret().clone();
    let issued = exchange(code.clone(), verifier.clone()).await.unwrap();
    let refused = exchange(code, verifier).await.unwrap();
    assert_eq!(
        (issued.status().as_u16(), refused.status().as_u16()),
        (200, 400)
    );
    for reply in [issued, refused] {
        assert_eq!(reply.headers()["cache-control"], "no-store");
        assert_eq!(reply.headers()["pragma"], "no-cache");
    }
}
