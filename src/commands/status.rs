//! `legion-hub status`: the one-line glance for people and monitoring scripts: the integrations,
//! and the bank accounts (what waits to reconcile; exit 3 when card sales are late to the bank). Asks the running
//! hub when one answers; else reads the status snapshot beside the store when it matches the
//! store (no database opened: `engine::glance`); else opens only the small hub database. So it
//! stays fast however much history there is.

use chrono::Utc;
use serde::Serialize;

use crate::api::Engine;
use crate::api::{BankStandingView, IntegrationView, Role};
use crate::config::Settings;
use crate::engine::remote::RemoteEngine;
use crate::present;

#[derive(Serialize)]
struct StatusReport<'a> {
    healthy: bool,
    /// Integrations by id, bank accounts as `bank:KEY`.
    needs_attention: Vec<String>,
    integrations: Vec<StatusRow<'a>>,
    bank_accounts: &'a [BankStandingView],
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
    let engine = match RemoteEngine::attach(&settings.paths.control_socket()).await? {
        Some(owner) => Engine::Remote(owner),
        None => match crate::engine::glance::from_snapshot(settings) {
            Some((views, banks)) => return report(&views, &banks, json),
            None => super::open(settings, Role::Status).await?.0,
        },
    };
    let views = engine.integrations().await?;
    let banks = engine.bank_standing().await?;
    // The engine (and with it the store and its last snapshot write) goes after the printing.
    report(&views, &banks, json)
}

fn report(views: &[IntegrationView], banks: &[BankStandingView], json: bool) -> anyhow::Result<u8> {
    let now = Utc::now();
    let attention: Vec<String> = views
        .iter()
        .filter(|v| v.needs_attention())
        .map(|v| v.provider.id().to_string())
        .chain(
            banks
                .iter()
                .filter(|b| b.needs_attention())
                .map(|b| format!("bank:{}", b.account)),
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
    }
    Ok(code)
}
