//! The transactions screen and the category mapping overlay, as a person sees them.

use crate::support::dashboard::{self, screen};
use crate::support::noon;
use chrono::Duration;
use legion_hub::books::{Category, Transaction};
use legion_hub::engine::{TodaysSales, TransactionPage};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Screen};
use rust_decimal::Decimal;

fn app(width: u16, height: u16) -> App {
    let mut app = dashboard::app(width, height);
    app.update(Action::TodaysSalesLoaded(TodaysSales {
        total: Decimal::new(311_924, 2),
        items: 45,
        currency: "USD".into(),
    }));
    app
}

fn tx(i: i64, description: &str, cents: i64, class: Option<&str>) -> Transaction {
    Transaction {
        key: format!("mindbody:sale:{}:{}", 100_000 + i, 1_000_000 + i),
        date: noon().naive_utc() - Duration::minutes(17 * i),
        amount: Decimal::new(cents, 2),
        tax: Decimal::ZERO,
        discount: Decimal::ZERO,
        currency: "USD".into(),
        description: description.into(),
        category_id: Some(22),
        class: class.map(str::to_string),
        customer: Some(format!("mindbody:client:{}", 100_000_000 + i)),
        source: "mindbody".into(),
        returned: cents < 0,
        settlement: None,
        location_id: None,
        payment_method: None,
        contract: None,
        synced_at: noon(),
    }
}

#[test]
fn the_transactions_screen() {
    let mut app = app(120, 16);
    app.update(Action::ShowScreen(Screen::Transactions));
    let rows = vec![
        tx(0, "10 Class Pass", 15_000, Some("Class revenue")),
        tx(1, "Water Bottle", 2_160, None),
        tx(2, "Monthly Unlimited", -12_900, Some("Membership revenue")),
        tx(3, "Protein Bar", 378, None),
        tx(4, "Annual Membership", 123_450, Some("Memberships")),
        // A third decimal is shown, not rounded away.
        Transaction {
            amount: Decimal::new(3_125, 3),
            ..tx(5, "Gift Card", 0, None)
        },
    ];
    let customers = [(rows[0].customer.clone().unwrap(), "Jane Doe".to_string())]
        .into_iter()
        .collect();
    app.update(Action::TransactionsLoaded(TransactionPage {
        filter: String::new(),
        total: 12_345,
        offset: 0,
        rows,
        customers,
    }));
    insta::assert_snapshot!(screen(&app));
    // At 80 columns the source column gives way; the classes and "(unmapped)" still fit whole.
    app.size = ratatui::layout::Rect::new(0, 0, 80, 16);
    let shown = screen(&app);
    for class in ["Membership revenue", "Class revenue", "(unmapped)"] {
        assert!(shown.contains(class), "{class} whole:\n{shown}");
    }
    insta::assert_snapshot!("the_transactions_screen_at_80_columns", shown);
}

#[test]
fn the_mapping_overlay_lists_unmapped_categories() {
    let mut app = app(100, 24);
    app.update(Action::Move(1)); // Mindbody
    app.update(Action::OpenMapping);
    let category = |id, name: &str, class: Option<&str>| Category {
        id,
        name: name.into(),
        service: true,
        source: "mindbody".into(),
        class: class.map(str::to_string),
    };
    app.update(Action::CategoriesLoaded(vec![
        category(21, "Memberships", Some("Membership revenue")),
        category(22, "Class Packs", None),
        category(31, "Retail: Drinks", None),
    ]));
    app.update(Action::Move(1));
    app.update(Action::Submit); // edit the selected one's class
    insta::assert_snapshot!(screen(&app));
}

/// With today's sales on the title line, 80 columns leave no room for the whole demo badge: it
/// shrinks to its first word instead of being cut ("demo · throwaway da").
#[test]
fn the_title_never_cuts_the_badge() {
    let mut app = app(80, 24);
    app.badge = Some("demo · throwaway data".into());
    let shown = screen(&app);
    let title = shown.lines().next().unwrap();
    assert!(
        title.contains("Today's sales 3,119.24 USD (45 items)"),
        "{title}"
    );
    assert!(
        title.trim_end_matches(['"', ' ']).ends_with("demo"),
        "{title}"
    );
    app.size = ratatui::layout::Rect::new(0, 0, 120, 24);
    let shown = screen(&app);
    let title = shown.lines().next().unwrap();
    assert!(title.contains("demo · throwaway data"), "{title}");
}

