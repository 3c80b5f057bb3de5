//! Turning values into the words people read, the same way in the CLI and the dashboard.

use chrono::{DateTime, Datelike, FixedOffset, Utc};

use crate::engine::IntegrationView;

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

/// An integration's status in words, as the table, the detail and the glance show it. Signed
/// out while webhooks still bring sales in is said as such: "disconnected" there reads as if
/// nothing arrived.
pub fn status_words(view: &IntegrationView) -> &'static str {
    status_words_within(view, usize::MAX)
}

/// The status in at most `room` columns where it can be said shorter ("not signed in"; the
/// detail beside it says the rest).
pub fn status_words_within(view: &IntegrationView, room: usize) -> &'static str {
    match view.status {
        crate::domain::Status::Disconnected if view.receiving_webhooks() => {
            const WHOLE: &str = "not signed in · receiving webhooks";
            if WHOLE.chars().count() <= room {
                WHOLE
            } else {
                "not signed in"
            }
        }
        status => status.label(),
    }
}

/// The status glance as a plain-text table, with a line per integration that needs attention.
/// Shared by `legion-hub status` and the dashboard's `:status`.
pub fn status_table(
    views: &[IntegrationView],
    now: DateTime<Utc>,
    front: crate::domain::FrontEnd,
) -> String {
    let rows: Vec<[String; 4]> = views
        .iter()
        .map(|v| {
            [
                v.name.clone(),
                format!("{} {}", v.status.symbol(), status_words(v)),
                match (v.available, v.freshness) {
                    (false, _) => "-".into(),
                    (true, Some(crate::engine::Freshness::Delayed)) => {
                        format!("{} (delayed)", ago(v.last_sync_at, now))
                    }
                    (true, Some(crate::engine::Freshness::OnTime)) => {
                        format!("{} (on time)", ago(v.last_sync_at, now))
                    }
                    (true, None) => ago(v.last_sync_at, now),
                },
                v.error_message
                    .clone()
                    .or_else(|| v.attention.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["PROVIDER", "STATUS", "LAST SYNC", "ERROR"];
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([header[col].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let line = |cells: [&str; 4]| {
        format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            one_line(cells[3]),
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        )
        .trim_end()
        .to_string()
    };
    let mut out = line(header);
    out.push('\n');
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
        out.push('\n');
    }
    let mut notes = Vec::new();
    for v in views {
        if let (true, Some(reason)) = (v.error_message.is_some(), &v.attention) {
            notes.push(format!("{}: {reason}", v.name));
        }
        if v.needs_attention()
            && let Some(advice) = v.advice(front)
        {
            notes.push(format!("{}: {advice}", v.name));
        }
        for warning in &v.warnings {
            notes.push(format!("{}: warning: {}", v.name, warning));
        }
    }
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes.join("\n"));
        out.push('\n');
    }
    out
}

/// Keeps a message on one line and strips control characters, so text from outside (an API's
/// error message) cannot move the cursor or change colours.
pub fn one_line(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// Text from outside (a model's reply) made safe to print: control characters other than
/// newline become visible symbols (ESC as ␛), so nothing can move the cursor, recolour the
/// screen or set the clipboard. Tabs become spaces.
pub fn escape_controls(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => c,
            '\t' => ' ',
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

/// Money as people read it on a screen: the exact amount with its currency's minor digits,
/// thousands grouped: "3,119.24", "-129.00", "150,000" yen, "3.125" (never rounded away).
/// `transactions --json` writes the same amount ungrouped ([`crate::finance::currency::exact`]).
pub fn money(amount: rust_decimal::Decimal, currency: &str) -> String {
    let text = crate::finance::currency::exact(amount, currency);
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

/// Text made safe to put in an HTML page.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Over SSH the browser runs on the user's machine: every loopback port it must reach here (the
/// listener for the redirect; the sign-in page itself when it is served here, as the demo's
/// sandbox is) needs forwarding.
pub fn ssh_forward(sign_in: &crate::oauth::flow::SignIn) -> Option<String> {
    let page_port = url::Url::parse(&sign_in.url).ok().and_then(|url| {
        let loopback = match url.host()? {
            url::Host::Domain(name) => name == "localhost",
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        loopback.then(|| url.port_or_known_default()).flatten()
    });
    let mut ports: Vec<u16> = sign_in
        .listening_port
        .into_iter()
        .chain(page_port)
        .collect();
    ports.dedup();
    if ports.is_empty() {
        return None;
    }
    let forwards: Vec<String> = ports
        .iter()
        .map(|port| format!("-L {port}:localhost:{port}"))
        .collect();
    let what = match (sign_in.listening_port, page_port) {
        (Some(_), Some(_)) => ", forward the listener and the sign-in page",
        (None, Some(_)) => ", forward the sign-in page",
        _ => "",
    };
    Some(format!(
        "Over SSH{what}: ssh {} to this machine.",
        forwards.join(" ")
    ))
}

/// What disconnecting Mindbody forgets, and what it keeps: asked before, said after.
pub const MINDBODY_FORGETS: &str = "the sign-in (access and refresh tokens)";
pub const MINDBODY_KEEPS: [&str; 5] = [
    "settings (site id, client id, redirect URI)",
    "API key and client secret",
    "category mappings",
    "sync history",
    "transactions",
];

/// What a Mindbody disconnect did: "revoked at Mindbody" only when Mindbody confirmed it.
pub fn mindbody_disconnected(revocation: &crate::oauth::Revocation) -> String {
    use crate::oauth::Revocation;
    let kept = "settings, keys, mappings, history and transactions kept";
    match revocation {
        Revocation::Revoked => {
            format!(
                "Mindbody disconnected: the sign-in was revoked at Mindbody and forgotten here; {kept}."
            )
        }
        Revocation::NotConfirmed { reason } => format!(
            "Mindbody disconnected: the sign-in is forgotten here; Mindbody did not confirm the revocation ({}): revoke the app in Mindbody's site settings. {kept}.",
            one_line(reason)
        ),
        Revocation::NothingToRevoke => {
            format!("Mindbody was not signed in: nothing to revoke; {kept}.")
        }
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
    fn escape_controls_keeps_newlines_and_shows_the_rest() {
        assert_eq!(
            escape_controls("a\x1b[2Jb\nc\td\u{9b}"),
            "a\u{241b}[2Jb\nc d\u{fffd}"
        );
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

    #[test]
    fn one_line_strips_escapes() {
        assert_eq!(one_line("a\x1b[2J\nb\tc"), "a[2J b c");
    }
}
