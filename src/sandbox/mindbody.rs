//! A Mindbody fake on loopback: the OAuth 2.0 / OpenID server (`/connect/authorize` with a
//! consent page, `/connect/token` for `authorization_code` with PKCE checked and
//! `refresh_token` with rotation, `/connect/revocation`) and the Public API v6 `site/sites` and
//! `site/locations`, answering errors in Mindbody's `{"Error":{"Message","Code"}}` shape.
//!
//! It runs one or several sites (`-99`, `-98`, ...: a chain of studios), each with its own
//! [`Studio`]; every read answers from the studio of its `SiteId` header, and a site it does not
//! run gets `InvalidSiteId`. `site/sites` lists them all, with the API key alone, as Mindbody
//! lists the sites a developer's key may read.
//!
//! As strict as the real server, so a client that slips fails here first: a code goes only to a
//! registered redirect URI (see `registration.rs`); a refresh token comes only with
//! `offline_access`; a token works only for the site (`subscriberId`) it was issued for; the
//! token and revocation endpoints want the client's credentials; token replies are never cached.
//! Access tokens are short-lived (set with [`MindbodySandbox::set_access_ttl`]) so a refresh can
//! be watched; a code works once; a refresh token works once (it rotates); a revoked token gets
//! `invalid_grant`.
//!
//! The data endpoints (`sale/sales`, `client/clients`, `site/categories`, `sale/transactions`)
//! serve the site's [`Studio`], of any size, paged by `Limit` (at most 200) and `Offset` with the real
//! `PaginationResponse`, refuse a parameter they cannot read (`query.rs`), count every call, and
//! take faults on demand ([`ApiFault`]). `client/clientcontracts` serves one client's contracts
//! per call (`ClientId` required), as the studio's members hold them (`studio/contracts.rs`).

// Handlers answer early with a finished `Response` as their error: the axum way.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value, json};

use chrono::NaiveDateTime;

use super::query::{self, Unreadable};
use super::registration;
use super::studio::Studio;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

pub use super::registration::{
    MAX_SITES, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_SECOND_SITE_ID, SANDBOX_SITE_ID,
};
pub const SANDBOX_API_KEY: &str = "sandbox-mindbody-api-key";

/// What a sign-in granted: its scopes and its site. Codes, refresh tokens and access tokens
/// each carry it.
#[derive(Clone)]
struct Granted {
    scope: String,
    site: String,
}

impl Granted {
    fn offline(&self) -> bool {
        self.scope.split_whitespace().any(|s| s == "offline_access")
    }
}

struct Code {
    redirect_uri: String,
    challenge: String,
    granted: Granted,
}

struct Access {
    until: Instant,
    site: String,
}

struct Tokens {
    access: HashMap<String, Access>,
    /// refresh tokens that still work
    refresh: HashMap<String, Granted>,
}

/// A fault for the next data request to meet.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFault {
    /// 429 with `Retry-After` in seconds.
    RateLimited { retry_after_secs: u64 },
    /// 500 once (the page works when asked again).
    ServerError,
    /// The page arrives after this long.
    Slow(Duration),
    /// 200 with a body that is not JSON.
    Malformed,
    /// The connection drops in the middle of the reply's body.
    Dropped,
    /// 401 for a token that is live: Mindbody refusing the sign-in itself (the staff member
    /// lost access, or the studio removed the app), which no refresh mends.
    SignInRefused,
}

/// One site the fake runs, and its studio.
struct ServedSite {
    id: i64,
    studio: Mutex<Studio>,
}

