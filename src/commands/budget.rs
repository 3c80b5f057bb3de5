//! `legion-hub budget set CLASS AMOUNT [--month YYYY-MM]`, `budget show [--month] [--json]`,
//! `budget clear [CLASS] [--month]`: a month's revenue budget per financial class.

use chrono::Local;
use rust_decimal::Decimal;

use crate::api::Role;
use crate::api::budget::{BudgetView, shortfall_percent};
use crate::api::currency;
use crate::cli::BudgetCommand;
use crate::config::Settings;

pub async fn run(settings: &Settings, command: &BudgetCommand) -> anyhow::Result<u8> {
    let this_month = Local::now().date_naive();
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match command {
        BudgetCommand::Set {
            class,
            amount,
            month,
        } => {
            let Some(amount) = crate::books::currency::typed_amount(amount) else {
                eprintln!("legion-hub: {amount:?} is not an amount: write it as 12000 or 12000.50");
                return Ok(super::exit::USAGE);
            };
            let month = month.unwrap_or(this_month);
            match engine.set_budget(month, class.clone(), amount).await {
                Ok(budget) => {
                    println!(
                        "Budget for {} in {}: {}",
                        budget.class,
                        budget.month.format("%Y-%m"),
                        crate::format::money_in(budget.amount, &budget.currency)
                    );
                    Ok(super::exit::OK)
                }
                Err(error) if error.kind == crate::api::ErrorKind::Invalid => {
                    eprintln!("legion-hub: {}", super::say(&error));
                    Ok(super::exit::USAGE)
                }
                Err(error) => Err(error.into()),
            }
        }
        BudgetCommand::Show { month, json } => {
            let view = engine.budget(month.unwrap_or(this_month)).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&view_json(&view))?);
            } else {
                print!("{}", table(&view));
            }
            Ok(super::exit::OK)
        }
        BudgetCommand::Clear { class, month } => {
            let month = month.unwrap_or(this_month);
            match engine.clear_budget(month, class.clone()).await {
                Ok(cleared) => {
                    println!(
                        "Cleared {cleared} budget{} for {}",
                        if cleared == 1 { "" } else { "s" },
                        month.format("%Y-%m")
                    );
                    Ok(super::exit::OK)
                }
                Err(error) if error.kind == crate::api::ErrorKind::Invalid => {
                    eprintln!("legion-hub: {}", super::say(&error));
                    Ok(super::exit::USAGE)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}

fn table(view: &BudgetView) -> String {
    let code = &view.currency;
    let money = |a| crate::format::money(a, code);
    let mut out = format!("Budget for {} ({code})\n", view.month.format("%Y-%m"));
    let mut rows = vec![
        ["Class", "Actual", "Projected", "Budget", "Short"]
            .map(String::from)
            .to_vec(),
    ];
    let short = |projected: Option<Decimal>, budget: Option<Decimal>| {
        match (projected, budget) {
            (Some(p), Some(b)) => shortfall_percent(p, b).map(|s| format!("{s}%")),
            _ => None,
        }
        .unwrap_or_default()
    };
    let or_dash = |amount: Option<Decimal>| amount.map(money).unwrap_or_else(|| "-".into());
    for line in &view.lines {
        rows.push(vec![
            crate::text::one_line_within(&crate::text::escape_controls(&line.class), 40),
            money(line.actual),
            or_dash(line.projected),
            or_dash(line.budget),
            short(line.projected, line.budget),
        ]);
    }
    let budgeted = view.lines.iter().any(|l| l.budget.is_some());
    rows.push(vec![
        "Total".into(),
        money(view.total_actual),
        or_dash(view.total_projected),
        if budgeted {
            money(view.total_budget)
        } else {
            "-".into()
        },
        short(view.total_projected, budgeted.then_some(view.total_budget)),
    ]);
    out.push_str(&super::report_cashflow::aligned(&rows, &[1, 2, 3, 4]));
    if view.total_projected.is_none() {
        out.push_str("No projection for this month: it covers this month and the next three.\n");
    }
    if !budgeted {
        out.push_str("No budget set: `legion-hub budget set CLASS AMOUNT` sets one.\n");
    }
    out
}

fn view_json(view: &BudgetView) -> serde_json::Value {
    let exact = |a| currency::exact(a, &view.currency);
    serde_json::json!({
        "month": view.month.format("%Y-%m").to_string(),
        "currency": view.currency,
        "lines": view.lines.iter().map(|l| serde_json::json!({
            "class": l.class,
            "actual": exact(l.actual),
            "projected": l.projected.map(exact),
            "budget": l.budget.map(exact),
            "short_percent": l.shortfall_percent().map(|s| s.to_string()),
        })).collect::<Vec<_>>(),
        "total_actual": exact(view.total_actual),
        "total_projected": view.total_projected.map(exact),
        "total_budget": exact(view.total_budget),
    })
}
