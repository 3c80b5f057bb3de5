//! Logs go to a daily file in the log directory, never to the terminal (the dashboard owns it).
//! `RUST_LOG` wins over `[log] filter`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging; keep the guard alive until exit so the last lines are written.
pub fn init(log_dir: &Path, config_filter: &str) -> Option<WorkerGuard> {
    std::fs::create_dir_all(log_dir).ok()?;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(config_filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = tracing_appender::rolling::daily(log_dir, "legion-hub.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
