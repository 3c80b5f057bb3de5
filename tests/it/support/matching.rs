//! The sandbox studio's year as the matcher reads it, straight from the studio (no store, no
//! HTTP: what is measured is the matcher), and the score of its suggestions against the bank's
//! ground truth. Shared by the reconcile tests and `benches/reconcile.rs`.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use legion_hub::books::reconcile::suggest::{Paid, Suggestions};
use legion_hub::books::reconcile::{BankEntry, CardPayment, CashTaking};
use legion_hub::sandbox::bank::{Pays, Statement, cash};
use legion_hub::sandbox::studio::Studio;

pub struct Year {
    pub studio: Studio,
    pub statement: Statement,
    /// The settled card and ACH transactions, as the sync stores them.
    pub payments: Vec<CardPayment>,
    /// The cash and cheques taken each day.
    pub cash: Vec<CashTaking>,
    /// The statement's lines, keyed by the bank's id.
    pub lines: Vec<BankEntry>,
}

/// A studio of `sales` sales over `days` days before 2026-11-30 noon, and its bank's statement of
/// every day after the first month (the processor's first payouts are in it).
pub fn year(sales: u64, days: i64) -> Year {
    let anchor =
        NaiveDateTime::parse_from_str("2026-11-30T12:00:00", "%Y-%m-%dT%H:%M:%S").expect("a time");
    let studio = Studio::new(sales, (sales / 20).max(1), anchor, days);
    let from = studio.first_sale.date() + Duration::days(7);
    let to = anchor.date();
    let statement = Statement::of(&studio, from, to).expect("a statement");
    let start = studio.first_sale - Duration::days(1);
    let payments = studio
        .card_transactions_between(start, anchor)
        .into_iter()
        .filter(|t| studio.is_settled(t))
        .map(|t| CardPayment {
            key: t.id.to_string(),
            merchant: t.merchant().id().to_string(),
            at: t.at,
            amount: t.amount,
            card_type: t.tender.card_type().unwrap_or("ACH").to_string(),
        })
        .collect();
    let cash = studio
        .first_sale
        .date()
        .iter_days()
        .take_while(|day| *day <= to)
        .map(|day| CashTaking {
            day,
            amount: cash::takings(&studio, day),
            count: 1,
        })
        .filter(|t| !t.amount.is_zero())
        .collect();
    let lines = statement
        .lines
        .iter()
        .map(|line| BankEntry {
            key: line.id.clone(),
            date: line.date,
            amount: line.amount,
            text: line.description.clone(),
            parts: 1,
        })
        .collect();
    Year {
        studio,
        statement,
        payments,
        cash,
        lines,
    }
}

/// How the suggestions compare with the truth.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Score {
    /// Bank lines that are processor payouts.
    pub deposits: usize,
    /// ... whose best suggestion pays exactly their transactions (a payout in two parts: both
    /// parts together pay their batch's).
    pub deposits_right: usize,
    pub cash_deposits: usize,
    pub cash_right: usize,
    pub chargebacks: usize,
    pub chargebacks_right: usize,
    /// Best suggestions sure enough to be accepted without a look (≥ the threshold).
    pub sure: usize,
    /// ... that are wrong.
    pub sure_and_wrong: usize,
    /// ... that are not exact.
    pub sure_not_exact: usize,
    /// Lines that pay nothing of the studio's (rent, payroll) given a suggestion at all.
    pub others_suggested: usize,
    /// Deposits whose best suggestion is wrong, with the reason given: for the report.
    pub wrong: Vec<String>,
}

pub fn score(year: &Year, suggestions: &Suggestions, threshold: f64) -> Score {
    let mut score = Score::default();
    // Truth by line id; a payout in parts: all its parts' transactions.
    let truth: HashMap<&str, &Pays> = year
        .statement
        .lines
        .iter()
        .map(|l| (l.id.as_str(), &l.pays))
        .collect();
    let mut batch_of: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    for line in &year.statement.lines {
        if let (
            Some(batch),
            Pays::Card {
                transaction_ids, ..
            },
        ) = (line.batch, &line.pays)
        {
            let union: BTreeSet<i64> = year
                .statement
                .lines
                .iter()
                .filter(|other| other.batch == Some(batch) && other.date == line.date)
                .flat_map(|other| match &other.pays {
                    Pays::Card {
                        transaction_ids, ..
                    } => transaction_ids.clone(),
                    _ => Vec::new(),
                })
                .collect();
            let _ = transaction_ids;
            batch_of.insert(line.id.as_str(), union);
        }
    }
    for suggestion in &suggestions.lines {
        let line = &year.lines[suggestion.line];
        let Some(pays) = truth.get(line.key.as_str()) else {
            continue;
        };
        let best = suggestion.best.as_ref();
        let right = match (pays, best.map(|b| &b.paid)) {
            (
                Pays::Card {
                    transaction_ids, ..
                },
                Some(Paid::Card { batches, .. }),
            ) => {
                let offered: BTreeSet<i64> = suggestions
                    .payments_of(batches)
                    .filter_map(|p| year.payments[p].key.parse().ok())
                    .collect();
                let wanted: BTreeSet<i64> = batch_of
                    .get(line.key.as_str())
                    .cloned()
                    .unwrap_or_else(|| transaction_ids.iter().copied().collect());
                offered == wanted
            }
            (Pays::Cash { days, .. }, Some(Paid::Cash { days: offered, .. })) => {
                let offered: Vec<NaiveDate> = offered
                    .iter()
                    .map(|&d| suggestions.pile.days[d].day)
                    .collect();
                &offered == days
            }
            (Pays::Chargeback { transaction_id, .. }, Some(Paid::Chargeback { payment, .. })) => {
                year.payments[*payment].key == transaction_id.to_string()
            }
            (Pays::Other { .. }, None) => true,
            _ => false,
        };
        let (kind, counted, counted_right) = match pays {
            Pays::Card { .. } => ("payout", &mut score.deposits, &mut score.deposits_right),
            Pays::Cash { .. } => ("cash", &mut score.cash_deposits, &mut score.cash_right),
            Pays::Chargeback { .. } => (
                "chargeback",
                &mut score.chargebacks,
                &mut score.chargebacks_right,
            ),
            Pays::Other { .. } => {
                score.others_suggested += usize::from(best.is_some());
                ("", &mut 0, &mut 0)
            }
        };
        *counted += 1;
        *counted_right += usize::from(right);
        if !right && !kind.is_empty() {
            score.wrong.push(format!(
                "{kind} {} {} {}: {:?} offered {}",
                line.key,
                line.date,
                line.amount,
                pays,
                best.map_or("no suggestion", |b| b.reason.as_str())
            ));
        }
        if let Some(best) = best.filter(|b| b.confidence >= threshold) {
            score.sure += 1;
            score.sure_and_wrong += usize::from(!right);
            score.sure_not_exact += usize::from(!best.exact);
        }
    }
    score
}
