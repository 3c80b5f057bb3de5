//! Sales in a date range, grouped by day, week, month, financial class, revenue category or
//! payment method; and today's sales. Sums are exact and kept apart by currency.
//!
//! Every grouping but the payment method's reads the store's daily totals (a few entries a day,
//! or a dozen a year for whole months), never the transactions: a total's net is exactly the sum
//! of its sales' amounts and its count their number. By payment method the sales' payments are
//! summed (a split sale's card and cash apart), which the totals do not carry: that grouping
//! reads the payments of the range.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{AnswerError, DateRange};
use crate::books::account_key::of_site;
use crate::books::currency::exact;
use crate::books::payment::MethodKind;
use crate::store::Store;
use crate::store::daily_totals::{Dimension, Granularity, TotalsGroup};

/// How a summary's rows are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Day,
    /// By the Monday that starts the week.
    Week,
    Month,
    Class,
    Category,
    /// By the sales' payments (card, ach, cash, check, other), not their items.
    PaymentMethod,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Day,
        GroupBy::Week,
        GroupBy::Month,
        GroupBy::Class,
        GroupBy::Category,
        GroupBy::PaymentMethod,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Class => "class",
            GroupBy::Category => "category",
            GroupBy::PaymentMethod => "payment_method",
        }
    }

    pub fn parse(text: &str) -> Result<GroupBy, AnswerError> {
        GroupBy::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = GroupBy::ALL.iter().map(|g| g.name()).collect();
                AnswerError::Invalid(format!("`group_by` is one of {}", names.join(", ")))
            })
    }
}

/// One group's sales in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesRow {
    pub group: String,
    pub currency: String,
    /// Exact, in the currency's minor digits ("1234.50").
    pub total: String,
    pub count: u64,
}

/// The range's sales in one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub total: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SalesSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: &'static str,
    /// The one Mindbody site of a chain summed, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub rows: Vec<SalesRow>,
    pub totals: Vec<CurrencyTotal>,
}

/// Sums of (group, currency) → (sum, count), kept in order.
#[derive(Default)]
struct Sums(BTreeMap<(String, String), (Decimal, u64)>);

impl Sums {
    fn add(&mut self, group: String, currency: &str, amount: Decimal, count: u64) {
        let entry = self.0.entry((group, currency.to_string())).or_default();
        entry.0 += amount;
        entry.1 += count;
    }

    fn rows(&self) -> Vec<SalesRow> {
        self.0
            .iter()
            .map(|((group, currency), (sum, count))| SalesRow {
                group: group.clone(),
                currency: currency.clone(),
                total: exact(*sum, currency),
                count: *count,
            })
            .collect()
    }

    fn totals(&self) -> Vec<CurrencyTotal> {
        let mut by_currency: BTreeMap<&str, (Decimal, u64)> = BTreeMap::new();
        for ((_, currency), (sum, count)) in &self.0 {
            let entry = by_currency.entry(currency).or_default();
            entry.0 += sum;
            entry.1 += count;
        }
        by_currency
            .into_iter()
            .map(|(currency, (sum, count))| CurrencyTotal {
                currency: currency.to_string(),
                total: exact(sum, currency),
                count,
            })
            .collect()
    }
}

/// The sales dated in `range`, grouped by `group_by`: every site's, or one site's of a chain.
pub fn sales_summary(
    store: &Store,
    range: DateRange,
    group_by: GroupBy,
    site: Option<&str>,
) -> Result<SalesSummary, AnswerError> {
    let mut sums = Sums::default();
    if group_by == GroupBy::PaymentMethod {
        let (start, end) = range.bounds();
        for kind in MethodKind::ALL {
            for payment in store.payments_by_method(kind, start, end)? {
                if !of_site(site, &payment.key) {
                    continue;
                }
                sums.add(
                    kind.name().to_string(),
                    &payment.currency,
                    payment.amount,
                    1,
                );
            }
        }
    } else {
        sum_daily_totals(store, range, group_by, site, &mut sums)?;
    }
    Ok(SalesSummary {
        from: range.from,
        to: range.to,
        group_by: group_by.name(),
        site: site.map(str::to_string),
        rows: sums.rows(),
        totals: sums.totals(),
    })
}

