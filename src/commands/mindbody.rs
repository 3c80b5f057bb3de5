//! `legion-hub mindbody configure|test` (`contracts` is in `contracts.rs`), `connect mindbody`, `disconnect mindbody`.

use std::io::IsTerminal;

use tokio::sync::mpsc;

use crate::api::{Event, MindbodyUpdate, Role};
use crate::cli::{MindbodyCommand, SiteArg};
use crate::config::Settings;
use crate::secret::Secret;

pub async fn run(settings: &Settings, command: &MindbodyCommand) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match command {
        MindbodyCommand::Configure {
            site_id,
            client_id,
            redirect_uri,
        } => {
            let update = MindbodyUpdate {
                site_id: site_id.clone(),
                client_id: client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                api_key: secret_from(
                    "MINDBODY_API_KEY",
                    "Mindbody API key (hidden, Enter keeps the saved one): ",
                )?,
                client_secret: secret_from(
                    "MINDBODY_CLIENT_SECRET",
                    "Mindbody client secret (hidden, Enter keeps the saved one): ",
                )?,
            };
            engine.configure_mindbody(update).await?;
            let saved = engine.mindbody_settings().await?;
            println!(
                "Mindbody settings saved: site {}, client {}, redirect {}",
                saved.site_id.as_deref().unwrap_or("(none)"),
                saved.client_id.as_deref().unwrap_or("(none)"),
                saved.redirect_uri()
            );
            // Only a hub that is not signed in needs the sign-in next.
            let signed_in = engine
                .integrations()
                .await?
                .iter()
                .any(|v| v.provider == crate::api::Provider::Mindbody && v.status.signed_in());
            if !signed_in {
                println!("Next: {}", crate::api::NextStep::ConnectMindbody.command());
            }
            Ok(super::exit::OK)
        }
        MindbodyCommand::Contracts { yes, site, json } => {
            let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
            super::contracts::run(&engine, *yes, *json).await
        }
        MindbodyCommand::Sites(args) => sites(&engine, args.json).await,
        MindbodyCommand::AddSite { site } => {
            let view = engine.add_mindbody_site(site.clone()).await?;
            println!(
                "{} added: it signs in with the first site's API key and OAuth client.",
                view.name
            );
            println!(
                "Next: {}",
                crate::api::NextStep::ConnectMindbody.command_at(view.site.as_deref())
            );
            Ok(super::exit::OK)
        }
        MindbodyCommand::RemoveSite { site } => {
            if engine.remove_mindbody_site(site.clone()).await? {
                println!(
                    "Mindbody site {site} removed: its sign-in is revoked; its sync history and its records in the books are kept."
                );
                Ok(super::exit::OK)
            } else {
                eprintln!(
                    "legion-hub: site {site} is not one of this hub's further Mindbody sites (`legion-hub mindbody sites` lists them)."
                );
                Ok(super::exit::USAGE)
            }
        }
        MindbodyCommand::Test { site, json } => test(&engine, site, *json).await,
    }
}

/// `mindbody sites`: each site the hub serves, with its state.
async fn sites(engine: &crate::engine::Engine, json: bool) -> anyhow::Result<u8> {
    let sites: Vec<_> = engine
        .integrations()
        .await?
        .into_iter()
        .filter(|v| v.provider == crate::api::Provider::Mindbody)
        .collect();
    if json {
        let rows: Vec<_> = sites
            .iter()
            .map(|v| {
                serde_json::json!({
                    "site": v.settings.get(crate::integrations::mindbody::settings::SITE_ID).or(v.site.as_ref()),
                    "first": v.site.is_none(),
                    "status": v.status,
                    "last_sync_at": v.last_sync_at,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(super::exit::OK);
    }
    for view in &sites {
        let site = view
            .site
            .clone()
            .or_else(|| {
                view.settings
                    .get(crate::integrations::mindbody::settings::SITE_ID)
                    .cloned()
            })
            .unwrap_or_else(|| "(not configured)".into());
        let first = if view.site.is_none() { "  (first)" } else { "" };
        println!(
            "{site:>8}  {} {}{first}",
            view.status.symbol(),
            view.status.label()
        );
    }
    Ok(super::exit::OK)
}

/// `mindbody test [--site ID]`.
async fn test(
    engine: &crate::engine::Engine,
    site: &crate::cli::SiteArg,
    json: bool,
) -> anyhow::Result<u8> {
    let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
    let named = engine.mindbody_id().label();
    match engine.test_mindbody().await {
        Ok(locations) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"ok": true, "locations": locations})
                    )?
                );
            } else {
                println!("{named}: connected ({} locations)", locations.len());
                for location in &locations {
                    println!("  {} {}", location.id, location.name);
                }
            }
            Ok(super::exit::OK)
        }
        Err(error) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({"ok": false, "error": super::say(&error)})
                    )?
                );
            } else {
                println!("{named}: needs attention\n  {}", super::say(&error));
            }
            Ok(super::exit::NEEDS_ATTENTION)
        }
    }
}

