//! Reconciliation's decisions in a real sled store: a match and its claims go in together, a
//! second match claiming any of the same keys is refused and writes nothing, an undo frees them,
//! and what a crash leaves between a match and its fee line is found.

use chrono::Utc;
use legion_hub::books::reconcile::matched::{AcceptedBy, Match, MatchKind};
use legion_hub::config::Paths;
use legion_hub::store::Store;
use legion_hub::store::matches::fee_line_key;
use rust_decimal::Decimal;

fn a_match(store: &Store, lines: &[&str], payments: &[&str]) -> Match {
    let id = store.next_match_id().expect("an id");
    Match {
        fee_transaction: Some(fee_line_key(&id)),
        id,
        account: "chase".into(),
        lines: lines.iter().map(|s| s.to_string()).collect(),
        kind: MatchKind::Card {
            merchant: "4445012345678".into(),
            days: vec![chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("a day")],
        },
        payments: payments.iter().map(|s| s.to_string()).collect(),
        gross: Decimal::new(10_000, 2),
        fee: Decimal::new(290, 2),
        banked: Decimal::new(9_710, 2),
        currency: "USD".into(),
        reason: "1 day of Visa sales".into(),
        confidence: 0.97,
        accepted_by: AcceptedBy::Person,
        accepted_at: Utc::now(),
    }
}

#[test]
fn a_match_claims_its_keys_once_and_an_undo_frees_them() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(&Paths::in_dir(dir.path()), "test").expect("store opens");
    let first = a_match(&store, &["chase:id:1"], &["card:1", "card:2"]);
    assert_eq!(store.accept_match(&first).expect("saved"), None);
    assert_eq!(first.difference(), Decimal::ZERO);

    // Another match wanting one of the same payments is refused whole.
    let second = a_match(&store, &["chase:id:2"], &["card:2", "card:3"]);
    assert_ne!(first.id, second.id, "ids are never handed out twice");
    let refused = store
        .accept_match(&second)
        .expect("answered")
        .expect("refused");
    assert_eq!(
        (refused.key.as_str(), refused.by.as_str()),
        ("card:2", first.id.as_str())
    );
    let claims = store.claims().expect("claims");
    assert_eq!(claims.len(), 3, "{claims:?}");
    assert!(!claims.contains_key("chase:id:2") && !claims.contains_key("card:3"));

    // The fee line was never posted: the mend finds the match; nothing is orphaned.
    let (missing, orphans) = store.fee_lines_to_mend().expect("checked");
    let missing: Vec<&str> = missing.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(missing, [first.id.as_str()]);
    assert!(orphans.is_empty());

    let undone = store
        .undo_match(&first.id)
        .expect("undone")
        .expect("it was there");
    assert_eq!(undone, first);
    assert!(store.claims().expect("claims").is_empty());
    assert_eq!(store.undo_match(&first.id).expect("answered"), None);
    // Now the second one fits.
    assert_eq!(store.accept_match(&second).expect("saved"), None);
}

