//! Logs go to a daily file in the log directory, never to the terminal (the dashboard owns it);
//! the headless `serve` also writes them to stderr (the journal, under systemd). `RUST_LOG` wins
//! over `[log] filter`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging; keep the guard alive until exit so the last lines are written.
pub fn init(log_dir: &Path, config_filter: &str) -> Option<WorkerGuard> {
    init_with(log_dir, config_filter, false)
}

/// As [`init`], and to stderr too when `to_stderr`.
pub fn init_with(log_dir: &Path, config_filter: &str, to_stderr: bool) -> Option<WorkerGuard> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    std::fs::create_dir_all(log_dir).ok()?;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(config_filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = tracing_appender::rolling::daily(log_dir, "legion-hub.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let file = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let stderr = to_stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(file)
        .with(stderr)
        .try_init()
        .ok()?;
    Some(guard)
}

/// A warning that can happen thousands of times a second (a failing `accept`): the first is
/// logged at once, then at most one line per interval, saying how many there were since the
/// last line. Never one line per occurrence: that filled 55 MB of log in 3 s.
#[derive(Debug)]
pub struct Throttled {
    interval: std::time::Duration,
    last_line: Option<std::time::Instant>,
    /// Occurrences not yet in a line, and when the first of them happened.
    unreported: u64,
    since: Option<std::time::Instant>,
}

impl Throttled {
    pub fn new(interval: std::time::Duration) -> Throttled {
        Throttled {
            interval,
            last_line: None,
            unreported: 0,
            since: None,
        }
    }

    /// Counts one occurrence at `now`; when a line is due, how many occurrences it reports and
    /// over how long (zero for the first).
    pub fn occurred(&mut self, now: std::time::Instant) -> Option<(u64, std::time::Duration)> {
        self.unreported += 1;
        let since = *self.since.get_or_insert(now);
        let due = self
            .last_line
            .is_none_or(|last| now.duration_since(last) >= self.interval);
        if !due {
            return None;
        }
        let count = std::mem::take(&mut self.unreported);
        self.since = None;
        self.last_line = Some(now);
        Some((count, now.duration_since(since)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Throttled;

    #[test]
    fn a_storm_of_warnings_makes_one_line_per_interval() {
        let start = Instant::now();
        let mut warning = Throttled::new(Duration::from_secs(60));
        assert_eq!(warning.occurred(start), Some((1, Duration::ZERO)));
        let lines: Vec<_> = (1..=50_000u64)
            .filter_map(|i| warning.occurred(start + Duration::from_millis(i)))
            .collect();
        assert!(lines.is_empty(), "{lines:?}");
        let later = start + Duration::from_secs(61);
        assert_eq!(
            warning.occurred(later),
            Some((50_001, later - (start + Duration::from_millis(1))))
        );
        assert_eq!(warning.occurred(later + Duration::from_secs(1)), None);
    }
}
