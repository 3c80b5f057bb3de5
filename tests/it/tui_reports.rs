//! The Reports screen (`6`) as a person uses it: the twelve months by class with the categories
//! beneath, the bars, the month against the one before and a year earlier, the keys that move
//! the month and the grouping, and Enter into the sales behind a row; Tab to the cash flow, and
//! the question before the first (billed) read of the members' contracts. Last, on a synced
//! sandbox studio: what the screen shows adds up to the transactions themselves.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, Utc};
use legion_hub::api::Transaction;
use legion_hub::api::cashflow::{
    AutopayRisk, CashFlow, CashFlowWeek, ContractsPlan, ContractsReport, MethodFlow,
};
use legion_hub::api::reports::{
    Amounts, DayAmounts, GroupRef, Grouping, OverviewRow, RevenueCell, RevenueOverview,
};
use legion_hub::engine::SyncRequest;
use legion_hub::tui::action::{Action, Request};
use legion_hub::tui::app::{App, Screen};

use ratatui::crossterm::event::KeyCode;
use rust_decimal::Decimal;

use crate::support::dashboard::{self, press, screen};

fn nov() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// Sales and refunds in cents; the net is what is left.
fn amounts(sales: i64, refunds: i64) -> Amounts {
    Amounts {
        sales: Decimal::new(sales, 2),
        refunds: Decimal::new(refunds, 2),
        discounts: Decimal::new(sales / 50, 2),
        tax: Decimal::ZERO,
        net: Decimal::new(sales - refunds, 2),
        count: (sales / 2_500).max(0) as u64,
    }
}

fn add(a: &Amounts, b: &Amounts) -> Amounts {
    Amounts {
        sales: a.sales + b.sales,
        refunds: a.refunds + b.refunds,
        discounts: a.discounts + b.discounts,
        tax: a.tax + b.tax,
        net: a.net + b.net,
        count: a.count + b.count,
    }
}

/// Twelve months of a group growing by `step` cents a month from `first`.
fn row(group: GroupRef, label: &str, parent: Option<&str>, first: i64, step: i64) -> OverviewRow {
    let months: Vec<Amounts> = (0..12)
        .map(|i| amounts(first + i * step, if i == 11 { 12_900 } else { 0 }))
        .collect();
    let total = months.iter().fold(Amounts::default(), |t, a| add(&t, a));
    OverviewRow {
        group,
        label: label.into(),
        parent: parent.map(str::to_string),
        months,
        total,
        same_month_last_year: amounts(first - step, 0),
    }
}

fn overview() -> RevenueOverview {
    let class = |name: &str| GroupRef::Class {
        class: Some(name.into()),
    };
    let category = |class: &str, id: i64| GroupRef::ClassCategory {
        class: Some(class.into()),
        account: "mindbody@-99".into(),
        category: Some(id),
    };
    let drop_ins = row(
        category("Class revenue", 1),
        "Drop-ins",
        Some("Class revenue"),
        400_000,
        20_000,
    );
    let packs = row(
        category("Class revenue", 2),
        "Class packs",
        Some("Class revenue"),
        800_000,
        30_000,
    );
    // The class is the sum of its categories.
    let classes = OverviewRow {
        group: class("Class revenue"),
        label: "Class revenue".into(),
        parent: None,
        months: (0..12)
            .map(|i| add(&drop_ins.months[i], &packs.months[i]))
            .collect(),
        total: add(&drop_ins.total, &packs.total),
        same_month_last_year: add(&drop_ins.same_month_last_year, &packs.same_month_last_year),
    };
    let retail = row(class("Retail"), "Retail", None, 150_000, 1_000);
    let month_totals: Vec<Amounts> = (0..12)
        .map(|i| add(&classes.months[i], &retail.months[i]))
        .collect();
    let total = add(&classes.total, &retail.total);
    let months: Vec<NaiveDate> = (0..12)
        .map(|i| nov().checked_sub_months(Months::new(11 - i)).unwrap())
        .collect();
    let days = (1..=30)
        .map(|d| DayAmounts {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            amounts: if d <= 25 {
                amounts(50_000 + i64::from(d % 7) * 10_000, 0)
            } else {
                Amounts::default()
            },
        })
        .collect();
    RevenueOverview {
        month: nov(),
        by: Grouping::Class,
        currency: "USD".into(),
        other_currencies: Vec::new(),
        this_month: month_totals[11],
        last_month: month_totals[10],
        same_month_last_year: add(&classes.same_month_last_year, &retail.same_month_last_year),
        months,
        rows: vec![classes, drop_ins, packs, retail],
        month_totals,
        total,
        days,
    }
}