impl ServedSite {
    fn studio(&self) -> std::sync::MutexGuard<'_, Studio> {
        self.studio.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct MindbodyState {
    /// In order: the sandbox's site (`-99`) first.
    sites: Vec<ServedSite>,
    faults: Mutex<std::collections::VecDeque<ApiFault>>,
    api_calls: AtomicUsize,
    auto_approve: AtomicBool,
    access_ttl_secs: AtomicU64,
    /// Consent requests waiting for Approve or Deny, by id.
    pending: Mutex<HashMap<String, HashMap<String, String>>>,
    codes: Mutex<HashMap<String, Code>>,
    tokens: Mutex<Tokens>,
    token_requests: AtomicUsize,
    refreshes: AtomicUsize,
    /// When set, the revocation endpoint answers this status and revokes nothing.
    revocation_failure: Mutex<Option<StatusCode>>,
}

/// A running Mindbody fake. Stops when dropped.
pub struct MindbodySandbox {
    addr: SocketAddr,
    state: Arc<MindbodyState>,
    stop: CancellationToken,
}

impl Drop for MindbodySandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", crate::encoding::base64_url(&bytes))
}

impl MindbodyState {
    /// The site a `SiteId` header or a `subscriberId` names, when the fake runs it.
    fn site(&self, id: &str) -> Option<&ServedSite> {
        let id: i64 = id.trim().parse().ok()?;
        self.sites.iter().find(|site| site.id == id)
    }
}

impl MindbodySandbox {
    /// The fake with two sites: the sandbox's `-99`, and `-98`, a studio of its own in the chain
    /// (so a token can be seen to work for one site only). `Sandbox::start` runs `-99` alone,
    /// [`MindbodySandbox::start_sites`] any chain.
    pub async fn start() -> std::io::Result<MindbodySandbox> {
        MindbodySandbox::start_sites(2).await
    }

