//! The dashboard, in the Elm shape: [`app::App`] holds the state, keys and engine events become
//! [`action::Action`]s, `App::update` changes the state, and `views::draw` paints it. It redraws
//! only when a key, a mouse click or an engine event arrives; there is no frame timer, so an idle
//! dashboard costs nothing.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod confirm;
pub mod form;
pub mod keymap;
pub mod keys;
pub mod layout;
pub mod overlay;
pub mod paged;
pub mod palette;
pub mod screens;
pub mod selection;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod views;

use std::time::Duration;

use chrono::Local;
use futures_util::StreamExt;
use ratatui::crossterm::event::EventStream;
use ratatui::layout::Rect;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::api::Engine;
use crate::api::Provider;
use action::{Action, PagedList, Request};
use app::App;
use terminal::Tui;
use theme::Theme;

pub struct Options {
    pub theme: Theme,
    pub mouse: bool,
    /// Shown at the right of the title line.
    pub badge: Option<String>,
    /// Where bank imports keep each account's CSV rules (the command line's place).
    pub bank_rules: Option<crate::api::KeptRules>,
}

pub async fn run(engine: Engine, options: Options) -> anyhow::Result<()> {
    let mut engine_events = engine.subscribe();
    let mut tui = Tui::enter(options.mouse)?;
    let size = tui.size()?;
    let mut app = App::new(
        options.theme,
        Rect::new(0, 0, size.width, size.height),
        Local::now().fixed_offset(),
    );
    app.badge = options.badge;
    app.reconcile.kept_rules = options.bank_rules;
    // The demo opens on what to try; a studio's own dashboard does not.
    if engine.owner().await.is_ok_and(|owner| owner.role == "demo") {
        app.overlay = app::Overlay::Welcome;
    }
    // Answers of requests that wait on the network come back here, as gitui's async jobs do.
    let (answers_tx, mut answers) = mpsc::unbounded_channel::<Action>();
    settle(&engine, &mut app, &answers_tx).await;
    tui.draw(&app)?;

    let mut terminal_events = EventStream::new();
    while !app.should_quit {
        let tick = app.needs_tick();
        let action = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(event)) => keymap::action_for(&app, event),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            event = engine_events.recv() => match event {
                Ok(event) => Some(Action::Engine(Box::new(event))),
                Err(RecvError::Lagged(_)) => Some(Action::Reload),
                Err(RecvError::Closed) => break,
            },
            Some(answer) = answers.recv() => Some(answer),
            // Only while a countdown is on screen; otherwise the dashboard sleeps.
            _ = tokio::time::sleep(Duration::from_secs(1)), if tick => Some(Action::Tick),
        };
        // Keys that do nothing here (and pointer noise) cost no frame.
        let Some(action) = action else { continue };
        app.now = Local::now().fixed_offset();
        app.update(action);
        settle(&engine, &mut app, &answers_tx).await;
        tui.draw(&app)?;
        if let Some(text) = app.take_clipboard() {
            tui.write_raw(clipboard::osc52(&text).as_bytes())?;
        }
    }
    Ok(())
}

/// Answers what the app asks for: from the store at once, from the network in the background.
pub async fn settle(engine: &Engine, app: &mut App, background: &mpsc::UnboundedSender<Action>) {
    // Each answer can at most reveal one more need (a history page after the integrations), so
    // a few rounds always suffice; the bound keeps a misbehaving answer from looping.
    for _ in 0..4 {
        let requests = app.requests();
        if requests.is_empty() {
            return;
        }
        for request in requests {
            if request.is_local() {
                if let Some(action) = perform(engine, request).await {
                    app.update(action);
                }
            } else {
                let (engine, tx) = (engine.clone(), background.clone());
                tokio::spawn(async move {
                    if let Some(action) = perform(&engine, request).await {
                        let _ = tx.send(action);
                    }
                });
            }
        }
    }
}

/// Answers every request inline, waiting for the network too: for tests and benchmarks, where
/// the next step needs the answer.
pub async fn settle_inline(engine: &Engine, app: &mut App) {
    for _ in 0..8 {
        let requests = app.requests();
        if requests.is_empty() {
            return;
        }
        for request in requests {
            if let Some(action) = perform(engine, request).await {
                app.update(action);
            }
        }
    }
}

/// What the dashboard says after Mindbody's settings are saved: the sign-in comes next only
/// when there is none.
async fn mindbody_saved(engine: &Engine) -> String {
    let signed_in = engine.integrations().await.is_ok_and(|views| {
        views
            .iter()
            .any(|v| v.provider == crate::api::Provider::Mindbody && v.status.signed_in())
    });
    let next = (!signed_in).then_some(crate::api::NextStep::ConnectMindbody);
    crate::api::advice(
        Some("Mindbody settings saved."),
        next,
        crate::api::FrontEnd::Dashboard,
    )
    .unwrap_or_default()
}

