//! The dates a question means without writing them: "today", "yesterday", "this week", "last
//! month", "in November", "this year", "the last 30 days". The real model works them out from
//! the date the system instruction gives ("Today is Saturday 2026-12-05."), and so does the
//! sandbox's, to fill a function's `from` and `to` as the real one would.

use chrono::{Datelike, Duration, NaiveDate};

/// The longest "last N days" read: a bound on outside input.
const MAX_DAYS: i64 = 3_660;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The day the system instruction says it is ("Today is Saturday 2026-12-05."), if it says.
pub fn today_in(system: &str) -> Option<NaiveDate> {
    let at = system.find("Today is ")? + "Today is ".len();
    system[at..]
        .split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|t| !t.is_empty())
        .take(3)
        .find_map(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
}

fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    first_of_month(y, m)?.pred_opt()
}

fn month_of(day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        first_of_month(day.year(), day.month())?,
        last_of_month(day.year(), day.month())?,
    ))
}

/// The first and last day the question means, relative to `today`; `None` when it names no
/// period. The nearer phrase wins where two could apply ("last month" before a month's name).
pub fn period_meant(question: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |phrase: &str| {
        let wanted: Vec<&str> = phrase.split(' ').collect();
        words.windows(wanted.len()).any(|w| w == wanted.as_slice())
    };
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    if has("yesterday") {
        let day = today.pred_opt()?;
        return Some((day, day));
    }
    if has("today") || has("todays") {
        return Some((today, today));
    }
    if has("this week") {
        return Some((monday, today));
    }
    if has("last week") {
        return Some((monday - Duration::days(7), monday - Duration::days(1)));
    }
    if has("this month") || has("month to date") {
        return Some((first_of_month(today.year(), today.month())?, today));
    }
    if has("last month") {
        return month_of(first_of_month(today.year(), today.month())?.pred_opt()?);
    }
    if has("this year") || has("year to date") {
        return Some((NaiveDate::from_ymd_opt(today.year(), 1, 1)?, today));
    }
    if has("last year") {
        let year = today.year() - 1;
        return Some((
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year, 12, 31)?,
        ));
    }
    if let Some(days) = words.windows(3).find_map(|w| {
        (w[0] == "last" && w[2] == "days")
            .then(|| w[1].parse::<i64>().ok())
            .flatten()
    }) {
        let days = days.clamp(1, MAX_DAYS);
        return Some((today - Duration::days(days - 1), today));
    }
    // A month's name, with its year when one follows; else the latest such month not after
    // today ("November" asked in December is the November just gone).
    for (i, word) in words.iter().enumerate() {
        let Some(index) = MONTHS.iter().position(|m| m == word) else {
            continue;
        };
        let month = index as u32 + 1;
        let written = words
            .get(i + 1)
            .filter(|y| y.len() == 4)
            .and_then(|y| y.parse::<i32>().ok());
        // "may" is also a verb: a month only after "in", "of", "for" or before a year.
        let before = i.checked_sub(1).and_then(|b| words.get(b)).copied();
        if *word == "may" && written.is_none() && !matches!(before, Some("in" | "of" | "for")) {
            continue;
        }
        let year = written.unwrap_or(if month <= today.month() {
            today.year()
        } else {
            today.year() - 1
        });
        return Some((first_of_month(year, month)?, last_of_month(year, month)?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn meant(question: &str) -> Option<(String, String)> {
        period_meant(question, day("2026-12-05"))
            .map(|(from, to)| (from.to_string(), to.to_string()))
    }

    fn range(from: &str, to: &str) -> Option<(String, String)> {
        Some((from.to_string(), to.to_string()))
    }

    #[test]
    fn the_periods_people_name_are_the_dates_they_mean() {
        assert_eq!(
            today_in("You are… \nToday is Saturday 2026-12-05. For any number…"),
            Some(day("2026-12-05"))
        );
        assert_eq!(today_in("no date here"), None);
        assert_eq!(
            meant("How much did we sell today?"),
            range("2026-12-05", "2026-12-05")
        );
        assert_eq!(meant("and yesterday?"), range("2026-12-04", "2026-12-04"));
        assert_eq!(meant("sales this week"), range("2026-11-30", "2026-12-05"));
        assert_eq!(meant("sales last week"), range("2026-11-23", "2026-11-29"));
        assert_eq!(
            meant("this month so far"),
            range("2026-12-01", "2026-12-05")
        );
        assert_eq!(
            meant("best customers last month"),
            range("2026-11-01", "2026-11-30")
        );
        assert_eq!(meant("in November?"), range("2026-11-01", "2026-11-30"));
        assert_eq!(meant("in March"), range("2026-03-01", "2026-03-31"));
        assert_eq!(meant("in February 2024"), range("2024-02-01", "2024-02-29"));
        assert_eq!(meant("last year"), range("2025-01-01", "2025-12-31"));
        assert_eq!(meant("this year"), range("2026-01-01", "2026-12-05"));
        assert_eq!(meant("the last 30 days"), range("2026-11-06", "2026-12-05"));
        assert_eq!(
            meant("the last 99999999 days").map(|r| r.1),
            Some("2026-12-05".to_string())
        );
        assert_eq!(meant("hello there"), None);
        assert_eq!(meant("May I see the sales?"), None);
        assert_eq!(meant("sales in May"), range("2026-05-01", "2026-05-31"));
    }
}
