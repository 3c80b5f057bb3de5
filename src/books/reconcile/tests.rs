//! The matcher on a small studio made by hand: a fortnight of card sales at two merchant
//! accounts paid out net of their fees, one batch paid in two, a week of cash carried to the
//! bank, a chargeback, and the rent. Every line must be offered what it truly pays.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::fees::FeeModel;
use super::inputs::{BankEntry, CardPayment, CashTaking};
use super::standing::{BankStanding, waiting_days};
use super::suggest::{Paid, Settings, suggest};
use crate::books::calendar;

/// The matcher's suggestions with the default settings and nothing rejected.
fn suggest_all(
    payments: &[CardPayment],
    takings: &[CashTaking],
    lines: &[BankEntry],
) -> super::suggest::Suggestions {
    suggest(
        payments,
        takings,
        lines,
        &Settings::default(),
        &|_, _, _, _| false,
    )
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("a November day")
}

fn at(d: u32, hour: u32) -> NaiveDateTime {
    day(d).and_hms_opt(hour, 0, 0).expect("an hour")
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

/// Card sales on every day from Nov 2 to Nov 15 (weekends too), a few a day of varied amounts,
/// at "visa" (2.75% + 0.15) and "amex" (3.5% + 0.15), and the deposits the processor made for
/// each settlement day two business days later, the Nov 10 Visa batch paid in two.
/// Each deposit's key and the settlement days it pays.
type Truth = Vec<(String, Vec<NaiveDate>)>;

fn studio() -> (Vec<CardPayment>, Vec<BankEntry>, Truth) {
    let visa = FeeModel {
        rate: Decimal::new(275, 4),
        fixed: cents(15),
        fits: 0,
    };
    let amex = FeeModel {
        rate: Decimal::new(35, 3),
        fixed: cents(15),
        fits: 0,
    };
    let mut payments = Vec::new();
    for d in 2..=15u32 {
        for k in 0..(3 + d % 4) {
            let amount = cents(1_250 + i64::from(d * 137 + k * 911) % 9_000);
            let merchant = if k % 3 == 2 { "amex" } else { "visa" };
            payments.push(CardPayment {
                key: format!("card:{d}:{k}"),
                merchant: merchant.into(),
                at: at(d, 9 + k),
                amount,
                card_type: if merchant == "amex" { "Amex" } else { "Visa" }.into(),
            });
        }
    }
    // The processor's side, by settlement day.
    let mut deposits: Vec<(String, NaiveDate, Decimal)> = Vec::new();
    let mut truth = Vec::new();
    for (merchant, model) in [("visa", visa), ("amex", amex)] {
        let mut days: Vec<NaiveDate> = payments
            .iter()
            .filter(|p| p.merchant == merchant)
            .map(|p| calendar::settlement_day(p.at.date()))
            .collect();
        days.dedup();
        for settled in days {
            let batch: Vec<&CardPayment> = payments
                .iter()
                .filter(|p| {
                    p.merchant == merchant && calendar::settlement_day(p.at.date()) == settled
                })
                .collect();
            let gross: Decimal = batch.iter().map(|p| p.amount).sum();
            let net = gross - model.fee(gross, batch.len() as u32);
            let paid_on = calendar::add_business_days(settled, 2);
            let key = format!("{merchant}:{settled}");
            if merchant == "visa" && settled == day(10) {
                let first = (net / Decimal::TWO).round_dp(2);
                deposits.push((format!("{key}:a"), paid_on, first));
                deposits.push((format!("{key}:b"), paid_on, net - first));
            } else {
                deposits.push((key.clone(), paid_on, net));
            }
            truth.push((key, vec![settled]));
        }
    }
    let mut lines: Vec<BankEntry> = deposits
        .into_iter()
        .map(|(key, date, amount)| BankEntry {
            key,
            date,
            amount,
            text: "ORIG CO NAME:MERCHANT BNKCD DEPOSIT".into(),
            parts: 1,
        })
        .collect();
    let charged_back = payments[7].clone();
    lines.push(BankEntry {
        key: "chargeback".into(),
        date: day(20),
        amount: -(charged_back.amount + cents(1_500)),
        text: "MERCHANT BNKCD CHARGEBACK".into(),
        parts: 1,
    });
    lines.push(BankEntry {
        key: "rent".into(),
        date: day(3),
        amount: cents(-450_000),
        text: "ORIG CO NAME:RIVERSIDE PROPERTIES".into(),
        parts: 1,
    });
    (payments, lines, truth)
}

fn cash() -> Vec<CashTaking> {
    (2..=8)
        .map(|d| CashTaking {
            day: day(d),
            amount: cents(4_000 + i64::from(d) * 1_010),
            count: 2,
        })
        .collect()
}

#[test]
fn every_deposit_is_offered_the_batch_it_pays_with_the_fee_learned() {
    let (payments, mut lines, truth) = studio();
    let takings = cash();
    let carried: Decimal = takings.iter().map(|t| t.amount).sum();
    lines.push(BankEntry {
        key: "cash".into(),
        date: day(9),
        amount: carried,
        text: "DEPOSIT".into(),
        parts: 1,
    });
    let suggestions = suggest_all(&payments, &takings, &lines);

    let fees: Vec<(String, String)> = suggestions
        .fees
        .iter()
        .map(|(m, f)| (m.clone(), f.words()))
        .collect();
    assert_eq!(
        fees,
        [
            ("amex".to_string(), "3.5% + 0.15".to_string()),
            ("visa".to_string(), "2.75% + 0.15".to_string())
        ]
    );
    for (key, days) in &truth {
        let index = lines
            .iter()
            .position(|l| l.key == *key || l.key == format!("{key}:a"))
            .expect("a deposit of every batch");
        let best = suggestions.lines[index]
            .best
            .as_ref()
            .unwrap_or_else(|| panic!("{key}: no suggestion"));
        let Paid::Card {
            merchant, batches, ..
        } = &best.paid
        else {
            panic!("{key}: offered {:?}", best.paid);
        };
        let offered: Vec<NaiveDate> = suggestions.clearing.deposits[batches.clone()]
            .iter()
            .map(|b| b.day)
            .collect();
        assert!(
            key.starts_with(merchant.as_str()),
            "{key}: offered {merchant}"
        );
        assert_eq!(&offered, days, "{key}: {}", best.reason);
        assert!(best.exact, "{key}: {}", best.reason);
    }
    // The split batch is offered with both its halves, and is not sure enough to go unseen.
    let split = lines
        .iter()
        .position(|l| l.key.ends_with(":a"))
        .expect("the split");
    let best = suggestions.lines[split]
        .best
        .as_ref()
        .expect("a suggestion");
    assert!(
        matches!(best.paid, Paid::Card { with: Some(_), .. }),
        "{}",
        best.reason
    );
    assert!(best.reason.contains("paid in two"), "{}", best.reason);
    let cash_line = lines.iter().position(|l| l.key == "cash").expect("cash");
    let best = suggestions.lines[cash_line]
        .best
        .as_ref()
        .expect("cash suggestion");
    assert!(
        matches!(&best.paid, Paid::Cash { days, .. } if days.len() == 7),
        "{}",
        best.reason
    );
    // A chargeback names no charge: every charge of that amount (with a dispute fee processors
    // use) fits, so the one taken back is among the candidates and none is sure.
    let chargeback = lines
        .iter()
        .position(|l| l.key == "chargeback")
        .expect("chargeback");
    let offered = &suggestions.lines[chargeback];
    let best = offered.best.as_ref().expect("chargeback suggestion");
    assert!(
        offered
            .others
            .iter()
            .chain(std::iter::once(best))
            .any(|c| matches!(c.paid, Paid::Chargeback { payment: 7, .. })),
        "{offered:?}"
    );
    assert!(best.confidence < 0.95, "{}", best.reason);
    assert!(best.reason.contains("check which"), "{}", best.reason);
    let rent = lines.iter().position(|l| l.key == "rent").expect("rent");
    assert_eq!(suggestions.lines[rent].best, None);
}

#[test]
fn a_reason_shows_its_arithmetic() {
    let (payments, lines, _) = studio();
    let suggestions = suggest(
        &payments,
        &[],
        &lines,
        &Settings::default(),
        &|_, _, _, _| false,
    );
    let best = suggestions.lines[0].best.as_ref().expect("a suggestion");
    assert_eq!(
        best.reason,
        "1 day of Visa sales (Nov 2), 133.84 gross, fee 2.75% + 0.15 × 4 = 4.28, net 129.56 = deposit 129.56 exactly"
    );
}

#[test]
fn ten_thousand_equal_deposits_and_debits_stay_bounded_and_unsure() {
    let (payments, _, _) = studio();
    let lines: Vec<BankEntry> = (0..10_000)
        .map(|i| BankEntry {
            key: format!("same:{i}"),
            date: day(12),
            amount: if i % 2 == 0 {
                cents(5_000)
            } else {
                cents(-5_000)
            },
            text: "CHARGEBACK".into(),
            parts: 1,
        })
        .collect();
    let suggestions = suggest(
        &payments,
        &cash(),
        &lines,
        &Settings::default(),
        &|_, _, _, _| false,
    );
    assert_eq!(suggestions.lines.len(), 10_000);
    // Nothing among ten thousand twins is sure enough to be accepted without a look.
    assert!(
        suggestions
            .lines
            .iter()
            .filter_map(|s| s.best.as_ref())
            .all(|b| b.confidence < 0.95)
    );
}

/// The studio's lines with a cash deposit of Nov 2–8 five dollars short, and the matcher's run.
fn with_short_cash() -> (Vec<BankEntry>, Truth, super::suggest::Suggestions) {
    let (payments, mut lines, truth) = studio();
    let takings = cash();
    let carried: Decimal = takings.iter().map(|t| t.amount).sum();
    lines.push(BankEntry {
        key: "cash".into(),
        date: day(9),
        amount: carried - cents(500),
        text: "DEPOSIT".into(),
        parts: 1,
    });
    let suggestions = suggest_all(&payments, &takings, &lines);
    (lines, truth, suggestions)
}

fn nobody_holds(_: Option<&str>, _: NaiveDate) -> Option<String> {
    None
}

#[test]
fn a_line_is_offered_the_open_batches_and_cash_days_of_its_window_with_its_best_ticked() {
    use super::groups::choices;
    let (lines, truth, suggestions) = with_short_cash();
    let (key, days) = truth
        .iter()
        .find(|(key, _)| key.starts_with("visa:2026-11-04"))
        .expect("the Nov 4 Visa batch");
    let index = lines
        .iter()
        .position(|l| &l.key == key)
        .expect("its deposit");
    let offered = choices(&suggestions, &lines, index, 5, "USD");
    let ticked: Vec<(Option<&str>, NaiveDate)> = offered
        .iter()
        .filter(|c| c.picked)
        .map(|c| (c.merchant.as_deref(), c.day))
        .collect();
    assert_eq!(ticked, [(Some("visa"), days[0])]);
    // Both merchants' batches around it, and the cash days before it, are offered.
    assert!(
        offered
            .iter()
            .any(|c| c.merchant.as_deref() == Some("amex"))
    );
    assert!(offered.iter().any(|c| c.merchant.is_none()));
    // The next Visa batch is another deposit's suggestion, and says so.
    let next = offered
        .iter()
        .find(|c| c.merchant.as_deref() == Some("visa") && c.day > days[0])
        .expect("a later Visa batch");
    assert!(
        next.suggested_for
            .as_deref()
            .is_some_and(|s| s.contains("deposit")),
        "{next:?}"
    );
    // Each choice's net is its gross less the fee its merchant's model expects.
    assert!(offered.iter().all(|c| c.net == c.gross - c.fee));
    // A debit pays no group.
    let rent = lines.iter().position(|l| l.key == "rent").expect("rent");
    assert!(choices(&suggestions, &lines, rent, 5, "USD").is_empty());
}

#[test]
fn an_edited_group_shows_its_gap_and_the_fee_the_bank_kept_in_words() {
    use super::groups::{GroupRefused, evaluate};
    use crate::api::reconcile::CandidateRef;
    let (mut lines, truth, suggestions) = with_short_cash();
    let (key, days) = truth
        .iter()
        .find(|(key, _)| key.starts_with("visa:2026-11-04"))
        .expect("the Nov 4 Visa batch");
    let index = lines
        .iter()
        .position(|l| &l.key == key)
        .expect("its deposit");
    let card = |days: Vec<NaiveDate>| CandidateRef::Card {
        merchant: "visa".into(),
        days,
        with: None,
    };
    let exact = evaluate(
        &suggestions,
        &lines,
        index,
        &card(days.clone()),
        "USD",
        &nobody_holds,
    )
    .expect("its own batch");
    assert!(
        exact.exact && exact.gap.is_zero() && exact.refused.is_none(),
        "{exact:?}"
    );
    assert_eq!(exact.kept(), exact.fee);
    assert!(
        exact
            .reason
            .starts_with("edited: 1 day of merchant visa sales (Nov 4)"),
        "{}",
        exact.reason
    );
    assert!(exact.reason.ends_with("says the same"), "{}", exact.reason);

    // One day more: the gap is that day's net, and the bank would have kept far too much.
    let next = suggestions
        .clearing
        .deposits
        .iter()
        .find(|b| b.merchant == "visa" && b.day > days[0])
        .expect("a later Visa batch");
    let two = evaluate(
        &suggestions,
        &lines,
        index,
        &card(vec![next.day, days[0]]),
        "USD",
        &nobody_holds,
    )
    .expect("two open batches");
    assert!(!two.exact);
    assert_eq!(two.gap, exact.gap - (next.gross - (two.fee - exact.fee)));
    assert!(
        matches!(two.refused, Some(GroupRefused::FeeTooHigh { .. })),
        "{:?}",
        two.refused
    );

    // A deposit 0.13 less than the model's net: the bank kept 0.13 more, and it says so.
    lines[index].amount -= cents(13);
    let off = evaluate(
        &suggestions,
        &lines,
        index,
        &card(days.clone()),
        "USD",
        &nobody_holds,
    )
    .expect("its own batch");
    assert!(!off.exact && off.refused.is_none(), "{off:?}");
    assert_eq!(off.kept(), exact.fee + cents(13));
    assert!(off.reason.ends_with("(0.13 off)"), "{}", off.reason);
    // A deposit more than the sales: the fee would be negative.
    lines[index].amount = exact.gross + cents(100);
    let more = evaluate(
        &suggestions,
        &lines,
        index,
        &card(days.clone()),
        "USD",
        &nobody_holds,
    )
    .expect("its own batch");
    assert!(
        matches!(more.refused, Some(GroupRefused::MoreThanSales { .. })),
        "{:?}",
        more.refused
    );
}

#[test]
fn a_group_that_is_empty_too_long_held_or_not_open_is_refused_with_the_way_out() {
    use super::groups::{GroupRefused, MAX_DAYS, evaluate};
    use crate::api::reconcile::CandidateRef;
    let (lines, _, suggestions) = with_short_cash();
    let index = lines.iter().position(|l| l.key == "cash").expect("cash");
    let cash = |days: Vec<NaiveDate>| CandidateRef::Cash { days };
    let refused = |group: CandidateRef, held: &super::groups::HeldBy<'_>| {
        evaluate(&suggestions, &lines, index, &group, "USD", held).expect_err("refused")
    };
    assert_eq!(
        refused(cash(Vec::new()), &nobody_holds),
        GroupRefused::Empty
    );
    let long: Vec<NaiveDate> = (1..=MAX_DAYS as u32 + 1).map(day).collect();
    assert!(matches!(
        refused(cash(long), &nobody_holds),
        GroupRefused::TooManyDays { days: 15, .. }
    ));
    // Nov 20: no cash taken then.
    let none = refused(cash(vec![day(20)]), &nobody_holds);
    assert!(matches!(none, GroupRefused::NotOpen { .. }), "{none:?}");
    assert!(none.to_string().contains("the `e` list shows"), "{none}");
    // A batch an accepted match holds names the match and says to undo it.
    let held = refused(
        CandidateRef::Card {
            merchant: "visa".into(),
            days: vec![day(1)],
            with: None,
        },
        &|_, _| Some("match:7".to_string()),
    );
    assert!(
        held.to_string().contains("match:7") && held.to_string().contains("undo"),
        "{held}"
    );
    // A debit pays no group.
    let rent = lines.iter().position(|l| l.key == "rent").expect("rent");
    assert_eq!(
        evaluate(
            &suggestions,
            &lines,
            rent,
            &cash(vec![day(2)]),
            "USD",
            &nobody_holds
        ),
        Err(GroupRefused::Debit)
    );
}

