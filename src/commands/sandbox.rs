//! `legion-hub sandbox`: the loopback fakes, headless, until Ctrl-C.

use std::time::Duration;

use crate::sandbox::Sandbox;

pub async fn run(
    auto_approve: bool,
    sales: u64,
    clients: u64,
    live_sales: Option<u64>,
) -> anyhow::Result<u8> {
    let sandbox = Sandbox::start().await?;
    sandbox
        .mindbody
        .set_studio(crate::sandbox::studio::Studio::new(
            sales,
            clients,
            chrono::Local::now().naive_local(),
            30,
        ));
    sandbox.mindbody.set_auto_approve(auto_approve);
    // Ten minutes: with the default five-minute margin, a refresh can be watched within minutes.
    sandbox.mindbody.set_access_ttl(Duration::from_secs(600));
    // Slow enough that a person sees the stream arrive.
    sandbox.gemini.set_chunk_delay(Duration::from_millis(40));
    println!("{}", serde_json::to_string(&sandbox.urls())?);
    use crate::sandbox::mindbody::*;
    eprintln!(
        "sandbox running. Gemini key: {}. Mindbody: site {SANDBOX_SITE_ID}, client id {SANDBOX_CLIENT_ID}, client secret {SANDBOX_CLIENT_SECRET}, API key {SANDBOX_API_KEY}. Ctrl-C stops it.",
        crate::sandbox::gemini::SANDBOX_KEY
    );
    let sandbox = std::sync::Arc::new(sandbox);
    if let Some(secs) = live_sales {
        let sandbox = sandbox.clone();
        tokio::spawn(async move {
            for n in 0.. {
                tokio::time::sleep(Duration::from_secs(secs.max(1))).await;
                let report = sandbox.live_sale(n).await;
                eprintln!(
                    "sale announced to {} subscription(s), {} acknowledged",
                    report.sent,
                    report.acknowledged.len()
                );
            }
        });
    }
    tokio::signal::ctrl_c().await?;
    Ok(super::exit::OK)
}