/// Whether `range` is whole months (its first day a month's first, its last a month's last):
/// then the month entries answer for it.
fn whole_months(range: &DateRange) -> bool {
    range.from.day() == 1 && range.to.succ_opt().is_none_or(|next| next.day() == 1)
}

/// Adds up the daily totals of `range` by `group_by` (not the payment method). Sales only, as
/// the totals keep them: the fees and cash differences reconciliation posts are not revenue.
fn sum_daily_totals(
    store: &Store,
    range: DateRange,
    group_by: GroupBy,
    site: Option<&str>,
    sums: &mut Sums,
) -> Result<(), AnswerError> {
    let months = if whole_months(&range) {
        Granularity::Month
    } else {
        Granularity::Day
    };
    // Every sale is in exactly one entry of each dimension: a grouping by date reads the
    // location's, which has the fewest entries a day (one for a studio of one location).
    let (granularity, dimension) = match group_by {
        GroupBy::Day | GroupBy::Week => (Granularity::Day, Dimension::Location),
        GroupBy::Month => (months, Dimension::Location),
        GroupBy::Class | GroupBy::Category | GroupBy::PaymentMethod => (months, Dimension::Service),
    };
    let categories: HashMap<i64, String> = if group_by == GroupBy::Category {
        store
            .categories()?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        HashMap::new()
    };
    for (key, totals) in store.daily_totals(granularity, dimension, range.from, range.to)? {
        if !of_site(site, &key.account) {
            continue;
        }
        let (class, category) = match &key.group {
            TotalsGroup::Service { class, category } => (class.as_deref(), *category),
            _ => (None, None),
        };
        let group = match group_by {
            GroupBy::Day => key.date.to_string(),
            GroupBy::Week => week_of(key.date).to_string(),
            GroupBy::Month => format!("{:04}-{:02}", key.date.year(), key.date.month()),
            GroupBy::Class => class.unwrap_or("(no class)").to_string(),
            GroupBy::Category => match category {
                Some(id) => categories
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("category {id}")),
                None => "(no category)".into(),
            },
            GroupBy::PaymentMethod => unreachable!("payments are summed from the payments"),
        };
        let count = u64::try_from(totals.count).unwrap_or(0);
        sums.add(group, &key.currency, totals.net(), count);
    }
    Ok(())
}

/// The Monday that starts `day`'s week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - chrono::Duration::days(day.weekday().num_days_from_monday() as i64)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TodaysSales {
    pub day: NaiveDate,
    pub totals: Vec<CurrencyTotal>,
}

/// The sales dated `today` (the studio's day): every site's, or one site's of a chain.
pub fn todays_sales(
    store: &Store,
    today: NaiveDate,
    site: Option<&str>,
) -> Result<TodaysSales, AnswerError> {
    let summary = sales_summary(store, DateRange::new(today, today)?, GroupBy::Day, site)?;
    Ok(TodaysSales {
        day: today,
        totals: summary.totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_groups_read_their_names() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(week_of(day(4)), day(2));
        assert_eq!(week_of(day(2)), day(2));
        assert_eq!(week_of(day(8)), day(2));
        assert_eq!(GroupBy::parse("Class").unwrap(), GroupBy::Class);
        assert_eq!(
            GroupBy::parse("payment_method").unwrap(),
            GroupBy::PaymentMethod
        );
        assert!(GroupBy::parse("customer").is_err());
    }

    #[test]
    fn sums_stay_exact_and_apart_by_currency() {
        let mut sums = Sums::default();
        sums.add("Classes".into(), "USD", Decimal::new(1010, 2), 1);
        sums.add("Classes".into(), "USD", Decimal::new(2020, 2), 1);
        sums.add("Retail".into(), "USD", Decimal::new(5, 1), 1);
        sums.add("Retail".into(), "JPY", Decimal::new(1500, 0), 1);
        let rows = sums.rows();
        assert_eq!(rows[0].total, "30.30");
        assert_eq!(rows[0].count, 2);
        let totals = sums.totals();
        assert_eq!(totals[0].currency, "JPY");
        assert_eq!(totals[0].total, "1500");
        assert_eq!(totals[1].total, "30.80");
        assert_eq!(totals[1].count, 3);
    }
}
