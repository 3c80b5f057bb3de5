//! The revenue projection of this month and the next three, by financial class and in all, as
//! three parts a person can check:
//! - so far: the month's net sales up to now (today's included), from the daily totals;
//! - autopays: the members' autopays scheduled on the days after today (expected inflows of
//!   contracts whose autopay is active; suspended or inactive ones are not counted on);
//! - the pattern: each day after today at the average of its weekday over the last
//!   [`PATTERN_WEEKS`] weeks of drop-in and retail sales, i.e. the sales sold under no contract
//!   (an item with Mindbody's `ContractId` is an autopay or a contract's own sale, which the
//!   autopays already stand for).
//!
//! The pattern needs the sales split by contract, which the daily totals do not keep, so it
//! reads the last [`PATTERN_WEEKS`] weeks of transactions by the date index (a bounded window,
//! never the whole history), once a day: what it found is kept ([`crate::store::forecast_cache`])
//! with the day and a fingerprint of the window's daily totals, and used again while both hold
//! (a sale added, changed or removed in the window changes the totals; a sale whose contract
//! mark alone changed is seen the next day). An autopay's class is the class its member's
//! contract sales were in over those weeks (the class most contract sales were in for a member
//! with none there).

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use chrono::{Datelike, Duration, Local, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::{UNCLASSIFIED, actual_by_class, month_currency, month_of, plus};
use crate::api::projection::{
    ClassProjection, MonthProjection, PATTERN_WEEKS, PROJECTED_MONTHS, Projection, ProjectionParts,
};
use crate::engine::host::{Core, EngineError};
use crate::store::Store;
use crate::store::daily_totals::{Dimension, Granularity};

impl Core {
    /// This month's projection and the next three's, made today.
    pub async fn projection(&self) -> Result<Projection, EngineError> {
        projection(&self.inner.store, Local::now().date_naive())
    }
}

/// Sums by weekday, Monday first.
type Week = [Decimal; 7];

/// What the last weeks' sales say: drop-ins and retail by class and weekday, and the class of
/// each member's contract sales.
#[derive(Serialize, Deserialize)]
struct Pattern {
    by_class: BTreeMap<String, Week>,
    member_class: HashMap<String, String>,
    /// The class most contract sales were in, for a member the window did not see.
    usual_contract_class: Option<String>,
}

fn class_name(class: &Option<String>) -> String {
    class.clone().unwrap_or_else(|| UNCLASSIFIED.to_string())
}

/// The cache's name for the pattern.
const CACHED: &str = "projection.pattern";

/// A pattern as kept, with what it was made from.
#[derive(Serialize, Deserialize)]
struct CachedPattern {
    today: NaiveDate,
    currency: String,
    /// A hash of the window's daily totals (by service), read back as they were then.
    window: u64,
    pattern: Pattern,
}

/// A hash of the daily totals of the pattern's window: any sale added, changed (amount, class,
/// date, currency) or removed in it changes them.
fn window_fingerprint(store: &Store, today: NaiveDate) -> Result<u64, EngineError> {
    let since = today - Duration::weeks(PATTERN_WEEKS as i64);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    if let Some(yesterday) = today.pred_opt() {
        for (key, totals) in
            store.daily_totals(Granularity::Day, Dimension::Service, since, yesterday)?
        {
            key.hash(&mut hasher);
            (totals.sales, totals.refunds, totals.count).hash(&mut hasher);
        }
    }
    Ok(hasher.finish())
}

/// The pattern of the window before `today`: as kept when it still holds, else read afresh from
/// the transactions and kept.
fn pattern(store: &Store, today: NaiveDate, currency: &str) -> Result<Pattern, EngineError> {
    let window = window_fingerprint(store, today)?;
    let kept = store
        .forecast_cache(CACHED)?
        .and_then(|bytes| serde_json::from_slice::<CachedPattern>(&bytes).ok());
    if let Some(kept) = kept
        && kept.today == today
        && kept.currency == currency
        && kept.window == window
    {
        return Ok(kept.pattern);
    }
    let pattern = read_pattern(store, today, currency)?;
    let cached = CachedPattern {
        today,
        currency: currency.to_string(),
        window,
        pattern,
    };
    // A cache that cannot be written is worked out again next time.
    if let Ok(bytes) = serde_json::to_vec(&cached) {
        store.put_forecast_cache(CACHED, &bytes)?;
    }
    Ok(cached.pattern)
}

fn read_pattern(store: &Store, today: NaiveDate, currency: &str) -> Result<Pattern, EngineError> {
    let since = today - Duration::weeks(PATTERN_WEEKS as i64);
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut by_class: BTreeMap<String, Week> = BTreeMap::new();
    // Member → (their latest contract sale's time, its class).
    let mut latest: HashMap<String, (chrono::NaiveDateTime, String)> = HashMap::new();
    let mut contract_counts: BTreeMap<String, u64> = BTreeMap::new();
    for tx in store.transactions_between(midnight(since), midnight(today))? {
        if !tx.is_sale() || tx.currency != currency {
            continue;
        }
        let class = class_name(&tx.class);
        if tx.contract.is_some() {
            *contract_counts.entry(class.clone()).or_default() += 1;
            if let Some(member) = &tx.customer {
                let seen = latest
                    .entry(member.clone())
                    .or_insert((tx.date, class.clone()));
                if tx.date >= seen.0 {
                    *seen = (tx.date, class);
                }
            }
            continue;
        }
        let day = tx.date.weekday().num_days_from_monday() as usize;
        let week = by_class.entry(class).or_default();
        week[day] = plus(week[day], tx.amount);
    }
    let usual_contract_class = contract_counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(class, _)| class.clone());
    Ok(Pattern {
        by_class,
        member_class: latest.into_iter().map(|(m, (_, c))| (m, c)).collect(),
        usual_contract_class,
    })
}

