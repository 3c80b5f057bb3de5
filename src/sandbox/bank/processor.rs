//! The card processor's lines on the studio's bank account. Per merchant account and settlement
//! day, the settled charges and refunds are paid out net of the fee (a rate on the charges plus
//! a fixed amount per charge, rounded once per payout, half up, as processors do; a refund nets
//! its amount and gives no fee back), one to three business days later. A few days' payouts
//! come split in two, each with its own fee; the odd charge is disputed weeks later and taken
//! back with a chargeback fee.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::descriptions::{self, Ach};
use super::{Draft, LineKind, Pays};
use crate::books::calendar;
use crate::sandbox::studio::cards::mix;
use crate::sandbox::studio::{CardKind, CardTransaction, MerchantAccount, Studio, Tender};

/// What a merchant account pays per charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Of the amount charged (0.0275 is 2.75%).
    pub rate: Decimal,
    pub per_charge: Decimal,
}

impl FeeSchedule {
    pub fn of(merchant: MerchantAccount) -> FeeSchedule {
        match merchant {
            MerchantAccount::Main => FeeSchedule {
                rate: Decimal::new(275, 4),
                per_charge: Decimal::new(15, 2),
            },
            MerchantAccount::Amex => FeeSchedule {
                rate: Decimal::new(35, 3),
                per_charge: Decimal::new(15, 2),
            },
        }
    }

