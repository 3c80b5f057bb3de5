//! `legion-hub categorize`: a suggested class for every bank line reconciliation left and every
//! transaction without one: the plan (what rules and earlier answers class, what goes to Gemini
//! and what it will cost) before, the usage after, then the suggestions with their confidence,
//! reason and source. Nothing is applied unseen: `accept ID` (optionally as a rule), `reject ID`,
//! `undo ID`, or `--accept-above P`. `rules` lists the rules, `rules delete ID` forgets one.

use crate::api::Role;
use crate::api::categorize::{
    CategorizeView, Decide, Decision, RunReport, Subject, SuggestionView,
};
use crate::api::currency;
use crate::config::Settings;

/// The most open suggestions printed (`--json` has them all).
const SHOWN: usize = 200;

pub enum CategorizeAction<'a> {
    Run {
        accept_above: Option<f64>,
        dry_run: bool,
    },
    Decide {
        id: &'a str,
        decide: Decide,
    },
    Rules,
    DeleteRule {
        id: &'a str,
    },
}

pub async fn run(
    settings: &Settings,
    action: CategorizeAction<'_>,
    json: bool,
) -> anyhow::Result<u8> {
    let (engine, _serving) = super::open(settings, Role::Command).await?;
    match action {
        CategorizeAction::Run {
            accept_above,
            dry_run,
        } => {
            // The plan first, before anything is sent: what goes and what it will cost. It is
            // made here and sends nothing; the run then asks Gemini.
            let plan = engine.categorize(true).await?;
            if !json {
                print_report(&plan);
            }
            let report = if dry_run {
                plan.clone()
            } else {
                engine.categorize(false).await?
            };
            let accepted = match accept_above {
                Some(at_least) if !dry_run => {
                    Some(engine.accept_suggestions_above(at_least).await?)
                }
                _ => None,
            };
            let view = engine.categorize_view().await?;
            if json {
                let out = serde_json::json!({
                    "plan": plan,
                    "run": report,
                    "accepted": accepted,
                    "view": view
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                if !dry_run {
                    print_usage(&report);
                }
                if let (Some(accepted), Some(at_least)) = (accepted, accept_above) {
                    println!(
                        "{accepted} suggestion{} at least {:.0}% sure accepted.",
                        plural(accepted),
                        at_least * 100.0
                    );
                }
                print_view(&view);
            }
            Ok(if report.failed.is_some() || report.misfit_batches > 0 {
                super::exit::NEEDS_ATTENTION
            } else {
                super::exit::OK
            })
        }
        CategorizeAction::Decide { id, decide } => {
            let Some(subject) = Subject::parse(id) else {
                eprintln!(
                    "“{id}” is not a suggestion's id (bank:LINE or tx:KEY): `legion-hub categorize` lists them"
                );
                return Ok(super::exit::USAGE);
            };
            let rule = matches!(decide, Decide::Accept { rule: true, .. });
            let view = engine.decide_suggestion(subject, decide).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                match &view.decision {
                    Decision::Accepted { class, .. } => {
                        println!(
                            "{id} accepted as {class}{}; `legion-hub categorize undo {id}` takes it back.",
                            if rule { ", and made a rule" } else { "" }
                        );
                    }
                    Decision::Rejected { .. } => println!("{id} rejected."),
                    Decision::Open => println!("{id} is open again."),
                }
            }
            Ok(super::exit::OK)
        }
        CategorizeAction::Rules => {
            let view = engine.categorize_view().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view.rules)?);
            } else if view.rules.is_empty() {
                println!(
                    "No rules yet: `legion-hub categorize accept ID --rule` makes one from an acceptance."
                );
            } else {
                for rule in &view.rules {
                    println!(
                        "{:<10} payee contains “{}” → {} (answers {} now)",
                        rule.id, rule.contains, rule.class, rule.answers
                    );
                }
            }
            Ok(super::exit::OK)
        }
        CategorizeAction::DeleteRule { id } => {
            if engine.delete_categorize_rule(id.to_string()).await? {
                println!("{id} deleted; what it suggested stays until the next run.");
                Ok(super::exit::OK)
            } else {
                eprintln!("no rule {id}: `legion-hub categorize rules` lists them");
                Ok(super::exit::FAILED)
            }
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The plan: what rules and earlier answers class, and what would go to Gemini at what cost.
fn print_report(report: &RunReport) {
    println!(
        "{} line{} without a class: {} by your rules, {} from earlier answers, {} payee{} left for Gemini.",
        report.items,
        plural(report.items),
        report.by_rule,
        report.by_cache,
        report.payees_for_gemini,
        plural(report.payees_for_gemini),
    );
    if report.withheld > 0 {
        println!(
            "{} line{} withheld: {}",
            report.withheld,
            plural(report.withheld),
            report.estimate_words
        );
    } else if report.payees_for_gemini > 0 {
        println!(
            "Would ask: {} request{}, about {} tokens ({}); sent: each line's date, amount and description, with emails, your customers' names and numbers longer than 4 digits masked.",
            report.planned_requests,
            plural(report.planned_requests),
            report.estimated_tokens,
            report.estimate_words
        );
    }
    if report.payees_waiting > 0 {
        println!(
            "{} more payee{} wait for the next run (at most {} a run).",
            report.payees_waiting,
            plural(report.payees_waiting),
            crate::integrations::gemini::categorize::MAX_PAYEES
        );
    }
}

/// After the run: what was really sent and what Gemini counted.
fn print_usage(report: &RunReport) {
    if report.requests > 0 {
        println!(
            "Asked: {} request{}, {} prompt + {} reply tokens ({} in all); {} line{} classed by Gemini.",
            report.requests,
            plural(report.requests),
            report.usage.prompt,
            report.usage.reply,
            report.usage.total,
            report.by_gemini,
            plural(report.by_gemini)
        );
    }
    if report.misfit_batches > 0 {
        println!(
            "{} batch{} did not fit the schema twice: nothing of {} was applied.",
            report.misfit_batches,
            if report.misfit_batches == 1 { "" } else { "es" },
            if report.misfit_batches == 1 {
                "it"
            } else {
                "them"
            }
        );
    }
    if let Some(failed) = &report.failed {
        eprintln!("Gemini was not asked everything: {failed}");
    }
}

fn print_view(view: &CategorizeView) {
    let open: Vec<&SuggestionView> = view
        .items
        .iter()
        .filter(|s| s.decision == Decision::Open)
        .collect();
    for s in open.iter().take(SHOWN) {
        let class = s.class.as_deref().unwrap_or("?");
        let source = s.source.map_or("none", |s| s.name());
        println!(
            "{} {:>12}  {:<28} → {:<22} {:>3.0}% {:<6}  {}\n    {}",
            s.date,
            currency::exact(s.amount, &s.currency),
            crate::text::one_line_within(&s.payee, 28),
            class,
            s.confidence * 100.0,
            source,
            crate::text::one_line_within(&s.reason, 60),
            s.subject.id()
        );
    }
    if open.len() > SHOWN {
        println!(
            "… and {} more (`--json` lists them all)",
            open.len() - SHOWN
        );
    }
    let decided = view.items.len() - open.len();
    println!(
        "{} open, {} decided. `categorize accept ID [--class C] [--rule [WORDS]]`, `reject ID`, `undo ID`, `--accept-above P`.",
        open.len(),
        decided
    );
}