fn load(month: NaiveDate, by: Grouping) -> Request {
    Request::LoadRevenueOverview { month, by }
}

/// The dashboard (noon on 25 November 2026) on the Reports screen, the overview loaded.
fn app(width: u16, height: u16) -> App {
    let mut app = dashboard::app(width, height);
    press(&mut app, KeyCode::Char('6'));
    assert_eq!(app.screen, Screen::Reports);
    assert!(app.requests().contains(&load(nov(), Grouping::Class)));
    app.update(Action::ReportsLoaded(Box::new(Ok(overview()))));
    app
}

#[test]
fn the_reports_screen() {
    let app = app(80, 24);
    let shown = screen(&app);
    for words in [
        "Revenue by class · Nov 2026 · USD",
        // The month on show, with the months before it that fit, and the twelve months' total.
        "Nov 2026",
        "12 MO",
        "  Drop-ins",
        "Total",
        // This month's net, in the table and against last month and a year earlier.
        "18,723.00",
        "Nov 2026 · 1–25 so far",
        "Refunds",
        "-387.00",
        "Discounts",
        "change",
        "By day · best Fri 20 1,100.00",
    ] {
        assert!(shown.contains(words), "{words} at 80x24:\n{shown}");
    }
    insta::assert_snapshot!("the_reports_screen_at_80x24", shown);
    let mut wide = app;
    wide.size = ratatui::layout::Rect::new(0, 0, 160, 40);
    let shown = screen(&wide);
    for words in ["Dec 2025", "Nov 2026", "Net by month · USD", "Dec"] {
        assert!(shown.contains(words), "{words} at 160x40:\n{shown}");
    }
    insta::assert_snapshot!("the_reports_screen_at_160x40", shown);
}

/// Presses `code` and answers what the screen asks with the overview: whether it asked `asked`.
fn press_and_answer(app: &mut App, code: KeyCode, asked: &Request) -> bool {
    press(app, code);
    let requests = app.requests();
    if !requests.is_empty() {
        app.update(Action::ReportsLoaded(Box::new(Ok(overview()))));
    }
    requests.contains(asked)
}

#[test]
fn arrows_move_the_month_but_not_past_this_one_and_g_changes_the_grouping() {
    let mut app = app(100, 30);
    let october = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert!(press_and_answer(
        &mut app,
        KeyCode::Left,
        &load(october, Grouping::Class)
    ));
    assert!(press_and_answer(
        &mut app,
        KeyCode::Right,
        &load(nov(), Grouping::Class)
    ));
    press(&mut app, KeyCode::Right);
    assert!(app.requests().is_empty(), "nothing after this month");
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("This is the current month")
    );
    let september = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    press_and_answer(&mut app, KeyCode::Left, &load(october, Grouping::Class));
    assert!(press_and_answer(
        &mut app,
        KeyCode::Left,
        &load(september, Grouping::Class)
    ));
    assert!(press_and_answer(
        &mut app,
        KeyCode::Char('t'),
        &load(nov(), Grouping::Class)
    ));
    for next in [
        Grouping::Category,
        Grouping::Method,
        Grouping::Location,
        Grouping::Site,
        Grouping::Class,
    ] {
        assert!(
            press_and_answer(&mut app, KeyCode::Char('g'), &load(nov(), next)),
            "{next:?}"
        );
    }
}

