//! The transactions screen and the category mapping overlay, as a person sees them.

use crate::support::noon;
use chrono::Duration;
use legion_hub::books::{Category, Transaction};
use legion_hub::domain::Provider;
use legion_hub::engine::{IntegrationView, TodaysSales, TransactionPage};
use legion_hub::tui::action::Action;
use legion_hub::tui::app::{App, Screen};
use legion_hub::tui::theme::Theme;
use legion_hub::tui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use rust_decimal::Decimal;

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    terminal.draw(|f| views::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

fn app(width: u16, height: u16) -> App {
    let mut app = App::new(
        Theme::new(false),
        Rect::new(0, 0, width, height),
        noon().fixed_offset(),
    );
    let views: Vec<IntegrationView> = Provider::ALL
        .into_iter()
        .map(|p| IntegrationView::build(p, None))
        .collect();
    app.update(Action::IntegrationsLoaded(views));
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
    assert_eq!(app.transactions.key.as_deref(), Some("wa"));
    app.update(Action::Submit);
    assert_eq!(
        app.transactions.key.as_deref(),
        Some("wa"),
        "Enter keeps it"
    );
    app.update(Action::OpenFilter);
    app.update(Action::Back);
    assert_eq!(app.transactions.key.as_deref(), Some(""), "Esc clears it");
}
