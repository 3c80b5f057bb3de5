//! The Reports screen's budget (`6`, Tab twice) as a person uses it: the month's classes with
//! budget, so far, projected and how that stands against the budget, the method in words; `e`
//! types a class's budget in a box (`a`: for a class not listed) that refuses what is not an
//! amount and shows the engine's refusal; `x` clears one; sales with no class cannot be
//! budgeted.

use chrono::NaiveDate;
use legion_hub::api::Budget;
use legion_hub::api::budget::{BudgetLine, BudgetView};
use legion_hub::api::projection::{ClassProjection, MonthProjection, Projection, ProjectionParts};
use legion_hub::tui::action::{Action, Request};
use legion_hub::tui::app::{App, Overlay};
use ratatui::crossterm::event::KeyCode;
use rust_decimal::Decimal;

use crate::support::dashboard::{self, press, screen, typed};
use crate::support::noon;

fn nov() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn cents(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

fn line(class: &str, budget: Option<i64>, actual: i64, projected: Option<i64>) -> BudgetLine {
    BudgetLine {
        class: class.into(),
        budget: budget.map(cents),
        actual: cents(actual),
        projected: projected.map(cents),
    }
}

/// November on the 25th: Drop-ins heading 18% under budget, Class revenue a little under,
/// Retail with no budget, some sales with no class; Workshops and Private sessions are classes
/// of the studio with nothing in the month.
fn november() -> BudgetView {
    BudgetView {
        month: nov(),
        currency: "USD".into(),
        lines: vec![
            line("Class revenue", Some(1_200_000), 1_020_000, Some(1_140_000)),
            line("Drop-ins", Some(600_000), 410_000, Some(492_000)),
            line("Retail", None, 80_000, Some(95_000)),
            line("Unclassified", None, 12_345, Some(12_345)),
        ],
        total_budget: cents(1_800_000),
        total_actual: cents(1_522_345),
        total_projected: Some(cents(1_739_345)),
        classes: vec![
            "Class revenue".into(),
            "Drop-ins".into(),
            "Retail".into(),
            "Workshops".into(),
            "Private sessions".into(),
        ],
    }
}

fn projection() -> Projection {
    let parts = ProjectionParts {
        so_far: cents(1_522_345),
        autopays: cents(154_000),
        autopay_count: 14,
        pattern: cents(63_000),
        pattern_days: 5,
        projected: cents(1_739_345),
    };
    Projection {
        today: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        currency: "USD".into(),
        pattern_weeks: 8,
        weekday_average: [cents(12_600); 7],
        months: vec![MonthProjection {
            month: nov(),
            parts,
            classes: vec![ClassProjection {
                class: "Drop-ins".into(),
                parts: ProjectionParts {
                    so_far: cents(410_000),
                    autopays: cents(33_000),
                    autopay_count: 3,
                    pattern: cents(49_000),
                    pattern_days: 5,
                    projected: cents(492_000),
                },
            }],
            method: "so far 15,223.45 + 14 autopays 1,540.00 + 5 days at the last 8 weeks' \
                     same-weekday average of drop-ins and retail 630.00 = 17,393.45"
                .into(),
        }],
    }
}

/// The Reports screen turned to the budget, November loaded.
fn budget_app(width: u16, height: u16) -> App {
    let mut app = dashboard::app(width, height);
    app.now = noon().fixed_offset();
    press(&mut app, KeyCode::Char('6'));
    app.requests();
    press(&mut app, KeyCode::Tab);
    app.requests();
    press(&mut app, KeyCode::Tab);
    let asked = app.requests();
    assert!(asked.contains(&Request::LoadBudget(nov())), "{asked:?}");
    assert!(asked.contains(&Request::LoadProjection), "{asked:?}");
    app.update(Action::BudgetLoaded(Box::new(Ok(november()))));
    app.update(Action::ProjectionLoaded(Box::new(Ok(projection()))));
    app
}

#[test]
fn the_budget() {
    let app = budget_app(80, 24);
    let shown = screen(&app);
    for words in [
        "Budget · Nov 2026 · USD",
        "Drop-ins",
        "6,000.00",
        "4,920.00",
        "-18%",
        "-5%",
        "Total",
        "18,000.00",
        "17,393.45",
        // The budgeted classes against their budgets: 16,320.00 of 18,000.00.
        "-9%",
        "How the projection is made",
        "so far 15,223.45 + 14 autopays 1,540.00",
        "Tab revenue",
        "e set budget",
    ] {
        assert!(shown.contains(words), "{words} at 80x24:\n{shown}");
    }
    insta::assert_snapshot!("the_budget_at_80x24", shown);
}

#[test]
fn a_budget_is_typed_in_a_box_that_refuses_what_is_not_an_amount() {
    let mut app = budget_app(100, 30);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('e'));
    let Overlay::BudgetEdit(edit) = &app.overlay else {
        panic!("no edit box: {:?}", app.overlay);
    };
    assert_eq!(edit.line.class, "Drop-ins");
    press(&mut app, KeyCode::Esc);
    let shown = screen(&app);
    let words =
        "Drop-ins: so far 4,100.00 + 3 autopays 330.00 + 5 days of the pattern 490.00 = 4,920.00";
    assert!(shown.contains(words), "{words}:\n{shown}");
    press(&mut app, KeyCode::Char('e'));
    let Overlay::BudgetEdit(edit) = &app.overlay else {
        panic!("no edit box: {:?}", app.overlay);
    };
    assert_eq!(edit.input.value(), "6000.00", "the budget it has");
    let shown = screen(&app);
    for words in [
        "Drop-ins · Nov 2026",
        "Budget (USD): 6000.00",
        "made so far 4,100.00 USD · projected 4,920.00 USD",
    ] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
    // Not an amount: said in the box, nothing sent.
    for _ in 0..7 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "six k");
    press(&mut app, KeyCode::Enter);
    assert!(app.requests().is_empty());
    assert!(
        screen(&app).contains("Type the budget as an amount in USD, like 6000 or 6000.50."),
        "{}",
        screen(&app)
    );
    // An amount goes to the engine; its refusal is shown in the box, which stays.
    for _ in 0..5 {
        press(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "6,500.505");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.requests(),
        [Request::SetBudget {
            month: nov(),
            class: "Drop-ins".into(),
            amount: Decimal::new(6_500_505, 3),
        }]
    );
    app.update(Action::BudgetSaved(Box::new(Err(
        "6500.505 has more than the 2 decimal places USD has".into(),
    ))));
    assert!(matches!(app.overlay, Overlay::BudgetEdit(_)));
    assert!(
        screen(&app).contains("6500.505 has more than the 2 decimal places USD has"),
        "{}",
        screen(&app)
    );
    // Saved: the box closes, says so, and the month is read again.
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    let amount = Decimal::new(650_050, 2);
    assert_eq!(
        app.requests(),
        [Request::SetBudget {
            month: nov(),
            class: "Drop-ins".into(),
            amount,
        }]
    );
    app.update(Action::BudgetSaved(Box::new(Ok(Budget {
        month: nov(),
        class: "Drop-ins".into(),
        amount,
        currency: "USD".into(),
        set_at: noon(),
    }))));
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "Budget for Drop-ins in Nov 2026: 6,500.50 USD."
    );
    assert!(app.requests().contains(&Request::LoadBudget(nov())));
}