#[test]
fn a_cash_deposit_short_of_its_days_shows_the_difference_and_a_far_one_is_refused() {
    use super::groups::{GroupRefused, evaluate};
    use crate::api::reconcile::CandidateRef;
    let (lines, _, suggestions) = with_short_cash();
    let index = lines.iter().position(|l| l.key == "cash").expect("cash");
    let week: Vec<NaiveDate> = (2..=8).map(day).collect();
    let short = evaluate(
        &suggestions,
        &lines,
        index,
        &CandidateRef::Cash { days: week.clone() },
        "USD",
        &nobody_holds,
    )
    .expect("the week's cash");
    assert_eq!(short.gap, cents(-500));
    assert!(short.refused.is_none() && !short.exact);
    assert!(
        short
            .reason
            .contains("is 5.00 short (posted to Cash over and short)"),
        "{}",
        short.reason
    );
    // Two days of a week's deposit: far more than an envelope miscounts.
    let far = evaluate(
        &suggestions,
        &lines,
        index,
        &CandidateRef::Cash {
            days: week[..2].to_vec(),
        },
        "USD",
        &nobody_holds,
    )
    .expect("two open days");
    assert!(
        matches!(far.refused, Some(GroupRefused::OverShortTooLarge { .. })),
        "{:?}",
        far.refused
    );
}

