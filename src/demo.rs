//! `legion-hub demo`: the dashboard on a throwaway data directory, with a few days of sample
//! sync history (from `assets/demo/`) so every pane has something to show.

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::api::{ApiError, Engine, Event, GeminiUpdate, MindbodyUpdate, SyncRequest};
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

/// Points Mindbody at the sandbox's site and OAuth client, signed out ([`open_the_books`] signs
/// in). The redirect URI gets a free loopback port, so the demo never fights another program for
/// port 3000.
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
                    site: None,
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

/// The account the demo's statement goes into.
const ACCOUNT: &str = "Studio checking";
/// What the demo accepts by itself: the default of `A` on the Reconcile screen, which only exact
/// fits reach.
const SURE: f64 = 0.95;

/// The demo's books, opened the way a studio's are: the bank statement imported, Mindbody signed
/// in by the real sign-in (an authorization code with PKCE, redirected to the hub's loopback
/// listener, with the demo playing the person at the browser who approves), the studio's last
/// weeks synced, and the exact matches accepted. The Reconcile screen (5) then opens mostly
/// reconciled, with the suggestions that are not sure waiting for a person.
pub async fn open_the_books(
    engine: &Engine,
    sandbox: &crate::sandbox::Sandbox,
) -> Result<(), ApiError> {
    import_statement(engine, sandbox).await?;
    sign_in(engine, sandbox).await?;
    // The dashboard starts a sync when a sign-in ends; this joins it rather than running a
    // second beside it.
    engine.start_mindbody_sync(SyncRequest::default()).await?;
    let waited_since = std::time::Instant::now();
    while engine.mindbody_sync_running().await? && waited_since.elapsed() < SYNC_PATIENCE {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    engine.accept_above(Some(ACCOUNT.into()), SURE).await?;
    classify_and_budget(engine).await
}

/// The sandbox studio's revenue categories mapped to the chart's classes, as an owner does once
/// with `m`; and this month's budgets for its three largest classes, set around what each is
/// projected to make: the first a fifth short of its budget, so the Reports screen's budget and
/// the title line have a shortfall to show.
async fn classify_and_budget(engine: &Engine) -> Result<(), ApiError> {
    for category in engine.categories().await? {
        let class = match category.name.as_str() {
            "Class Packs" => "Class revenue",
            "Memberships" => "Membership revenue",
            "Personal Training" => "Private sessions",
            name if name.starts_with("Retail") => "Retail sales",
            _ => continue,
        };
        engine.map_category(category.id, Some(class.into())).await?;
    }
    let projection = engine.projection().await?;
    let Some(month) = projection.months.first() else {
        return Ok(());
    };
    let hundred = Decimal::ONE_HUNDRED;
    let overs = [
        Decimal::new(125, 2),
        Decimal::new(95, 2),
        Decimal::new(105, 2),
    ];
    for (class, over) in month.classes.iter().zip(overs) {
        let budget = (class.parts.projected * over / hundred).round() * hundred;
        if budget > Decimal::ZERO {
            engine
                .set_budget(month.month, class.class.clone(), budget)
                .await?;
        }
    }
    Ok(())
}

/// The sandbox's weeks sync in a second or two; past this the demo leaves the rest to the user.
const SYNC_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

/// The real sign-in flow, approved at once: the sandbox's consent is switched to approve for this
/// one sign-in, and the demo opens the address the hub gives, as a browser would; the sandbox
/// redirects the code to the hub's loopback listener. A sign-in that never asks for its page
/// (one already under way, a listener that cannot bind) ends it, and so does a minute.
async fn sign_in(engine: &Engine, sandbox: &crate::sandbox::Sandbox) -> Result<(), ApiError> {
    let mut events = engine.subscribe();
    let browser = async {
        loop {
            match events.recv().await {
                Ok(Event::ConnectWaiting { sign_in, .. }) => {
                    if let Err(e) = crate::http::client().get(&sign_in.url).send().await {
                        tracing::warn!("the demo could not open its own sign-in page: {e}");
                    }
                    // The connect ends on its own now; this side waits for it.
                    std::future::pending::<()>().await;
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    std::future::pending::<()>().await;
                }
            }
        }
    };
    sandbox.mindbody.set_auto_approve(true);
    let connected = tokio::time::timeout(SIGN_IN_PATIENCE, async {
        tokio::select! {
            connected = engine.connect_mindbody(false) => connected,
            () = browser => Ok(()),
        }
    })
    .await;
    // The user's own sign-ins (`o`) show the consent page again, however this one ended.
    sandbox.mindbody.set_auto_approve(false);
    connected.unwrap_or_else(|_| {
        Err(ApiError::new(
            crate::api::ErrorKind::SignIn,
            "the demo's own sign-in did not finish within a minute: sign in with `o`",
            None,
        ))
    })
}

/// How long the demo's own sign-in may take (it takes a few milliseconds).
const SIGN_IN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The demo's bank: the statement of the sandbox studio's last four weeks, as its bank writes it
/// (OFX 1.02), imported into "Studio checking".
async fn import_statement(
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
        .import_bank(Some(ACCOUNT.into()), None, imported, statements)
        .await
        .map(|_| ())
}
