//! `legion-hub customers`: the customers, and the uncertain client matches left for the user.

use crate::config::Settings;
use crate::engine::Role;

pub async fn run(
    settings: &Settings,
    action: Option<&crate::cli::CustomersAction>,
    possible_duplicates: bool,
    json: bool,
) -> anyhow::Result<u8> {
    use crate::cli::CustomersAction;
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match action {
        Some(CustomersAction::Confirm { key }) => {
            let into = engine.confirm_duplicate(key.clone()).await?;
            println!("{key} merged into {into}: its Mindbody link and transactions moved.");
            return Ok(super::exit::OK);
        }
        Some(CustomersAction::Dismiss { key }) => {
            engine.dismiss_duplicate(key.clone()).await?;
            println!("{key} is kept as a different person.");
            return Ok(super::exit::OK);
        }
        None => {}
    }
    let customers: Vec<_> = engine
        .customers()
        .await?
        .into_iter()
        .filter(|c| !possible_duplicates || c.possible_duplicate_of.is_some())
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&customers)?);
        return Ok(super::exit::OK);
    }
    if customers.is_empty() && possible_duplicates {
        println!("No uncertain matches: every client was matched by id or email, or is new.");
    }
    for c in &customers {
        let flag = c
            .possible_duplicate_of
            .as_deref()
            .map(|other| format!("  may be {other} (same name): `legion-hub customers confirm {}` or `dismiss {}`", c.key, c.key))
            .unwrap_or_default();
        println!(
            "{:<28} {:<24} {}{flag}",
            c.key,
            c.full_name(),
            c.email.as_deref().unwrap_or("-")
        );
    }
    Ok(super::exit::OK)
}
