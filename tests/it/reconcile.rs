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
