//! How long the webhook receiver waits for a client and how many it serves at once, so slow or
//! half-open connections cannot take every open file and starve a real delivery (issue 12,
//! item 5).
//!
//! The defaults suit Mindbody behind a proxy. `LEGION_HUB_RECEIVER_HEADER_TIMEOUT_MS`,
//! `LEGION_HUB_RECEIVER_REQUEST_TIMEOUT_MS` and `LEGION_HUB_RECEIVER_MAX_CONNECTIONS` override
//! them; they exist for tests and emergencies, not as settings to tune.

use std::time::Duration;

/// A client must send a request's whole header within this, counted from the connection (or
/// from the previous answer on a kept-alive connection, which bounds idle keep-alive too).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// From the header's end to the answer, reading the body included: a body dripped a byte at a
/// time is cut here (with 408). Mindbody sends a few kilobytes at once.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections served at once, at most; also never more than a quarter of the open files
/// allowed, so sled, the log and the control socket always have files to spare.
pub const MAX_CONNECTIONS: usize = 256;

/// The fewest connections served, whatever the open-files limit.
const MIN_CONNECTIONS: usize = 8;

/// The soft open-files limit is raised to the hard one, up to this.
const OPEN_FILES_WANTED: u64 = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverLimits {
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ReceiverLimits {
    fn default() -> Self {
        ReceiverLimits {
            header_read_timeout: HEADER_READ_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

impl ReceiverLimits {
    /// The defaults, with any override from the environment, the connection cap fitted to the
    /// open files this process may have.
    pub fn from_env() -> ReceiverLimits {
        let defaults = ReceiverLimits::default();
        let wanted = ReceiverLimits {
            header_read_timeout: env_millis("LEGION_HUB_RECEIVER_HEADER_TIMEOUT_MS")
                .unwrap_or(defaults.header_read_timeout),
            request_timeout: env_millis("LEGION_HUB_RECEIVER_REQUEST_TIMEOUT_MS")
                .unwrap_or(defaults.request_timeout),
            max_connections: env_number("LEGION_HUB_RECEIVER_MAX_CONNECTIONS")
                .map(|n| n as usize)
                .unwrap_or(defaults.max_connections),
        };
        wanted.fitted_to(open_files_limit())
    }

    /// The connection cap lowered to a quarter of `open_files` (when known).
    pub fn fitted_to(self, open_files: Option<u64>) -> ReceiverLimits {
        let max_connections = match open_files {
            Some(files) => self
                .max_connections
                .min((files / 4) as usize)
                .max(MIN_CONNECTIONS),
            None => self.max_connections,
        };
        ReceiverLimits {
            max_connections,
            ..self
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            tracing::warn!("ignoring {name}={value:?}: it must be a whole number above 0");
            None
        }
    }
}

fn env_millis(name: &str) -> Option<Duration> {
    env_number(name).map(Duration::from_millis)
}

/// The soft limit on open files, when it can be read.
pub fn open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the rlimit it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    read.then_some(limit.rlim_cur)
}

/// Raises the soft open-files limit towards the hard one (systemd's default soft limit is 1,024
/// under a hard one of 524,288). A hard limit set low, say by `LimitNOFILE=`, is kept.
pub fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the rlimit they are given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        let wanted = limit.rlim_max.min(OPEN_FILES_WANTED);
        if wanted > limit.rlim_cur {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                tracing::debug!("open files allowed: {} (was {})", wanted, limit.rlim_cur);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_three_quarters_of_the_open_files() {
        let limits = ReceiverLimits::default();
        assert_eq!(limits.fitted_to(Some(65_536)).max_connections, 256);
        assert_eq!(limits.fitted_to(Some(1024)).max_connections, 256);
        assert_eq!(limits.fitted_to(Some(256)).max_connections, 64);
        assert_eq!(limits.fitted_to(Some(10)).max_connections, MIN_CONNECTIONS);
        assert_eq!(limits.fitted_to(None).max_connections, 256);
    }
}