/// A class projected under budget is warned of on the title line: whole when there is room, at
/// 80 columns in short beside today's sales (which give up their item count first).
#[test]
fn the_title_warns_of_a_class_under_budget_within_80_columns() {
    let warning = |class: &str, percent: i64| legion_hub::api::budget::BudgetWarning {
        month: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        class: class.into(),
        currency: "USD".into(),
        budget: rust_decimal::Decimal::from(5000),
        projected: rust_decimal::Decimal::from(4100),
        short_percent: rust_decimal::Decimal::from(percent),
    };
    let mut app = app(80, 24);
    app.update(Action::BudgetWarningsLoaded(vec![
        warning("Class revenue", 18),
        warning("Retail sales", 12),
    ]));
    let shown = screen(&app);
    let title = shown.lines().next().unwrap().trim_matches('"').trim_end();
    assert!(title.chars().count() <= 80, "{title}");
    assert!(
        title.contains("Today's sales 3,119.24 USD") && title.contains("⚠ Class revenue -18%"),
        "{title}"
    );
    app.size = ratatui::layout::Rect::new(0, 0, 140, 24);
    let shown = screen(&app);
    let title = shown.lines().next().unwrap();
    assert!(
        title.contains("Today's sales 3,119.24 USD (45 items)")
            && title.contains("⚠ Class revenue 18% under budget (+1 more)"),
        "{title}"
    );
    // A budget saved or cleared on the Reports screen has the warning worked out again.
    use legion_hub::tui::action::Request;
    let asks = |app: &mut App| {
        app.requests()
            .iter()
            .any(|r| matches!(r, Request::LoadBudgetWarnings))
    };
    let _ = asks(&mut app); // whatever was still to load
    assert!(!asks(&mut app));
    let saved = legion_hub::api::Budget {
        month: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        class: "Class revenue".into(),
        amount: rust_decimal::Decimal::from(4000),
        currency: "USD".into(),
        set_at: chrono::Utc::now(),
    };
    app.update(Action::BudgetSaved(Box::new(Ok(saved))));
    assert!(asks(&mut app));
    assert!(!asks(&mut app));
    app.update(Action::BudgetCleared(Ok("Budget cleared.".into())));
    assert!(asks(&mut app));
}

/// `/` on the transactions screen filters as you type, as it does on the hub: Enter keeps the
/// filter, Esc clears it.
#[test]
fn the_transactions_filter_applies_as_you_type() {
    use legion_hub::tui::action::Request;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |c| Action::Edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let asks_for = |app: &mut App, wanted: &str| {
        app.requests()
            .iter()
            .any(|r| matches!(r, Request::LoadTransactions { filter, .. } if filter == wanted))
    };
    let mut app = app(100, 20);
    app.update(Action::ShowScreen(Screen::Transactions));
    assert!(asks_for(&mut app, ""));
    app.update(Action::OpenFilter);
    app.update(key('w'));
    assert!(asks_for(&mut app, "w"), "the first letter already filters");
    app.update(key('a'));
    assert!(asks_for(&mut app, "wa"));
    assert_eq!(app.transactions.list.key.as_deref(), Some("wa"));
    app.update(Action::Submit);
    assert_eq!(
        app.transactions.list.key.as_deref(),
        Some("wa"),
        "Enter keeps it"
    );
    app.update(Action::OpenFilter);
    app.update(Action::Back);
    assert_eq!(
        app.transactions.list.key.as_deref(),
        Some(""),
        "Esc clears it"
    );
}

/// The answers the loop got back from the background (each one is one engine call) until every
/// request sent has answered: how many were pages of transactions.
async fn transaction_loads(answers: &mut Answers, app: &mut App) -> usize {
    let mut loads = 0;
    while let Ok(Some(answer)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), answers.recv()).await
    {
        loads += usize::from(matches!(answer, Action::TransactionsLoaded(_)));
        app.update(answer);
    }
    loads
}

type Engine = legion_hub::engine::Engine;
type Answering = tokio::sync::mpsc::UnboundedSender<Action>;
type Answers = tokio::sync::mpsc::UnboundedReceiver<Action>;

/// A dashboard on a fresh store, its loop's channel of background answers, and the first frame
/// of the transactions screen drawn (its page asked for).
async fn on_transactions() -> (tempfile::TempDir, Engine, Answering, Answers, App) {
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::support::open_engine(dir.path());
    let (tx, answers) = tokio::sync::mpsc::unbounded_channel();
    let mut app = app(100, 20);
    app.update(Action::ShowScreen(Screen::Transactions));
    legion_hub::tui::settle(&engine, &mut app, &tx).await;
    (dir, engine, tx, answers, app)
}

