//! The engine of another process, reached over its control socket: one JSON line per request
//! and per reply, a connection per call (a Unix socket connects in microseconds), and one
//! long-lived connection that streams the owner's events into a local broadcast channel.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::broadcast;

use super::Event;
use super::handle::Call;
use crate::api::error::ApiError;
use crate::store::lock::Owner;

/// What a client sends first on a connection.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    Call(Call),
    /// A call for a further Mindbody site of a chain (see `Core::at_site`).
    CallAt {
        site: String,
        call: Call,
    },
    /// Stream every event from now on, one per line.
    Subscribe,
}

/// The owner's answer to a request (for `Subscribe`, the line before the events). A failure keeps
/// its kind and the step that mends it, so the asking front end words it its own way.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Ok(serde_json::Value),
    Err(ApiError),
}

impl Reply {
    /// The owner's answer to a call that failed.
    pub fn refusal(error: super::EngineError) -> Reply {
        Reply::Err(error.into())
    }
}

const ATTACH_PATIENCE: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone)]
pub struct RemoteEngine {
    inner: Arc<Inner>,
    /// The further Mindbody site this handle's calls are for (see `Core::at_site`).
    site: Option<String>,
}

struct Inner {
    socket: PathBuf,
    owner: Owner,
    /// None once the owner's event stream has ended: receivers then see `Closed`.
    events: Mutex<Option<broadcast::Sender<Event>>>,
}

impl RemoteEngine {
    /// Attaches to the process serving `socket`. None when nobody answers there (no socket, or
    /// one left by a process that died): the caller may then open the store itself.
    pub async fn attach(socket: &Path) -> Result<Option<RemoteEngine>, ApiError> {
        let stream = match UnixStream::connect(socket).await {
            Ok(stream) => stream,
            Err(e) if nobody_there(&e) => return Ok(None),
            Err(e) => return Err(control_error(socket, e)),
        };
        // An owner that does not even say who it is within this time is stuck (a failing
        // disk, say): tell the user rather than wait with them.
        let owner: Owner = tokio::time::timeout(
            ATTACH_PATIENCE,
            exchange(stream, Request::Call(Call::owner {})),
        )
            .await
            .map_err(|_| {
                ApiError::control(format!(
                    "the legion-hub that owns this data directory does not answer on {} (is its disk full or failing?): see its log, or restart it",
                    socket.display()
                ))
            })?
            .map_err(|e| e.into_api_error("legion-hub", 0))?;
        let (events, _) = broadcast::channel(4096);
        let remote = RemoteEngine {
            site: None,
            inner: Arc::new(Inner {
                socket: socket.to_path_buf(),
                owner,
                events: Mutex::new(Some(events.clone())),
            }),
        };
        remote.stream_events(events).await?;
        Ok(Some(remote))
    }

    /// This handle with its Mindbody calls for a further site of a chain.
    pub fn at_site(&self, site: Option<&str>) -> RemoteEngine {
        RemoteEngine {
            inner: self.inner.clone(),
            site: site.map(str::to_string),
        }
    }

    pub fn site(&self) -> Option<&str> {
        self.site.as_deref()
    }

    /// The process this one is attached to.
    pub fn owner(&self) -> &Owner {
        &self.inner.owner
    }

    pub async fn call<R: DeserializeOwned>(&self, call: Call) -> Result<R, ApiError> {
        let owner = &self.inner.owner;
        let stream = UnixStream::connect(&self.inner.socket)
            .await
            .map_err(|e| Failure::Gone(e).into_api_error(&owner.role, owner.pid))?;
        let request = match &self.site {
            None => Request::Call(call),
            Some(site) => Request::CallAt {
                site: site.clone(),
                call,
            },
        };
        exchange(stream, request).await.map_err(|e| {
            e.into_api_error(&owner.role, owner.pid)
                .at_site(self.site.as_deref())
        })
    }

    /// Live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        match self
            .inner
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(sender) => sender.subscribe(),
            // The owner is gone: a receiver that reports `Closed` at once.
            None => broadcast::channel(1).1,
        }
    }

    /// Opens the event connection and waits until the owner has subscribed it, so no event
    /// emitted after `attach` returns is missed.
    async fn stream_events(&self, sender: broadcast::Sender<Event>) -> Result<(), ApiError> {
        let stream = UnixStream::connect(&self.inner.socket)
            .await
            .map_err(|e| self.gone(e))?;
        let (read, mut write) = stream.into_split();
        let mut line = serde_json::to_vec(&Request::Subscribe)
            .map_err(|e| ApiError::control(e.to_string()))?;
        line.push(b'\n');
        write.write_all(&line).await.map_err(|e| self.gone(e))?;
        let mut lines = BufReader::new(read).lines();
        match lines.next_line().await.map_err(|e| self.gone(e))? {
            Some(first) if matches!(serde_json::from_str(&first), Ok(Reply::Ok(_))) => {}
            _ => return Err(self.gone(std::io::ErrorKind::UnexpectedEof.into())),
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            // Keep the write half: dropping it would tell the owner we left.
            let _write = write;
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Event>(&line) {
                    Ok(event) => {
                        let _ = sender.send(event);
                    }
                    Err(e) => tracing::warn!("skipped an event from the hub: {e}"),
                }
            }
            tracing::info!("the hub's event stream ended");
            inner
                .events
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
        });
        Ok(())
    }

    fn gone(&self, error: std::io::Error) -> ApiError {
        Failure::Gone(error).into_api_error(&self.inner.owner.role, self.inner.owner.pid)
    }
}

/// Why a call over the socket did not get an answer.
enum Failure {
    Gone(std::io::Error),
    Mismatch(serde_json::Error),
    Refused(ApiError),
}

impl Failure {
    fn into_api_error(self, role: &str, pid: u32) -> ApiError {
        match self {
            Failure::Refused(error) => error,
            Failure::Gone(error) => ApiError::control(format!(
                "lost the legion-hub {role} (pid {pid}) this command was talking to: {error}\nstart it again, or run the command again (with no hub running it opens the data itself)"
            )),
            Failure::Mismatch(error) => ApiError::control(format!(
                "the legion-hub {role} (pid {pid}) did not understand this request, or answered in a way this one cannot read ({error})\nis it another version? restart it with this one"
            )),
        }
    }
}

/// Sends one call on a fresh connection and reads its one-line answer.
async fn exchange<R: DeserializeOwned>(stream: UnixStream, request: Request) -> Result<R, Failure> {
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(&request).map_err(Failure::Mismatch)?;
    line.push(b'\n');
    write.write_all(&line).await.map_err(Failure::Gone)?;
    let mut reply = String::new();
    BufReader::new(read)
        .read_line(&mut reply)
        .await
        .map_err(Failure::Gone)?;
    if reply.is_empty() {
        return Err(Failure::Gone(std::io::ErrorKind::UnexpectedEof.into()));
    }
    match serde_json::from_str::<Reply>(&reply).map_err(Failure::Mismatch)? {
        Reply::Ok(value) => serde_json::from_value(value).map_err(Failure::Mismatch),
        Reply::Err(error) => Err(Failure::Refused(error)),
    }
}

/// No socket, or one nobody listens on any more (its owner died).
pub fn nobody_there(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
    )
}

fn control_error(socket: &Path, error: std::io::Error) -> ApiError {
    ApiError::control(format!(
        "cannot reach the running legion-hub at {}: {error}",
        socket.display()
    ))
}
