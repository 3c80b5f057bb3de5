//! What the process that owns the data directory serves to others: the control socket (other
//! `legion-hub` invocations on this machine) and the webhook receiver (Mindbody, through a TLS
//! proxy). Both only hand work to the engine's core.

mod accept;
pub mod connections;
pub mod control;
pub mod limits;
pub mod peer;
mod reply;
pub mod webhooks;

use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::engine::Core;

/// What the owner of the data serves while it runs; dropping this stops both.
pub struct Services {
    _control: control::Serving,
    /// The receiver's stop switch and its task (which ends once requests in flight are done).
    webhooks: Option<(CancellationToken, tokio::task::JoinHandle<()>)>,
    /// Where webhooks are received, when they are.
    pub webhook_addr: Option<std::net::SocketAddr>,
}

impl Drop for Services {
    fn drop(&mut self) {
        if let Some((stop, _)) = &self.webhooks {
            stop.cancel();
        }
    }
}

impl Services {
    /// Stops taking deliveries and waits (up to 10 s) for those in flight to be stored and
    /// answered: the receiver's task ends when the last connection is done.
    pub async fn stop_receiving(&mut self) {
        if let Some((stop, task)) = self.webhooks.take() {
            stop.cancel();
            if tokio::time::timeout(std::time::Duration::from_secs(10), task)
                .await
                .is_err()
            {
                tracing::warn!("webhook deliveries still in flight after 10 s; stopping anyway");
            }
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
    // Before any listener: more connections fit under a higher limit.
    limits::raise_open_files_limit();
    let control = control::start(core, &settings.paths.control_socket())?;
    let (webhooks, webhook_addr) = match receive_webhooks {
        None => (None, None),
        Some(addr) => {
            if webhooks::ceiling_asked() {
                core.receive_without_storing();
                tracing::error!(
                    "{}={}: webhook deliveries are verified and answered 200 but NOT STORED (the webhooks bench's ceiling); unset it and restart",
                    webhooks::CEILING_ENV,
                    webhooks::CEILING_VERIFY_ONLY
                );
            }
            let listener = webhooks::bind(addr).await?;
            let bound = listener.local_addr()?;
            let stop = CancellationToken::new();
            let task = tokio::spawn(webhooks::serve(listener, core.clone(), stop.clone()));
            core.set_webhook_address(Some(format!("http://{bound}{}", webhooks::PATH)));
            tracing::info!("receiving Mindbody webhooks on {bound}");
            (Some((stop, task)), Some(bound))
        }
    };
    Ok(Services {
        _control: control,
        webhooks,
        webhook_addr,
    })
}