    /// A chain of `count` sites (1 to [`MAX_SITES`]; out of bounds is brought within them):
    /// `-99`, `-98`, ..., each with its own studio of 200 sales over the last two weeks.
    pub async fn start_sites(count: usize) -> std::io::Result<MindbodySandbox> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let anchor = chrono::Local::now().naive_local();
        let sites = registration::site_ids(count)
            .into_iter()
            .map(|id| ServedSite {
                id,
                studio: Mutex::new(Studio::new(200, 50, anchor, 14).at_site(id)),
            })
            .collect();
        let state = Arc::new(MindbodyState {
            sites,
            faults: Mutex::new(std::collections::VecDeque::new()),
            api_calls: AtomicUsize::new(0),
            auto_approve: AtomicBool::new(false),
            access_ttl_secs: AtomicU64::new(3600),
            pending: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(Tokens {
                access: HashMap::new(),
                refresh: HashMap::new(),
            }),
            token_requests: AtomicUsize::new(0),
            refreshes: AtomicUsize::new(0),
            revocation_failure: Mutex::new(None),
        });
        let app = Router::new()
            .route("/connect/authorize", get(authorize))
            .route("/connect/authorize/decision", post(decision))
            .route("/connect/token", post(token))
            .route("/connect/revocation", post(revoke))
            .route("/public/v6/site/sites", get(site_list))
            .route("/public/v6/site/locations", get(locations))
            .route("/public/v6/site/categories", get(categories))
            .route("/public/v6/client/clients", get(clients))
            .route("/public/v6/sale/sales", get(sales))
            .route("/public/v6/sale/transactions", get(transactions))
            .route("/public/v6/client/clientcontracts", get(client_contracts))
            .with_state(state.clone());
        let stop = super::serve(listener, app);
        Ok(MindbodySandbox { addr, state, stop })
    }

    pub fn authorize_url(&self) -> String {
        format!("http://{}/connect/authorize", self.addr)
    }
    pub fn token_url(&self) -> String {
        format!("http://{}/connect/token", self.addr)
    }
    pub fn revocation_url(&self) -> String {
        format!("http://{}/connect/revocation", self.addr)
    }
    pub fn api_url(&self) -> String {
        format!("http://{}/public/v6", self.addr)
    }

    /// Where legion-hub should find this fake (`[mindbody]` settings).
    pub fn endpoints(&self) -> crate::integrations::mindbody::MindbodyEndpoints {
        crate::integrations::mindbody::MindbodyEndpoints {
            authorize_url: Some(self.authorize_url()),
            token_url: Some(self.token_url()),
            api_url: Some(self.api_url()),
            revocation_url: Some(self.revocation_url()),
            ..Default::default()
        }
    }

    /// Approve every sign-in at once, with no consent page (for scripts and tests).
    pub fn set_auto_approve(&self, on: bool) {
        self.state.auto_approve.store(on, Ordering::Relaxed);
    }

    /// How long new access tokens work.
    pub fn set_access_ttl(&self, ttl: Duration) {
        self.state
            .access_ttl_secs
            .store(ttl.as_secs(), Ordering::Relaxed);
    }

    /// Token-endpoint calls that refreshed (to count refreshes from outside).
    pub fn refreshes(&self) -> usize {
        self.state.refreshes.load(Ordering::Relaxed)
    }

    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::Relaxed)
    }

    /// The sites it runs, in order (`-99` first), as `SiteId` headers spell them.
    pub fn site_ids(&self) -> Vec<String> {
        self.state.sites.iter().map(|s| s.id.to_string()).collect()
    }

    /// Replaces the studio of site `-99` (its size, its dates).
    pub fn set_studio(&self, studio: Studio) {
        self.set_studio_at(SANDBOX_SITE_ID, studio);
    }

    /// Replaces site `site`'s studio with one of `studio`'s size and dates, made of that
    /// site's own data ([`Studio::at_site`]).
    ///
    /// Panics when the fake does not run `site`: a test's mistake, never outside input.
    pub fn set_studio_at(&self, site: &str, studio: Studio) {
        self.with_studio_at(site, |served| {
            *served = studio.at_site(served.site.id);
        });
    }

    /// Changes site `-99`'s studio between syncs: edit a sale, add one, touch a client.
    pub fn with_studio<R>(&self, change: impl FnOnce(&mut Studio) -> R) -> R {
        self.with_studio_at(SANDBOX_SITE_ID, change)
    }

    /// Changes site `site`'s studio between syncs.
    ///
    /// Panics when the fake does not run `site`: a test's mistake, never outside input.
    pub fn with_studio_at<R>(&self, site: &str, change: impl FnOnce(&mut Studio) -> R) -> R {
        let Some(served) = self.state.site(site) else {
            panic!(
                "the Mindbody sandbox runs sites {:?}, not {site}",
                self.site_ids()
            );
        };
        change(&mut served.studio())
    }

    pub fn inject(&self, fault: ApiFault) {
        self.state
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(fault);
    }

    /// Data-endpoint calls served (what Mindbody would bill).
    pub fn api_calls(&self) -> usize {
        self.state.api_calls.load(Ordering::Relaxed)
    }

    /// Expires every access token now, as Mindbody does when its clock runs ahead of the hub's:
    /// the hub still holds them as fresh. Refresh tokens keep working.
    pub fn expire_access_tokens(&self) {
        let mut tokens = self.state.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.access.clear();
    }

    /// Makes the revocation endpoint answer `status` (500, say) and revoke nothing; None puts
    /// it right.
    pub fn fail_revocations(&self, status: Option<u16>) {
        *self
            .state
            .revocation_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = status.and_then(|s| StatusCode::from_u16(s).ok());
    }

    /// Tokens that still work: access tokens not expired nor revoked, and refresh tokens.
    pub fn live_tokens(&self) -> usize {
        let tokens = self.state.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        tokens.access.values().filter(|a| a.until > now).count() + tokens.refresh.len()
    }

    /// Revokes every refresh token, as a user removing the app in Mindbody would.
    pub fn revoke_all(&self) {
        let mut tokens = self.state.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.refresh.clear();
        tokens.access.clear();
    }
}

fn mindbody_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"Error": {"Message": message, "Code": code}})),
    )
        .into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response(),
    };
    url.query_pairs_mut().extend_pairs(params);
    Redirect::to(url.as_str()).into_response()
}

