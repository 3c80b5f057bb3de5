//! The bank accounts at a glance: after a sync and a statement import, the owner keeps each
//! account's standing without being asked, `legion-hub status` (the real binary, with no owner
//! running) prints it and exits 3 while card sales are late to the bank, and a statement that
//! reaches today leaves none late.

use legion_hub::api::BankStandingView;
use legion_hub::api::reconcile::LineState;
use legion_hub::books::bank::import::ImportedFile;
use legion_hub::books::bank::{Reading, read_statement};
use legion_hub::engine::{Engine, SyncRequest};
use legion_hub::sandbox::bank::{BankFormat, Statement};
use legion_hub::sandbox::mindbody::MindbodySandbox;
use legion_hub::sandbox::studio::Studio;

use crate::support::mindbody::{connect, open, settings};
use crate::support::secrets::{hub, output};

async fn import(engine: &Engine, studio: &Studio, to: chrono::NaiveDate, name: &str) {
    crate::support::bank_files::import_ofx(engine, studio, to, name).await;
}

fn only(banks: &[BankStandingView]) -> &BankStandingView {
    assert_eq!(banks.len(), 1, "{banks:#?}");
    &banks[0]
}

#[tokio::test]
async fn card_sales_late_to_the_bank_show_in_status_until_the_statement_catches_up() {
    let sandbox = MindbodySandbox::start().await.expect("sandbox");
    sandbox.set_auto_approve(true);
    let now = chrono::Local::now().naive_local();
    let studio = Studio::new(1_200, 80, now - chrono::Duration::minutes(5), 20);
    sandbox.set_studio(studio.clone());
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let engine = open(&settings(&data, &sandbox, |c| {
        c.mindbody.first_sync_days = Some(25);
    }));
    assert!(engine.bank_standing().await.expect("standing").is_empty());
    connect(&engine).await;
    engine
        .sync_mindbody(SyncRequest::default())
        .await
        .expect("synced");

    // A statement that stopped twelve days ago: the sales since are in no deposit it shows.
    let ended = now.date() - chrono::Duration::days(12);
    import(&engine, &studio, ended, "old.ofx").await;
    let standing = engine.bank_standing().await.expect("standing");
    let bank = only(&standing);
    assert_eq!(bank.account, "chase-business");
    // The day of its last line (a Saturday has none).
    let through = bank.statement_through.expect("lines");
    assert!(through <= ended && through > ended - chrono::Duration::days(4));
    assert!(bank.needs_attention(), "{bank:#?}");
    let oldest = bank.overdue.oldest.expect("a late sale");
    // What the statement shows was paid; only the sales of its last days can wait past it.
    assert!(
        oldest > ended - chrono::Duration::days(8),
        "late from {oldest}, the statement ends {ended}"
    );
    // A savings account no processor pays into waits for no card sale, however old.
    let mut savings = Statement::of(&studio, studio.first_sale.date(), ended).expect("statement");
    savings
        .lines
        .retain(|l| matches!(l.pays, legion_hub::sandbox::bank::Pays::Other { .. }));
    savings.closing = savings.opening
        + savings
            .lines
            .iter()
            .map(|l| l.amount)
            .sum::<rust_decimal::Decimal>();
    let file = savings.write(BankFormat::Ofx1);
    let Reading::Statements(statements) = read_statement(&file, None).expect("read") else {
        panic!("an OFX file needs no rules");
    };
    let imported = ImportedFile {
        name: "savings.ofx".into(),
        sha256: format!("{:064x}", file.len() + 1),
        size: file.len() as u64,
        format: statements[0].format,
    };
    engine
        .import_bank(Some("Savings".into()), None, imported, statements)
        .await
        .expect("imported");
    let both = engine.bank_standing().await.expect("standing");
    let saving = both
        .iter()
        .find(|b| b.account == "savings")
        .expect("savings");
    assert_eq!(saving.overdue.count, 0, "{saving:#?}");
    assert!(saving.unreconciled > 0 || saving.statement_through.is_some());
    assert_eq!(
        both.iter()
            .find(|b| b.account == "chase-business")
            .map(|b| &b.overdue),
        Some(&bank.overdue)
    );

    // The Reconcile screen counts the same.
    let view = engine
        .reconcile_view(Some("chase-business".into()))
        .await
        .expect("view");
    assert_eq!(view.overdue, bank.overdue);
    assert_eq!(
        (view.unreconciled, view.unreconciled_sum),
        (bank.unreconciled, bank.unreconciled_sum)
    );

    // Accepting is seen in the standing without another look at the screen.
    let before = bank.unreconciled;
    let accepted = engine
        .accept_above(Some("chase-business".into()), 0.95)
        .await
        .expect("accepted");
    assert!(accepted > 0);
    let after = engine.bank_standing().await.expect("standing");
    let chase = |banks: &[BankStandingView]| {
        banks
            .iter()
            .find(|b| b.account == "chase-business")
            .cloned()
            .expect("the business account")
    };
    assert_eq!(chase(&after).unreconciled, before - accepted);
    let late = chase(&after).overdue.clone();
    drop(engine);

    // The real binary, no owner running: the glance reads the kept standing.
    let (code, out, err) = output(hub(dir.path()).args(["status", "--json"]));
    assert_eq!(code, Some(3), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        report["needs_attention"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|a| a == "bank:chase-business"),
        "{out}"
    );
    let shown: BankStandingView =
        serde_json::from_value(report["bank_accounts"][0].clone()).expect("a bank account");
    assert_eq!(shown.overdue, late);
    let (_, text, _) = output(hub(dir.path()).args(["status"]));
    assert!(text.contains("BANK ACCOUNT"), "{text}");
    assert!(
        text.contains("Chase business: ") && text.contains("in no deposit after 5 business days"),
        "{text}"
    );
    assert!(text.contains("legion-hub import bank FILE --account chase-business"));

    // The statement up to today: every sale old enough has its deposit, nothing is late.
    let engine = open(&settings(&data, &sandbox, |c| {
        c.mindbody.first_sync_days = Some(25);
    }));
    import(&engine, &studio, now.date(), "today.ofx").await;
    let caught_up = engine.bank_standing().await.expect("standing");
    assert_eq!(chase(&caught_up).overdue.count, 0, "{caught_up:#?}");
    let lines = engine
        .reconcile_view(Some("chase-business".into()))
        .await
        .expect("view")
        .lines;
    assert!(
        lines
            .iter()
            .any(|l| matches!(l.state, LineState::Matched { .. }))
    );
    drop(engine);
    let (code, out, err) = output(hub(dir.path()).args(["status", "--json"]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        !report["needs_attention"]
            .as_array()
            .expect("a list")
            .iter()
            .any(|a| a.as_str().is_some_and(|a| a.starts_with("bank:"))),
        "{out}{err}"
    );
    assert_ne!(code, None);
}
