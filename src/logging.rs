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
