//! A merchant account's processing fee: a rate on what was charged plus a fixed amount per
//! charge, rounded to the cent once per batch, as card processors bill it. Mindbody does not say
//! what its processor takes, so the model is learned from the deposits themselves: the pair
//! (rate, fixed) that makes the most batches land exactly on a deposit.

use std::collections::HashMap;

use rust_decimal::{Decimal, RoundingStrategy};

use super::clearing::{Clearing, ExpectedDeposit};
use super::inputs::BankEntry;
use crate::books::calendar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeModel {
    /// A fraction: 0.029 is 2.9%.
    pub rate: Decimal,
    /// Per charge, in the account's currency.
    pub fixed: Decimal,
    /// How many deposits it fits to the cent (0: the default, nothing learned yet).
    pub fits: u32,
}

/// What most processors charge a small business for a card present or not: the model used until
/// one is learned.
pub const DEFAULT: FeeModel = FeeModel {
    rate: Decimal::from_parts(29, 0, 0, false, 3),
    fixed: Decimal::from_parts(30, 0, 0, false, 2),
    fits: 0,
};

/// The most any processor takes (6% + 0.50 a charge, the ends of what [`learn`] tries): a
/// deposit that kept more than this of its sales is not that group's payout.
pub const CEILING: FeeModel = FeeModel {
    rate: Decimal::from_parts(MAX_RATE_BASIS_POINTS as u32, 0, 0, false, 4),
    fixed: Decimal::from_parts(5 * FIXED_STEPS, 0, 0, false, 2),
    fits: 0,
};

/// Fewer fits than this and a learned model is not trusted over the default.
const TRUSTED_FITS: u32 = 3;

/// The fixed fees tried when learning: processors charge 0 to 0.50 per charge, in 5-cent steps.
const FIXED_STEPS: u32 = 10;

/// The rates tried run to 6%: no processor takes more, and a larger gap is not a fee.
const MAX_RATE_BASIS_POINTS: i64 = 600;

impl FeeModel {
    /// The fee on one batch.
    pub fn fee(&self, charged: Decimal, charges: u32) -> Decimal {
        (charged * self.rate + self.fixed * Decimal::from(charges))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }

    pub fn fee_of(&self, batch: &ExpectedDeposit) -> Decimal {
        self.fee(batch.charged, batch.charges)
    }

    /// "2.9% + 0.30"
    pub fn words(&self) -> String {
        let percent = (self.rate * Decimal::ONE_HUNDRED).normalize();
        format!("{percent}% + {}", self.fixed.round_dp(2))
    }

    pub fn learned(&self) -> bool {
        self.fits > 0
    }
}

/// Learns one merchant account's fee from the credits that could be its deposits: each batch that
/// settled up to `max_lag` business days before a credit votes for every (fixed, rate) pair that
/// would turn the batch into exactly that credit. A true pair is voted for by every one-batch
/// deposit; a wrong one only by chance, because batches differ in their charges per amount. The
/// pairs are then checked to the cent; without enough fits the default stands.
pub fn learn(clearing: &Clearing, merchant: &str, credits: &[BankEntry], max_lag: u32) -> FeeModel {
    let mut votes: HashMap<(u32, i64), u32> = HashMap::new();
    for credit in credits.iter().filter(|c| c.amount.is_sign_positive()) {
        let from = calendar::business_days_back(credit.date, max_lag);
        for batch in &clearing.deposits[clearing.settled_between(merchant, from, credit.date)] {
            if batch.charged <= Decimal::ZERO || batch.charges == 0 {
                continue;
            }
            let taken = batch.gross - credit.amount;
            if taken.is_sign_negative() {
                continue;
            }
            for step in 0..=FIXED_STEPS {
                let fixed = Decimal::new(5 * i64::from(step), 2);
                let by_rate = taken - fixed * Decimal::from(batch.charges);
                if by_rate.is_sign_negative() {
                    break;
                }
                let basis_points = (by_rate / batch.charged * Decimal::from(10_000))
                    .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
                let Ok(basis_points) = i64::try_from(basis_points) else {
                    continue;
                };
                if basis_points <= MAX_RATE_BASIS_POINTS {
                    *votes.entry((step, basis_points)).or_default() += 1;
                }
            }
        }
    }
    let mut ranked: Vec<((u32, i64), u32)> = votes.into_iter().collect();
    // Most votes first; ties to the smaller fee, so the order never depends on the hash.
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let best = ranked
        .into_iter()
        .take(5)
        .map(|((step, basis_points), _)| FeeModel {
            rate: Decimal::new(basis_points, 4),
            fixed: Decimal::new(5 * i64::from(step), 2),
            fits: 0,
        })
        .map(|model| FeeModel {
            fits: fits(clearing, merchant, credits, max_lag, &model),
            ..model
        })
        .max_by(|a, b| a.fits.cmp(&b.fits).then(b.rate.cmp(&a.rate)));
    match best {
        Some(model) if model.fits >= TRUSTED_FITS => model,
        _ => DEFAULT,
    }
}

/// How many credits one batch of the merchant turns into exactly under `model`.
fn fits(
    clearing: &Clearing,
    merchant: &str,
    credits: &[BankEntry],
    max_lag: u32,
    model: &FeeModel,
) -> u32 {
    let mut fits = 0;
    for credit in credits.iter().filter(|c| c.amount.is_sign_positive()) {
        let from = calendar::business_days_back(credit.date, max_lag);
        let range = clearing.settled_between(merchant, from, credit.date);
        if clearing.deposits[range]
            .iter()
            .any(|batch| batch.gross - model.fee_of(batch) == credit.amount)
        {
            fits += 1;
        }
    }
    fits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_rounded_once_per_batch_and_written_as_a_person_would() {
        let model = FeeModel {
            rate: Decimal::new(275, 4),
            fixed: Decimal::new(15, 2),
            fits: 0,
        };
        // 2,914.20 × 2.75% = 80.1405, + 41 × 0.15 = 6.15 → 86.2905 → 86.29
        assert_eq!(
            model.fee(Decimal::new(291_420, 2), 41),
            Decimal::new(8629, 2)
        );
        assert_eq!(model.words(), "2.75% + 0.15");
        assert_eq!(DEFAULT.words(), "2.9% + 0.30");
    }
}
