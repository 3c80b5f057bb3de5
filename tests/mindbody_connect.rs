//! Connecting Mindbody over OAuth against the sandbox: the full flow with an injected browser,
//! refusal, paste-back (valid, forged, wrong), code reuse, timeout, busy port, refresh ahead of
//! expiry (once for 50 callers), rotation, invalid_grant, disconnect.

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
    assert_eq!(locations.len(), 2);
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
    let app = legion_hub::oauth::client::OAuthApp {
        authorize_url: s.sandbox.authorize_url(),
        token_url: s.sandbox.token_url(),
        revocation_url: None,
        client_id: SANDBOX_CLIENT_ID.into(),
        client_secret: Some(Secret::new(SANDBOX_CLIENT_SECRET)),
        redirect_uri: url::Url::parse(&format!("http://localhost:{}/cb", s.port)).unwrap(),
        scopes: vec!["offline_access".into()],
        extra_params: vec![],
    };
    let http = legion_hub::http::client();
    let auth = app.authorize().unwrap();
    let target = redirect_target(&auth.url).await;
    let code = url::Url::parse(&target)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
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
