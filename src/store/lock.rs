//! One process at a time owns the data directory (sled allows no more). The owner holds an
//! advisory lock on `legion-hub.lock` and writes who it is into it, so a second process can say
//! plainly which one is in the way instead of showing sled's raw lock error.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who holds the data directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Owner {
    pub pid: u32,
    /// What it is doing: "dashboard", "demo", "status", ...
    pub role: String,
    pub started_at: DateTime<Utc>,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let local = self.started_at.with_timezone(&chrono::Local);
        write!(
            f,
            "legion-hub {} (pid {}, started {})",
            self.role,
            self.pid,
            local.format("%Y-%m-%d %H:%M")
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the data directory {dir} is in use by {}", owner.as_ref().map(|o| o.to_string()).unwrap_or_else(|| "another legion-hub process".into()))]
    Held { dir: PathBuf, owner: Option<Owner> },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held for as long as the process owns the data directory; dropping it (or dying) releases it.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    owner: Owner,
}

impl DataDirLock {
    /// Takes the lock, retrying for `patience` so that a brief holder (a `status` glance) does not
    /// make a starting dashboard fail.
    pub fn acquire(path: &Path, role: &str, patience: Duration) -> Result<DataDirLock, LockError> {
        let io_err = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err)?;
        let deadline = Instant::now() + patience;
        loop {
            // SAFETY: flock on a descriptor we own; it has no memory effects.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::WouldBlock {
                return Err(io_err(err));
            }
            if Instant::now() >= deadline {
                return Err(LockError::Held {
                    dir: path.parent().unwrap_or(path).to_path_buf(),
                    owner: read_owner(&mut file),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let owner = Owner {
            pid: std::process::id(),
            role: role.to_string(),
            started_at: Utc::now(),
        };
        let body = serde_json::to_vec(&owner).expect("owner serializes");
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        file.write_all(&body).map_err(io_err)?;
        Ok(DataDirLock { _file: file, owner })
    }
}

impl DataDirLock {
    pub fn owner(&self) -> &Owner {
        &self.owner
    }
}

fn read_owner(file: &mut File) -> Option<Owner> {
    let mut body = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut body).ok()?;
    serde_json::from_str(&body).ok()
}

/// A glance's hold on the data directory while it reads the status snapshot: shared (glances
/// do not exclude each other), taken only when no owner holds the directory, never waited for.
/// While it is held no owner can start, so nothing that takes the lock writes the store.
#[derive(Debug)]
pub struct GlanceLock {
    _file: File,
}

impl GlanceLock {
    /// None when an owner holds the directory now, or when there is no lock file (no store).
    pub fn if_unowned(path: &Path) -> Option<GlanceLock> {
        let file = File::open(path).ok()?;
        // SAFETY: flock on a descriptor we own; it has no memory effects.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
        (rc == 0).then_some(GlanceLock { _file: file })
    }
}
