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

/// The sandbox studio of the last three weeks synced into a hub over loopback (payments and card
/// transactions), and its bank's statement read from the OFX the bank writes and imported.
struct Reconciling {
    _sandbox: legion_hub::sandbox::mindbody::MindbodySandbox,
    _dir: tempfile::TempDir,
    engine: legion_hub::engine::Engine,
    statement: legion_hub::sandbox::bank::Statement,
    imported: legion_hub::books::bank::import::ImportedFile,
    statements: Vec<legion_hub::books::bank::ParsedStatement>,
}

async fn synced_studio() -> Reconciling {
    use crate::support::mindbody::{connect, open, settings};
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
    Reconciling {
        _sandbox: sandbox,
        _dir: dir,
        engine,
        statement,
        imported,
        statements,
    }
}

/// The whole way, over loopback: the sandbox studio synced into the books (payments and card
/// transactions), its bank's statement read from the OFX the bank writes and imported, the
/// matcher run by the engine, every sure suggestion accepted, its fee posted; a re-sync and a
/// re-import change nothing accepted; an undo takes a match and its fee line back.
#[tokio::test]
async fn a_synced_studio_and_its_statement_reconcile_and_stay_reconciled() {
    use legion_hub::api::reconcile::LineState;
    use legion_hub::engine::SyncRequest;

    let Reconciling {
        engine,
        statement,
        imported,
        statements,
        ..
    } = synced_studio().await;
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

/// `e` on the Reconcile screen, as the engine answers it: a payout's choices with its batch
/// ticked; a batch more shows the gap and cannot be accepted; its own batch again is exact; the
/// same batch put together by hand (the suggestion rejected) is accepted with what the bank kept
/// as its fee, holds its day against every other line, and an undo takes its fee line back.
#[tokio::test]
async fn a_group_put_together_by_hand_is_worked_out_accepted_and_undone() {
    use legion_hub::api::reconcile::{CandidateRef, LineState};

    let Reconciling { engine, .. } = synced_studio().await;
    let view = engine.reconcile_view(None).await.expect("reconciled");
    let (line, best) = view
        .lines
        .iter()
        .find_map(|l| match &l.state {
            LineState::Suggested { best }
                if best.exact && matches!(best.id, CandidateRef::Card { with: None, .. }) =>
            {
                Some((l.clone(), best.clone()))
            }
            _ => None,
        })
        .expect("a payout suggested exactly");
    let CandidateRef::Card { merchant, days, .. } = best.id.clone() else {
        panic!("a card payout: {best:?}");
    };
    let groups = engine
        .reconcile_groups(None, line.key.clone())
        .await
        .expect("its choices");
    let ticked: Vec<usize> = (0..groups.choices.len())
        .filter(|&i| groups.choices[i].picked)
        .collect();
    assert_eq!(groups.candidate_of(&ticked), Ok(best.id.clone()));
    let figures = groups.figures(&ticked);
    assert_eq!(
        (figures.gross, figures.fee, figures.net, figures.gap),
        (best.gross, best.fee, best.net, best.gap)
    );

    // A batch more of the same merchant: the gap is its net, and the bank would have kept more
    // than any processor takes.
    let extra = (0..groups.choices.len())
        .find(|&i| {
            let c = &groups.choices[i];
            c.merchant.as_deref() == Some(merchant.as_str()) && !c.picked
        })
        .expect("another batch in the window");
    let more: Vec<usize> = ticked.iter().copied().chain([extra]).collect();
    let wider = groups.candidate_of(&more).expect("one merchant's batches");
    let evaluated = engine
        .evaluate_group(None, line.key.clone(), wider.clone())
        .await
        .expect("worked out");
    let figures = groups.figures(&more);
    assert_eq!(
        (evaluated.gross, evaluated.fee, evaluated.net, evaluated.gap),
        (figures.gross, figures.fee, figures.net, figures.gap),
        "the screen's running figures are the engine's"
    );
    assert!(!evaluated.exact && evaluated.gap < rust_decimal::Decimal::ZERO);
    assert!(
        evaluated.reason.starts_with("edited: ")
            && evaluated
                .refused
                .as_deref()
                .is_some_and(|r| r.contains("more than any processor takes")),
        "{evaluated:?}"
    );
    // Named as a suggestion, a group the matcher does not offer is refused as stale: what
    // would be posted is not what was shown.
    let stale = engine
        .accept_match(None, line.key.clone(), wider.clone())
        .await
        .expect_err("not offered")
        .to_string();
    assert!(stale.contains("no longer fits this line"), "{stale}");
    let refused = engine
        .accept_group(None, line.key.clone(), wider)
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        refused.contains("more than any processor takes"),
        "{refused}"
    );
    let again = engine
        .evaluate_group(None, line.key.clone(), best.id.clone())
        .await
        .expect("worked out");
    assert!(
        again.exact && again.gap.is_zero() && again.refused.is_none(),
        "{again:?}"
    );

    // Put together by hand: the suggestion is rejected, the same days accepted as a group.
    engine
        .reject_match(line.key.clone(), best.id.clone())
        .await
        .expect("rejected");
    let id = engine
        .accept_group(None, line.key.clone(), best.id.clone())
        .await
        .expect("accepted");
    let after = engine.reconcile_view(None).await.expect("reconciled");
    let matched = after
        .lines
        .iter()
        .find(|l| l.key == line.key)
        .expect("the line");
    let LineState::Matched { fee, reason, .. } = &matched.state else {
        panic!("not matched: {matched:?}");
    };
    assert_eq!(
        *fee,
        best.gross - line.amount,
        "the fee is what the bank kept"
    );
    assert!(reason.starts_with("edited: "), "{reason}");
    let fee_line = |books: &[legion_hub::books::Transaction]| {
        books
            .iter()
            .find(|t| t.key == format!("books:fee:{id}"))
            .map(|t| (t.amount, t.class.clone()))
    };
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(
        fee_line(&books),
        Some((-*fee, Some("Card processing fees".to_string())))
    );

    // Its day is held: another line cannot take it.
    let other = after
        .lines
        .iter()
        .find(|l| {
            l.amount > rust_decimal::Decimal::ZERO && !matches!(l.state, LineState::Matched { .. })
        })
        .expect("another open credit");
    let held = engine
        .evaluate_group(
            None,
            other.key.clone(),
            CandidateRef::Card {
                merchant: merchant.clone(),
                days: days.clone(),
                with: None,
            },
        )
        .await
        .expect_err("held")
        .to_string();
    assert!(held.contains(&id) && held.contains("undo"), "{held}");

    assert!(engine.undo_match(id.clone()).await.expect("undone"));
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(fee_line(&books), None);
}

