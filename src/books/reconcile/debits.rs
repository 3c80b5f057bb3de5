//! Money taken back: a chargeback is a debit of one card payment's amount, often with the
//! processor's dispute fee on top. Found by amount through an index, so ten thousand debits of
//! the same amount cost a lookup each, and the candidates per line are capped.

use std::collections::HashMap;

use chrono::Duration;
use rust_decimal::Decimal;

use super::inputs::{BankEntry, CardPayment};

/// Dispute fees processors add to a chargeback, tried in this order.
pub const DISPUTE_FEES: [i64; 5] = [0, 1000, 1500, 2000, 2500];

/// A chargeback comes within this many days of the charge (card networks allow 120)...
pub const WINDOW_DAYS: i64 = 120;

/// ... and not before this many: the cardholder's bank must dispute it first.
pub const EARLIEST_DAYS: i64 = 3;

/// Candidates kept per debit: the most recent charges first.
const MAX_CANDIDATES: usize = 8;

/// Words a bank prints on a chargeback.
const HINTS: [&str; 5] = ["CHARGEBACK", "CHGBK", "CHG BACK", "DISPUTE", "REVERSAL"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargebackFit {
    /// Index of the payment charged back.
    pub payment: usize,
    pub fee: Decimal,
    /// The bank's text says so.
    pub named: bool,
}

/// The charges, by amount, for the lookups.
pub struct ChargeIndex {
    by_amount: HashMap<Decimal, Vec<usize>>,
}

impl ChargeIndex {
    pub fn of(payments: &[CardPayment]) -> ChargeIndex {
        let mut by_amount: HashMap<Decimal, Vec<usize>> = HashMap::new();
        for (index, payment) in payments.iter().enumerate() {
            if payment.amount > Decimal::ZERO {
                by_amount
                    .entry(payment.amount.normalize())
                    .or_default()
                    .push(index);
            }
        }
        for indexes in by_amount.values_mut() {
            indexes.sort_by_key(|&i| payments[i].at);
        }
        ChargeIndex { by_amount }
    }

    /// The charges this debit could be taking back, the most recent before it first.
    pub fn fits(&self, payments: &[CardPayment], line: &BankEntry) -> Vec<ChargebackFit> {
        if line.amount >= Decimal::ZERO {
            return Vec::new();
        }
        let upper = line.text.to_uppercase();
        let named = HINTS.iter().any(|hint| upper.contains(hint));
        let taken = -line.amount;
        let mut found = Vec::new();
        // A debit whose text does not say chargeback is taken for one only at the charge's own
        // amount: with a dispute fee on top, a bank's own 15.00 fee would be "a 5.00 charge".
        let fees: &[i64] = if named {
            &DISPUTE_FEES
        } else {
            &DISPUTE_FEES[..1]
        };
        for fee in fees.iter().map(|&cents| Decimal::new(cents, 2)) {
            let Some(indexes) = self.by_amount.get(&(taken - fee).normalize()) else {
                continue;
            };
            let (from, to) = (
                line.date - Duration::days(WINDOW_DAYS),
                line.date - Duration::days(EARLIEST_DAYS),
            );
            // Charges are in time order: walk back from the last one before the debit.
            let before = indexes.partition_point(|&i| payments[i].at.date() <= to);
            found.extend(
                indexes[..before]
                    .iter()
                    .rev()
                    .take_while(|&&i| payments[i].at.date() >= from)
                    .take(MAX_CANDIDATES)
                    .map(|&payment| ChargebackFit {
                        payment,
                        fee,
                        named,
                    }),
            );
            if found.len() >= MAX_CANDIDATES {
                break;
            }
        }
        found.truncate(MAX_CANDIDATES);
        found
    }
}
