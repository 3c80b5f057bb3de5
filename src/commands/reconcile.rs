//! `legion-hub reconcile`: a bank account's lines beside what they pay, as the Reconcile screen
//! shows them: the suggestions with their reasons and confidence, what is matched, what waits.
//! `--accept-above P` accepts every suggestion at least that sure; `undo MATCH` takes one back.
//! Exit 3 when deposits wait or card sales are overdue.

use crate::api::Role;
use crate::api::currency;
use crate::api::reconcile::{LineState, ReconcileView};
use crate::config::Settings;

pub struct ReconcileArgs<'a> {
    pub account: Option<&'a str>,
    /// The month-end report of the month of this day instead of the lines.
    pub month: Option<chrono::NaiveDate>,
    pub accept_above: Option<f64>,
    pub undo: Option<&'a str>,
    pub json: bool,
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

fn print_view(view: &ReconcileView) {
    let money = |d| currency::exact(d, &view.currency);
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