#[test]
fn a_rejected_candidate_is_remembered_for_its_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    {
        let store = Store::open(&Paths::in_dir(dir.path()), "test").expect("store opens");
        store
            .reject_candidate("chase:id:7", r#"{"kind":"cash"}"#)
            .expect("saved");
    }
    let store = Store::open(&Paths::in_dir(dir.path()), "test").expect("store opens again");
    let rejected = store.rejected_candidates().expect("read");
    assert!(rejected.contains(&("chase:id:7".to_string(), r#"{"kind":"cash"}"#.to_string())));
    assert_eq!(rejected.len(), 1);
}

/// A quarter of the sandbox studio (12,000 sales) against its bank's ground truth: the figures of
/// issue 14, at a size a debug test runs in seconds (`benches/reconcile.rs` measures a year).
#[test]
fn the_sandbox_banks_deposits_are_offered_the_sales_they_paid() {
    use crate::support::matching;
    use legion_hub::books::reconcile::suggest::{Settings, suggest};

    let year = matching::year(12_000, 90);
    let suggestions = suggest(
        &year.payments,
        &year.cash,
        &year.lines,
        &Settings::default(),
        &|_, _, _, _| false,
    );
    let score = matching::score(&year, &suggestions, 0.95);
    println!("{score:#?}");
    assert!(score.deposits > 100, "{score:?}");
    // At least 98% of the processor's payouts get their own transactions as the top suggestion.
    assert!(
        score.deposits_right * 100 >= score.deposits * 98,
        "{} of {} payouts right; wrong: {:#?}",
        score.deposits_right,
        score.deposits,
        score.wrong
    );
    // Nothing is sure enough to be accepted unseen unless it is exact, and right.
    assert_eq!(score.sure_not_exact, 0, "{score:?}");
    assert_eq!(score.sure_and_wrong, 0, "{score:?}");
    assert!(
        score.cash_right * 10 >= score.cash_deposits * 8,
        "{score:?}"
    );
}

/// The whole way, over loopback: the sandbox studio synced into the books (payments and card
/// transactions), its bank's statement read from the CSV the bank writes and imported, the
/// matcher run by the engine, every sure suggestion accepted, its fee posted; a re-sync and a
/// re-import change nothing accepted; an undo takes a match and its fee line back.
#[tokio::test]
async fn a_synced_studio_and_its_statement_reconcile_and_stay_reconciled() {
    use crate::support::mindbody::{connect, open, settings};
    use legion_hub::api::reconcile::LineState;
    use legion_hub::books::bank::import::ImportedFile;
    use legion_hub::books::bank::{Reading, read_statement};
    use legion_hub::engine::SyncRequest;
    use legion_hub::sandbox::bank::{BankFormat, Statement};
    use legion_hub::sandbox::mindbody::MindbodySandbox;
    use legion_hub::sandbox::studio::Studio;

    let sandbox = MindbodySandbox::start().await.expect("sandbox");
    sandbox.set_auto_approve(true);
    let now = chrono::Local::now().naive_local();
    let studio = Studio::new(2_400, 120, now - chrono::Duration::minutes(5), 20);
    sandbox.set_studio(studio.clone());
    let dir = tempfile::tempdir().expect("a temp dir");
    let engine = open(&settings(dir.path(), &sandbox, |c| {
        c.mindbody.first_sync_days = Some(25);
    }));
    connect(&engine).await;
    for log in engine
        .sync_mindbody(SyncRequest::default())
        .await
        .expect("synced")
    {
        assert_eq!(
            log.status,
            legion_hub::domain::SyncStatus::Completed,
            "{log:?}"
        );
    }

    let statement =
        Statement::of(&studio, studio.first_sale.date(), now.date()).expect("statement");
    let file = statement.write(BankFormat::Ofx1);
    let Reading::Statements(statements) = read_statement(&file, None).expect("read") else {
        panic!("an OFX file needs no rules");
    };
    let imported = ImportedFile {
        name: "studio.ofx".into(),
        sha256: format!("{:064x}", 14),
        size: file.len() as u64,
        format: statements[0].format,
    };
    let summary = engine
        .import_bank(
            Some("Chase business".into()),
            None,
            imported.clone(),
            statements.clone(),
        )
        .await
        .expect("imported");
    assert_eq!(summary.import.lines_new as usize, statement.lines.len());

    let view = engine.reconcile_view(None).await.expect("reconciled");
    let payouts = statement
        .lines
        .iter()
        .filter(|l| matches!(l.pays, legion_hub::sandbox::bank::Pays::Card { .. }))
        .count();
    let suggested = view
        .lines
        .iter()
        .filter(|l| matches!(&l.state, LineState::Suggested { best } if best.exact))
        .count();
    assert!(
        suggested >= payouts * 9 / 10,
        "{suggested} exact of {payouts} payouts: {view:#?}"
    );
    assert!(view.fees.iter().all(|f| f.fits > 0), "{:?}", view.fees);

    let accepted = engine.accept_above(None, 0.95).await.expect("accepted");
    assert!(accepted > 0);
    let after = engine.reconcile_view(None).await.expect("reconciled");
    let matched: Vec<_> = after
        .lines
        .iter()
        .filter_map(|l| match &l.state {
            LineState::Matched { match_id, fee, .. } => Some((match_id.clone(), *fee)),
            _ => None,
        })
        .collect();
    assert!(matched.len() as u64 >= accepted, "{matched:?}");
    // Each card match posted its fee in the books, as an expense.
    let fees = engine.transactions_since(None).await.expect("books");
    let posted: Vec<_> = fees.iter().filter(|t| t.source == "books").collect();
    assert!(!posted.is_empty());
    assert!(
        posted
            .iter()
            .all(|t| t.amount.is_sign_negative()
                && t.class.as_deref() == Some("Card processing fees"))
    );
    let fee_total: rust_decimal::Decimal = matched.iter().map(|(_, fee)| *fee).sum();
    let posted_total: rust_decimal::Decimal = posted.iter().map(|t| -t.amount).sum();
    assert_eq!(
        fee_total, posted_total,
        "every fee posted once, to the cent"
    );

    // A re-sync and the same file again change nothing accepted.
    engine
        .sync_mindbody(SyncRequest::default())
        .await
        .expect("synced again");
    engine
        .import_bank(Some("Chase business".into()), None, imported, statements)
        .await
        .expect("imported again");
    let again = engine.reconcile_view(None).await.expect("reconciled");
    let matched_again = again
        .lines
        .iter()
        .filter(|l| matches!(l.state, LineState::Matched { .. }))
        .count();
    assert_eq!(matched_again, matched.len());

    // An undo takes the match and its fee line back.
    let (id, fee) = matched
        .iter()
        .find(|(_, fee)| !fee.is_zero())
        .expect("a card match");
    assert!(engine.undo_match(id.clone()).await.expect("undone"));
    let books = engine.transactions_since(None).await.expect("books");
    let left: rust_decimal::Decimal = books
        .iter()
        .filter(|t| t.source == "books")
        .map(|t| -t.amount)
        .sum();
    assert_eq!(left, posted_total - *fee);
    assert!(!engine.undo_match(id.clone()).await.expect("answered"));
}
