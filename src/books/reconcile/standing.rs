//! What a bank account's reconciliation comes to, kept small enough for the status glance: the
//! credits still unmatched and, day by day, the card sales no deposit has paid yet. The owner
//! works it out whenever it runs the matcher for the account (a look, a decision, an import, a
//! finished sync, hourly) and keeps it in the hub database, so `legion-hub status` reads it
//! without the books. Which waiting sales are *overdue* depends on the day it is read, so the
//! days are kept, not a count.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::api::bank_standing::BankStandingView;
use crate::api::reconcile::Overdue;
use crate::books::calendar;
use crate::store::snapshot::HubFacts;

/// Where the standings of every account are kept (hub database, meta tree).
pub const STANDING_KEY: &str = "books.bank_standing";

/// An allowance so large that counting business days back to it would be a long walk is a
/// year at most.
const MOST_DAYS: u32 = 366;

/// Days of waiting sales kept one by one; older ones are folded into the oldest entry (they are
/// overdue whatever the allowance), so a statement of many years keeps the record small.
const DAYS_KEPT: usize = 400;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankStanding {
    pub account: String,
    pub name: String,
    pub currency: String,
    pub unreconciled: u64,
    pub unreconciled_sum: Decimal,
    pub unreconciled_oldest: Option<NaiveDate>,
    /// The days of the first and last imported lines.
    pub covered: Option<(NaiveDate, NaiveDate)>,
    /// Card sales not yet seen in a deposit, by day of sale, oldest first, from the first
    /// covered day (before it the bank's side is unknown).
    pub waiting: Vec<WaitingDay>,
    pub figured_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingDay {
    pub day: NaiveDate,
    pub count: u64,
    pub sum: Decimal,
}

/// Sums card sales by day, oldest first, folding the days past [`DAYS_KEPT`] into the oldest.
pub fn waiting_days(sales: impl Iterator<Item = (NaiveDate, Decimal)>) -> Vec<WaitingDay> {
    let mut by_day: std::collections::BTreeMap<NaiveDate, (u64, Decimal)> = Default::default();
    for (day, amount) in sales {
        let entry = by_day.entry(day).or_default();
        entry.0 += 1;
        entry.1 += amount;
    }
    let mut days: Vec<WaitingDay> = by_day
        .into_iter()
        .map(|(day, (count, sum))| WaitingDay { day, count, sum })
        .collect();
    if days.len() > DAYS_KEPT {
        let folded = days.len() - DAYS_KEPT + 1;
        let oldest = days[0].day;
        let (count, sum) = days
            .drain(..folded)
            .fold((0, Decimal::ZERO), |(c, s), d| (c + d.count, s + d.sum));
        days.insert(
            0,
            WaitingDay {
                day: oldest,
                count,
                sum,
            },
        );
    }
    days
}

impl BankStanding {
    /// The waiting sales older than `after_days` business days on `today`.
    pub fn overdue(&self, today: NaiveDate, after_days: u32) -> Overdue {
        let after_days = after_days.min(MOST_DAYS);
        let cutoff = calendar::business_days_back(today, after_days);
        let late = self.waiting.iter().filter(|d| d.day <= cutoff);
        let (count, sum) = late
            .clone()
            .fold((0, Decimal::ZERO), |(c, s), d| (c + d.count, s + d.sum));
        Overdue {
            count,
            sum,
            oldest: late.map(|d| d.day).min(),
            after_days,
        }
    }

    pub fn view(&self, today: NaiveDate, after_days: u32) -> BankStandingView {
        BankStandingView {
            account: self.account.clone(),
            name: self.name.clone(),
            currency: self.currency.clone(),
            unreconciled: self.unreconciled,
            unreconciled_sum: self.unreconciled_sum,
            unreconciled_oldest: self.unreconciled_oldest,
            overdue: self.overdue(today, after_days),
            statement_through: self.covered.map(|(_, through)| through),
        }
    }
}

/// The standings as shown today, with the allowance of `[books] deposit_overdue_days`.
pub fn views_of(standings: &[BankStanding], after_days: u32) -> Vec<BankStandingView> {
    let today = Utc::now().with_timezone(&chrono::Local).date_naive();
    standings
        .iter()
        .map(|s| s.view(today, after_days))
        .collect()
}

/// The standings the owner kept in the hub database, as shown today: what the glance reads,
/// from the store or from the status snapshot.
pub fn kept_views(
    facts: &dyn HubFacts,
    after_days: u32,
) -> Result<Vec<BankStandingView>, crate::store::StoreError> {
    let kept: Vec<BankStanding> = facts.meta_json(STANDING_KEY)?.unwrap_or_default();
    Ok(views_of(&kept, after_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn standing(waiting: Vec<WaitingDay>) -> BankStanding {
        BankStanding {
            account: "checking".into(),
            name: "Checking".into(),
            currency: "USD".into(),
            unreconciled: 0,
            unreconciled_sum: Decimal::ZERO,
            unreconciled_oldest: None,
            covered: Some((day(1), day(30))),
            waiting,
            figured_at: Utc::now(),
        }
    }

    #[test]
    fn a_sale_becomes_overdue_as_business_days_pass() {
        // Friday the 20th; five business days later is Friday the 27th (Thanksgiving, the
        // 26th, is no business day), so it is late from the 30th, not the 27th.
        let s = standing(waiting_days(
            [
                (day(20), Decimal::new(4000, 2)),
                (day(20), Decimal::new(1050, 2)),
            ]
            .into_iter(),
        ));
        assert_eq!(s.waiting.len(), 1);
        assert_eq!(s.overdue(day(27), 5).count, 0);
        let late = s.overdue(day(30), 5);
        assert_eq!(
            (late.count, late.sum, late.oldest),
            (2, Decimal::new(5050, 2), Some(day(20)))
        );
    }

    #[test]
    fn many_years_of_waiting_days_fold_into_the_oldest_and_keep_every_cent() {
        let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let sales = (0..2000).map(|n| (start + chrono::Duration::days(n), Decimal::new(101, 2)));
        let days = waiting_days(sales);
        assert_eq!(days.len(), DAYS_KEPT);
        assert_eq!(days[0].day, start);
        assert_eq!(days.iter().map(|d| d.count).sum::<u64>(), 2000);
        assert_eq!(
            days.iter().map(|d| d.sum).sum::<Decimal>(),
            Decimal::new(202_000, 2)
        );
    }
}
