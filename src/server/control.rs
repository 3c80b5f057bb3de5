//! The control socket: a Unix socket in the data directory (mode 0600, and only this user's
//! processes are answered) on which the owner answers [`Request`]s from other invocations, one
//! JSON line each way, and streams its events to those that subscribe.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use super::accept::AcceptFailures;
use crate::api::event::Event;
use crate::engine::Core;
use crate::engine::remote::{Reply, Request, nobody_there};

/// The longest request line read (the contract's limit).
pub const MAX_REQUEST: u64 = crate::api::REQUEST_LIMIT;

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(
        "another legion-hub already answers on {path}\nonly one process can own a data directory: use that one, or give this one another --data-dir"
    )]
    InUse { path: PathBuf },
    #[error("cannot listen on the control socket {path}: {source}")]
    Bind {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A bound socket, not yet answering.
pub struct ControlSocket {
    listener: UnixListener,
}

/// The socket being served; dropping this stops it and removes its file. A process killed
/// before that leaves the file behind, which the next owner finds dead and replaces.
pub struct Serving {
    stop: CancellationToken,
    path: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.cancel();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds `path` and answers on it in the background for as long as the result lives.
pub fn start(core: &Core, path: &Path) -> Result<Serving, ControlError> {
    let socket = ControlSocket::bind(path)?;
    let stop = CancellationToken::new();
    tokio::spawn(socket.serve(core.clone(), stop.clone()));
    Ok(Serving {
        stop,
        path: path.to_path_buf(),
    })
}

impl ControlSocket {
    /// Binds the socket, clearing one left behind by a process that died (nobody answers on
    /// it). Call only while holding the data directory's lock.
    pub fn bind(path: &Path) -> Result<ControlSocket, ControlError> {
        let bind_error = |source| ControlError::Bind {
            path: path.to_path_buf(),
            source,
        };
        if path.exists() {
            match std::os::unix::net::UnixStream::connect(path) {
                Ok(_) => {
                    return Err(ControlError::InUse {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if nobody_there(&e) => {
                    tracing::info!("removing a stale control socket at {}", path.display());
                    std::fs::remove_file(path).map_err(bind_error)?;
                }
                Err(e) => return Err(bind_error(e)),
            }
        }
        let listener = UnixListener::bind(path).map_err(bind_error)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(bind_error)?;
        Ok(ControlSocket { listener })
    }

    /// Answers connections until `stop` is cancelled.
    pub async fn serve(self, core: Core, stop: CancellationToken) {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let mut failures = AcceptFailures::new("control socket");
        loop {
            let stream = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of open files, say: wait rather than spin, and say so once a minute.
                    Err(e) => {
                        tokio::select! {
                            _ = stop.cancelled() => return,
                            _ = failures.failed(&e) => continue,
                        }
                    }
                },
            };
            failures.accepted();
            // The directory is private already; this also turns away another user's root-less
            // tricks with a copied socket path.
            if stream.peer_cred().map(|c| c.uid()).ok() != Some(uid) {
                continue;
            }
            let (core, stop) = (core.clone(), stop.clone());
            tokio::spawn(async move {
                if let Err(e) = answer(stream, core, stop).await {
                    tracing::debug!("control connection ended: {e}");
                }
            });
        }
    }
}

async fn answer(stream: UnixStream, core: Core, stop: CancellationToken) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read.take(MAX_REQUEST));
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let request = match serde_json::from_str::<Request>(&line) {
        Ok(request) => request,
        Err(e) => {
            let reply = Reply::Err(crate::api::ApiError::control(format!(
                "this legion-hub (pid {}) does not understand the request ({e}): is the other one another version?",
                std::process::id()
            )));
            return write_line(&mut write, &reply).await;
        }
    };
    match request {
        Request::Call(call) => {
            let reply = match core.answer(call).await {
                Ok(value) => Reply::Ok(value),
                Err(e) => Reply::refusal(e),
            };
            write_line(&mut write, &reply).await
        }
        Request::CallAt { site, call } => {
            // Only a site the hub serves: a key made of anything else would be a record no
            // screen lists. The first site's own id names the first site.
            let answered = match core.resolve_mindbody_site(&site) {
                Ok(further) => core.at_site(further.as_deref()).answer(call).await,
                Err(refused) => Err(refused),
            };
            let reply = match answered {
                Ok(value) => Reply::Ok(value),
                Err(e) => Reply::refusal(e),
            };
            write_line(&mut write, &reply).await
        }
        Request::Subscribe => {
            let mut events = core.subscribe();
            write_line(&mut write, &Reply::Ok(serde_json::Value::Null)).await?;
            let mut closed = reader.into_inner().into_inner();
            let mut probe = [0u8; 1];
            loop {
                let event: Event = tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    // The client went away (its end reads as closed).
                    _ = closed.read(&mut probe) => return Ok(()),
                    event = events.recv() => match event {
                        Ok(event) => event,
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!("a subscriber fell {n} events behind");
                            continue;
                        }
                        Err(RecvError::Closed) => return Ok(()),
                    },
                };
                write_line(&mut write, &event).await?;
            }
        }
    }
}

async fn write_line<T: serde::Serialize>(
    write: &mut tokio::net::unix::OwnedWriteHalf,
    value: &T,
) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await
}
