//! The signals that end an interactive run from outside: SIGTERM (`kill`), SIGHUP (the SSH
//! connection dropped, the terminal window closed), SIGINT (Ctrl-C before raw mode takes the
//! key, or `kill -INT`) and SIGQUIT. Left to their default action they end the process on the
//! spot, skipping every destructor: the terminal stays on the alternate screen with the mouse
//! reporting, and the demo's throwaway data (its master key included) stays on disk. Listened
//! for, they become one more ordinary way out.

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The ending signals, caught from [`Listener::start`] on.
pub struct Listener {
    caught: [(i32, Signal); 4],
}

impl Listener {
    /// Starts listening (inside a tokio runtime). From here on these signals no longer end the
    /// process by themselves, for as long as it lives: whoever starts this must end it.
    pub fn start() -> io::Result<Listener> {
        Ok(Listener {
            caught: [
                (libc::SIGTERM, signal(SignalKind::terminate())?),
                (libc::SIGHUP, signal(SignalKind::hangup())?),
                (libc::SIGINT, signal(SignalKind::interrupt())?),
                (libc::SIGQUIT, signal(SignalKind::quit())?),
            ],
        })
    }

    /// Waits for the first of them; returns its number.
    pub async fn next(&mut self) -> i32 {
        let [(term, t), (hup, h), (int, i), (quit, q)] = &mut self.caught;
        tokio::select! {
            _ = t.recv() => *term,
            _ = h.recv() => *hup,
            _ = i.recv() => *int,
            _ = q.recv() => *quit,
        }
    }
}

/// The exit status shells give a process a signal ended: 128 + the signal's number.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(u8::MAX)
}

/// The signal's name, for the log.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exit_codes_are_the_shells() {
        assert_eq!(super::exit_code(libc::SIGTERM), 143);
        assert_eq!(super::exit_code(libc::SIGHUP), 129);
    }
}