/// A secret from its environment variable, else asked for on a terminal; None keeps the saved one.
fn secret_from(variable: &str, prompt: &str) -> anyhow::Result<Option<Secret>> {
    if let Some(value) = std::env::var(variable)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return Ok(Some(Secret::new(value.trim())));
    }
    if std::io::stdin().is_terminal() {
        let value = super::prompt::read_secret_line(prompt)?;
        return Ok((!value.is_empty()).then(|| Secret::new(value)));
    }
    Ok(None)
}

/// `connect mindbody`: the address on stdout, pasted addresses from stdin, exit 0 once connected.
pub async fn connect(settings: &Settings, site: &SiteArg, no_browser: bool) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
    let named = engine.mindbody_id().label();
    let next = match engine.site() {
        None => "legion-hub sync mindbody".to_string(),
        Some(site) => format!("legion-hub sync mindbody --site {site}"),
    };
    let mut events = engine.subscribe();
    engine.start_mindbody_connect(!no_browser).await?;
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    // stdin blocks; it gets a thread of its own.
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let cancel = engine.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = cancel.cancel_mindbody_connect().await;
        }
    });
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(Event::ConnectWaiting { sign_in, site, .. }) if site.as_deref() == engine.site() => {
                    println!("{}", sign_in.url);
                    if sign_in.browser_opened {
                        eprintln!("Your browser was opened to sign in to Mindbody. If it did not, open the address above.");
                    } else {
                        eprintln!("Open the address above in a browser and sign in to Mindbody.");
                    }
                    if std::env::var_os("SSH_CONNECTION").is_some()
                        && let Some(forward) = crate::present::ssh_forward(&sign_in)
                    {
                        eprintln!("{forward}");
                    }
                    if let Some(error) = &sign_in.listener_error {
                        eprintln!("(No listener: {error})");
                    }
                    eprintln!("Or paste here the whole address the browser ends on, then Enter.");
                }
                Ok(Event::ConnectFinished { error: None, site, .. }) if site.as_deref() == engine.site() => {
                    println!("{named} connected. Next: {next}");
                    return Ok(super::exit::OK);
                }
                Ok(Event::ConnectFinished { error: Some(error), step, site, .. }) if site.as_deref() == engine.site() => {
                    let said = crate::domain::advice_at(
                        Some(&format!("{named} was not connected: {error}")),
                        step,
                        crate::api::FrontEnd::CommandLine,
                        engine.site(),
                    )
                    .unwrap_or_default();
                    eprintln!("legion-hub: {said}");
                    return Ok(super::exit::FAILED);
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return Ok(super::exit::FAILED),
            },
            Some(line) = lines.recv() => {
                if line.trim().is_empty() {
                    continue;
                }
                if let Err(error) = engine.paste_mindbody_redirect(line.clone()).await {
                    eprintln!("{error}\nWaiting for the right address (Ctrl-C gives up).");
                }
            }
        }
    }
}

pub async fn disconnect(settings: &Settings, site: &SiteArg) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let engine = engine.for_mindbody_site(site.site.as_deref()).await?;
    let revocation = engine.disconnect_mindbody().await?;
    println!("{}", crate::present::mindbody_disconnected(&revocation));
    // Forgotten here but perhaps alive at Mindbody: someone has to look.
    Ok(
        if matches!(revocation, crate::api::Revocation::NotConfirmed { .. }) {
            super::exit::NEEDS_ATTENTION
        } else {
            super::exit::OK
        },
    )
}
