//! `legion-hub demo`: the dashboard on a throwaway data directory, with a few days of sample
//! sync history (from `assets/demo/`) so every pane has something to show.

use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::api::{ApiError, Engine, GeminiUpdate, MindbodyUpdate};
use crate::api::{Provider, SyncStatus};
use crate::api::{RecordCounts, SyncLog};
use crate::secret::Secret;

const SEED: &str = include_str!("../assets/demo/sync_history.json");

#[derive(Deserialize)]
struct SeedRun {
    provider: Provider,
    sync_type: String,
    status: SyncStatus,
    new: u64,
    updated: u64,
    unchanged: u64,
    api_calls: u64,
    minutes_ago: i64,
    seconds: f64,
    #[serde(default)]
    error: Option<String>,
}

/// Saves the sandbox's Gemini key (sealed, like any key) and tests it, so the demo shows Gemini
/// connected and the chat answers.
pub async fn connect_gemini(engine: &Engine) -> Result<(), ApiError> {
    let update = GeminiUpdate {
        api_key: Some(Secret::new(crate::sandbox::gemini::SANDBOX_KEY)),
        ..GeminiUpdate::default()
    };
    engine.configure_gemini(update).await?;
    Ok(())
}

/// Points Mindbody at the sandbox's site and OAuth client, signed out, so the first thing to try
/// is the real sign-in flow (`o`). The redirect URI gets a free loopback port, so the demo never
/// fights another program for port 3000.
pub async fn prepare_mindbody(engine: &Engine) -> Result<(), ApiError> {
    engine
        .configure_mindbody(sandbox_mindbody_settings(&free_redirect_uri()))
        .await?;
    // Tokens from an earlier demo belong to a sandbox that is gone.
    engine.disconnect_mindbody().await.map(|_| ())
}

/// Subscribes the demo's receiver at the sandbox's Webhooks API, then has the studio sell
/// something every `every` and announce it by webhook, so sales arrive live. Runs until the
/// returned task is aborted (or the sandbox goes).
pub async fn start_live_sales(
    engine: &Engine,
    sandbox: std::sync::Arc<crate::sandbox::Sandbox>,
    receiver_url: &str,
    every: std::time::Duration,
) -> Result<tokio::task::JoinHandle<()>, ApiError> {
    engine
        .subscribe_webhooks(receiver_url.to_string(), Vec::new())
        .await?;
    Ok(tokio::spawn(async move {
        for n in 0.. {
            tokio::time::sleep(every).await;
            sandbox.live_sale(n).await;
        }
    }))
}

/// A loopback redirect URI on a port that is free now.
pub fn free_redirect_uri() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(3000);
    format!("http://localhost:{port}/api/integrations/mindbody/callback")
}

/// The sandbox studio's site, OAuth client and keys, with this redirect URI.
pub fn sandbox_mindbody_settings(redirect_uri: &str) -> MindbodyUpdate {
    use crate::sandbox::mindbody::*;
    MindbodyUpdate {
        site_id: Some(SANDBOX_SITE_ID.into()),
        client_id: Some(SANDBOX_CLIENT_ID.into()),
        redirect_uri: Some(redirect_uri.to_string()),
        api_key: Some(Secret::new(SANDBOX_API_KEY)),
        client_secret: Some(Secret::new(SANDBOX_CLIENT_SECRET)),
    }
}

/// Fills an empty data directory with the sample history; leaves one that has history alone.
pub async fn seed(engine: &Engine) -> Result<(), ApiError> {
    let runs: Vec<SeedRun> = serde_json::from_str(SEED).expect("the bundled demo seed is valid");
    let now = Utc::now();
    for provider in Provider::ALL {
        if engine.sync_history(provider, 0, 1).await?.total > 0 {
            continue;
        }
        let logs: Vec<SyncLog> = runs
            .iter()
            .filter(|r| r.provider == provider)
            .map(|r| {
                let started_at = now - Duration::minutes(r.minutes_ago);
                SyncLog {
                    provider,
                    seq: 0,
                    sync_type: r.sync_type.clone(),
                    status: r.status,
                    records: RecordCounts {
                        new: r.new,
                        updated: r.updated,
                        unchanged: r.unchanged,
                        ..Default::default()
                    },
                    api_calls: r.api_calls,
                    unreached: 0,
                    error_details: r.error.clone(),
                    started_at,
                    completed_at: Some(
                        started_at + Duration::milliseconds((r.seconds * 1000.0) as i64),
                    ),
                }
            })
            .collect();
        if !logs.is_empty() {
            engine.import_sync_history(provider, logs).await?;
        }
    }
    engine.flush()
}

/// Removes the demo's throwaway data directory. The last writers may still be finishing when the
/// dashboard has ended (sled's flusher, the status snapshot's last write, a blocking store call
/// the runtime's shutdown left running), and a file they make while the tree is being removed
/// fails the removal with "directory not empty": so it is tried again for a moment.
pub fn remove_throwaway(dir: tempfile::TempDir) -> std::io::Result<()> {
    let path = dir.keep();
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) if tries < 40 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The demo's bank: the statement of the sandbox studio's last month, as its bank writes it
/// (OFX 1.02), imported into "Studio checking". Once Mindbody is connected and synced, the
/// Reconcile screen (5) matches its deposits to the sales.
pub async fn import_statement(
    engine: &Engine,
    sandbox: &crate::sandbox::Sandbox,
) -> Result<(), ApiError> {
    use crate::books::bank::{Reading, read_statement};
    use crate::sandbox::bank::{BankFormat, Statement};
    let file = sandbox.mindbody.with_studio(|studio| {
        let to = studio.now.date();
        let from = to - chrono::Duration::days(28);
        Statement::of(studio, from, to).map(|s| s.write(BankFormat::Ofx1))
    });
    // The demo goes on without a bank if its statement cannot be made; the log says why.
    let statements = match file.map(|file| (read_statement(&file, None), file)) {
        Ok((Ok(Reading::Statements(statements)), file)) if !statements.is_empty() => {
            (statements, file)
        }
        other => {
            tracing::warn!("the demo's bank statement was not made: {:?}", other.err());
            return Ok(());
        }
    };
    let (statements, file) = statements;
    let format = statements[0].format;
    use sha2::Digest;
    let sha256 = sha2::Sha256::digest(&file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let imported = crate::books::bank::import::ImportedFile {
        name: "studio-checking.ofx".into(),
        sha256,
        size: file.len() as u64,
        format,
    };
    engine
        .import_bank(Some("Studio checking".into()), None, imported, statements)
        .await
        .map(|_| ())
}
