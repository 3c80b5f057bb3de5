//! `legion-hub sandbox`: the loopback fakes, headless, until Ctrl-C.

use std::time::Duration;

use crate::sandbox::Sandbox;

pub async fn run() -> anyhow::Result<u8> {
    let sandbox = Sandbox::start().await?;
    // Slow enough that a person sees the stream arrive.
    sandbox.gemini.set_chunk_delay(Duration::from_millis(40));
    println!("{}", serde_json::to_string(&sandbox.urls())?);
    eprintln!(
        "sandbox running; Gemini key: {}. Ctrl-C stops it.",
        crate::sandbox::gemini::SANDBOX_KEY
    );
    tokio::signal::ctrl_c().await?;
    Ok(super::exit::OK)
}