fn sale(day: u32, cents: i64, description: &str) -> Transaction {
    Transaction {
        key: format!("mindbody@-99:sale:{day}:1"),
        date: NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap(),
        amount: Decimal::new(cents, 2),
        tax: Decimal::ZERO,
        discount: Decimal::ZERO,
        currency: "USD".into(),
        description: description.into(),
        category_id: Some(1),
        class: Some("Class revenue".into()),
        customer: None,
        source: "mindbody".into(),
        returned: cents < 0,
        settlement: None,
        location_id: Some(1),
        payment_method: Some("card".into()),
        contract: None,
        synced_at: Utc::now(),
    }
}

#[test]
fn enter_lists_the_sales_behind_the_selected_rows_month_and_esc_steps_back() {
    let mut app = app(100, 30);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let drop_ins = GroupRef::ClassCategory {
        class: Some("Class revenue".into()),
        account: "mindbody@-99".into(),
        category: Some(1),
    };
    assert!(app.requests().contains(&Request::LoadRevenueCell {
        month: nov(),
        group: drop_ins.clone(),
        currency: "USD".into(),
    }));
    assert!(screen(&app).contains("Drop-ins · Nov 2026"));
    let transactions = vec![
        sale(24, 2_500, "Drop-in Class"),
        sale(12, -2_500, "Drop-in Class (returned)"),
    ];
    app.update(Action::ReportsCellLoaded(Box::new(Ok(RevenueCell {
        month: nov(),
        group: drop_ins,
        currency: "USD".into(),
        amounts: amounts(2_500, 2_500),
        transactions,
        total_count: 2,
    }))));
    let shown = screen(&app);
    for words in [
        "Drop-ins · Nov 2026 · 2 transactions · net 0.00 USD",
        "11-24 10:30",
        "-25.00",
        "Drop-in Class (returned)",
    ] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Reports);
    assert!(screen(&app).contains("Revenue by class"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Hub);
}

/// The screen on a real engine, after a sync of the sandbox studio: the month's total on screen
/// is the sum of the month's sales as the transactions themselves have them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_synced_studio_the_months_total_is_the_sum_of_its_sales() {
    let sandbox = legion_hub::sandbox::Sandbox::start().await.unwrap();
    sandbox.mindbody.set_auto_approve(true);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::support::mindbody::settings(dir.path(), &sandbox.mindbody, |_| {});
    settings.config.mindbody = sandbox.mindbody_endpoints();
    let engine = crate::support::mindbody::open(&settings);
    crate::support::mindbody::connect(&engine).await;
    engine.sync_mindbody(SyncRequest::default()).await.unwrap();

    let mut app = dashboard::app(120, 40);
    press(&mut app, KeyCode::Char('6'));
    legion_hub::tui::settle_inline(&engine, &mut app).await;
    let month = app.now.date_naive().with_day(1).unwrap();
    let from: NaiveDateTime = month.and_hms_opt(0, 0, 0).unwrap();
    let to = month
        .checked_add_months(Months::new(1))
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let net: Decimal = engine
        .transactions_since(None)
        .await
        .unwrap()
        .iter()
        .filter(|t| t.is_sale() && t.date >= from && t.date < to)
        .map(|t| t.amount)
        .sum();
    assert!(net > Decimal::ZERO, "the sandbox sold something this month");
    let shown = screen(&app);
    let total_line = shown
        .lines()
        .find(|l| l.contains("Total"))
        .unwrap_or_else(|| panic!("a total line:\n{shown}"));
    let expected = legion_hub::format::money(net, "USD");
    assert!(
        total_line.contains(&expected),
        "{expected} in the total line:\n{shown}"
    );
}

fn week(start_day: u32, sales: i64, deposits: i64, expected: i64, autopays: u64) -> CashFlowWeek {
    let start = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
        + chrono::Duration::days(i64::from(start_day));
    CashFlowWeek {
        start,
        expected: Decimal::new(expected, 2),
        at_risk: if autopays > 3 {
            Decimal::new(12_900, 2)
        } else {
            Decimal::ZERO
        },
        autopays,
        sales: Decimal::new(sales, 2),
        deposits: Decimal::new(deposits, 2),
    }
}

