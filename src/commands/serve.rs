//! `legion-hub serve`: the headless owner of the data. It answers other invocations on the
//! control socket, receives Mindbody's webhooks, runs the sync schedule and the daily catch-up,
//! keeps tokens fresh, and on SIGTERM or Ctrl-C stops taking deliveries, lets a running sync
//! reach its next checkpoint, flushes and exits.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::config::Settings;
use crate::engine::{Core, Role};

/// How long a stop waits for a running sync before leaving it to resume from its checkpoint.
const SYNC_GRACE: Duration = Duration::from_secs(10);

pub async fn run(settings: &Settings, webhook_addr: Option<String>) -> anyhow::Result<u8> {
    let core = Core::open(settings, Role::Serve)?;
    // Every webhook needs the signing key and every sync the sign-in: a hub that cannot open
    // its secrets must not start and answer each delivery 503.
    core.open_every_secret()?;
    core.repair_summaries().await?;
    let addr = webhook_addr.unwrap_or_else(|| settings.config.server.webhook_addr());
    let mut services = crate::server::start(&core, settings, Some(&addr)).await?;
    core.start_owner_duties();
    tracing::info!(
        "legion-hub serve (pid {}) owns {}; webhooks on {}, control socket {}",
        std::process::id(),
        settings.paths.data_dir.display(),
        services
            .webhook_addr
            .map_or_else(|| addr.clone(), |a| a.to_string()),
        settings.paths.control_socket().display()
    );
    if core.receives_without_storing() {
        // Not only in the log (a filter may hide it): whoever starts this must see it.
        eprintln!(
            "\n  !!! THIS legion-hub serve STORES NO WEBHOOK DELIVERY !!!\n  {}={} is set: deliveries are verified and answered 200, then dropped.\n  It is the webhooks bench's ceiling, never for a studio: unset it and restart.\n",
            crate::server::webhooks::CEILING_ENV,
            crate::server::webhooks::CEILING_VERIFY_ONLY
        );
    }
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: stopping"),
    }
    services.stop_receiving().await;
    let deadline = tokio::time::Instant::now() + SYNC_GRACE;
    while core.mindbody_sync_running() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if core.mindbody_sync_running() {
        tracing::info!("a sync is still running: it resumes from its last checkpoint next time");
    }
    core.flush()?;
    drop(services);
    tracing::info!("stopped");
    Ok(super::exit::OK)
}
