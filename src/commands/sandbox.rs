//! `legion-hub sandbox`: the loopback fakes, headless, until Ctrl-C; `legion-hub sandbox bank`:
//! the fake studio's bank statement.

use std::io::Write;
use std::time::Duration;

use crate::cli::SandboxBankArgs;
use crate::sandbox::Sandbox;
use crate::sandbox::bank::Statement;
use crate::sandbox::studio::Studio;

/// How many days of sales the studio has.
const STUDIO_DAYS: i64 = 30;

/// The studio both commands make: its sales spread over the 30 days that end tonight (a sale
/// later today is served once its time has come), so a statement written any time today is
/// the bank account of the studio a sandbox started today serves.
pub fn studio(sales: u64, clients: u64, today: chrono::NaiveDate) -> Studio {
    let tonight = today
        .and_hms_opt(23, 59, 59)
        .unwrap_or_else(|| today.and_time(chrono::NaiveTime::MIN));
    Studio::new(sales, clients, tonight, STUDIO_DAYS)
}

/// Writes the statement (and the truth, when asked) of today's studio.
pub fn bank(sales: u64, clients: u64, args: &SandboxBankArgs) -> anyhow::Result<u8> {
    let studio = studio(sales, clients, chrono::Local::now().date_naive()).at_site(args.site);
    let statement = match Statement::of(&studio, args.from, args.to) {
        Ok(statement) => statement,
        Err(error) => {
            eprintln!("legion-hub: {error}");
            return Ok(super::exit::USAGE);
        }
    };
    let bytes = statement.write(args.format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| {
                anyhow::anyhow!("could not write the statement to {}: {e}", path.display())
            })?;
            eprintln!(
                "{} lines, {} to {}, closing balance {}: written to {}",
                statement.lines.len(),
                statement.from,
                statement.to,
                crate::api::currency::exact(statement.closing, &statement.account.currency),
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    if let Some(path) = &args.truth {
        let truth = serde_json::to_vec_pretty(&statement.truth())?;
        std::fs::write(path, truth)
            .map_err(|e| anyhow::anyhow!("could not write the truth to {}: {e}", path.display()))?;
    }
    Ok(super::exit::OK)
}

pub async fn run(
    auto_approve: bool,
    sales: u64,
    clients: u64,
    live_sales: Option<u64>,
    sites: u64,
) -> anyhow::Result<u8> {
    let sandbox = Sandbox::start_sites(usize::try_from(sites).unwrap_or(usize::MAX)).await?;
    let site_ids = sandbox.mindbody.site_ids();
    // Every site a studio of the size asked, each of its own data.
    let today = studio(sales, clients, chrono::Local::now().date_naive());
    for site in &site_ids {
        sandbox.mindbody.set_studio_at(site, today.clone());
    }
    sandbox.mindbody.set_auto_approve(auto_approve);
    // Ten minutes: with the default five-minute margin, a refresh can be watched within minutes.
    sandbox.mindbody.set_access_ttl(Duration::from_secs(600));
    // Slow enough that a person sees the stream arrive.
    sandbox.gemini.set_chunk_delay(Duration::from_millis(40));
    println!("{}", serde_json::to_string(&sandbox.urls())?);
    use crate::sandbox::mindbody::*;
    eprintln!(
        "sandbox running. Gemini key: {}. Mindbody: {} {}, client id {SANDBOX_CLIENT_ID}, client secret {SANDBOX_CLIENT_SECRET}, API key {SANDBOX_API_KEY}. Ctrl-C stops it.",
        crate::sandbox::gemini::SANDBOX_KEY,
        if site_ids.len() == 1 { "site" } else { "sites" },
        site_ids.join(", ")
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
