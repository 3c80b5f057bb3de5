//! `legion-hub mindbody contracts [--yes] [--json]`: reads the members' contracts into expected
//! inflows. The first read costs a call per member, so it is said first and asked for (on a
//! terminal; elsewhere `--yes` agrees); later reads take only what is due, within the daily share.

use std::io::{IsTerminal, Write};

use crate::api::Engine;
use crate::api::cashflow::ContractsPlan;

pub async fn run(engine: &Engine, yes: bool, json: bool) -> anyhow::Result<u8> {
    let plan = engine.contracts_plan().await?;
    if plan.first_read && plan.clients_due > 0 && !yes {
        eprintln!("{}", cost_words(&plan));
        if !std::io::stdin().is_terminal() {
            eprintln!("run again with --yes to read them");
            return Ok(super::exit::USAGE);
        }
        eprint!("Read them now? [y/N] ");
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("nothing read");
            return Ok(super::exit::OK);
        }
    }
    let report = engine.refresh_contracts(true).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"plan": plan, "report": report}))?
        );
    } else {
        println!("{}", report.words());
    }
    Ok(if report.failed > 0 {
        super::exit::NEEDS_ATTENTION
    } else {
        super::exit::OK
    })
}

/// What the first read will cost, in calls.
pub fn cost_words(plan: &ContractsPlan) -> String {
    let mut words = format!(
        "{} clients hold a contract: reading their autopays costs {} Mindbody calls (one per client; calls past the daily allowance are billed).",
        plan.clients_with_contracts, plan.clients_due
    );
    if plan.calls_now() < plan.clients_due {
        words.push_str(&format!(
            " Today's share is {} calls ({} spent): {} now, the rest on the next days.",
            plan.daily_limit,
            plan.calls_today,
            plan.calls_now()
        ));
    }
    words
}
