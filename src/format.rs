//! Numbers, money, times and paragraphs as people read them, the same way in the CLI, the dashboard
//! and what Gemini is told. Pure functions over plain values: any floor may use it.

use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// "just now", "5 min ago", "3 h ago", "2 days ago", or "never".
pub fn ago(time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(time) = time else {
        return "never".into();
    };
    let secs = (now - time).num_seconds();
    match secs {
        i64::MIN..=-60 => "in the future (check the clock)".into(),
        -59..=59 => "just now".into(),
        60..=3_599 => format!("{} min ago", secs / 60),
        3_600..=86_399 => format!("{} h ago", secs / 3_600),
        86_400..=172_799 => "1 day ago".into(),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// A time as a clock reading in the viewer's zone: "today 10:42", "yesterday 18:03",
/// "Nov 20 09:15", "2025-11-20". Unlike "5 min ago" it never goes stale on a screen that is not
/// redrawn, so the dashboard can sleep while nothing happens.
pub fn clock(time: DateTime<Utc>, now: DateTime<FixedOffset>) -> String {
    let local = time.with_timezone(now.offset());
    let (day, today) = (local.date_naive(), now.date_naive());
    if day == today {
        local.format("today %H:%M").to_string()
    } else if today.pred_opt() == Some(day) {
        local.format("yesterday %H:%M").to_string()
    } else if day.year() == today.year() {
        local.format("%b %d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d").to_string()
    }
}

/// "850 ms", "4.2 s", "3 min 5 s".
pub fn duration(d: chrono::Duration) -> String {
    let ms = d.num_milliseconds().max(0);
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// "1 autopay", "1,600 autopays".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// "1234567" → "1,234,567", for digits of any length.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money as people read it on a screen: the exact amount with its currency's minor digits,
/// thousands grouped: "3,119.24", "-129.00", "150,000" yen, "3.125" (never rounded away).
/// `transactions --json` writes the same amount ungrouped ([`crate::books::currency::exact`]).
pub fn money(amount: rust_decimal::Decimal, currency: &str) -> String {
    let text = crate::books::currency::exact(amount, currency);
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    match unsigned.split_once('.') {
        Some((whole, fraction)) => format!("{sign}{}.{fraction}", group_digits(whole)),
        None => format!("{sign}{}", group_digits(unsigned)),
    }
}

/// Money where no column or heading names the currency: the amount and its code, "25.00 USD".
pub fn money_in(amount: rust_decimal::Decimal, currency: &str) -> String {
    if currency.is_empty() {
        money(amount, currency)
    } else {
        format!("{} {currency}", money(amount, currency))
    }
}

/// Greedy word wrap to `width` columns (at least one); words longer than a line are split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if line_len > 0 {
                lines.push(std::mem::take(&mut line));
                line_len = 0;
            }
            lines.push(word.drain(..width).collect());
        }
        let needed = if line_len == 0 {
            word.len()
        } else {
            line_len + 1 + word.len()
        };
        if needed > width && line_len > 0 {
            lines.push(std::mem::take(&mut line));
            line_len = 0;
        }
        if line_len > 0 {
            line.push(' ');
            line_len += 1;
        }
        line.extend(word.iter());
        line_len += word.len();
    }
    if line_len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn ago_reads_like_a_person() {
        let now = t("2026-11-25T12:00:00Z");
        assert_eq!(ago(None, now), "never");
        assert_eq!(ago(Some(t("2026-11-25T11:59:30Z")), now), "just now");
        assert_eq!(ago(Some(t("2026-11-25T11:55:00Z")), now), "5 min ago");
        assert_eq!(ago(Some(t("2026-11-25T09:00:00Z")), now), "3 h ago");
        assert_eq!(ago(Some(t("2026-11-23T12:00:00Z")), now), "2 days ago");
        assert!(ago(Some(t("2026-11-25T13:00:00Z")), now).contains("future"));
    }

    #[test]
    fn clock_is_relative_to_the_day() {
        let now = t("2026-11-25T12:00:00Z").fixed_offset();
        assert_eq!(clock(t("2026-11-25T10:42:00Z"), now), "today 10:42");
        assert_eq!(clock(t("2026-11-24T18:03:00Z"), now), "yesterday 18:03");
        assert_eq!(clock(t("2026-11-20T09:15:00Z"), now), "Nov 20 09:15");
        assert_eq!(clock(t("2025-11-20T09:15:00Z"), now), "2025-11-20");
    }

    #[test]
    fn numbers_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(chrono::Duration::milliseconds(850)), "850 ms");
        assert_eq!(duration(chrono::Duration::milliseconds(4_200)), "4.2 s");
        assert_eq!(duration(chrono::Duration::seconds(185)), "3 min 5 s");
    }

    #[test]
    fn wrap_breaks_on_words_and_splits_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn money_reads_like_money() {
        use rust_decimal::Decimal;
        assert_eq!(money(Decimal::new(311924, 2), "USD"), "3,119.24");
        assert_eq!(money(Decimal::new(-129, 0), "USD"), "-129.00");
        assert_eq!(money(Decimal::new(-1_234_567, 1), "USD"), "-123,456.70");
        assert_eq!(money(Decimal::new(5, 1), "USD"), "0.50");
        assert_eq!(money(Decimal::ZERO, "USD"), "0.00");
        assert_eq!(money(Decimal::new(150_000, 0), "JPY"), "150,000");
        assert_eq!(money(Decimal::new(1_234_125, 3), "USD"), "1,234.125");
        // Wider than a u64: still every digit, grouped.
        assert_eq!(
            money(
                Decimal::from_i128_with_scale(123_456_789_012_345_678_901_234, 2),
                "USD"
            ),
            "1,234,567,890,123,456,789,012.34"
        );
    }

    #[test]
    fn money_alone_on_a_line_says_its_currency() {
        use rust_decimal::Decimal;
        assert_eq!(money_in(Decimal::new(2500, 2), "USD"), "25.00 USD");
        assert_eq!(money_in(Decimal::new(150_000, 0), "JPY"), "150,000 JPY");
        assert_eq!(money_in(Decimal::new(2500, 2), ""), "25.00");
    }
}