async fn authorize(
    State(state): State<Arc<MindbodyState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    if get("client_id") != SANDBOX_CLIENT_ID {
        return (StatusCode::BAD_REQUEST, Html("<h1>Unknown client_id</h1>")).into_response();
    }
    // RFC 6749 §4.1.2.1: never redirect to an address the client did not register, not even
    // with an error.
    if !registration::redirect_registered(&get("redirect_uri")) {
        return (
            StatusCode::BAD_REQUEST,
            Html(format!(
                "<!doctype html><h1>Sign-in error</h1><p>The redirect_uri <code>{}</code> is not registered for this application.</p>",
                crate::text::escape_html(&get("redirect_uri"))
            )),
        )
            .into_response();
    }
    let refuse = |description: &str| {
        redirect_with(
            &get("redirect_uri"),
            &[
                ("error", "invalid_request"),
                ("error_description", description),
                ("state", &get("state")),
            ],
        )
    };
    if get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
    {
        return refuse("PKCE with S256 is required");
    }
    if state.site(&get("subscriberId")).is_none() {
        return refuse("subscriberId must be a site this application may use");
    }
    if state.auto_approve.load(Ordering::Relaxed) {
        return approve(&state, &params);
    }
    let id = random_token("req-");
    state
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), params.clone());
    let site = crate::text::escape_html(&get("subscriberId"));
    Html(format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Mindbody sign-in (sandbox)</title></head>\
         <body><h1>Allow Legion Finance to use site {site}?</h1>\
         <p>Scope: {scope}</p>\
         <form method=post action=/connect/authorize/decision><input type=hidden name=request value=\"{id}\">\
         <button name=decision value=approve>Approve</button> <button name=decision value=deny>Deny</button></form>\
         </body></html>",
        scope = crate::text::escape_html(&get("scope"))
    ))
    .into_response()
}

fn approve(state: &MindbodyState, params: &HashMap<String, String>) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let code = random_token("code-");
    state
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            code.clone(),
            Code {
                redirect_uri: get("redirect_uri"),
                challenge: get("code_challenge"),
                granted: Granted {
                    scope: get("scope"),
                    site: get("subscriberId"),
                },
            },
        );
    redirect_with(
        &get("redirect_uri"),
        &[
            ("code", &code),
            ("scope", &get("scope")),
            ("state", &get("state")),
        ],
    )
}

#[derive(Deserialize)]
struct Decision {
    request: String,
    decision: String,
}

async fn decision(State(state): State<Arc<MindbodyState>>, Form(form): Form<Decision>) -> Response {
    let Some(params) = state
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&form.request)
    else {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>This sign-in request has expired</h1>"),
        )
            .into_response();
    };
    if form.decision == "approve" {
        approve(&state, &params)
    } else {
        let get = |k: &str| params.get(k).cloned().unwrap_or_default();
        redirect_with(
            &get("redirect_uri"),
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied access."),
                ("state", &get("state")),
            ],
        )
    }
}

/// Client credentials from HTTP Basic or the form, as IdentityServer takes them.
fn client_ok(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let from_form = form.get("client_id").map(String::as_str) == Some(SANDBOX_CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(SANDBOX_CLIENT_SECRET);
    let expected = format!(
        "Basic {}",
        crate::encoding::base64(format!("{SANDBOX_CLIENT_ID}:{SANDBOX_CLIENT_SECRET}").as_bytes())
    );
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str());
    from_form || from_header
}

/// An access token for what was granted, and a refresh token only when `offline_access` was.
fn issue(state: &MindbodyState, granted: Granted) -> Response {
    let ttl = state.access_ttl_secs.load(Ordering::Relaxed);
    let access = random_token("at-");
    let mut tokens = state.tokens.lock().unwrap_or_else(|e| e.into_inner());
    tokens.access.insert(
        access.clone(),
        Access {
            until: Instant::now() + Duration::from_secs(ttl),
            site: granted.site.clone(),
        },
    );
    let mut reply = json!({
        "access_token": access,
        "expires_in": ttl,
        "token_type": "Bearer",
        "scope": granted.scope,
        "id_token": "sandbox.id.token"
    });
    if granted.offline() {
        let refresh = random_token("rt-");
        reply["refresh_token"] = json!(refresh);
        tokens.refresh.insert(refresh, granted);
    }
    axum::Json(reply).into_response()
}

