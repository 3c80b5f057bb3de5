//! Bank business days in the United States: weekends and the Federal Reserve's holidays, computed
//! by rule for any year. Card processors pay out and banks book on these days only, so the
//! sandbox's bank and the matcher agree on them by using this one module.
//!
//! The Fed's rules: a holiday on a Sunday is observed on the Monday after; one on a Saturday is
//! not moved (the Fed is open on the Friday before). Juneteenth counts from 2022, the first year
//! the Fed closed for it; earlier years are computed with today's other rules, not history's.

use chrono::{Datelike, NaiveDate, Weekday};

/// The first year the Federal Reserve closed for Juneteenth.
const JUNETEENTH_SINCE: i32 = 2022;

/// Each Federal Reserve holiday of `year` on the day it is observed, with its name, in date
/// order. A holiday that falls on a Saturday is listed on that Saturday (nothing closes for it).
pub fn holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    rules(year).into_iter().flatten().collect()
}

/// The eleven holidays of `year` (None where a rule gives no day: Juneteenth before it counted,
/// or a date past the calendar's end).
fn rules(year: i32) -> [Option<(NaiveDate, &'static str)>; 11] {
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).map(observed);
    let nth = |month: u32, weekday: Weekday, n: u8| {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
    };
    let last_monday_of_may = || {
        NaiveDate::from_ymd_opt(year, 5, 31).map(|end| {
            let back = end.weekday().num_days_from_monday();
            end - chrono::Days::new(u64::from(back))
        })
    };
    let juneteenth = if year >= JUNETEENTH_SINCE {
        fixed(6, 19)
    } else {
        None
    };
    [
        (fixed(1, 1), "New Year's Day"),
        (
            nth(1, Weekday::Mon, 3),
            "Birthday of Martin Luther King, Jr.",
        ),
        (nth(2, Weekday::Mon, 3), "Washington's Birthday"),
        (last_monday_of_may(), "Memorial Day"),
        (juneteenth, "Juneteenth National Independence Day"),
        (fixed(7, 4), "Independence Day"),
        (nth(9, Weekday::Mon, 1), "Labor Day"),
        (nth(10, Weekday::Mon, 2), "Columbus Day"),
        (fixed(11, 11), "Veterans Day"),
        (nth(11, Weekday::Thu, 4), "Thanksgiving Day"),
        (fixed(12, 25), "Christmas Day"),
    ]
    .map(|(date, name)| date.map(|date| (date, name)))
}

/// The day the Fed observes a fixed-date holiday: the Monday after when it falls on a Sunday,
/// else the day itself (a Saturday holiday is not moved to the Friday).
fn observed(date: NaiveDate) -> NaiveDate {
    if date.weekday() == Weekday::Sun {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    }
}

/// Whether the Fed is closed on `date` for a holiday (weekends aside).
pub fn is_holiday(date: NaiveDate) -> bool {
    rules(date.year())
        .into_iter()
        .flatten()
        .any(|(day, _)| day == date)
}

/// A weekday that is not a Federal Reserve holiday.
pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(date)
}

/// The first business day after `date`. At the very end of the calendar (year 262143) the last
/// representable day is returned, whatever it is.
pub fn next_business_day(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    // A holiday weekend is at most four days (Saturday to a Monday holiday and on).
    while let Some(next) = day.succ_opt() {
        day = next;
        if is_business_day(day) {
            break;
        }
    }
    day
}

/// The business day `n` business days after `date` (`date` itself when `n` is 0, business day
/// or not). `n` is small by type: payouts and windows are days or weeks away, not years.
pub fn add_business_days(date: NaiveDate, n: u16) -> NaiveDate {
    (0..n).fold(date, |day, _| next_business_day(day))
}

/// The business day a transaction of `date` settles on: `date` when it is a business day, else
/// the next one (a weekend's or a holiday's batch rolls forward into that day's).
pub fn settlement_day(date: NaiveDate) -> NaiveDate {
    if is_business_day(date) {
        date
    } else {
        next_business_day(date)
    }
}

