//! `legion-hub sync mindbody` and `history`.

use std::io::{IsTerminal, Write};

use chrono::Utc;

use crate::api::SyncLog;
use crate::api::{Event, NextStep, Role, SyncRequest};
use crate::api::{Provider, Status, SyncStatus};
use crate::cli::SiteArg;
use crate::config::Settings;

pub async fn sync(
    settings: &Settings,
    site: &SiteArg,
    request: SyncRequest,
    json: bool,
) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
    // Progress on a terminal: the run's log as it counts up.
    let progress = std::io::stderr().is_terminal() && !json;
    let mut events = engine.subscribe();
    let printer = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            if let (true, Event::SyncLogChanged(log)) = (progress, event)
                && log.status == SyncStatus::Started
            {
                let r = log.records;
                eprint!(
                    "\r{} {}: {} new, {} updated, {} unchanged, {} API calls   ",
                    spinner(r.new + r.updated + r.unchanged),
                    log.sync_type,
                    r.new,
                    r.updated,
                    r.unchanged,
                    log.api_calls
                );
                let _ = std::io::stderr().flush();
            }
        }
    });
    let logs = engine.sync_mindbody(request).await;
    printer.abort();
    if progress {
        eprint!("\r\x1b[2K");
    }
    let logs = logs?;
    if json {
        println!("{}", serde_json::to_string_pretty(&logs)?);
    } else {
        for log in &logs {
            println!("{}", describe_run(log));
        }
        let (used, allowance) = engine.mindbody_calls_today().await?;
        println!("API calls today: {used} of {allowance} included");
        let this_site = engine
            .integrations()
            .await?
            .into_iter()
            .find(|v| v.provider == Provider::Mindbody && v.site.as_deref() == engine.site());
        if let Some(view) = this_site.filter(|v| v.status == Status::NeedsReauth) {
            println!(
                "{} needs a new sign-in: {}",
                view.name,
                NextStep::ReconnectMindbody.command_at(view.site.as_deref())
            );
        }
    }
    let failed = logs.iter().any(|l| l.status == SyncStatus::Failed);
    Ok(if failed {
        super::exit::FAILED
    } else {
        super::exit::OK
    })
}

fn spinner(n: u64) -> char {
    ['|', '/', '-', '\\'][(n / 200 % 4) as usize]
}

/// One line for a run: "sales: completed, 96 new, 3 updated, 201 unchanged, 2 API calls, 3.1 s".
pub fn describe_run(log: &SyncLog) -> String {
    let r = log.records;
    let took = log
        .completed_at
        .map(|end| format!(", {}", crate::format::duration(end - log.started_at)))
        .unwrap_or_default();
    if log.status == SyncStatus::Skipped {
        let why = log.error_details.as_deref().unwrap_or("not run");
        return format!("{}: skipped ({why})", log.sync_type);
    }
    let unreached = match log.unreached {
        0 => String::new(),
        1 => ", 1 attempt could not connect".into(),
        n => format!(", {n} attempts could not connect"),
    };
    let mut line = format!(
        "{}: {}, {} new, {} updated, {} unchanged, {} API calls{unreached}{took}",
        log.sync_type,
        log.status.label(),
        r.new,
        r.updated,
        r.unchanged,
        log.api_calls
    );
    if log.status == SyncStatus::Completed && r.new == 0 && r.updated == 0 {
        line.push_str(" (nothing changed since the last run: that is normal)");
    }
    if let Some(error) = &log.error_details {
        line.push_str(&format!("\n  {error}"));
    }
    line
}

pub async fn history(
    settings: &Settings,
    provider: &str,
    site: &SiteArg,
    limit: usize,
    json: bool,
) -> anyhow::Result<u8> {
    let provider = Provider::from_id(provider).ok_or_else(|| {
        anyhow::anyhow!("unknown provider `{provider}`: gemini, mindbody, stripe or gocardless")
    })?;
    if site.site.is_some() && provider != Provider::Mindbody {
        anyhow::bail!("only Mindbody has sites: --site goes with --provider mindbody");
    }
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
    let page = engine.sync_history(provider, 0, limit).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&page)?);
        return Ok(super::exit::OK);
    }
    if page.rows.is_empty() {
        let named = crate::domain::IntegrationId {
            provider,
            site: page.site.clone(),
        };
        println!("No syncs yet for {named}.");
    }
    let now = Utc::now();
    for log in &page.rows {
        println!(
            "{:>12}  {}",
            crate::format::ago(Some(log.started_at), now),
            describe_run(log)
        );
    }
    Ok(super::exit::OK)
}