/// RFC 6749 §5.1: every token reply, an error too, says it must not be cached.
async fn token(
    state: State<Arc<MindbodyState>>,
    headers: HeaderMap,
    form: Form<HashMap<String, String>>,
) -> Response {
    let mut reply = token_reply(state, headers, form).await;
    let headers = reply.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    reply
}

async fn token_reply(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::Relaxed);
    if !client_ok(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match get("grant_type").as_str() {
        "authorization_code" => {
            let Some(code) = state
                .codes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&get("code"))
            else {
                return oauth_error(
                    "invalid_grant",
                    "The authorization code is invalid or was already used.",
                );
            };
            if code.redirect_uri != get("redirect_uri") {
                return oauth_error(
                    "invalid_grant",
                    "redirect_uri does not match the authorization request.",
                );
            }
            let computed =
                crate::encoding::base64_url(&Sha256::digest(get("code_verifier").as_bytes()));
            if computed != code.challenge {
                return oauth_error(
                    "invalid_grant",
                    "The code_verifier does not match the code_challenge.",
                );
            }
            issue(&state, code.granted)
        }
        "refresh_token" => {
            let old = get("refresh_token");
            // Rotation: a refresh token works once.
            let granted = state
                .tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .refresh
                .remove(&old);
            let Some(granted) = granted else {
                return oauth_error(
                    "invalid_grant",
                    "The refresh token is invalid, expired or revoked.",
                );
            };
            state.refreshes.fetch_add(1, Ordering::Relaxed);
            // The new tokens are for what the sign-in granted, no more.
            issue(&state, granted)
        }
        other => oauth_error(
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        ),
    }
}

/// RFC 7009: the client authenticates as at the token endpoint; the token is revoked whatever
/// its `token_type_hint` says (a wrong hint only widens the search), and a token that is unknown
/// or already revoked gets the same 200.
async fn revoke(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let failure = *state
        .revocation_failure
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(status) = failure {
        return (status, "The revocation service is unavailable.").into_response();
    }
    if !client_ok(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error("invalid_request", "The token parameter is missing.");
    };
    let mut tokens = state.tokens.lock().unwrap_or_else(|e| e.into_inner());
    tokens.refresh.remove(token);
    tokens.access.remove(token);
    StatusCode::OK.into_response()
}

fn header_value(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The first check of every Public API call: the developer's API key.
fn api_key_auth(headers: &HeaderMap) -> Result<(), Response> {
    if header_value(headers, "Api-Key") != SANDBOX_API_KEY {
        return Err(mindbody_error(
            StatusCode::UNAUTHORIZED,
            "DeniedAccess",
            "Authentication failed. The Api-Key is not valid.",
        ));
    }
    Ok(())
}

/// The checks every Public API call about a site passes: the API key, the site, a live bearer
/// token issued for that site. Admitted, the call reads that site.
fn api_auth<'a>(state: &'a MindbodyState, headers: &HeaderMap) -> Result<&'a ServedSite, Response> {
    api_key_auth(headers)?;
    let site = header_value(headers, "SiteId");
    let Some(served) = state.site(&site) else {
        return Err(mindbody_error(
            StatusCode::BAD_REQUEST,
            "InvalidSiteId",
            "The SiteId is not valid or the key has no access to it.",
        ));
    };
    let bearer = header_value(headers, "Authorization");
    let token = bearer.strip_prefix("Bearer ").unwrap_or("");
    let tokens = state.tokens.lock().unwrap_or_else(|e| e.into_inner());
    let Some(access) = tokens
        .access
        .get(token)
        .filter(|a| a.until > Instant::now())
    else {
        return Err(mindbody_error(
            StatusCode::UNAUTHORIZED,
            "DeniedAccess",
            "Authentication failed. A valid staff user token or OAuth bearer token is required.",
        ));
    };
    // The token's site as the sign-in named it, the header's as the fake runs it: the same
    // site however each is spelled.
    if state.site(&access.site).map(|s| s.id) != Some(served.id) {
        return Err(mindbody_error(
            StatusCode::UNAUTHORIZED,
            "DeniedAccess",
            &format!(
                "Authentication failed. The OAuth bearer token was not issued for site {}.",
                served.id
            ),
        ));
    }
    Ok(served)
}

