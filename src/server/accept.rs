//! What a listener does when `accept` fails. Out of open files (EMFILE, ENFILE) or memory, the
//! waiting connection stays queued and the next `accept` fails at once: retrying straight away
//! spins a core and, with a warning each time, wrote 490,532 lines (55 MB) of log in 3 s. So the
//! loop waits, 10 ms doubling to 1 s, and logs one line a minute at most, with the count.

use std::io;
use std::time::{Duration, Instant};

use crate::logging::Throttled;

const FIRST_WAIT: Duration = Duration::from_millis(10);
const LONGEST_WAIT: Duration = Duration::from_secs(1);
const LINE_EVERY: Duration = Duration::from_secs(60);

/// One listener's accept failures: how long to wait before the next try, and when to say so.
#[derive(Debug)]
pub struct AcceptFailures {
    /// Which listener, for the log ("webhook receiver", "control socket").
    listener: &'static str,
    wait: Duration,
    warning: Throttled,
}

impl AcceptFailures {
    pub fn new(listener: &'static str) -> AcceptFailures {
        AcceptFailures {
            listener,
            wait: FIRST_WAIT,
            warning: Throttled::new(LINE_EVERY),
        }
    }

    /// A connection was accepted: the next failure waits the shortest time again.
    pub fn accepted(&mut self) {
        self.wait = FIRST_WAIT;
    }

    /// Notes `error` and waits as long as it deserves before the next `accept`.
    pub async fn failed(&mut self, error: &io::Error) {
        if let Some(wait) = self.note(error) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Logs `error` when a line is due; how long to wait before the next `accept`.
    fn note(&mut self, error: &io::Error) -> Option<Duration> {
        if let Some((count, over)) = self.warning.occurred(Instant::now()) {
            tracing::warn!("{}", self.line(error, count, over));
        }
        // One connection went wrong (reset before it was taken): the listener is fine.
        if is_one_connection(error) {
            return None;
        }
        let wait = self.wait;
        self.wait = (self.wait * 2).min(LONGEST_WAIT);
        Some(wait)
    }

    fn line(&self, error: &io::Error, count: u64, over: Duration) -> String {
        let times = if count == 1 {
            "accept failed".to_string()
        } else {
            format!(
                "accept failed {count} times in the last {}",
                span(over.max(Duration::from_secs(1)))
            )
        };
        let advice = if is_out_of_files(error) {
            "; raise LimitNOFILE in the systemd unit (or `ulimit -n` in the shell that starts it)"
        } else {
            ""
        };
        format!("{}: {times}: {error}{advice}", self.listener)
    }
}

fn is_one_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

fn is_out_of_files(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

fn span(d: Duration) -> String {
    match d.as_secs() {
        s if (50..=70).contains(&s) => "minute".to_string(),
        s if s < 120 => format!("{s} s"),
        s => format!("{} minutes", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_files_says_to_raise_limitnofile_with_the_count() {
        let failures = AcceptFailures::new("control socket");
        let error = io::Error::from_raw_os_error(libc::EMFILE);
        assert_eq!(
            failures.line(&error, 490_532, Duration::from_secs(60)),
            format!(
                "control socket: accept failed 490532 times in the last minute: {error}; raise LimitNOFILE in the systemd unit (or `ulimit -n` in the shell that starts it)"
            )
        );
        assert!(
            failures
                .line(&error, 1, Duration::ZERO)
                .starts_with("control socket: accept failed: ")
        );
    }

    #[test]
    fn the_wait_doubles_to_a_second_and_an_accept_resets_it() {
        let mut failures = AcceptFailures::new("webhook receiver");
        let error = io::Error::from_raw_os_error(libc::EMFILE);
        let waits: Vec<u128> = (0..9)
            .map(|_| failures.note(&error).unwrap().as_millis())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        failures.accepted();
        assert_eq!(failures.note(&error), Some(FIRST_WAIT));
        let reset = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(
            failures.note(&reset),
            None,
            "one bad connection is not waited on"
        );
    }
}