#[test]
fn esc_leaves_the_budget_as_it_was() {
    let mut app = budget_app(100, 30);
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "9");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.requests().is_empty());
}

#[test]
fn x_clears_a_budget_and_says_when_there_is_none() {
    let mut app = budget_app(100, 30);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(
        app.requests(),
        [Request::ClearBudget {
            month: nov(),
            class: "Class revenue".into(),
        }]
    );
    app.update(Action::BudgetCleared(Ok(
        "Budget for Class revenue in Nov 2026 cleared.".into(),
    )));
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "Budget for Class revenue in Nov 2026 cleared."
    );
    assert!(app.requests().contains(&Request::LoadBudget(nov())));
    // Retail has none.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('x'));
    assert!(app.requests().is_empty());
    assert_eq!(
        app.notice.as_ref().unwrap().text,
        "Retail has no budget for Nov 2026."
    );
}

#[test]
fn sales_with_no_class_cannot_be_budgeted() {
    let mut app = budget_app(100, 30);
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.overlay, Overlay::None));
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("Categorize screen (7)"),
        "{:?}",
        app.notice
    );
}

#[test]
fn the_month_moves_and_a_month_gone_by_is_set_against_what_it_made() {
    let mut app = budget_app(100, 30);
    press(&mut app, KeyCode::Left);
    let october = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert!(app.requests().contains(&Request::LoadBudget(october)));
    app.update(Action::BudgetLoaded(Box::new(Ok(BudgetView {
        month: october,
        lines: vec![line("Drop-ins", Some(600_000), 630_000, None)],
        total_budget: cents(600_000),
        total_actual: cents(630_000),
        total_projected: None,
        ..november()
    }))));
    let shown = screen(&app);
    for words in ["Budget · Oct 2026", "+5%", "A month gone by"] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
}

#[test]
fn a_adds_a_budget_for_a_class_the_month_does_not_list() {
    let mut app = budget_app(100, 30);
    assert!(!screen(&app).contains("Workshops"));
    press(&mut app, KeyCode::Char('a'));
    let class = |app: &App| match &app.overlay {
        Overlay::BudgetEdit(edit) => edit.line.class.clone(),
        other => panic!("no edit box: {other:?}"),
    };
    assert_eq!(class(&app), "Workshops");
    press(&mut app, KeyCode::Down);
    assert_eq!(class(&app), "Private sessions");
    press(&mut app, KeyCode::Down);
    assert_eq!(class(&app), "Workshops", "round again");
    press(&mut app, KeyCode::Up);
    assert_eq!(class(&app), "Private sessions");
    assert!(
        screen(&app).contains("↑↓ Private sessions · Nov 2026"),
        "{}",
        screen(&app)
    );
    typed(&mut app, "1500");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.requests(),
        [Request::SetBudget {
            month: nov(),
            class: "Private sessions".into(),
            amount: Decimal::new(1500, 0),
        }]
    );
}