/// A hub whose books hold three days of cash (Nov 2–4: 100.00, 120.00, 80.00) and whose bank
/// statement holds one branch deposit of them, on Nov 5, five dollars short (295.00).
async fn short_cash_deposit(dir: &std::path::Path) -> legion_hub::engine::Engine {
    use legion_hub::books::bank::import::ImportedFile;
    use legion_hub::books::bank::{Reading, read_statement};
    use legion_hub::books::payment::{Payment, PaymentMethod, SalePayments};
    use rust_decimal::Decimal;

    let paths = Paths::in_dir(dir);
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a day");
    {
        let store = Store::open(&paths, "test").expect("store opens");
        let sales: Vec<SalePayments> = [(2, 10_000), (3, 12_000), (4, 8_000)]
            .into_iter()
            .map(|(d, cents)| {
                let sale = format!("mindbody@-99:sale:{d}");
                SalePayments {
                    sale: sale.clone(),
                    payments: vec![Payment {
                        key: format!("mindbody@-99:payment:{d}"),
                        sale,
                        date: day(d).and_hms_opt(11, 0, 0).expect("an hour"),
                        amount: Decimal::new(cents, 2),
                        currency: "USD".into(),
                        method: PaymentMethod::Cash,
                        method_name: "Cash".into(),
                        method_id: None,
                        card_transaction_id: None,
                        location_id: None,
                        provisional: false,
                    }],
                }
            })
            .collect();
        store.upsert_sales(&[], &sales, false).expect("cash taken");
    }
    let ofx = r#"<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM><BANKID>121000358</BANKID><ACCTID>8877665544</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261101</DTSTART><DTEND>20261130</DTEND>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20261105</DTPOSTED><TRNAMT>295.00</TRNAMT><FITID>slip-1</FITID><NAME>BRANCH DEPOSIT</NAME><MEMO>SLIP 40001</MEMO></STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>295.00</BALAMT><DTASOF>20261130</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"#;
    let Reading::Statements(statements) = read_statement(ofx.as_bytes(), None).expect("read")
    else {
        panic!("an OFX file needs no rules");
    };
    let file = ImportedFile {
        name: "branch.ofx".into(),
        sha256: format!("{:064x}", 5),
        size: ofx.len() as u64,
        format: statements[0].format,
    };
    let engine = crate::support::open_engine(dir);
    engine
        .import_bank(Some("Chase".into()), None, file, statements)
        .await
        .expect("imported");
    engine
}

