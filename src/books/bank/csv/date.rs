//! Dates in a CSV column: a strftime `date-format` compiled once (chrono), or without one the
//! forms hledger reads by default (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`). A time after the
//! date is allowed and dropped. Years outside 1900–2200 are refused: they come from a format that
//! does not fit (`%Y` reading `26`).

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{Datelike, NaiveDate};

const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// How one column's dates are written.
#[derive(Debug, Clone)]
pub struct DateFormat {
    items: Option<Vec<Item<'static>>>,
}

impl DateFormat {
    /// Compiles a strftime format (`None`: the ISO-like defaults); the error says why not.
    pub fn new(format: Option<&str>) -> Result<DateFormat, String> {
        let Some(format) = format else {
            return Ok(DateFormat { items: None });
        };
        let has = |specs: &[&str]| specs.iter().any(|s| format.contains(s));
        let whole = has(&["%F", "%D", "%x"]);
        let complete = has(&["%d", "%e", "%-d", "%j"])
            && has(&["%m", "%-m", "%b", "%B", "%h"])
            && has(&["%Y", "%y", "%-Y"]);
        if !whole && !complete {
            return Err("it needs a day, a month and a year".to_owned());
        }
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| "it is not a strftime format".to_owned())?;
        Ok(DateFormat { items: Some(items) })
    }

    /// The date in `text`, if it is one in this format.
    pub fn parse(&self, text: &str) -> Option<NaiveDate> {
        let text = text.trim();
        let date = match &self.items {
            None => iso_like(text),
            Some(items) => with_items(items, text).or_else(|| {
                // A time after the date that the format does not mention.
                let first = text.split_whitespace().next()?;
                (first.len() < text.len())
                    .then(|| with_items(items, first))
                    .flatten()
            }),
        }?;
        YEARS.contains(&date.year()).then_some(date)
    }
}

fn with_items(items: &[Item<'static>], text: &str) -> Option<NaiveDate> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    parsed.to_naive_date().ok()
}

/// `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` (one or two digits for month and day), with
/// anything after a space or `T`.
fn iso_like(text: &str) -> Option<NaiveDate> {
    let date = text.split([' ', 'T']).next()?;
    let separator = date.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(separator, '-' | '/' | '.') {
        return None;
    }
    let mut parts = date.split(separator);
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some()
        || !digits(year, 4..=4)
        || !digits(month, 1..=2)
        || !digits(day, 1..=2)
    {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn formats_banks_use() {
        let german = DateFormat::new(Some("%d.%m.%Y")).unwrap();
        assert_eq!(german.parse("02.11.2026"), day(2026, 11, 2));
        assert_eq!(german.parse("2.11.2026"), day(2026, 11, 2));
        assert_eq!(german.parse("02.11.26"), None, "a two-digit year is not %Y");
        let us = DateFormat::new(Some("%m/%d/%Y")).unwrap();
        assert_eq!(us.parse("11/02/2026"), day(2026, 11, 2));
        assert_eq!(us.parse("11/02/2026 10:33:00"), day(2026, 11, 2));
        assert_eq!(us.parse("13/02/2026"), None);
        let short = DateFormat::new(Some("%d/%m/%y")).unwrap();
        assert_eq!(short.parse("02/11/26"), day(2026, 11, 2));
        let named = DateFormat::new(Some("%d %b %Y")).unwrap();
        assert_eq!(named.parse("02 Nov 2026"), day(2026, 11, 2));
    }

    #[test]
    fn the_default_is_iso_like() {
        let iso = DateFormat::new(None).unwrap();
        assert_eq!(iso.parse("2026-11-02"), day(2026, 11, 2));
        assert_eq!(iso.parse("2026/1/2"), day(2026, 1, 2));
        assert_eq!(iso.parse("2026.11.02T10:00:00"), day(2026, 11, 2));
        assert_eq!(iso.parse("02.11.2026"), None);
        assert_eq!(iso.parse("2026-11-31"), None);
    }

    #[test]
    fn a_format_without_a_day_month_and_year_is_refused() {
        assert!(DateFormat::new(Some("%Y")).is_err());
        assert!(DateFormat::new(Some("%d.%m.")).is_err());
        assert!(DateFormat::new(Some("%d.%m.%Y %Q")).is_err());
    }
}