/// Rounded to the currency's minor digits, half away from zero.
fn to_minor(amount: Decimal, digits: u32) -> Decimal {
    let mut out = amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    out.rescale(digits);
    out
}

/// The days of the month starting `first` still to come after `today`, by weekday.
fn days_ahead(first: NaiveDate, today: NaiveDate) -> [u32; 7] {
    let mut out = [0u32; 7];
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let mut day = first.max(today + Duration::days(1));
    while day < next {
        out[day.weekday().num_days_from_monday() as usize] += 1;
        day += Duration::days(1);
    }
    out
}

fn part<'a>(
    classes: &'a mut BTreeMap<String, ProjectionParts>,
    class: &str,
) -> &'a mut ProjectionParts {
    classes.entry(class.to_string()).or_default()
}

fn add_parts(into: &mut ProjectionParts, part: &ProjectionParts) {
    into.so_far = plus(into.so_far, part.so_far);
    into.autopays = plus(into.autopays, part.autopays);
    into.autopay_count += part.autopay_count;
    into.pattern = plus(into.pattern, part.pattern);
    into.pattern_days = part.pattern_days;
    into.projected = plus(into.projected, part.projected);
}

pub fn projection(store: &Store, today: NaiveDate) -> Result<Projection, EngineError> {
    let this_month = month_of(today);
    let currency = month_currency(store, this_month)?;
    let digits = crate::books::currency::minor_digits(&currency);
    let pattern = pattern(store, today, &currency)?;
    let weeks = Decimal::from(PATTERN_WEEKS);
    let inflows = store.expected_inflows()?;
    let mut months = Vec::with_capacity(PROJECTED_MONTHS as usize);
    for n in 0..PROJECTED_MONTHS {
        let Some(first) = this_month.checked_add_months(Months::new(n)) else {
            break;
        };
        let ahead = days_ahead(first, today);
        let mut classes: BTreeMap<String, ProjectionParts> = BTreeMap::new();
        if first == this_month {
            for (class, actual) in actual_by_class(store, first, &currency)? {
                part(&mut classes, &class).so_far = actual;
            }
        }
        for inflow in &inflows {
            let date = inflow.date.date();
            if inflow.at_risk()
                || inflow.currency != currency
                || date <= today
                || month_of(date) != first
            {
                continue;
            }
            let class = pattern
                .member_class
                .get(&inflow.client)
                .or(pattern.usual_contract_class.as_ref())
                .map_or(UNCLASSIFIED, String::as_str);
            let p = part(&mut classes, class);
            p.autopays = plus(p.autopays, inflow.amount);
            p.autopay_count += 1;
        }
        for (class, week) in &pattern.by_class {
            let mut sum = Decimal::ZERO;
            for (day, count) in ahead.iter().enumerate() {
                sum = plus(sum, week[day] * Decimal::from(*count));
            }
            part(&mut classes, class).pattern = to_minor(sum / weeks, digits);
        }
        let pattern_days: u32 = ahead.iter().sum();
        let mut total = ProjectionParts {
            pattern_days,
            ..ProjectionParts::default()
        };
        let mut lines: Vec<ClassProjection> = classes
            .into_iter()
            .map(|(class, mut parts)| {
                parts.pattern_days = pattern_days;
                parts.projected = plus(plus(parts.so_far, parts.autopays), parts.pattern);
                add_parts(&mut total, &parts);
                ClassProjection { class, parts }
            })
            .filter(|line| {
                line.parts
                    != ProjectionParts {
                        pattern_days,
                        ..Default::default()
                    }
            })
            .collect();
        lines.sort_by(|a, b| {
            b.parts
                .projected
                .cmp(&a.parts.projected)
                .then(a.class.cmp(&b.class))
        });
        months.push(MonthProjection {
            month: first,
            method: method_in_words(&total, first == this_month, &currency),
            parts: total,
            classes: lines,
        });
    }
    let mut weekday_average = [Decimal::ZERO; 7];
    for week in pattern.by_class.values() {
        for (day, sum) in week.iter().enumerate() {
            weekday_average[day] = plus(weekday_average[day], *sum);
        }
    }
    Ok(Projection {
        today,
        currency,
        pattern_weeks: PATTERN_WEEKS,
        weekday_average: weekday_average.map(|sum| to_minor(sum / weeks, digits)),
        months,
    })
}