/// A week of cash carried to the bank five dollars short: accepting it posts the five dollars
/// to Cash over and short; a crash that lost that line is mended on the next look; a group put
/// together by hand posts it too, a group far from the deposit is refused, and an undo takes the
/// line back.
#[tokio::test]
async fn a_cash_deposit_short_of_its_days_posts_the_difference() {
    use legion_hub::api::reconcile::{CandidateRef, LineState};
    use rust_decimal::Decimal;

    let dir = tempfile::tempdir().expect("a temp dir");
    let paths = Paths::in_dir(dir.path());
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a day");
    let engine = short_cash_deposit(dir.path()).await;
    let view = engine.reconcile_view(None).await.expect("reconciled");
    let line = view.lines.first().expect("the deposit").clone();
    let LineState::Suggested { best } = &line.state else {
        panic!("the week's cash is offered: {line:?}");
    };
    let week = vec![day(2), day(3), day(4)];
    assert_eq!(best.id, CandidateRef::Cash { days: week.clone() });
    let id = engine
        .accept_match(None, line.key.clone(), best.id.clone())
        .await
        .expect("accepted");
    let over_short = |books: &[legion_hub::books::Transaction], id: &str| {
        books
            .iter()
            .find(|t| t.key == format!("books:over_short:{id}"))
            .map(|t| (t.amount, t.class.clone()))
    };
    let short = Some((
        Decimal::new(-500, 2),
        Some("Cash over and short".to_string()),
    ));
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &id), short);
    // The screen says it of the matched line too.
    let matched = engine.reconcile_view(None).await.expect("reconciled");
    assert!(
        matches!(
            &matched.lines.iter().find(|l| l.key == line.key).expect("the line").state,
            LineState::Matched { over_short, .. } if *over_short == Decimal::new(-500, 2)
        ),
        "{matched:?}"
    );

    // A crash between the match and its line: the next look posts it.
    drop(engine);
    {
        let store = Store::open(&paths, "test").expect("store opens");
        store
            .remove_transactions(&[format!("books:over_short:{id}")])
            .expect("removed");
    }
    let engine = crate::support::open_engine(dir.path());
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &id), None, "the crash lost it");
    engine.reconcile_view(None).await.expect("reconciled");
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &id), short, "mended");

    // Undone, its line goes; put together by hand, it posts the same; two days are refused.
    assert!(engine.undo_match(id.clone()).await.expect("undone"));
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &id), None);
    engine
        .reject_match(line.key.clone(), best.id.clone())
        .await
        .expect("rejected");
    let refused = engine
        .accept_group(
            None,
            line.key.clone(),
            CandidateRef::Cash {
                days: week[1..].to_vec(),
            },
        )
        .await
        .expect_err("95.00 over")
        .to_string();
    assert!(refused.contains("miscounted envelope"), "{refused}");
    let by_hand = engine
        .accept_group(None, line.key.clone(), CandidateRef::Cash { days: week })
        .await
        .expect("accepted by hand");
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &by_hand), short);
    assert!(engine.undo_match(by_hand.clone()).await.expect("undone"));
    let books = engine.transactions_since(None).await.expect("books");
    assert_eq!(over_short(&books, &by_hand), None);
}