/// The business day `n` business days before `date` (`date` itself when `n` is 0): the start of
/// a window that looks back over payouts.
pub fn business_days_back(date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        let Some(before) = day.pred_opt() else {
            break;
        };
        day = before;
        if is_business_day(day) {
            left -= 1;
        }
    }
    day
}

/// Business days from `from` to `to`: those after `from` up to and including `to`; negative
/// when `to` is earlier. A payout's lag, so counted day by day and capped at a year.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let (start, end, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut count = 0;
    let mut day = start;
    while day < end && count < 366 {
        let Some(next) = day.succ_opt() else {
            break;
        };
        day = next;
        if is_business_day(day) {
            count += 1;
        }
    }
    sign * count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_feds_2026_holidays_are_computed_by_rule() {
        let dates: Vec<NaiveDate> = holidays(2026).into_iter().map(|(d, _)| d).collect();
        assert_eq!(
            dates,
            [
                day(2026, 1, 1),
                day(2026, 1, 19),
                day(2026, 2, 16),
                day(2026, 5, 25),
                day(2026, 6, 19),
                // A Saturday: listed, but the Friday before stays open.
                day(2026, 7, 4),
                day(2026, 9, 7),
                day(2026, 10, 12),
                day(2026, 11, 11),
                day(2026, 11, 26),
                day(2026, 12, 25),
            ]
        );
        for (date, name) in holidays(2026) {
            assert!(!is_business_day(date), "{date} {name}");
        }
        assert!(
            is_business_day(day(2026, 7, 3)),
            "Friday before a Saturday holiday"
        );
        assert!(
            is_business_day(day(2026, 11, 27)),
            "the Friday after Thanksgiving"
        );
    }

    #[test]
    fn a_sunday_holiday_closes_the_monday_after_and_a_saturday_one_closes_nothing() {
        // Independence Day 2027 is a Sunday; Christmas 2027 a Saturday.
        assert!(!is_business_day(day(2027, 7, 5)));
        assert!(is_business_day(day(2027, 7, 2)));
        assert!(is_business_day(day(2027, 12, 24)));
        assert!(is_business_day(day(2027, 12, 27)));
        // New Year's Day 2023 was a Sunday: Monday the 2nd was closed.
        assert!(!is_business_day(day(2023, 1, 2)));
        // Juneteenth before the Fed observed it.
        assert!(is_business_day(day(2020, 6, 19)));
        assert!(!is_business_day(day(2023, 6, 19)));
    }

    #[test]
    fn weekends_and_holidays_roll_forward_to_the_next_business_day() {
        // Thanksgiving 2026 (Thursday the 26th).
        assert_eq!(next_business_day(day(2026, 11, 25)), day(2026, 11, 27));
        assert_eq!(settlement_day(day(2026, 11, 26)), day(2026, 11, 27));
        // Saturday and Sunday settle on Monday; a Monday holiday pushes them to Tuesday.
        assert_eq!(settlement_day(day(2026, 11, 28)), day(2026, 11, 30));
        assert_eq!(settlement_day(day(2026, 11, 29)), day(2026, 11, 30));
        assert_eq!(settlement_day(day(2026, 9, 5)), day(2026, 9, 8));
        assert_eq!(settlement_day(day(2026, 11, 30)), day(2026, 11, 30));
        // Christmas on a Friday, New Year's Day on the next Friday.
        assert_eq!(add_business_days(day(2026, 12, 24), 1), day(2026, 12, 28));
        assert_eq!(add_business_days(day(2026, 12, 30), 2), day(2027, 1, 4));
        assert_eq!(add_business_days(day(2026, 12, 5), 0), day(2026, 12, 5));
        assert_eq!(add_business_days(day(2026, 11, 20), 5), day(2026, 11, 30));
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        assert_eq!(next_business_day(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(add_business_days(NaiveDate::MAX, u16::MAX), NaiveDate::MAX);
        assert!(holidays(NaiveDate::MIN.year()).len() <= 11);
        let _ = settlement_day(NaiveDate::MIN);
    }
}