    /// The fee on one payout of these amounts: the rate on the charges and the fixed part per
    /// charge, rounded to the cent once, half away from zero. Refunds (negative) cost nothing.
    pub fn fee(&self, amounts: &[Decimal]) -> Decimal {
        let charges: Vec<Decimal> = amounts
            .iter()
            .copied()
            .filter(|a| a.is_sign_positive() && !a.is_zero())
            .collect();
        let volume: Decimal = charges.iter().sum();
        (self.rate * volume + self.per_charge * Decimal::from(charges.len()))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// What a chargeback costs on top of the amount taken back.
pub const CHARGEBACK_FEE: Decimal = Decimal::from_parts(1500, 0, 0, false, 2);

/// How long after its settlement day a disputed charge is taken back.
const CHARGEBACK_AFTER_BUSINESS_DAYS: u16 = 18;

/// Far enough back that every payout and chargeback landing in the window is complete.
const LOOK_BACK: Days = Days::new(45);

/// The processor's lines dated `from..=to`: payouts and chargebacks.
pub(crate) fn lines(studio: &Studio, from: NaiveDate, to: NaiveDate) -> Vec<Draft> {
    let start = from.checked_sub_days(LOOK_BACK).unwrap_or(from);
    let (Some(start), Some(end)) = (start.and_hms_opt(0, 0, 0), to.and_hms_opt(23, 59, 59)) else {
        return Vec::new();
    };
    let settled: Vec<CardTransaction> = studio
        .card_transactions_between(start, end)
        .into_iter()
        .filter(|t| studio.is_settled(t))
        .collect();
    let mut batches: BTreeMap<(NaiveDate, MerchantAccount), Vec<&CardTransaction>> =
        BTreeMap::new();
    for transaction in &settled {
        batches
            .entry((transaction.settlement_day(), transaction.merchant()))
            .or_default()
            .push(transaction);
    }
    let mut drafts = Vec::new();
    for ((day, merchant), mut batch) in batches {
        batch.sort_by_key(|t| (t.at, t.id));
        let paid_on = payout_day(day, merchant);
        if paid_on < from || paid_on > to {
            continue;
        }
        let parts: Vec<&[&CardTransaction]> = if splits(day, merchant) && batch.len() > 1 {
            let (first, second) = batch.split_at(batch.len() / 2);
            vec![first, second]
        } else {
            vec![&batch[..]]
        };
        // One id per processor batch: its settlement day and merchant account.
        let batch_id =
            (parts.len() > 1).then(|| (day_number(day) as u32).wrapping_mul(2) + merchant as u32);
        for part in parts {
            drafts.push(payout(paid_on, day, merchant, part, batch_id));
        }
    }
    let mut chargebacks: Vec<Draft> = settled
        .iter()
        .filter(|t| disputed(t))
        .filter_map(|t| {
            let day =
                calendar::add_business_days(t.settlement_day(), CHARGEBACK_AFTER_BUSINESS_DAYS);
            (from..=to).contains(&day).then(|| chargeback(day, t))
        })
        .collect();
    drafts.append(&mut chargebacks);
    drafts
}

/// The business day a merchant account's batch of `day` is paid: Visa/MasterCard the next
/// business day (now and then the one after), American Express two days after (now and then
/// three).
pub fn payout_day(day: NaiveDate, merchant: MerchantAccount) -> NaiveDate {
    let hash = mix(day_number(day), merchant as u64 + 11);
    let lag = match merchant {
        MerchantAccount::Main => 1 + u16::from(hash.is_multiple_of(6)),
        MerchantAccount::Amex => 2 + u16::from(hash.is_multiple_of(4)),
    };
    calendar::add_business_days(day, lag)
}

/// Whether the batch of `day` is paid in two parts (about one day in ten).
fn splits(day: NaiveDate, merchant: MerchantAccount) -> bool {
    mix(day_number(day), merchant as u64 + 101) % 10 == 3
}

/// Whether a charge is disputed by its cardholder (about one card charge in six hundred).
pub fn disputed(transaction: &CardTransaction) -> bool {
    transaction.kind == CardKind::Charge
        && transaction.tender != Tender::Ach
        && mix(transaction.id.unsigned_abs(), 0xcb).is_multiple_of(600)
}

fn day_number(day: NaiveDate) -> u64 {
    u64::try_from(day.num_days_from_ce()).unwrap_or(0)
}

fn payout(
    paid_on: NaiveDate,
    settled: NaiveDate,
    merchant: MerchantAccount,
    part: &[&CardTransaction],
    batch: Option<u32>,
) -> Draft {
    let amounts: Vec<Decimal> = part.iter().map(|t| t.amount).collect();
    let gross: Decimal = amounts.iter().sum();
    let fee = FeeSchedule::of(merchant).fee(&amounts);
    let ach = company(merchant, "DEPOSIT", "SETTLEMENT");
    let trace_seed = mix(
        day_number(settled),
        part.first().map_or(0, |t| t.id.unsigned_abs()),
    );
    Draft {
        date: paid_on,
        amount: gross - fee,
        kind: LineKind::ProcessorDeposit,
        description: descriptions::ach(&ach, settled, paid_on, trace_seed),
        party: ach.company.to_string(),
        check_or_slip: None,
        batch,
        pays: Pays::Card {
            merchant,
            transaction_ids: part.iter().map(|t| t.id).collect(),
            gross,
            fee,
        },
    }
}

fn chargeback(day: NaiveDate, transaction: &CardTransaction) -> Draft {
    let merchant = transaction.merchant();
    let ach = company(merchant, "CHARGEBACK", "CHGBK ADJ");
    Draft {
        date: day,
        amount: -(transaction.amount + CHARGEBACK_FEE),
        kind: LineKind::AchDebit,
        description: descriptions::ach(&ach, day, day, transaction.id.unsigned_abs()),
        party: ach.company.to_string(),
        check_or_slip: None,
        batch: None,
        pays: Pays::Chargeback {
            transaction_id: transaction.id,
            fee: CHARGEBACK_FEE,
        },
    }
}

/// Who the payout comes from, as the ACH entry names it.
fn company(
    merchant: MerchantAccount,
    main_entry: &'static str,
    amex_entry: &'static str,
) -> Ach<'static> {
    match merchant {
        MerchantAccount::Main => Ach {
            company: "MINDBODY INC",
            company_id: "1461415098",
            entry: main_entry,
            individual_id: merchant.id(),
        },
        MerchantAccount::Amex => Ach {
            company: "AMERICAN EXPRESS",
            company_id: "1134992250",
            entry: amex_entry,
            individual_id: merchant.id(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_rounded_once_per_payout_half_up_and_refunds_give_none_back() {
        let main = FeeSchedule::of(MerchantAccount::Main);
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // 2.75% of 100.00 + 0.15 = 2.90.
        assert_eq!(main.fee(&[d("100.00")]), d("2.90"));
        // 2.75% of 10.10 = 0.27775, + 0.15 = 0.42775 -> 0.43; per charge it would be rounded twice.
        assert_eq!(main.fee(&[d("5.05"), d("5.05")]), d("0.58"));
        // 2.75% of 18.00 = 0.495 + 0.15 = 0.645 -> 0.65 (half up, not to even).
        assert_eq!(main.fee(&[d("18.00")]), d("0.65"));
        assert_eq!(main.fee(&[d("100.00"), d("-40.00")]), d("2.90"));
        let amex = FeeSchedule::of(MerchantAccount::Amex);
        assert_eq!(amex.fee(&[d("100.00")]), d("3.65"));
        assert_eq!(main.fee(&[]), Decimal::ZERO);
    }

    #[test]
    fn payouts_land_one_to_three_business_days_later_on_business_days() {
        let mut day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let mut lags = std::collections::BTreeSet::new();
        while day.year() == 2026 {
            if calendar::is_business_day(day) {
                for merchant in MerchantAccount::ALL {
                    let paid = payout_day(day, merchant);
                    assert!(calendar::is_business_day(paid), "{day} {merchant:?}");
                    let lag = (1..=3)
                        .find(|n| calendar::add_business_days(day, *n) == paid)
                        .expect("one to three business days");
                    lags.insert((merchant, lag));
                }
            }
            day = day.succ_opt().unwrap();
        }
        assert_eq!(lags.len(), 4, "{lags:?}");
    }
}