/// `e` on the dashboard, against a real engine: the short cash deposit's overlay opens with its
/// three days ticked and the five dollars short said; unticking a day changes the figures and the
/// engine's reason refuses it, so Enter keeps the overlay open; ticked again, Enter accepts it and
/// the line is matched.
#[tokio::test]
async fn the_group_overlay_ticks_days_shows_the_figures_and_accepts() {
    use crate::support::dashboard::{self, screen};
    use legion_hub::tui::action::Action;
    use legion_hub::tui::app::{Overlay, Screen};
    use legion_hub::tui::{keymap, settle_inline};
    use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

    let dir = tempfile::tempdir().expect("a temp dir");
    let engine = short_cash_deposit(dir.path()).await;
    let mut app = dashboard::app(100, 30);
    let press = |app: &mut legion_hub::tui::app::App, code: KeyCode| {
        let key = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        if let Some(action) = keymap::action_for(app, key) {
            app.update(action);
        }
    };
    app.update(Action::ShowScreen(Screen::Reconcile));
    settle_inline(&engine, &mut app).await;
    assert!(screen(&app).contains("e edit group"), "{}", screen(&app));

    press(&mut app, KeyCode::Char('e'));
    settle_inline(&engine, &mut app).await;
    let shown = screen(&app);
    assert!(shown.contains("Put the group together"), "{shown}");
    assert_eq!(shown.matches("[x] cash").count(), 3, "{shown}");
    assert!(
        shown.contains("3 days ticked, 3 payments: 300.00 gross"),
        "{shown}"
    );
    assert!(
        shown.contains("5.00 more than the deposit 295.00"),
        "{shown}"
    );
    assert!(
        shown.contains("Accepting posts 5.00 short to Cash over and short."),
        "{shown}"
    );

    // Nov 2 off: 95.00 over, more than an envelope miscounts; Enter says so and stays.
    press(&mut app, KeyCode::Char(' '));
    settle_inline(&engine, &mut app).await;
    let shown = screen(&app);
    assert_eq!(shown.matches("[x] cash").count(), 2, "{shown}");
    assert!(shown.contains("95.00 less than the deposit"), "{shown}");
    assert!(shown.contains("It cannot be accepted"), "{shown}");
    press(&mut app, KeyCode::Enter);
    settle_inline(&engine, &mut app).await;
    assert!(matches!(app.overlay, Overlay::GroupEdit(_)));
    assert!(
        screen(&app).contains("miscounted envelope"),
        "{}",
        screen(&app)
    );

    // Ticked again and accepted: the overlay closes and the line is matched.
    press(&mut app, KeyCode::Char(' '));
    settle_inline(&engine, &mut app).await;
    press(&mut app, KeyCode::Enter);
    settle_inline(&engine, &mut app).await;
    assert!(matches!(app.overlay, Overlay::None));
    let view = engine.reconcile_view(None).await.expect("reconciled");
    assert!(
        matches!(
            view.lines.first().map(|l| &l.state),
            Some(legion_hub::api::reconcile::LineState::Matched { .. })
        ),
        "{view:?}"
    );
    assert!(screen(&app).contains("✓"), "{}", screen(&app));
}

/// `legion-hub reconcile accept LINE --days ... --cash`: a group far from the deposit is refused
/// with its reason (exit 1, nothing matched); the week's days are accepted, the match's id said;
/// a group that names neither a merchant nor cash is a usage error.
#[tokio::test]
async fn the_command_line_accepts_a_group_put_together_by_hand() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let engine = short_cash_deposit(&dir.path().join("data")).await;
    let view = engine.reconcile_view(None).await.expect("reconciled");
    let line = view.lines.first().expect("the deposit").key.clone();
    drop(engine);
    let run = |args: &[&str]| crate::support::binary::run_in(dir.path(), args);
    let accept = |days: &str| {
        run(&[
            "reconcile",
            "accept",
            line.as_str(),
            "--days",
            days,
            "--cash",
        ])
    };

    let (code, out, err) = accept("2026-11-03,2026-11-04");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("not accepted") && err.contains("miscounted envelope"),
        "{err}"
    );
    let (code, out, err) = accept("2026-11-04,2026-11-02,2026-11-03");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("5.00 short") && out.contains("Accepted (match:"),
        "{out}"
    );
    let (code, out, err) = run(&["reconcile", "--json"]);
    assert_eq!(code, 0, "nothing waits now: {out}{err}");
    assert!(out.contains("\"state\": \"matched\""), "{out}");

    let (code, _, err) = run(&["reconcile", "accept", line.as_str(), "--days", "2026-11-02"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--cash") || err.contains("--merchant"),
        "{err}"
    );
}