/// Auth, the call count, and the next injected fault, for the data endpoints; the site read.
async fn admit<'a>(
    state: &'a MindbodyState,
    headers: &HeaderMap,
) -> Result<&'a ServedSite, Response> {
    state.api_calls.fetch_add(1, Ordering::Relaxed);
    let served = api_auth(state, headers)?;
    let fault = state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop_front();
    match fault {
        None => Ok(served),
        Some(ApiFault::Slow(pause)) => {
            tokio::time::sleep(pause).await;
            Ok(served)
        }
        Some(ApiFault::RateLimited { retry_after_secs }) => {
            let mut reply = mindbody_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests: slow down.",
            );
            reply
                .headers_mut()
                .insert("retry-after", retry_after_secs.into());
            Err(reply)
        }
        Some(ApiFault::SignInRefused) => Err(mindbody_error(
            StatusCode::UNAUTHORIZED,
            "DeniedAccess",
            "Authentication failed. A valid staff user token or OAuth bearer token is required.",
        )),
        Some(ApiFault::ServerError) => Err(mindbody_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "An unexpected error occurred.",
        )),
        Some(ApiFault::Dropped) => {
            let parts: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"PaginationResponse\": {\"TotalResults\": 9"),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "the sandbox dropped the connection",
                )),
            ];
            Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                axum::body::Body::from_stream(futures_util::stream::iter(parts)),
            )
                .into_response())
        }
        Some(ApiFault::Malformed) => Err((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"Sales\": [{\"Id\": ",
        )
            .into_response()),
    }
}

/// Mindbody's answer to a parameter it cannot read.
fn unreadable(error: Unreadable) -> Response {
    mindbody_error(
        StatusCode::BAD_REQUEST,
        "InvalidParameter",
        &error.message(),
    )
}

/// A page under `field`, with the real `PaginationResponse`.
fn page_reply(
    (limit, offset): (usize, usize),
    field: &str,
    slice: Vec<Value>,
    total: usize,
) -> Response {
    let mut body = json!({
        "PaginationResponse": {"RequestedLimit": limit, "RequestedOffset": offset, "PageSize": slice.len(), "TotalResults": total}
    });
    body[field] = Value::Array(slice);
    axum::Json(body).into_response()
}

/// One page of a list that is cheap to build whole.
fn page(query: &HashMap<String, String>, field: &str, items: Vec<Value>) -> Response {
    let (limit, offset) = match query::limit_offset(query) {
        Ok(paging) => paging,
        Err(error) => return unreadable(error),
    };
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    page_reply((limit, offset), field, slice, total)
}

