//! The Categorize screen (`7`) as a person uses it: the suggestions with their confidence and
//! source, the keys that accept, change, reject and take back, and the question before Gemini.

use chrono::{NaiveDate, TimeZone, Utc};
use legion_hub::api::TokenUsage;
use legion_hub::api::categorize::{
    CategorizeView, Decide, Decision, RuleView, RunReport, Source, Subject, SuggestionView,
};
use legion_hub::tui::action::{Action, Request};
use legion_hub::tui::app::{App, Overlay, Screen};

use ratatui::crossterm::event::KeyCode;
use rust_decimal::Decimal;

use crate::support::dashboard::{self, press, screen};

fn item(
    key: &str,
    cents: i64,
    original: &str,
    payee: &str,
    class: Option<&str>,
    confidence: f64,
    source: Option<Source>,
) -> SuggestionView {
    SuggestionView {
        subject: Subject::BankLine(key.into()),
        date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
        amount: Decimal::new(cents, 2),
        currency: "USD".into(),
        original: original.into(),
        payee: payee.into(),
        class: class.map(str::to_string),
        confidence,
        reason: match source {
            Some(Source::Rule) => "Your rule: payee contains \"adobe\".".into(),
            Some(Source::Gemini) => "An electricity provider's monthly bill.".into(),
            Some(Source::Cache) => "Answered before for the same payee.".into(),
            None => String::new(),
        },
        source,
        rule: (source == Some(Source::Rule)).then(|| "r1".to_string()),
        decision: Decision::Open,
        rule_made: None,
    }
}

fn view() -> CategorizeView {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 11, 0, 0).unwrap();
    let mut accepted = item(
        "l4",
        -685_000,
        "CONGRESS AVE PROPERTIES RENT ######3385",
        "Congress Ave Properties",
        Some("Rent"),
        0.99,
        Some(Source::Cache),
    );
    accepted.decision = Decision::Accepted {
        class: "Rent".into(),
        at,
    };
    CategorizeView {
        items: vec![
            item(
                "l1",
                -5_999,
                "POS 4821 ADOBE *CREATIVE CLD 800-833",
                "Adobe Creative Cloud",
                Some("Software"),
                1.0,
                Some(Source::Rule),
            ),
            item(
                "l2",
                -112_044,
                "AUSTIN ENERGY WEB PMT",
                "Austin Energy",
                Some("Utilities"),
                0.92,
                Some(Source::Gemini),
            ),
            item("l3", -4_500, "CHECK 1042", "Check 1042", None, 0.0, None),
            accepted,
        ],
        classes: ["Rent", "Software", "Utilities", "Payroll"]
            .map(String::from)
            .to_vec(),
        rules: vec![RuleView {
            id: "r1".into(),
            contains: "adobe".into(),
            class: "Software".into(),
            answers: 1,
            created_at: at,
        }],
        last_run: Some(RunReport {
            at: Some(at),
            items: 4,
            by_rule: 1,
            by_cache: 1,
            by_gemini: 1,
            unanswered: 1,
            payees_for_gemini: 2,
            planned_requests: 1,
            estimated_tokens: 180,
            estimate_words: "counted by Gemini".into(),
            requests: 1,
            usage: TokenUsage {
                prompt: 150,
                reply: 40,
                total: 190,
            },
            open: 3,
            ..RunReport::default()
        }),
    }
}

fn app(width: u16, height: u16) -> App {
    let mut app = dashboard::app(width, height);
    press(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen, Screen::Categorize);
    assert!(app.requests().contains(&Request::LoadCategorize));
    app.update(Action::CategorizeLoaded(Box::new(Ok(view()))));
    app
}

#[test]
fn the_categorize_screen() {
    let mut app = app(120, 20);
    insta::assert_snapshot!(screen(&app));
    app.size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let shown = screen(&app);
    for words in ["Software", "100%", "-59.99", "Adobe Creative Cloud"] {
        assert!(shown.contains(words), "{words} at 80 columns:\n{shown}");
    }
    insta::assert_snapshot!("the_categorize_screen_at_80_columns", shown);
}