/// An error as the dashboard says it: what happened, then the key to press where one mends it.
pub fn explain(error: &crate::api::ApiError) -> String {
    error.said(crate::api::FrontEnd::Dashboard)
}

/// An error shown inside a provider's settings form: a step that would open this very form is
/// left out (the form is where it is done).
pub fn explain_in_form(error: &crate::api::ApiError, form: Provider) -> String {
    use crate::api::NextStep;
    match (error.step, form) {
        (Some(NextStep::ConfigureGemini), Provider::Gemini)
        | (Some(NextStep::ConfigureMindbody), Provider::Mindbody) => error.to_string(),
        _ => explain(error),
    }
}

async fn perform(engine: &Engine, request: Request) -> Option<Action> {
    let failed = |e: crate::api::ApiError| Action::RequestFailed(explain(&e));
    let page_failed = |list| move |e: crate::api::ApiError| Action::PageFailed(list, explain(&e));
    Some(match request {
        Request::AtSite { site, request } => {
            return Box::pin(perform(&engine.at_site(Some(&site)), *request)).await;
        }
        Request::LoadIntegrations => engine
            .integrations()
            .await
            .map_or_else(failed, Action::IntegrationsLoaded),
        Request::LoadHistory {
            integration,
            offset,
            limit,
        } => engine
            .at_site(integration.site.as_deref())
            .sync_history(integration.provider, offset, limit)
            .await
            .map_or_else(page_failed(PagedList::History), Action::HistoryLoaded),
        Request::LoadConversations => engine
            .conversations()
            .await
            .map_or_else(failed, Action::ConversationsLoaded),
        Request::LoadConversation(id) => engine
            .conversation(id)
            .await
            .map_or_else(failed, |(c, m)| Action::ConversationLoaded(c, m)),
        Request::CancelChat(id) => {
            let _ = engine.cancel_chat(id).await;
            return None;
        }
        Request::SendChat {
            conversation,
            text,
            model,
        } => match engine.send_chat(conversation, text, Some(model)).await {
            Ok(_) => return None, // the reply arrives as events
            Err(e) => Action::ChatSendFailed(e.to_string()),
        },
        Request::TestGemini => match engine.start_gemini_test().await {
            Ok(true) => return None,
            Ok(false) => Action::Notice("A Gemini test is already running.".into()),
            Err(e) => failed(e),
        },
        Request::AcceptGemini => match engine.accept_gemini_replacements().await {
            Ok(_) => return None,
            Err(e) => failed(e),
        },
        Request::ConfigureGemini(update) => match engine.configure_gemini(update).await {
            Ok(_) => return None,
            Err(e) => failed(e),
        },
        Request::TestMindbody => match engine.test_mindbody().await {
            Ok(locations) => Action::Notice(format!(
                "{} connected: {} locations.",
                engine.mindbody_id().label(),
                locations.len()
            )),
            Err(e) => failed(e),
        },
        Request::ConfigureMindbody(update) => match engine.configure_mindbody(update).await {
            Ok(()) => Action::Notice(mindbody_saved(engine).await),
            Err(e) => failed(e),
        },
        Request::ConnectMindbody => match engine.start_mindbody_connect(true).await {
            Ok(()) => return None,
            Err(e) => Action::ConnectFailed(explain(&e)),
        },
        Request::PasteRedirect(address) => match engine.paste_mindbody_redirect(address).await {
            Ok(()) => return None,
            Err(e) => Action::PasteRejected(e.to_string()),
        },
        Request::CancelConnect => {
            let _ = engine.cancel_mindbody_connect().await;
            return None;
        }
        Request::DisconnectMindbody => match engine.disconnect_mindbody().await {
            Ok(revocation) => {
                let text = crate::present::mindbody_disconnected(&revocation);
                match revocation {
                    // Still alive at Mindbody, perhaps: shown as something to act on.
                    crate::api::Revocation::NotConfirmed { .. } => Action::RequestFailed(text),
                    _ => Action::Notice(text),
                }
            }
            Err(e) => failed(e),
        },
        Request::SyncMindbody => {
            match engine
                .start_mindbody_sync(crate::api::SyncRequest::default())
                .await
            {
                Ok(true) => Action::Notice(format!(
                    "Syncing {}: the history counts up as pages arrive.",
                    engine.mindbody_id().label()
                )),
                Ok(false) => Action::Notice(format!(
                    "A {} sync is already running.",
                    engine.mindbody_id().label()
                )),
                Err(e) => failed(e),
            }
        }
        Request::LoadTransactions {
            filter,
            offset,
            limit,
        } => engine
            .transactions_page(filter, offset, limit)
            .await
            .map_or_else(
                page_failed(PagedList::Transactions),
                Action::TransactionsLoaded,
            ),
        Request::LoadBankStanding => engine
            .bank_standing()
            .await
            .map_or_else(failed, Action::BankStandingLoaded),
        Request::LoadMirrorStatus => engine
            .mirror_status()
            .await
            .map_or_else(failed, Action::MirrorStatusLoaded),
        Request::LoadTodaysSales => engine
            .todays_sales()
            .await
            .map_or_else(failed, Action::TodaysSalesLoaded),
        Request::LoadBudgetWarnings => engine
            .budget_warnings()
            .await
            .map_or_else(failed, Action::BudgetWarningsLoaded),
        Request::LoadCategories => engine
            .categories()
            .await
            .map_or_else(failed, Action::CategoriesLoaded),
        // The overlay shows the new mapping at once.
        Request::MapCategory { id, class } => match engine.map_category(id, class).await {
            Ok(_) => engine
                .categories()
                .await
                .map_or_else(failed, Action::CategoriesLoaded),
            Err(e) => failed(e),
        },
        Request::LoadWebhookEvents { offset, limit } => {
            engine.webhook_events(offset, limit).await.map_or_else(
                page_failed(PagedList::WebhookEvents),
                Action::WebhookEventsLoaded,
            )
        }
        Request::LoadWebhookSummary => engine
            .webhook_summary()
            .await
            .map_or_else(failed, Action::WebhookSummaryLoaded),
        Request::RetryWebhooks => match engine.retry_webhook_events().await {
            Ok(0) => Action::Notice("No failed deliveries to retry.".into()),
            Ok(n) => Action::Notice(format!("{n} failed deliveries queued again.")),
            Err(e) => failed(e),
        },
        Request::ActivateWebhooks => match engine.activate_webhooks(None).await {
            Ok(sub) => Action::Notice(format!("Webhook subscription {}.", sub.status)),
            Err(e) => failed(e),
        },
        Request::LoadReconcile(account) => Action::ReconcileLoaded(Box::new(
            engine
                .reconcile_view(account)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::AcceptMatch {
            account,
            line,
            candidate,
        } => decided(engine.accept_match(account, line, candidate).await, |id| {
            format!("Accepted ({id}); u on the line undoes it.")
        }),
        Request::AcceptGroup {
            account,
            line,
            group,
        } => decided(engine.accept_group(account, line, group).await, |id| {
            format!("Accepted ({id}); u on the line undoes it.")
        }),
        Request::RejectMatch { line, candidate } => {
            decided(engine.reject_match(line, candidate).await, |()| {
                "Rejected: not offered for this line again.".to_string()
            })
        }
        Request::UndoMatch(id) => decided(engine.undo_match(id.clone()).await, |undone| {
            if undone {
                format!("{id} undone: its lines and sales are open again.")
            } else {
                format!("{id} was already undone.")
            }
        }),
        Request::AcceptAbove { account, percent } => decided(
            engine
                .accept_above(account, f64::from(percent) / 100.0)
                .await,
            |n| format!("{n} suggestion{} accepted.", if n == 1 { "" } else { "s" }),
        ),
        Request::LoadRevenueOverview { month, by } => Action::ReportsLoaded(Box::new(
            engine
                .revenue_overview(month, by)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::LoadRevenueCell {
            month,
            group,
            currency,
        } => Action::ReportsCellLoaded(Box::new(
            engine
                .revenue_cell(month, group, currency)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::LoadCashFlow(days) => Action::CashFlowLoaded(Box::new(
            engine.cash_flow(days).await.map_err(|e| explain(&e)),
        )),
        Request::LoadContractsPlan => Action::ContractsPlanLoaded(Box::new(
            engine.contracts_plan().await.map_err(|e| explain(&e)),
        )),
        Request::RefreshContracts { first_read_agreed } => Action::ContractsRead(Box::new(
            engine
                .refresh_contracts(first_read_agreed)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::ExplainMonth { day, again } => Action::MonthExplained(Box::new(
            engine
                .explain_month(day, again)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::LoadBudget(month) => Action::BudgetLoaded(Box::new(
            engine.budget(month).await.map_err(|e| explain(&e)),
        )),
        Request::LoadProjection => {
            Action::ProjectionLoaded(Box::new(engine.projection().await.map_err(|e| explain(&e))))
        }
        Request::SetBudget {
            month,
            class,
            amount,
        } => Action::BudgetSaved(Box::new(
            engine
                .set_budget(month, class, amount)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::ClearBudget { month, class } => Action::BudgetCleared(
            engine
                .clear_budget(month, Some(class.clone()))
                .await
                .map(|_| format!("Budget for {class} in {} cleared.", month.format("%b %Y")))
                .map_err(|e| explain(&e)),
        ),
        Request::LoadCategorize => Action::CategorizeLoaded(Box::new(
            engine.categorize_view().await.map_err(|e| explain(&e)),
        )),
        Request::PlanCategorize => Action::CategorizePlanned(Box::new(
            engine.categorize(true).await.map_err(|e| explain(&e)),
        )),
        Request::RunCategorize => Action::CategorizeRan(Box::new(
            engine.categorize(false).await.map_err(|e| explain(&e)),
        )),
        Request::DecideSuggestion { subject, decide } => {
            let said = decision_words(&decide);
            categorized(engine.decide_suggestion(subject, decide).await, |view| {
                // A rule that replaced another, or that a more specific one outranks, says so.
                match view.rule_made {
                    Some(made) => format!(
                        "Accepted as {}; {}. u takes it back.",
                        made.rule.class,
                        made.words()
                    ),
                    None => said,
                }
            })
        }
        Request::AcceptSuggestionsAbove(percent) => categorized(
            engine
                .accept_suggestions_above(f64::from(percent) / 100.0)
                .await,
            |n| format!("{n} suggestion{} accepted.", if n == 1 { "" } else { "s" }),
        ),
        Request::ImportBank(job) => Action::BankImport(Box::new(
            screens::reconcile::import::job::run(engine, *job).await,
        )),
        Request::LoadGroupChoices { account, line } => Action::GroupChoicesLoaded(Box::new(
            engine
                .reconcile_groups(account, line)
                .await
                .map_err(|e| explain(&e)),
        )),
        Request::EvaluateGroup {
            account,
            line,
            group,
        } => {
            let answer = engine.evaluate_group(account, line, group.clone()).await;
            Action::GroupEvaluated(Box::new((group, answer.map_err(|e| explain(&e)))))
        }
        Request::LoadGeminiModels => Action::GeminiModelsLoaded(
            engine
                .gemini_models()
                .await
                .map(|models| models.iter().map(|m| m.id().to_string()).collect())
                .map_err(|e| explain_in_form(&e, Provider::Gemini)),
        ),
    })
}

/// A reconciliation decision's answer: the screen reads the account again either way, and says
/// what happened.
fn decided<T>(answer: Result<T, crate::api::ApiError>, said: impl FnOnce(T) -> String) -> Action {
    Action::ReconcileChanged(Some(match answer {
        Ok(value) => (said(value), false),
        Err(e) => (explain(&e), true),
    }))
}

/// A categorization decision's answer: the screen reads the suggestions again either way.
fn categorized<T>(
    answer: Result<T, crate::api::ApiError>,
    said: impl FnOnce(T) -> String,
) -> Action {
    Action::CategorizeChanged(Some(match answer {
        Ok(value) => (said(value), false),
        Err(e) => (explain(&e), true),
    }))
}

fn decision_words(decide: &crate::api::categorize::Decide) -> String {
    use crate::api::categorize::Decide;
    match decide {
        Decide::Accept {
            class, rule: true, ..
        } => format!(
            "Accepted as {} and kept as a rule for this payee; u takes it back.",
            class.as_deref().unwrap_or("suggested")
        ),
        Decide::Accept { class, .. } => format!(
            "Accepted as {}; u takes it back.",
            class.as_deref().unwrap_or("suggested")
        ),
        Decide::Reject => "Rejected: not suggested for this payee again; u opens it again.".into(),
        Decide::Undo => "Taken back: it is open again.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;
    use crate::engine::EngineError;
    use crate::integrations::gemini::GeminiError;

    #[test]
    fn a_form_does_not_send_you_to_the_form_you_are_in() {
        // As the engine reports it, here or from the process across the socket.
        let no_key = ApiError::from(EngineError::Gemini {
            error: GeminiError::NoKey,
        });
        let in_form = explain_in_form(&no_key, Provider::Gemini);
        assert!(!in_form.contains("Press c"), "{in_form}");
        assert!(in_form.contains("save it"), "{in_form}");
        // Elsewhere in the dashboard the key is named.
        assert!(explain(&no_key).contains("Press c on Gemini"));
        // A step that leads somewhere else is still said.
        let not_signed_in = ApiError::from(EngineError::NotReady {
            what: "Mindbody is not signed in".into(),
            step: crate::api::NextStep::ConnectMindbody,
        });
        assert!(explain_in_form(&not_signed_in, Provider::Mindbody).contains("Press o"));
    }
}
