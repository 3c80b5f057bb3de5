//! `legion-hub status`: the one-line glance for people and monitoring scripts: the integrations,
//! and the bank accounts (what waits to reconcile; exit 3 when card sales are late to the bank). Asks the running
//! hub when one answers; else reads the status snapshot beside the store when it matches the
//! store (no database opened: `engine::glance`); else opens only the small hub database. So it
//! stays fast however much history there is.

use chrono::Utc;
use serde::Serialize;

use crate::api::Engine;
use crate::api::budget::BudgetWarning;
use crate::api::mirror::MirrorStatus;
use crate::api::{BankStandingView, IntegrationView, Role};
use crate::config::Settings;
use crate::engine::remote::RemoteEngine;
use crate::present;

#[derive(Serialize)]
struct StatusReport<'a> {
    healthy: bool,
    /// Integrations by id (a chain's further site as `mindbody@5567`), bank accounts as
    /// `bank:KEY`.
    needs_attention: Vec<String>,
    integrations: Vec<StatusRow<'a>>,
    bank_accounts: &'a [BankStandingView],
    /// This month's classes projected under budget by more than `[books] budget_warn_percent`.
    budget_warnings: &'a [BudgetWarning],
    /// The Postgres mirror, when one is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    mirror: Option<&'a MirrorStatus>,
}

#[derive(Serialize)]
struct StatusRow<'a> {
    #[serde(flatten)]
    view: &'a IntegrationView,
    last_sync_ago: String,
    /// The hint and its step as the command line says them.
    #[serde(skip_serializing_if = "Option::is_none")]
    what_to_do: Option<String>,
}

pub async fn run(settings: &Settings, json: bool) -> anyhow::Result<u8> {
    let (engine, owner) = match RemoteEngine::attach(&settings.paths.control_socket()).await? {
        Some(owner) => (Engine::Remote(owner), true),
        None => match crate::engine::glance::from_snapshot(settings) {
            Some(glance) => {
                let mirror = glance.mirror.as_ref();
                return report(&glance.views, &glance.banks, &glance.budget, mirror, json);
            }
            None => (super::open(settings, Role::Status).await?.0, false),
        },
    };
    let views = engine.integrations().await?;
    let banks = engine.bank_standing().await?;
    // The owner holds the books and works the warnings out afresh; alone, status reads the ones
    // last worked out from the hub database.
    let budget = if owner {
        engine.budget_warnings().await?
    } else {
        engine.kept_budget_warnings().await?
    };
    // Likewise the mirror: the owner counts what waits now; alone, what it last counted.
    let mirror = if settings.config.mirror.postgres_url.is_none() {
        None
    } else if owner {
        Some(engine.mirror_status().await?)
    } else {
        engine.kept_mirror_status().await?
    };
    // The engine (and with it the store and its last snapshot write) goes after the printing.
    report(&views, &banks, &budget, mirror.as_ref(), json)
}

/// "Budget: Class revenue projected 18% under its budget (and 1 more class)".
fn budget_line(warnings: &[BudgetWarning]) -> Option<String> {
    let first = warnings.first()?;
    let more = match warnings.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more class)".to_string(),
        n => format!(" (and {n} more classes)"),
    };
    Some(format!(
        "Budget: {} projected {}% under its budget of {}{more}\n",
        crate::text::one_line_within(&crate::text::escape_controls(&first.class), 40),
        first.short_percent,
        crate::format::money_in(first.budget, &first.currency)
    ))
}

fn report(
    views: &[IntegrationView],
    banks: &[BankStandingView],
    budget: &[BudgetWarning],
    mirror: Option<&MirrorStatus>,
    json: bool,
) -> anyhow::Result<u8> {
    let now = Utc::now();
    let attention: Vec<String> = views
        .iter()
        .filter(|v| v.needs_attention())
        .map(|v| v.id().key())
        .chain(
            banks
                .iter()
                .filter(|b| b.needs_attention())
                .map(|b| format!("bank:{}", b.account)),
        )
        .chain(
            mirror
                .filter(|m| m.needs_attention())
                .map(|_| "mirror".to_string()),
        )
        .collect();
    let code = if attention.is_empty() {
        super::exit::OK
    } else {
        super::exit::NEEDS_ATTENTION
    };
    if json {
        let report = StatusReport {
            healthy: attention.is_empty(),
            needs_attention: attention,
            integrations: views
                .iter()
                .map(|view| StatusRow {
                    view,
                    last_sync_ago: crate::format::ago(view.last_sync_at, now),
                    what_to_do: view.advice(crate::api::FrontEnd::CommandLine),
                })
                .collect(),
            bank_accounts: banks,
            budget_warnings: budget,
            mirror,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!(
            "{}",
            present::status_table(views, now, crate::api::FrontEnd::CommandLine)
        );
        let bank = present::bank_table(banks, crate::api::FrontEnd::CommandLine);
        if !bank.is_empty() {
            print!("\n{bank}");
        }
        if let Some(line) = budget_line(budget) {
            print!("\n{line}");
        }
        if let Some(line) = mirror.and_then(|m| m.line(now)) {
            print!("\n{line}\n");
        }
    }
    Ok(code)
}
