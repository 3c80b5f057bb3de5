//! The clearing account: the card and ACH payments of the sales grouped into the deposits the
//! processor should make for them, one per merchant account and settlement day, and the cash
//! taken each day, waiting for someone to carry it to the bank.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::inputs::{CardPayment, CashTaking};
use crate::books::calendar;

/// What one merchant account's processor owes for one settlement day's batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedDeposit {
    pub merchant: String,
    /// The business day the batch settled on: a charge on a weekend or a holiday settles on the
    /// next business day, so those days are already one batch.
    pub day: NaiveDate,
    /// What the cards paid in, less what was refunded to them.
    pub gross: Decimal,
    /// The charges alone (refunds left out): what the processor's rate is taken on.
    pub charged: Decimal,
    /// How many charges: the processor's fixed fee is per charge.
    pub charges: u32,
    pub refunds: u32,
    /// Indexes of the payments in the slice the clearing was built from.
    pub payments: Vec<usize>,
    /// The card types seen, in order of first appearance ("Visa", "Amex", "ACH"): for the words.
    pub card_types: Vec<String>,
}

/// Every expected deposit, by merchant account and then day.
#[derive(Debug, Default)]
pub struct Clearing {
    pub deposits: Vec<ExpectedDeposit>,
    /// When the batches close (None: midnight).
    pub cutoff: Option<NaiveTime>,
    by_merchant: BTreeMap<String, Range<usize>>,
}

/// The hours a processor may close its day's batch at, latest first: a charge after the cut-off
/// is in the next day's batch. Processors do not say theirs through Mindbody, so the matcher
/// tries each and keeps the one the deposits agree with.
pub const CUTOFFS: [Option<NaiveTime>; 7] = [
    None,
    NaiveTime::from_hms_opt(23, 0, 0),
    NaiveTime::from_hms_opt(22, 0, 0),
    NaiveTime::from_hms_opt(21, 0, 0),
    NaiveTime::from_hms_opt(20, 0, 0),
    NaiveTime::from_hms_opt(19, 0, 0),
    NaiveTime::from_hms_opt(18, 0, 0),
];

/// The day whose batch holds a charge made at `at`, under a batch closing at `cutoff` (None:
/// midnight).
pub fn batch_day(at: NaiveDateTime, cutoff: Option<NaiveTime>) -> NaiveDate {
    let day = at.date();
    match cutoff {
        Some(cutoff) if at.time() >= cutoff => day.succ_opt().unwrap_or(day),
        _ => day,
    }
}

impl Clearing {
    /// Groups the payments (any order) into batches closing at `cutoff` (None: midnight).
    pub fn of(payments: &[CardPayment], cutoff: Option<NaiveTime>) -> Clearing {
        let mut batches: BTreeMap<(&str, NaiveDate), ExpectedDeposit> = BTreeMap::new();
        for (index, payment) in payments.iter().enumerate() {
            let day = calendar::settlement_day(batch_day(payment.at, cutoff));
            let batch = batches
                .entry((payment.merchant.as_str(), day))
                .or_insert_with(|| ExpectedDeposit {
                    merchant: payment.merchant.clone(),
                    day,
                    gross: Decimal::ZERO,
                    charged: Decimal::ZERO,
                    charges: 0,
                    refunds: 0,
                    payments: Vec::new(),
                    card_types: Vec::new(),
                });
            batch.gross += payment.amount;
            if payment.amount.is_sign_negative() {
                batch.refunds += 1;
            } else {
                batch.charged += payment.amount;
                batch.charges += 1;
            }
            batch.payments.push(index);
            if !batch.card_types.contains(&payment.card_type) {
                batch.card_types.push(payment.card_type.clone());
            }
        }
        let deposits: Vec<ExpectedDeposit> = batches.into_values().collect();
        let mut by_merchant: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for (index, deposit) in deposits.iter().enumerate() {
            by_merchant
                .entry(deposit.merchant.clone())
                .and_modify(|range| range.end = index + 1)
                .or_insert(index..index + 1);
        }
        Clearing {
            deposits,
            cutoff,
            by_merchant,
        }
    }

    pub fn merchants(&self) -> impl Iterator<Item = &str> {
        self.by_merchant.keys().map(String::as_str)
    }

    /// The indexes of one merchant's batches that settled in `[from, to]`, in day order.
    pub fn settled_between(&self, merchant: &str, from: NaiveDate, to: NaiveDate) -> Range<usize> {
        let Some(range) = self.by_merchant.get(merchant) else {
            return 0..0;
        };
        let days = &self.deposits[range.clone()];
        let start = days.partition_point(|d| d.day < from);
        let end = days.partition_point(|d| d.day <= to);
        range.start + start..range.start + end.max(start)
    }
}

/// The cash and cheques taken, by day, not yet seen in a deposit.
#[derive(Debug, Default)]
pub struct Undeposited {
    pub days: Vec<CashTaking>,
}

impl Undeposited {
    /// Takings of the same day are added up; days with nothing are left out.
    pub fn of(takings: &[CashTaking]) -> Undeposited {
        let mut by_day: BTreeMap<NaiveDate, CashTaking> = BTreeMap::new();
        for taking in takings {
            let day = by_day.entry(taking.day).or_insert(CashTaking {
                day: taking.day,
                amount: Decimal::ZERO,
                count: 0,
            });
            day.amount += taking.amount;
            day.count += taking.count;
        }
        Undeposited {
            days: by_day
                .into_values()
                .filter(|d| !d.amount.is_zero())
                .collect(),
        }
    }

    /// The indexes of the days in `[from, to]`.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Range<usize> {
        let start = self.days.partition_point(|d| d.day < from);
        let end = self.days.partition_point(|d| d.day <= to);
        start..end.max(start)
    }
}