/// "so far 3,120.00 + 14 autopays 1,540.00 + 17 days at the last 8 weeks' same-weekday average
/// of drop-ins and retail 2,210.00 = 6,870.00".
fn method_in_words(parts: &ProjectionParts, begun: bool, currency: &str) -> String {
    let money = |a| crate::format::money(a, currency);
    let mut out = String::new();
    if begun {
        out.push_str(&format!("so far {} + ", money(parts.so_far)));
    }
    out.push_str(&format!(
        "{} autopay{} {} + {} day{} at the last {PATTERN_WEEKS} weeks' same-weekday average of \
         drop-ins and retail {} = {}",
        parts.autopay_count,
        if parts.autopay_count == 1 { "" } else { "s" },
        money(parts.autopays),
        parts.pattern_days,
        if parts.pattern_days == 1 { "" } else { "s" },
        money(parts.pattern),
        money(parts.projected)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_ahead_are_the_months_days_after_today_by_weekday() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        // Friday 2026-12-04: 27 days left, Saturday the 5th to Thursday the 31st.
        let ahead = days_ahead(day(12, 1), day(12, 4));
        assert_eq!(ahead.iter().sum::<u32>(), 27);
        assert_eq!(ahead, [4, 4, 4, 4, 3, 4, 4]);
        // A month not begun: every day of it.
        assert_eq!(days_ahead(day(2, 1), day(1, 20)).iter().sum::<u32>(), 28);
        // The month's last day: nothing left.
        assert_eq!(days_ahead(day(12, 1), day(12, 31)).iter().sum::<u32>(), 0);
        assert_eq!(to_minor(Decimal::new(12345, 3), 2), Decimal::new(1235, 2));
        assert_eq!(to_minor(Decimal::new(-12345, 3), 2), Decimal::new(-1235, 2));
        assert_eq!(to_minor(Decimal::new(7, 0), 2).to_string(), "7.00");
    }
}
