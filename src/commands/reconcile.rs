//! `legion-hub reconcile`: a bank account's lines beside what they pay, as the Reconcile screen
//! shows them: the suggestions with their reasons and confidence, what is matched, what waits.
//! `--accept-above P` accepts every suggestion at least that sure; `undo MATCH` takes one back;
//! `accept LINE --days ...` matches a line to a group put together by hand. Exit 3 when deposits
//! wait or card sales are overdue.

use crate::api::Role;
use crate::api::currency;
use crate::api::reconcile::{CandidateRef, LineState, ReconcileView};
use crate::config::Settings;

pub struct ReconcileArgs<'a> {
    pub account: Option<&'a str>,
    /// The month-end report of the month of this day instead of the lines.
    pub month: Option<chrono::NaiveDate>,
    pub accept_above: Option<f64>,
    pub undo: Option<&'a str>,
    pub accept: Option<AcceptGroup<'a>>,
    pub json: bool,
}

/// `accept LINE --days ... (--merchant M | --cash)`: a line and the group put together for it.
pub struct AcceptGroup<'a> {
    pub line: &'a str,
    pub group: CandidateRef,
}

impl<'a> AcceptGroup<'a> {
    /// Card batches of `merchant`, or cash days when there is no merchant.
    pub fn new(
        line: &'a str,
        days: &[chrono::NaiveDate],
        merchant: Option<&str>,
    ) -> AcceptGroup<'a> {
        let days = days.to_vec();
        let group = match merchant {
            Some(merchant) => CandidateRef::Card {
                merchant: merchant.to_string(),
                days,
                with: None,
            },
            None => CandidateRef::Cash { days },
        };
        AcceptGroup { line, group }
    }
}

pub async fn run(settings: &Settings, args: ReconcileArgs<'_>) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    let account = args.account.map(str::to_string);
    if let Some(id) = args.undo {
        if engine.undo_match(id.to_string()).await? {
            println!("{id} undone: its lines and sales are open again, its fee line is gone.");
            return Ok(super::exit::OK);
        }
        eprintln!("no match {id}: `legion-hub reconcile --json` lists the matches with their ids");
        return Ok(super::exit::FAILED);
    }
    if let Some(accept) = args.accept {
        return accept_group(&engine, account, accept, args.json).await;
    }
    if let Some(at_least) = args.accept_above {
        let accepted = engine.accept_above(account.clone(), at_least).await?;
        if !args.json {
            println!(
                "{accepted} suggestion{} at least {:.0}% sure accepted.",
                if accepted == 1 { "" } else { "s" },
                at_least * 100.0
            );
        }
    }
    if let Some(day) = args.month {
        let report = engine.reconcile_month(account, day).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print_month(&report);
        }
        let open = report.unmatched_credits + report.sales_not_deposited;
        return Ok(if open > 0 {
            super::exit::NEEDS_ATTENTION
        } else {
            super::exit::OK
        });
    }
    let view = engine.reconcile_view(account).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print_view(&view);
    }
    Ok(if view.unreconciled > 0 || view.overdue.count > 0 {
        super::exit::NEEDS_ATTENTION
    } else {
        super::exit::OK
    })
}

/// Works the group out, says it, and accepts it unless it cannot be: exit 1 with the reason.
async fn accept_group(
    engine: &crate::api::Engine,
    account: Option<String>,
    accept: AcceptGroup<'_>,
    json: bool,
) -> anyhow::Result<u8> {
    let line = accept.line.to_string();
    let view = engine
        .evaluate_group(account.clone(), line.clone(), accept.group.clone())
        .await?;
    if let Some(refused) = &view.refused {
        if json {
            println!("{}", serde_json::to_string_pretty(&view)?);
        }
        eprintln!("{}\nnot accepted: {refused}", view.reason);
        return Ok(super::exit::FAILED);
    }
    let id = engine.accept_group(account, line, accept.group).await?;
    if json {
        let accepted = serde_json::json!({ "match_id": id, "group": view });
        println!("{}", serde_json::to_string_pretty(&accepted)?);
    } else {
        println!("{}", view.reason);
        println!("Accepted ({id}); `legion-hub reconcile undo {id}` takes it back.");
    }
    Ok(super::exit::OK)
}

fn print_view(view: &ReconcileView) {
    let money = |d| currency::exact(d, &view.currency);
    if let Some(site) = &view.site {
        println!(
            "{}: paid by Mindbody site {site}, matched to that site's sales alone",
            view.account
        );
    }
    for line in &view.lines {
        let (mark, what) = match &line.state {
            LineState::Suggested { best } => (
                format!("{:>3.0}%", best.confidence * 100.0),
                best.reason.clone(),
            ),
            LineState::Unmatched => ("   -".to_string(), "nothing fits".to_string()),
            LineState::Matched {
                match_id, reason, ..
            } => ("  ✓ ".to_string(), format!("{match_id}: {reason}")),
        };
        println!(
            "{} {:>12} {mark}  {:<28}  {what}",
            line.date,
            money(line.amount),
            crate::text::one_line(&line.payee)
                .chars()
                .take(28)
                .collect::<String>(),
        );
    }
    for fee in &view.fees {
        let learned = if fee.fits == 0 {
            "the default, nothing learned yet".to_string()
        } else {
            format!("learned: fits {} deposits to the cent", fee.fits)
        };
        println!(
            "fees of merchant {}: {} ({learned})",
            fee.merchant, fee.words
        );
    }
    println!(
        "{} credit{} not reconciled ({}{})",
        view.unreconciled,
        if view.unreconciled == 1 { "" } else { "s" },
        money(view.unreconciled_sum),
        view.unreconciled_oldest
            .map(|d| format!(", oldest {d}"))
            .unwrap_or_default()
    );
    if view.overdue.count > 0 {
        println!(
            "{} card sale{} ({}) not seen in any deposit after {} business days, oldest {}",
            view.overdue.count,
            if view.overdue.count == 1 { "" } else { "s" },
            money(view.overdue.sum),
            view.overdue.after_days,
            view.overdue
                .oldest
                .map(|d| d.to_string())
                .unwrap_or_default()
        );
    }
}

fn print_month(report: &crate::api::reconcile::MonthReport) {
    let money = |d| currency::exact(d, &report.currency);
    let stated = |b: Option<rust_decimal::Decimal>| {
        b.map(money)
            .unwrap_or_else(|| "not stated (no running balance in the export)".into())
    };
    println!("{} · {} to {}", report.account, report.from, report.to);
    println!("  opening balance        {}", stated(report.opening));
    println!("  money in               {}", money(report.credits));
    println!("  money out              {}", money(report.debits));
    println!("  closing balance        {}", stated(report.closing));
    println!(
        "  matched                {} lines, {}; fees posted {}",
        report.matched,
        money(report.matched_sum),
        money(report.fees)
    );
    println!(
        "  unmatched credits      {} lines, {}",
        report.unmatched_credits,
        money(report.unmatched_credits_sum)
    );
    println!(
        "  unmatched debits       {} lines, {}",
        report.unmatched_debits,
        money(report.unmatched_debits_sum)
    );
    println!(
        "  card sales in no deposit {} ({})",
        report.sales_not_deposited,
        money(report.sales_not_deposited_sum)
    );
}