#[test]
fn enter_accepts_the_suggested_class_and_arrows_pick_another() {
    let mut app = app(120, 20);
    press(&mut app, KeyCode::Enter);
    let accept = |class: &str, rule: bool| Request::DecideSuggestion {
        subject: Subject::BankLine("l1".into()),
        decide: Decide::Accept {
            class: Some(class.into()),
            rule,
            pattern: None,
        },
    };
    assert!(app.requests().contains(&accept("Software", false)));
    // → from the suggested Software is Utilities; r accepts it and makes a rule.
    press(&mut app, KeyCode::Right);
    assert!(screen(&app).contains("Enter applies Utilities instead"));
    press(&mut app, KeyCode::Char('r'));
    assert!(app.requests().contains(&accept("Utilities", true)));
    // Moving on forgets the pick.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('x'));
    assert!(app.requests().contains(&Request::DecideSuggestion {
        subject: Subject::BankLine("l2".into()),
        decide: Decide::Reject,
    }));
}

#[test]
fn what_nothing_answered_waits_for_a_class_and_decided_ones_can_be_taken_back() {
    let mut app = app(120, 20);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert!(
        app.requests().is_empty(),
        "no class to apply, nothing asked"
    );
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("pick one with ←→")
    );
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Enter);
    assert!(app.requests().contains(&Request::DecideSuggestion {
        subject: Subject::BankLine("l3".into()),
        decide: Decide::Accept {
            class: Some("Payroll".into()),
            rule: false,
            pattern: None,
        },
    }));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('u'));
    assert!(app.requests().contains(&Request::DecideSuggestion {
        subject: Subject::BankLine("l4".into()),
        decide: Decide::Undo,
    }));
    // A decision's answer reads the suggestions again.
    app.update(Action::CategorizeChanged(Some((
        "Taken back.".into(),
        false,
    ))));
    assert!(app.requests().contains(&Request::LoadCategorize));
}

#[test]
fn accept_all_asks_first_and_counts_only_open_ones_as_sure_as_the_threshold() {
    let mut app = app(120, 20);
    press(&mut app, KeyCode::Char('A'));
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    let shown = screen(&app);
    assert!(
        shown.contains("Accept 2 class suggestions at least 90% sure?"),
        "{shown}"
    );
    app.update(Action::Confirm);
    assert!(
        app.requests()
            .contains(&Request::AcceptSuggestionsAbove(90))
    );
    press(&mut app, KeyCode::Char('+'));
    press(&mut app, KeyCode::Char('A'));
    assert!(screen(&app).contains("Accept 1 class suggestion at least 95% sure?"));
}

#[test]
fn gemini_is_asked_only_after_a_question_that_says_what_it_costs() {
    let mut app = app(120, 24);
    press(&mut app, KeyCode::Char('s'));
    assert!(app.requests().contains(&Request::PlanCategorize));
    let plan = RunReport {
        dry_run: true,
        items: 640,
        by_rule: 200,
        by_cache: 40,
        payees_for_gemini: 120,
        planned_requests: 3,
        estimated_tokens: 5_400,
        estimate_words: "counted by Gemini".into(),
        ..RunReport::default()
    };
    app.update(Action::CategorizePlanned(Box::new(Ok(plan.clone()))));
    assert!(app.requests().is_empty(), "nothing sent before the answer");
    let shown = screen(&app);
    assert!(shown.contains("Ask Gemini about 120 payees?"), "{shown}");
    for said in [
        "3 requests, about 5400 tokens, counted by Gemini",
        "240 answered here by your rules and earlier answers",
    ] {
        assert!(shown.contains(said), "{said}:\n{shown}");
    }
    // Any other key than y leaves Gemini unasked.
    press(&mut app, KeyCode::Char('n'));
    assert!(!app.requests().contains(&Request::RunCategorize));
    press(&mut app, KeyCode::Char('s'));
    app.update(Action::CategorizePlanned(Box::new(Ok(plan))));
    press(&mut app, KeyCode::Char('y'));
    assert!(app.requests().contains(&Request::RunCategorize));
    // When rules and earlier answers cover everything, there is nothing to ask about.
    press(&mut app, KeyCode::Char('s'));
    let free = RunReport {
        dry_run: true,
        by_rule: 3,
        ..RunReport::default()
    };
    app.update(Action::CategorizePlanned(Box::new(Ok(free))));
    assert!(app.requests().contains(&Request::RunCategorize));
    app.update(Action::CategorizeRan(Box::new(Ok(RunReport {
        by_rule: 3,
        open: 3,
        ..RunReport::default()
    }))));
    let notice = app.notice.as_ref().unwrap();
    assert!(
        notice.text.contains("3 suggested: 3 by rules"),
        "{}",
        notice.text
    );
}
