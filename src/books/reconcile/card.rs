//! Card deposits: the batches of one merchant account that a bank line could be paying. A
//! processor pays a settlement day's batch one to three business days later; it may pay a few
//! days at once (after a holiday, or when it holds funds) or one day in two parts. The search
//! looks only at the batches that settled in the line's window, and at runs of at most
//! [`MAX_RUN`] consecutive batches, so its cost per line is bounded whatever the statement.

use std::ops::Range;

use rust_decimal::Decimal;

use super::clearing::Clearing;
use super::fees::FeeModel;
use super::inputs::BankEntry;
use crate::books::calendar;

/// The most consecutive batches one deposit is taken to pay.
pub const MAX_RUN: usize = 4;

/// A run of one merchant's batches, and what it should have paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFit {
    pub merchant: String,
    /// Indexes into `Clearing::deposits`: consecutive batches of the merchant.
    pub batches: Range<usize>,
    pub gross: Decimal,
    pub charges: u32,
    pub fee: Decimal,
    /// `gross - fee`: what the processor should pay.
    pub net: Decimal,
    /// Business days from the last batch's settlement to the bank line.
    pub lag: i64,
}

impl CardFit {
    /// The bank line's amount less what the run should have paid: zero is exact.
    pub fn gap(&self, amount: Decimal) -> Decimal {
        amount - self.net
    }
}

/// Every run of the merchant's batches settled in the line's window (up to `max_lag` business
/// days before it) whose net is within `tolerance` of `target` (the line's amount, or the part of
/// it a split leaves).
pub fn fits(
    clearing: &Clearing,
    merchant: &str,
    model: &FeeModel,
    line: &BankEntry,
    target: Decimal,
    max_lag: u32,
    tolerance: Decimal,
) -> Vec<CardFit> {
    let from = calendar::business_days_back(line.date, max_lag);
    let window = clearing.settled_between(merchant, from, line.date);
    let mut found = Vec::new();
    for start in window.clone() {
        let (mut gross, mut fee, mut charges) = (Decimal::ZERO, Decimal::ZERO, 0u32);
        for end in start..(start + MAX_RUN).min(window.end) {
            let batch = &clearing.deposits[end];
            gross += batch.gross;
            fee += model.fee_of(batch);
            charges += batch.charges;
            let net = gross - fee;
            if (target - net).abs() <= tolerance {
                found.push(CardFit {
                    merchant: merchant.to_string(),
                    batches: start..end + 1,
                    gross,
                    charges,
                    fee,
                    net,
                    lag: calendar::business_days_between(batch.day, line.date),
                });
            }
        }
    }
    found
}
