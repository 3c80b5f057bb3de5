//! `legion-hub webhooks subscribe|list|activate|delete|events|retry`.

use crate::api::RejectedAttempt;
use crate::api::Subscription;
use crate::api::{Engine, Role, WebhookRow};
use crate::cli::WebhooksCommand;
use crate::config::Settings;

pub async fn run(settings: &Settings, command: &WebhooksCommand) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match command {
        WebhooksCommand::Subscribe { url, events, json } => {
            let subscription = engine
                .subscribe_webhooks(url.clone(), events.clone())
                .await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&subscription)?);
            } else {
                println!("{}", describe(&subscription));
                println!("The signing key is sealed in the hub; deliveries are verified with it.");
            }
        }
        WebhooksCommand::List(args) => {
            let all = engine.webhook_subscriptions().await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!(
                    "No subscriptions. Make one with `legion-hub webhooks subscribe --url URL`."
                );
            } else {
                for subscription in &all {
                    println!("{}", describe(subscription));
                }
            }
        }
        WebhooksCommand::Activate { id } => {
            let subscription = engine.activate_webhooks(id.clone()).await?;
            println!("{}", describe(&subscription));
        }
        WebhooksCommand::Delete { id } => {
            engine.delete_webhooks(id.clone()).await?;
            println!("Deleted. Mindbody sends no more deliveries to it.");
        }
        WebhooksCommand::Events { limit, json } => return events(&engine, *limit, *json).await,
        WebhooksCommand::Retry => {
            let n = engine.retry_webhook_events().await?;
            println!("{n} failed deliveries queued to be processed again.");
        }
    }
    Ok(super::exit::OK)
}

fn describe(s: &Subscription) -> String {
    let mut line = format!(
        "{}  {}  {}  [{}]",
        s.id,
        s.status,
        s.webhook_url,
        s.event_ids.join(", ")
    );
    if let Some(message) = &s.status_message {
        line.push_str(&format!("\n  {}", crate::text::escape_controls(message)));
    }
    if s.deactivated_by_mindbody() {
        line.push_str(
            "\n  Mindbody turned it off: `legion-hub webhooks activate` turns it back on.",
        );
    }
    line
}

async fn events(engine: &Engine, limit: usize, json: bool) -> anyhow::Result<u8> {
    let summary = engine.webhook_summary().await?;
    let page = engine.webhook_events(0, limit).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "summary": summary, "events": page })
            )?
        );
        return Ok(super::exit::OK);
    }
    let c = summary.counts;
    println!(
        "{} received, {} processed, {} failed, {} pending, {} duplicates, {} rejected",
        crate::format::thousands(c.received),
        crate::format::thousands(c.processed),
        crate::format::thousands(c.failed),
        crate::format::thousands(summary.pending),
        crate::format::thousands(c.duplicates),
        crate::format::thousands(c.rejected)
    );
    if summary.inbox_full > 0 {
        println!(
            "{} deliveries answered 503 since the receiver started: the inbox was full (the disk is slower than the deliveries); Mindbody delivers them again.",
            crate::format::thousands(summary.inbox_full)
        );
    }
    let r = &summary.rejections;
    if r.total > 0 {
        println!("Rejected: {}; {}.", r.rate_text(), r.kept_text());
        if r.throttled > 0 {
            println!(
                "  {} past the limit of {} per address in {} s: answered 429, counted, not kept.",
                crate::format::thousands(r.throttled),
                crate::api::PEER_LIMIT,
                crate::api::PEER_WINDOW.as_secs()
            );
        }
        let reasons: Vec<String> = r
            .by_reason
            .iter()
            .map(|(reason, n)| format!("{reason} {}", crate::format::thousands(*n)))
            .collect();
        println!("  By reason: {}.", reasons.join(", "));
        if !r.recent.is_empty() {
            println!("  Most recent:");
        }
        for attempt in &r.recent {
            println!("    {}", rejected_line(attempt));
        }
    }
    for row in &page.rows {
        println!("{}", row_line(row));
    }
    Ok(if c.failed > 0 {
        super::exit::NEEDS_ATTENTION
    } else {
        super::exit::OK
    })
}

fn rejected_line(attempt: &RejectedAttempt) -> String {
    crate::text::escape_controls(&format!(
        "{}  rejected  {}{}",
        attempt
            .at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S"),
        attempt.reason.label(),
        attempt
            .peer
            .as_deref()
            .map(|p| format!(" (from {p})"))
            .unwrap_or_default()
    ))
}

fn row_line(row: &WebhookRow) -> String {
    let state = row.state.map(|s| s.label()).unwrap_or_default();
    crate::text::escape_controls(&format!(
        "{}  {:<9} {:<20} {:<10} {}",
        row.at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S"),
        row.kind,
        row.event_type,
        state,
        row.detail
    ))
}
