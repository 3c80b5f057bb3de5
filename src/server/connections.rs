//! The webhook receiver's connections: at most a fixed number open at once, each served over
//! HTTP/1.1 with a header-read timeout and a whole-request timeout.
//!
//! When the cap is reached, a new connection takes the place of the oldest one that has not
//! yet sent a whole request header (a half-open or idle connection costs the attacker nothing
//! and gives us nothing); only when every open connection is mid-request is the new one closed
//! at once. Waiting instead, in the accept queue or holding the file, would put a real delivery
//! behind every slow connection ahead of it: with 1,100 half-open connections and 256 slots,
//! about 40 s of header timeouts. Mindbody's request, sent in one go through the proxy, has its
//! header in before another connection arrives to displace it, and once it is mid-request it is
//! never displaced.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::limits::ReceiverLimits;

/// The open connections, shared by the accept loop and the connections themselves.
#[derive(Clone)]
pub struct Connections {
    shared: Arc<Shared>,
}

struct Shared {
    cap: usize,
    table: Mutex<Table>,
    /// Connections whose tasks have not ended (displaced ones included), for a clean stop.
    alive: watch::Sender<usize>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    /// By age: the first entry waiting for a header is the one displaced.
    open: BTreeMap<u64, Entry>,
}

struct Entry {
    /// A request's header is in and its answer not yet made.
    mid_request: bool,
    /// Cancelled to close the connection.
    displaced: CancellationToken,
}

/// A connection's place among the open ones; dropping it frees the place.
pub struct Admitted {
    slot: Slot,
    displaced: CancellationToken,
}

/// What a connection's requests use to mark it mid-request.
#[derive(Clone)]
struct Slot {
    shared: Arc<Shared>,
    id: u64,
}

impl Connections {
    pub fn new(cap: usize) -> Connections {
        Connections {
            shared: Arc::new(Shared {
                cap: cap.max(1),
                table: Mutex::new(Table::default()),
                alive: watch::Sender::new(0),
            }),
        }
    }

    /// A place for a new connection, displacing the oldest one still waiting for a header when
    /// all are taken; `None` when every connection is mid-request (close the new one).
    pub fn admit(&self) -> Option<Admitted> {
        let mut table = self.shared.lock();
        if table.open.len() >= self.shared.cap {
            let oldest_waiting = table
                .open
                .iter()
                .find(|(_, entry)| !entry.mid_request)
                .map(|(id, _)| *id)?;
            if let Some(entry) = table.open.remove(&oldest_waiting) {
                entry.displaced.cancel();
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        let displaced = CancellationToken::new();
        table.open.insert(
            id,
            Entry {
                mid_request: false,
                displaced: displaced.clone(),
            },
        );
        self.shared.alive.send_modify(|n| *n += 1);
        Some(Admitted {
            slot: Slot {
                shared: self.shared.clone(),
                id,
            },
            displaced,
        })
    }

    /// Connections open now (displaced ones not counted).
    pub fn open(&self) -> usize {
        self.shared.lock().open.len()
    }

    /// Waits until every connection's task has ended.
    pub async fn all_closed(&self) {
        let mut alive = self.shared.alive.subscribe();
        let _ = alive.wait_for(|n| *n == 0).await;
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.slot.shared.lock().open.remove(&self.slot.id);
        self.slot.shared.alive.send_modify(|n| *n -= 1);
    }
}

impl Slot {
    fn set_mid_request(&self, mid_request: bool) {
        if let Some(entry) = self.shared.lock().open.get_mut(&self.id) {
            entry.mid_request = mid_request;
        }
    }
}

/// Marks its connection mid-request while it lives.
struct MidRequest(Slot);

impl MidRequest {
    fn start(slot: &Slot) -> MidRequest {
        slot.set_mid_request(true);
        MidRequest(slot.clone())
    }
}

impl Drop for MidRequest {
    fn drop(&mut self) {
        self.0.set_mid_request(false);
    }
}

/// Serves one connection with `app` until the client is done, a timeout cuts it, another
/// connection displaces it, or `stop` (then requests in flight are answered first).
pub async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    admitted: Admitted,
    limits: ReceiverLimits,
    stop: CancellationToken,
) {
    let slot = admitted.slot.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        // The handler's `ConnectInfo<SocketAddr>` reads this, as under `axum::serve`.
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        let mid_request = MidRequest::start(&slot);
        async move {
            let _mid_request = mid_request;
            let answer = tower_service::Service::call(&mut app, request.map(Body::new));
            // The body is read inside the handler, so this also cuts a body sent a byte at a
            // time.
            match tokio::time::timeout(limits.request_timeout, answer).await {
                Ok(Ok(response)) => Ok::<_, Infallible>(response),
                Ok(Err(never)) => match never {},
                Err(_) => Ok(too_slow()),
            }
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        // Dropping the connection closes it.
        _ = admitted.displaced.cancelled() => Ok(()),
        _ = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!("webhook connection from {peer} ended: {e}");
    }
    drop(admitted);
}

/// The answer to a request not received in time; the connection is closed after it.
fn too_slow() -> Response<Body> {
    let mut response = Response::new(Body::from("request not received in time\n"));
    *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_displaces_the_oldest_connection_waiting_for_a_header() {
        let connections = Connections::new(3);
        let first = connections.admit().unwrap();
        let second = connections.admit().unwrap();
        let third = connections.admit().unwrap();
        let busy = MidRequest::start(&first.slot);
        let fourth = connections.admit().unwrap();
        assert!(!first.displaced.is_cancelled(), "mid-request: kept");
        assert!(
            second.displaced.is_cancelled(),
            "the oldest waiting one goes"
        );
        assert!(!third.displaced.is_cancelled());
        assert_eq!(connections.open(), 3);
        let _busy = [
            busy,
            MidRequest::start(&third.slot),
            MidRequest::start(&fourth.slot),
        ];
        assert!(connections.admit().is_none(), "all mid-request: refused");
        drop(fourth);
        assert!(connections.admit().is_some(), "a place freed is taken");
    }

    #[tokio::test]
    async fn a_clean_stop_waits_for_displaced_connections_too() {
        let connections = Connections::new(1);
        let first = connections.admit().unwrap();
        let second = connections.admit().unwrap();
        assert!(first.displaced.is_cancelled());
        let waiting = tokio::spawn({
            let connections = connections.clone();
            async move { connections.all_closed().await }
        });
        drop(second);
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap();
    }
}
