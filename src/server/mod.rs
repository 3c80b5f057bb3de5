//! What the process that owns the data directory serves to others: the control socket (other
//! `legion-hub` invocations on this machine) and the webhook receiver (Mindbody, through a TLS
//! proxy). Both only hand work to the engine's core.

pub mod control;
pub mod webhooks;

use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::engine::Core;

/// What the owner of the data serves while it runs; dropping this stops both.
pub struct Services {
    _control: control::Serving,
    webhooks: Option<CancellationToken>,
    /// Where webhooks are received, when they are.
    pub webhook_addr: Option<std::net::SocketAddr>,
}

impl Drop for Services {
    fn drop(&mut self) {
        if let Some(stop) = &self.webhooks {
            stop.cancel();
        }
    }
}

impl Services {
    /// Stops the webhook receiver and waits for the deliveries in flight to be stored.
    pub async fn stop_receiving(&mut self) {
        if let Some(stop) = self.webhooks.take() {
            stop.cancel();
            // Requests in flight finish (axum's graceful shutdown); give them a moment.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Starts the control socket and, when asked, the webhook receiver on `[server] webhook_addr`
/// (or `addr`).
pub async fn start(
    core: &Core,
    settings: &Settings,
    receive_webhooks: Option<&str>,
) -> anyhow::Result<Services> {
    let control = control::start(core, &settings.paths.control_socket())?;
    let (webhooks, webhook_addr) = match receive_webhooks {
        None => (None, None),
        Some(addr) => {
            let listener = webhooks::bind(addr).await?;
            let bound = listener.local_addr()?;
            let stop = CancellationToken::new();
            tokio::spawn(webhooks::serve(listener, core.clone(), stop.clone()));
            core.set_webhook_address(Some(format!("http://{bound}{}", webhooks::PATH)));
            tracing::info!("receiving Mindbody webhooks on {bound}");
            (Some(stop), Some(bound))
        }
    };
    Ok(Services {
        _control: control,
        webhooks,
        webhook_addr,
    })
}
