//! The Reports screen's month M at a glance: twelve months ending at M by group (a class with
//! its categories beneath), M against the month before and the same month a year earlier, and
//! M day by day. Reads the month entries of thirteen months and the day entries of M: a few
//! hundred kept entries whatever the number of sales.

use chrono::{Datelike, Months, NaiveDate};

use super::groups::{Labels, dimension_of};
use super::revenue::Table;
use super::{add_amounts, add_totals, studio_currency};
use crate::api::reports::{Amounts, DayAmounts, Grouping, OverviewRow, RevenueOverview};
use crate::engine::host::EngineError;
use crate::store::Store;
use crate::store::daily_totals::Granularity;

/// The months an overview shows.
const MONTHS: usize = 12;

/// The first day of the month holding `day`, and of the month after it.
pub fn month_bounds(day: NaiveDate) -> Result<(NaiveDate, NaiveDate), EngineError> {
    let first = day.with_day(1).unwrap_or(day);
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or_else(|| EngineError::Invalid(format!("{first} has no month after it")))?;
    Ok((first, next))
}

pub fn revenue_overview(
    store: &Store,
    month: NaiveDate,
    by: Grouping,
) -> Result<RevenueOverview, EngineError> {
    let (first, next) = month_bounds(month)?;
    let out_of_calendar =
        || EngineError::Invalid(format!("{first} is too near the calendar's start"));
    let year_before = first
        .checked_sub_months(Months::new(MONTHS as u32))
        .ok_or_else(out_of_calendar)?;
    let months: Vec<NaiveDate> = (0..MONTHS as u32)
        .rev()
        .map(|back| first.checked_sub_months(Months::new(back)))
        .collect::<Option<_>>()
        .ok_or_else(out_of_calendar)?;
    let dimension = dimension_of(Some(by));
    let last_day = next.pred_opt().unwrap_or(first);
    let entries = store.daily_totals(Granularity::Month, dimension, year_before, first)?;
    let (currency, other_currencies) = studio_currency(
        entries
            .iter()
            .filter(|(k, _)| k.date != year_before)
            .map(|(k, t)| (k.currency.as_str(), t.count)),
    );
    // Columns 0..12 are the twelve months; column 12 is M a year earlier (not in the totals).
    let mut table = Table::new(MONTHS + 1, MONTHS);
    for (key, totals) in &entries {
        if key.currency != currency {
            continue;
        }
        let column = if key.date == year_before {
            MONTHS
        } else {
            months.partition_point(|m| *m <= key.date).saturating_sub(1)
        };
        table.add(key, totals, column, Some(by));
    }
    let month_columns = table.column_totals();
    let mut days: Vec<DayAmounts> = first
        .iter_days()
        .take_while(|d| *d <= last_day)
        .map(|day| DayAmounts {
            day,
            amounts: Amounts::default(),
        })
        .collect();
    for (key, totals) in store.daily_totals(Granularity::Day, dimension, first, last_day)? {
        if key.currency != currency {
            continue;
        }
        let at = (key.date - first).num_days();
        if let Some(slot) = usize::try_from(at).ok().and_then(|i| days.get_mut(i)) {
            add_totals(&mut slot.amounts, &totals);
        }
    }
    let labels = Labels::read(store, entries.iter().map(|(k, _)| k.account.as_str()))?;
    let rows: Vec<OverviewRow> = table
        .into_rows(&labels)
        .into_iter()
        .filter_map(|row| {
            let mut columns = row.columns;
            let same_month_last_year = columns.pop().unwrap_or_default();
            Some(OverviewRow {
                group: row.group?,
                label: row.label,
                parent: row.parent,
                months: columns,
                total: row.total,
                same_month_last_year,
            })
        })
        .collect();
    let mut total = Amounts::default();
    for cell in &month_columns[..MONTHS] {
        add_amounts(&mut total, cell);
    }
    Ok(RevenueOverview {
        month: first,
        by,
        currency,
        other_currencies,
        this_month: month_columns[MONTHS - 1],
        last_month: month_columns[MONTHS - 2],
        same_month_last_year: month_columns[MONTHS],
        month_totals: month_columns[..MONTHS].to_vec(),
        total,
        months,
        rows,
        days,
    })
}