async fn categories(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let site = match admit(&state, &headers).await {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    let items = site.studio().categories();
    page(&query, "Categories", items)
}

async fn clients(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let site = match admit(&state, &headers).await {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    let since = match query::date_param(&query, "LastModifiedDate") {
        Ok(since) => since,
        Err(error) => return unreadable(error),
    };
    let items = site.studio().clients_modified_since(since);
    page(&query, "Clients", items)
}

async fn sales(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let window = ("StartSaleDateTime", "EndSaleDateTime");
    windowed(
        &state,
        &headers,
        &query,
        window,
        "Sales",
        Studio::sales_page,
    )
    .await
}

async fn transactions(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let window = ("TransactionStartDateTime", "TransactionEndDateTime");
    windowed(
        &state,
        &headers,
        &query,
        window,
        "Transactions",
        Studio::transactions_page,
    )
    .await
}

/// The studio's pages of a list read by a time window.
type WindowPage = fn(&Studio, NaiveDateTime, NaiveDateTime, usize, usize) -> (Vec<Value>, usize);

/// A page of a list read by a time window (sales, card transactions): the window from the two
/// named parameters (from the very first sale, and until now, when absent), then `Limit` and
/// `Offset`.
async fn windowed(
    state: &MindbodyState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    (start_name, end_name): (&str, &str),
    field: &str,
    page_of: WindowPage,
) -> Response {
    let site = match admit(state, headers).await {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    let read = || -> Result<_, Unreadable> {
        Ok((
            query::date_param(query, start_name)?,
            query::date_param(query, end_name)?,
            query::limit_offset(query)?,
        ))
    };
    let (start, end, (limit, offset)) = match read() {
        Ok(read) => read,
        Err(error) => return unreadable(error),
    };
    // Not the studio's `first_sale`: it keeps the fraction of a second its sale times (whole
    // seconds, as Mindbody's) drop, so the first sale would fall before it.
    let start = start.unwrap_or(NaiveDateTime::MIN);
    let end = end.unwrap_or_else(|| chrono::Local::now().naive_local());
    let studio = site.studio();
    let (slice, total) = page_of(&studio, start, end, offset, limit);
    drop(studio);
    page_reply((limit, offset), field, slice, total)
}

async fn locations(State(state): State<Arc<MindbodyState>>, headers: HeaderMap) -> Response {
    let site = match api_auth(&state, &headers) {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    let locations = site.studio().site.locations_json();
    axum::Json(json!({
        "PaginationResponse": {"RequestedLimit": 100, "RequestedOffset": 0, "PageSize": locations.len(), "TotalResults": locations.len()},
        "Locations": locations
    }))
    .into_response()
}

/// `client/clientcontracts`: one client's contracts per call, as Mindbody takes them (so a read
/// of every member costs a call each); `ClientId` is required and must be a client of the site.
async fn client_contracts(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let site = match admit(&state, &headers).await {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    let (limit, offset) = match query::limit_offset(&query) {
        Ok(paging) => paging,
        Err(error) => return unreadable(error),
    };
    let Some(client) = query::param(&query, "ClientId") else {
        return mindbody_error(
            StatusCode::BAD_REQUEST,
            "MissingRequiredFields",
            "The ClientId field is required.",
        );
    };
    let page = site.studio().client_contracts_page(&client, offset, limit);
    match page {
        Some((slice, total)) => page_reply((limit, offset), "Contracts", slice, total),
        None => mindbody_error(
            StatusCode::BAD_REQUEST,
            "InvalidClientId",
            &format!(
                "Client {} does not exist.",
                crate::text::one_line_within(&client, 40)
            ),
        ),
    }
}

/// `site/sites`: the sites the API key may read (every site the fake runs), with the API key
/// alone, no `SiteId` and no sign-in, as Mindbody answers a developer. `SiteIds` (repeated, or
/// separated by commas) narrows the list to those asked; an id the key cannot read is left out.
async fn site_list(
    State(state): State<Arc<MindbodyState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(reply) = api_key_auth(&headers) {
        return reply;
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let asked = match query::id_list(&pairs, "SiteIds") {
        Ok(asked) => asked,
        Err(error) => return unreadable(error),
    };
    let items: Vec<Value> = state
        .sites
        .iter()
        .filter(|site| asked.as_ref().is_none_or(|ids| ids.contains(&site.id)))
        .map(|site| site.studio().site.json())
        .collect();
    page(&pairs.into_iter().collect(), "Sites", items)
}