#[test]
fn a_batch_paid_in_two_is_one_group_seen_from_either_line() {
    use super::groups::{Group, evaluate};
    use crate::api::reconcile::CandidateRef;
    let (lines, _, suggestions) = with_short_cash();
    let first = lines
        .iter()
        .position(|l| l.key.ends_with(":a"))
        .expect("the first half");
    let second = lines
        .iter()
        .position(|l| l.key.ends_with(":b"))
        .expect("the second half");
    let best = suggestions.lines[second]
        .best
        .as_ref()
        .expect("the split, from its later line");
    assert_eq!(suggestions.other_half(second, &best.paid), Some(first));
    assert_eq!(suggestions.other_half(first, &best.paid), Some(second));
    // Named as the matcher names it from the later line (`with` is that line itself), the group
    // is still paid by both halves.
    let named = CandidateRef::Card {
        merchant: "visa".into(),
        days: vec![day(10)],
        with: Some(lines[second].key.clone()),
    };
    let both = evaluate(&suggestions, &lines, second, &named, "USD", &nobody_holds)
        .expect("the split batch");
    assert_eq!(both.banked, lines[first].amount + lines[second].amount);
    assert!(both.exact, "{}", both.reason);
    assert!(matches!(both.group, Group::Card { with: Some(w), .. } if w == first));
}