/// Noon on 25 November: three weeks behind, this week, and four ahead; one member's autopay
/// suspended; the contracts never read.
fn cash_flow() -> CashFlow {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    CashFlow {
        today: day(25),
        days: 30,
        until: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
        since: day(5),
        currency: "USD".into(),
        expected: Decimal::new(1_032_000, 2),
        expected_autopays: 80,
        at_risk: Decimal::new(25_800, 2),
        sales: Decimal::new(5_512_345, 2),
        deposits: Decimal::new(4_800_000, 2),
        weeks: vec![
            week(0, 1_802_345, 1_500_000, 0, 0),
            week(7, 1_810_000, 1_700_000, 0, 0),
            week(14, 1_900_000, 1_600_000, 0, 0),
            week(21, 900_000, 0, 258_000, 20),
            week(28, 0, 0, 258_000, 20),
            week(35, 0, 0, 258_000, 20),
            week(42, 0, 0, 258_000, 20),
        ],
        methods: vec![
            MethodFlow {
                method: "Card".into(),
                expected: Decimal::new(903_000, 2),
                autopays: 70,
                sales: Decimal::new(4_512_345, 2),
            },
            MethodFlow {
                method: "ACH".into(),
                expected: Decimal::new(129_000, 2),
                autopays: 10,
                sales: Decimal::new(1_000_000, 2),
            },
        ],
        risks: vec![AutopayRisk {
            client: "client:100000042".into(),
            name: None,
            contract_name: "Monthly Unlimited".into(),
            status: "Suspended".into(),
            next_date: day(28),
            amount: Decimal::new(12_900, 2),
            payment_method: "Card".into(),
        }],
        contracts_read_at: Some(read_at()),
    }
}

/// When the fixture's contracts were read: the morning of its today, Nov 25.
fn read_at() -> chrono::DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(9, 12, 0)
        .unwrap()
        .and_utc()
}

/// The cash flow before any contract was read: nothing expected, nothing at risk.
fn never_read() -> CashFlow {
    let flow = cash_flow();
    CashFlow {
        expected: Decimal::ZERO,
        expected_autopays: 0,
        at_risk: Decimal::ZERO,
        weeks: flow
            .weeks
            .iter()
            .map(|w| CashFlowWeek {
                expected: Decimal::ZERO,
                at_risk: Decimal::ZERO,
                autopays: 0,
                ..w.clone()
            })
            .collect(),
        risks: Vec::new(),
        contracts_read_at: None,
        ..flow
    }
}

/// Read this morning; nobody due again.
fn read_lately() -> ContractsPlan {
    ContractsPlan {
        clients_due: 0,
        first_read: false,
        calls_today: 81,
        ..first_read()
    }
}

fn first_read() -> ContractsPlan {
    ContractsPlan {
        clients_with_contracts: 81,
        clients_due: 81,
        first_read: true,
        calls_today: 0,
        daily_limit: 200,
    }
}

/// The Reports screen turned to the cash flow, loaded, at 10:25 on the fixture's today.
fn cash_app(width: u16, height: u16, flow: CashFlow, plan: ContractsPlan) -> App {
    let mut app = app(width, height);
    app.now = (read_at() + chrono::Duration::minutes(73)).fixed_offset();
    press(&mut app, KeyCode::Tab);
    let asked = app.requests();
    assert!(asked.contains(&Request::LoadCashFlow(30)), "{asked:?}");
    assert!(asked.contains(&Request::LoadContractsPlan));
    app.update(Action::CashFlowLoaded(Box::new(Ok(flow))));
    app.update(Action::ContractsPlanLoaded(Box::new(Ok(plan))));
    app
}

#[test]
fn the_cash_flow() {
    let app = cash_app(80, 24, cash_flow(), read_lately());
    let shown = screen(&app);
    for words in [
        "Expected 10,320.00 USD from 80 autopays by Dec 24",
        "· 258.00 at risk",
        "At risk · 258.00 USD, not counted",
        "Arrived since Nov 5: sales 55,123.45 · deposits matched 48,000.00",
        "contracts read today 09:12",
        "▸ Nov 23",
        "2,580.00",
        "Suspended",
        "Card",
        "Tab budget",
    ] {
        assert!(shown.contains(words), "{words} at 80x24:\n{shown}");
    }
    insta::assert_snapshot!("the_cash_flow_at_80x24", shown);
    // A wide terminal has room for whose autopay it is and on which contract.
    let wide = screen(&cash_app(160, 40, cash_flow(), read_lately()));
    for words in [
        "contracts read today 09:12",
        "client:100000042 · Monthly Unlimited",
    ] {
        assert!(wide.contains(words), "{words} at 160x40:\n{wide}");
    }
}

