//! `legion-hub customers`: the customers, and the uncertain client matches left for the user
//! to confirm or dismiss (one, several, or `--all` at once).

use crate::api::Role;
use crate::api::visible;
use crate::config::Settings;

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
            let into = visible(&engine.confirm_duplicate(key.clone()).await?);
            println!("{key} merged into {into}: its Mindbody link and transactions moved.");
            return Ok(super::exit::OK);
        }
        Some(CustomersAction::Dismiss { keys, all }) => {
            let keys = if *all {
                flagged(&engine).await?
            } else {
                keys.clone()
            };
            let dismissed = engine.dismiss_duplicates(keys.clone()).await?;
            match (dismissed, keys.as_slice()) {
                (0, _) => println!("No possible duplicates to dismiss."),
                (1, [key]) => println!("{} is kept as a different person.", visible(key)),
                (1, _) => println!("1 customer is kept as a different person."),
                (n, _) => println!("{n} customers are kept as different people."),
            }
            return Ok(super::exit::OK);
        }
        None => {}
    }
    // Keys as people see them, without their site.
    let customers: Vec<_> = engine
        .customers()
        .await?
        .into_iter()
        .filter(|c| !possible_duplicates || c.possible_duplicate_of.is_some())
        .map(|c| crate::api::Customer {
            key: visible(&c.key),
            possible_duplicate_of: c.possible_duplicate_of.as_deref().map(visible),
            ..c
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&customers)?);
        return Ok(super::exit::OK);
    }
    if customers.is_empty() && possible_duplicates {
        println!("No uncertain matches: every client was matched by id or email, or is new.");
    }
    let flagged = customers
        .iter()
        .filter(|c| c.possible_duplicate_of.is_some())
        .count();
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
    if flagged > 1 {
        println!(
            "\n{flagged} possible duplicates. All different people? `legion-hub customers dismiss --all`"
        );
    }
    Ok(super::exit::OK)
}

/// The keys of every customer flagged as a possible duplicate.
async fn flagged(engine: &crate::api::Engine) -> anyhow::Result<Vec<String>> {
    Ok(engine
        .customers()
        .await?
        .into_iter()
        .filter(|c| c.possible_duplicate_of.is_some())
        .map(|c| c.key)
        .collect())
}