#[test]
fn a_payout_that_a_run_of_cash_days_fits_as_exactly_leaves_no_sale_waiting() {
    let (mut payments, mut lines, _) = studio();
    // American Express sales on Thanksgiving and the Friday after: one batch, settled Friday
    // Nov 27, paid two business days later on Tuesday Dec 1, its net a round 1,900.00.
    let thanksgiving = [
        (26, 10, 45_000),
        (26, 15, 51_225),
        (27, 9, 38_978),
        (27, 12, 61_750),
    ];
    for (d, hour, amount) in thanksgiving {
        payments.push(CardPayment {
            key: format!("card:{d}:{hour}"),
            merchant: "amex".into(),
            at: at(d, hour),
            amount: cents(amount),
            card_type: "Amex".into(),
        });
    }
    let tuesday = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a December day");
    assert_eq!(calendar::add_business_days(day(27), 2), tuesday);
    lines.push(BankEntry {
        key: "amex:2026-11-27".into(),
        date: tuesday,
        amount: cents(190_000),
        text: "ORIG CO NAME:AMERICAN EXPRESS ORIG ID:1134992250 CO ENTRY DESCR:SETTLEMENT".into(),
        parts: 1,
    });
    // The weekend's cash and Monday's, never carried to the bank, add up to the same 1,900.00.
    let takings: Vec<CashTaking> = [(28, 60_000), (29, 65_000), (30, 65_000)]
        .into_iter()
        .map(|(d, amount)| CashTaking {
            day: day(d),
            amount: cents(amount),
            count: 3,
        })
        .collect();
    let suggestions = suggest_all(&payments, &takings, &lines);

    let offered = suggestions.lines.last().expect("the payout's line");
    let exact: Vec<&Paid> = offered
        .best
        .iter()
        .chain(offered.others.iter())
        .filter(|c| c.exact)
        .map(|c| &c.paid)
        .collect();
    assert!(
        exact
            .iter()
            .any(|p| matches!(p, Paid::Card { merchant, .. } if merchant == "amex"))
            && exact.iter().any(|p| matches!(p, Paid::Cash { .. })),
        "{offered:#?}"
    );
    let best = offered.best.as_ref().expect("a suggestion");
    assert!(best.reason.contains("check which"), "{}", best.reason);
    // Whichever of the two the line is shown with, the payout is in the statement: none of
    // the sales it pays waits for a deposit, so none is overdue on Saturday Dec 5.
    let found = suggestions.payments_found_exactly();
    let waiting: Vec<&CardPayment> = payments
        .iter()
        .enumerate()
        .filter(|(index, _)| !found.contains(index))
        .map(|(_, p)| p)
        .collect();
    let standing = BankStanding {
        account: "checking".into(),
        name: "Checking".into(),
        currency: "USD".into(),
        unreconciled: 1,
        unreconciled_sum: cents(190_000),
        unreconciled_oldest: Some(tuesday),
        covered: Some((day(4), tuesday)),
        waiting: waiting_days(waiting.iter().map(|p| (p.at.date(), p.amount))),
        figured_at: chrono::DateTime::UNIX_EPOCH,
    };
    let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).expect("a December day");
    assert_eq!(
        standing.overdue(saturday, 5).count,
        0,
        "waiting: {waiting:#?}"
    );
}
