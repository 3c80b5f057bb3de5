//! The loopback listener that receives the browser's redirect: bound to loopback only
//! (127.0.0.1 and ::1 for a `localhost` redirect URI), on the redirect URI's port and exact path.
//! Other paths get 404 and it keeps listening; a callback from someone else's attempt gets an
//! error page and it keeps listening; the real one gets the success page (from `assets/`, no
//! third-party resources, `Referrer-Policy: no-referrer`). The port is released as soon as the
//! answer is in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::OAuthError;
use super::callback::read_callback;

const SUCCESS_PAGE: &str = include_str!("../../assets/oauth/success.html");
const FAILURE_PAGE: &str = include_str!("../../assets/oauth/failure.html");

pub struct Listener {
    listeners: Vec<TcpListener>,
    redirect: Url,
}

impl Listener {
    /// Binds the redirect URI's port on loopback. A busy port is a clear error naming it.
    pub async fn bind(redirect: &Url) -> Result<Listener, OAuthError> {
        let port = redirect
            .port_or_known_default()
            .ok_or_else(|| OAuthError::NotLoopback(redirect.to_string()))?;
        let hosts: Vec<IpAddr> = match redirect.host_str() {
            Some("localhost") => vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()],
            Some("127.0.0.1") => vec![Ipv4Addr::LOCALHOST.into()],
            Some("[::1]") | Some("::1") => vec![Ipv6Addr::LOCALHOST.into()],
            _ => return Err(OAuthError::NotLoopback(redirect.to_string())),
        };
        if redirect.scheme() != "http" {
            return Err(OAuthError::NotLoopback(redirect.to_string()));
        }
        let mut listeners = Vec::new();
        for (i, ip) in hosts.iter().enumerate() {
            let address = SocketAddr::new(*ip, port);
            match TcpListener::bind(address).await {
                Ok(listener) => listeners.push(listener),
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    return Err(OAuthError::PortBusy {
                        host: redirect.host_str().unwrap_or("localhost").to_string(),
                        port,
                    });
                }
                // A machine without IPv6 still has IPv4 loopback: enough for the browser.
                Err(_) if i > 0 => {}
                Err(e) => {
                    return Err(OAuthError::Listen {
                        address: address.to_string(),
                        detail: e.to_string(),
                    });
                }
            }
        }
        Ok(Listener {
            listeners,
            redirect: redirect.clone(),
        })
    }

    /// The port actually bound (the redirect URI's, or a free one when it asked for port 0).
    pub fn port(&self) -> Option<u16> {
        self.listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// Serves until the callback of this sign-in arrives; returns its code. Cancel-safe: when
    /// the future is dropped, the port is released.
    pub async fn wait(self, state: String, provider: &str) -> Result<String, OAuthError> {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            state,
            redirect: self.redirect.clone(),
            provider: provider.to_string(),
            done: Mutex::new(Some(tx)),
        });
        let stop = CancellationToken::new();
        let _stop_on_drop = stop.clone().drop_guard();
        let path = self.redirect.path().to_string();
        let mut servers = Vec::new();
        for listener in self.listeners {
            let app = Router::new()
                .route(&path, axum::routing::get(callback))
                .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") })
                .with_state(shared.clone());
            let stop = stop.clone();
            servers.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move { stop.cancelled().await })
                    .await;
            }));
        }
        let outcome = rx.await.unwrap_or(Err(OAuthError::Cancelled));
        stop.cancel();
        // Give the success page a moment to reach the browser, then the ports are gone.
        for server in servers {
            let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
        }
        outcome
    }
}

struct Shared {
    state: String,
    redirect: Url,
    provider: String,
    done: Mutex<Option<oneshot::Sender<Result<String, OAuthError>>>>,
}

fn page(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn callback(State(shared): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "{}:{}",
                shared.redirect.host_str().unwrap_or("localhost"),
                shared.redirect.port_or_known_default().unwrap_or(80)
            )
        });
    let address = format!("http://{host}{uri}");
    let provider = crate::text::escape_html(&shared.provider);
    match read_callback(&address, &shared.redirect, &shared.state) {
        Ok(code) => {
            if let Some(done) = shared.done.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = done.send(Ok(code));
            }
            page(
                StatusCode::OK,
                SUCCESS_PAGE.replace("{{PROVIDER}}", &provider),
            )
        }
        Err(error @ OAuthError::Denied { .. }) => {
            let message = crate::text::escape_html(&error.to_string());
            if let Some(done) = shared.done.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = done.send(Err(error));
            }
            page(
                StatusCode::OK,
                FAILURE_PAGE
                    .replace("{{PROVIDER}}", &provider)
                    .replace("{{MESSAGE}}", &message),
            )
        }
        // Not this sign-in's: say so, and keep waiting for the real one.
        Err(error) => page(
            StatusCode::BAD_REQUEST,
            FAILURE_PAGE
                .replace("{{PROVIDER}}", &provider)
                .replace("{{MESSAGE}}", &crate::text::escape_html(&error.to_string())),
        ),
    }
}
