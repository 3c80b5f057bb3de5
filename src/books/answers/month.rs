//! A month's figures for "explain this month": revenue by class and by week, beside the month
//! before and the same month a year earlier (by class), all exact and in their currencies.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::sales::{CurrencyTotal, GroupBy, SalesRow, sales_summary};
use super::{AnswerError, DateRange};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    /// `2026-11`
    pub month: String,
    pub totals: Vec<CurrencyTotal>,
    pub by_class: Vec<SalesRow>,
    /// By the Monday that starts each week.
    pub by_week: Vec<SalesRow>,
    pub last_month: Compared,
    pub same_month_last_year: Compared,
}

/// Another month's figures, to set beside this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    pub month: String,
    pub totals: Vec<CurrencyTotal>,
    pub by_class: Vec<SalesRow>,
}

/// The month that holds `day`, as a range of its days.
pub fn month_of(day: NaiveDate) -> Result<DateRange, AnswerError> {
    let first = day.with_day(1).unwrap_or(day);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .ok_or_else(|| AnswerError::Invalid(format!("{first} has no month after it")))?;
    DateRange::new(first, last)
}

/// `2026-11`
pub fn month_name(range: &DateRange) -> String {
    format!("{:04}-{:02}", range.from.year(), range.from.month())
}

fn compared(store: &Store, day: Option<NaiveDate>) -> Result<Compared, AnswerError> {
    let range = month_of(
        day.ok_or_else(|| AnswerError::Invalid("that month is out of the calendar".into()))?,
    )?;
    let by_class = sales_summary(store, range, GroupBy::Class, None)?;
    Ok(Compared {
        month: month_name(&range),
        totals: by_class.totals,
        by_class: by_class.rows,
    })
}

/// The figures of the month holding `day`.
pub fn month_figures(store: &Store, day: NaiveDate) -> Result<MonthFigures, AnswerError> {
    let range = month_of(day)?;
    let by_class = sales_summary(store, range, GroupBy::Class, None)?;
    let by_week = sales_summary(store, range, GroupBy::Week, None)?;
    Ok(MonthFigures {
        month: month_name(&range),
        totals: by_class.totals,
        by_class: by_class.rows,
        by_week: by_week.rows,
        last_month: compared(store, range.from.checked_sub_months(Months::new(1)))?,
        same_month_last_year: compared(store, range.from.checked_sub_months(Months::new(12)))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_day_to_its_last() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let range = month_of(day(2024, 2, 17)).unwrap();
        assert_eq!((range.from, range.to), (day(2024, 2, 1), day(2024, 2, 29)));
        assert_eq!(month_name(&range), "2024-02");
        let december = month_of(day(2026, 12, 31)).unwrap();
        assert_eq!(december.to, day(2026, 12, 31));
    }
}