#[test]
fn the_first_read_of_the_contracts_says_its_cost_and_waits_for_yes() {
    let mut app = cash_app(100, 30, never_read(), first_read());
    let shown = screen(&app);
    for words in [
        "Nothing expected yet: the members' contracts have not been read",
        "contracts never read: r reads them (81 calls)",
        "No autopay is suspended or inactive.",
    ] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
    press(&mut app, KeyCode::Char('r'));
    assert!(app.requests().is_empty(), "nothing read before the answer");
    let shown = screen(&app);
    for words in [
        "Read the contracts of 81 members?",
        "81 calls to Mindbody's client/clientcontracts",
    ] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
    app.update(Action::Confirm);
    assert!(app.requests().contains(&Request::RefreshContracts {
        first_read_agreed: true
    }));
    app.update(Action::ContractsRead(Box::new(Ok(ContractsReport {
        clients_read: 81,
        calls: 81,
        inflows: 240,
        ..ContractsReport::default()
    }))));
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "Read the contracts of 81 members (81 calls): 240 autopays ahead on record."
    );
    assert!(app.requests().contains(&Request::LoadCashFlow(30)));
    // d looks further ahead; Tab goes on to the budget, and round to the revenue.
    app.update(Action::CashFlowLoaded(Box::new(Ok(cash_flow()))));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.requests().contains(&Request::LoadCashFlow(60)));
    press(&mut app, KeyCode::Tab);
    assert!(screen(&app).contains("Budget · Nov 2026"));
    press(&mut app, KeyCode::Tab);
    assert!(screen(&app).contains("Revenue by class"));
}

/// `i` on the revenue overview: Gemini explains the month on show (its aggregates sent, the
/// answer kept); `i` again shows the kept answer without asking; `I` asks anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i_explains_the_month_on_show_and_keeps_the_answer() {
    use legion_hub::config::{Config, Paths, Settings};
    use legion_hub::engine::{Engine, GeminiUpdate, Role};
    use legion_hub::sandbox::gemini::{GeminiSandbox, SANDBOX_KEY};
    use legion_hub::secret::Secret;
    let sandbox = GeminiSandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.gemini.base_url = Some(sandbox.base_url());
    let settings = Settings {
        paths: Paths::in_dir(dir.path()),
        config,
    };
    let engine = Engine::open(&settings, Role::Dashboard).unwrap();
    engine
        .configure_gemini(GeminiUpdate {
            api_key: Some(Secret::new(SANDBOX_KEY)),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut app = dashboard::loaded(&engine, 120, 40).await;
    press(&mut app, KeyCode::Char('6'));
    legion_hub::tui::settle_inline(&engine, &mut app).await;
    let month = app.now.date_naive().format("%Y-%m").to_string();
    let asked = sandbox.requests();

    press(&mut app, KeyCode::Char('i'));
    legion_hub::tui::settle_inline(&engine, &mut app).await;
    let shown = screen(&app);
    assert!(
        shown.contains(&format!("{month} explained by")) && shown.contains("asked now"),
        "{shown}"
    );
    // The sandbox's Gemini echoes what it was asked: the month's figures, for this month.
    assert!(
        shown.contains(&format!("Explain this month ({month})")),
        "{shown}"
    );
    assert_eq!(sandbox.requests(), asked + 1);

    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('i'));
    legion_hub::tui::settle_inline(&engine, &mut app).await;
    let shown = screen(&app);
    assert!(shown.contains("kept from"), "{shown}");
    assert_eq!(sandbox.requests(), asked + 1, "a kept answer asks nothing");

    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('I'));
    legion_hub::tui::settle_inline(&engine, &mut app).await;
    assert!(screen(&app).contains("asked now"));
    assert_eq!(sandbox.requests(), asked + 2);
}
