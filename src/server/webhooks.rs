//! The webhook receiver: `HEAD /webhooks/mindbody` answers 200 (Mindbody checks the URL when a
//! subscription is made), `POST /webhooks/mindbody` hands the raw body to the engine, which
//! verifies, stores and queues it before this answers (see [`super::reply`]); `GET /healthz`
//! for the proxy. Who sent a post is [`super::peer`]'s to say. TLS is the reverse proxy's job:
//! this listens on loopback by default.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;

use super::accept::AcceptFailures;
use super::connections::{self, Connections};
use super::limits::ReceiverLimits;
use super::{peer, reply};
use crate::engine::Core;
use crate::integrations::mindbody::webhooks::SIGNATURE_HEADER;
use crate::logging::Throttled;

/// Mindbody's deliveries are a few kilobytes; anything near this is not one.
pub const BODY_LIMIT: usize = 256 * 1024;

pub const PATH: &str = "/webhooks/mindbody";

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot receive webhooks on {addr}: {source}\nis another legion-hub serve running? change [server] webhook_addr in config.toml to a free address"
)]
pub struct BindError {
    pub addr: String,
    pub source: std::io::Error,
}

/// `LEGION_HUB_RECEIVER_CEILING=verify-only` in `serve`'s environment makes its receiver verify
/// each delivery and answer it without storing anything: the ceiling the webhooks bench measures
/// the real receiver against (the same process, connections and signature check, the store
/// replaced by nothing). It breaks the promise to Mindbody, so `serve` says so at start and
/// `legion-hub status` while it runs (see `integrations::mindbody::webhooks::ceiling`); nothing
/// else turns it on. Never set it for a studio.
pub const CEILING_ENV: &str = "LEGION_HUB_RECEIVER_CEILING";
/// The one value of [`CEILING_ENV`] that turns the ceiling on.
pub const CEILING_VERIFY_ONLY: &str = "verify-only";

/// Whether the environment asks for the bench's ceiling. Any other value is ignored (a typo
/// must never stop the storing), with a warning.
pub fn ceiling_asked() -> bool {
    let Some(value) = std::env::var_os(CEILING_ENV) else {
        return false;
    };
    if value == CEILING_VERIFY_ONLY {
        return true;
    }
    tracing::warn!(
        "ignoring {CEILING_ENV}={value:?}: its only value is {CEILING_VERIFY_ONLY}; deliveries are stored"
    );
    false
}

/// The receiver's routes; POST is the ceiling's when the core was told to store nothing.
pub fn router(core: Core) -> Router {
    let receiving = if core.receives_without_storing() {
        post(verify_and_answer)
    } else {
        post(receive)
    };
    Router::new()
        .route(PATH, receiving.head(|| async { StatusCode::OK }))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(core)
}

async fn receive(
    State(core): State<Core>,
    ConnectInfo(socket): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let peer = peer::client_address(socket, &headers, core.trusted_proxies());
    reply::answer(core.receive_webhook(signature, &body, Some(peer)).await)
}

/// The ceiling's handler: [`receive`] with the store replaced by nothing.
async fn verify_and_answer(
    State(core): State<Core>,
    ConnectInfo(socket): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let peer = peer::client_address(socket, &headers, core.trusted_proxies());
    // Answered as a stored delivery would be: the same reply, nothing behind it.
    reply::answer(core.check_webhook(signature, &body, Some(peer)))
}

/// Binds the receiver; the address actually bound (port 0 picks a free one).
pub async fn bind(addr: &str) -> Result<tokio::net::TcpListener, BindError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| BindError {
            addr: addr.to_string(),
            source,
        })
}

/// Serves until `stop` is cancelled, then lets requests in flight finish. Our own accept loop
/// rather than `axum::serve`, which has no header or body timeout and no connection cap: see
/// `server::connections` and `server::limits`.
pub async fn serve(listener: tokio::net::TcpListener, core: Core, stop: CancellationToken) {
    let limits = ReceiverLimits::from_env();
    let connections = Connections::new(limits.max_connections);
    // `with_state(())` turns every handler into a route once, as `axum::serve` does, instead
    // of on each request (which cost a third of the deliveries per second).
    let app = router(core).with_state(());
    let mut failures = AcceptFailures::new("webhook receiver");
    let mut refused = Throttled::new(std::time::Duration::from_secs(60));
    loop {
        let (stream, peer) = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = failures.failed(&e) => continue,
                    }
                }
            },
        };
        failures.accepted();
        let Some(admitted) = connections.admit() else {
            // Every place is mid-request: closing this one at once keeps the file free.
            if let Some((count, _)) = refused.occurred(std::time::Instant::now()) {
                tracing::warn!(
                    "webhook receiver: {count} connection(s) closed at once: all {} are mid-request",
                    limits.max_connections
                );
            }
            continue;
        };
        tokio::spawn(connections::serve_one(
            stream,
            peer,
            app.clone(),
            admitted,
            limits,
            stop.clone(),
        ));
    }
    drop(listener);
    connections.all_closed().await;
}
