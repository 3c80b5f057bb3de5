//! Loopback fakes of the remote services, built from the real APIs' shapes, with their error
//! modes. Used by the tests, `legion-hub sandbox` and `legion-hub demo`; nothing else depends
//! on this module.

pub mod bank;
pub mod gemini;
mod gemini_request;
pub mod mindbody;
mod query;
pub mod registration;
pub mod studio;
pub mod webhooks;

use serde::Serialize;

/// The base URLs of the running fakes, as `legion-hub sandbox` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxUrls {
    pub gemini: String,
    pub mindbody_authorize: String,
    pub mindbody_token: String,
    pub mindbody_revocation: String,
    pub mindbody_api: String,
    pub mindbody_webhooks: String,
}

/// Serves `app` on `listener` until `stop` is cancelled (each fake cancels it when dropped).
fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
) -> tokio_util::sync::CancellationToken {
    let stop = tokio_util::sync::CancellationToken::new();
    let shutdown = stop.clone();
    // Each reply goes out as it is written, as Google's and Mindbody's servers send theirs:
    // without TCP_NODELAY a streamed reply of many small chunks can sit behind Nagle's
    // algorithm and the client's delayed ACK (40 ms on Linux), a stall no real service has.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
    });
    stop
}

/// Every fake, running until dropped.
pub struct Sandbox {
    pub gemini: gemini::GeminiSandbox,
    pub mindbody: mindbody::MindbodySandbox,
    pub webhooks: webhooks::WebhooksSandbox,
}

impl Sandbox {
    /// The fakes with one Mindbody site, `-99`.
    pub async fn start() -> std::io::Result<Sandbox> {
        Sandbox::start_sites(1).await
    }

    /// The fakes with a chain of `count` Mindbody sites (`-99`, `-98`, ...; 1 to
    /// [`mindbody::MAX_SITES`]), each with its own studio.
    pub async fn start_sites(count: usize) -> std::io::Result<Sandbox> {
        Ok(Sandbox {
            gemini: gemini::GeminiSandbox::start().await?,
            mindbody: mindbody::MindbodySandbox::start_sites(count).await?,
            webhooks: webhooks::WebhooksSandbox::start().await?,
        })
    }

    pub fn urls(&self) -> SandboxUrls {
        SandboxUrls {
            gemini: self.gemini.base_url(),
            mindbody_authorize: self.mindbody.authorize_url(),
            mindbody_token: self.mindbody.token_url(),
            mindbody_revocation: self.mindbody.revocation_url(),
            mindbody_api: self.mindbody.api_url(),
            mindbody_webhooks: self.webhooks.url(),
        }
    }

    /// A studio sells something now and Mindbody announces it to the active subscriptions: the
    /// sites take turns, `n` picking the site.
    pub async fn live_sale(&self, n: u64) -> webhooks::SendReport {
        // Prices a studio sells at: drop-ins, packs, retail.
        let cents = [2500, 16200, 1800, 4500, 9900][n as usize % 5];
        let sites = self.mindbody.site_ids();
        let site = sites
            .get(n as usize % sites.len().max(1))
            .map_or(mindbody::SANDBOX_SITE_ID, String::as_str);
        let sale = self.mindbody.with_studio_at(site, |studio| {
            studio.add_sale(
                chrono::Local::now().naive_local(),
                rust_decimal::Decimal::new(cents, 2),
            )
        });
        let body = self.webhooks.sale_body_at(site, &sale);
        let plan = webhooks::SendPlan {
            concurrency: 1,
            ..Default::default()
        };
        self.webhooks.send(vec![body], &plan).await
    }

    /// Every Mindbody endpoint pointed at the fakes, the Webhooks API included.
    pub fn mindbody_endpoints(&self) -> crate::integrations::mindbody::MindbodyEndpoints {
        crate::integrations::mindbody::MindbodyEndpoints {
            webhooks_url: Some(self.webhooks.url()),
            ..self.mindbody.endpoints()
        }
    }
}