/// One refresh of the transactions screen is one load of its page. The loop settles in
/// rounds and asks the app each round what to fetch; a page on its way used to change no state,
/// so it was asked for again each round (four loads per refresh).
#[tokio::test]
async fn one_refresh_of_the_transactions_screen_is_one_load() {
    use legion_hub::engine::Event;
    use legion_hub::tui::settle;
    let (_dir, engine, tx, mut answers, mut app) = on_transactions().await;
    assert_eq!(transaction_loads(&mut answers, &mut app).await, 1);
    settle(&engine, &mut app, &tx).await;
    assert_eq!(
        transaction_loads(&mut answers, &mut app).await,
        0,
        "the page it has is not asked for again"
    );
    // A delivery changes the list: one load again.
    let summary = engine.webhook_summary().await.unwrap();
    app.update(Action::Engine(Box::new(Event::WebhooksChanged(summary))));
    settle(&engine, &mut app, &tx).await;
    assert_eq!(transaction_loads(&mut answers, &mut app).await, 1);
}

/// A burst of 1,000 webhooks (each one a frame of the loop) loads the transactions at most
/// once a frame; while a page is on its way no other is sent, and the changes that arrive
/// meanwhile make one more load when it lands, so the screen ends current and not loading.
#[tokio::test]
async fn a_burst_of_webhooks_loads_at_most_once_a_frame() {
    use legion_hub::engine::Event;
    use legion_hub::tui::settle;
    let (_dir, engine, tx, mut answers, mut app) = on_transactions().await;
    let summary = engine.webhook_summary().await.unwrap();
    let (mut frames, mut loads) = (1, 0);
    for delivery in 0..1_000 {
        app.update(Action::Engine(Box::new(Event::WebhooksChanged(
            summary.clone(),
        ))));
        settle(&engine, &mut app, &tx).await;
        frames += 1;
        // Now and then the loop takes in what came back, a frame each.
        if delivery % 100 == 99 {
            while let Ok(answer) = answers.try_recv() {
                loads += usize::from(matches!(answer, Action::TransactionsLoaded(_)));
                app.update(answer);
                settle(&engine, &mut app, &tx).await;
                frames += 1;
            }
            tokio::task::yield_now().await;
        }
    }
    // The last changes are loaded once the answers stop.
    for _ in 0..3 {
        loads += transaction_loads(&mut answers, &mut app).await;
        settle(&engine, &mut app, &tx).await;
        frames += 1;
    }
    assert!(loads <= frames, "{loads} loads in {frames} frames");
    assert!(
        loads <= 15,
        "{loads} loads for 1,000 deliveries taken in ten times"
    );
    assert!(
        !app.transactions.list.is_loading(),
        "the screen is not left loading"
    );
}

/// On the events screen too, a page on its way is not asked for again however many deliveries
/// arrive; a failed load stops the asking (the error is said) instead of a loop, and the next
/// change asks again.
#[test]
fn a_page_on_its_way_is_asked_for_once() {
    use legion_hub::engine::{Event, WebhookSummary};
    use legion_hub::tui::action::{PagedList, Request};
    let mut app = app(100, 20);
    app.update(Action::ShowScreen(Screen::Events));
    let event_loads = |app: &mut App| {
        app.requests()
            .iter()
            .filter(|r| matches!(r, Request::LoadWebhookEvents { .. }))
            .count()
    };
    assert_eq!(event_loads(&mut app), 1);
    let summary: WebhookSummary = Default::default();
    for _ in 0..1_000 {
        app.update(Action::Engine(Box::new(Event::WebhooksChanged(
            summary.clone(),
        ))));
        assert_eq!(event_loads(&mut app), 0, "the page is on its way");
    }
    app.update(Action::PageFailed(
        PagedList::WebhookEvents,
        "The store could not be read.".into(),
    ));
    assert!(!app.events.list.is_loading());
    assert_eq!(event_loads(&mut app), 0, "no retry loop after an error");
    assert!(!screen(&app).contains("Loading…"), "{}", screen(&app));
    app.update(Action::Engine(Box::new(Event::WebhooksChanged(summary))));
    assert_eq!(event_loads(&mut app), 1, "the next change asks again");
}
