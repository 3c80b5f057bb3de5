//! The front ends' shared words for the core's views: an integration's status, the glance's
//! table, the SSH forwarding hint, what a Mindbody sign-out did. Only the CLI and the dashboard use
//! it; the core says things with [`crate::format`] and [`crate::text`].

use crate::engine::IntegrationView;
use chrono::{DateTime, Utc};

use crate::format::ago;
use crate::text::one_line;

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

/// Four columns as plain text, a line each: the first three padded to their widest cell (the
/// header's included), the last as it is.
fn columns(header: [&str; 4], rows: &[[String; 4]]) -> String {
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([header[col].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = String::new();
    for cells in std::iter::once(header.map(String::from)).chain(rows.iter().cloned()) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            cells[0], cells[1], cells[2], cells[3]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
                one_line(
                    v.error_message
                        .as_deref()
                        .or(v.attention.as_deref())
                        .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let mut out = columns(["PROVIDER", "STATUS", "LAST SYNC", "ERROR"], &rows);
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

/// What a bank account has left to reconcile, in words: "3 credits to reconcile, 4,210.55 USD,
/// oldest Nov 28"
/// or "all reconciled".
pub fn bank_to_reconcile(bank: &crate::api::BankStandingView) -> String {
    if bank.unreconciled == 0 {
        return "all reconciled".into();
    }
    format!(
        "{} credit{} to reconcile, {}{}",
        bank.unreconciled,
        if bank.unreconciled == 1 { "" } else { "s" },
        crate::format::money_in(bank.unreconciled_sum, &bank.currency),
        bank.unreconciled_oldest
            .map(|d| format!(", oldest {}", d.format("%b %-d")))
            .unwrap_or_default()
    )
}

/// "1 card sale", "12 card sales".
pub fn card_sales(count: u64) -> String {
    format!("{count} card sale{}", if count == 1 { "" } else { "s" })
}

/// The card sales a bank account waits for past the allowance, in words; None when none is late.
pub fn bank_overdue(bank: &crate::api::BankStandingView) -> Option<String> {
    let late = &bank.overdue;
    (late.count > 0).then(|| {
        format!(
            "{} ({}) in no deposit after {} business days{}",
            card_sales(late.count),
            crate::format::money_in(late.sum, &bank.currency),
            late.after_days,
            late.oldest
                .map(|d| format!(", oldest {}", d.format("%b %-d")))
                .unwrap_or_default()
        )
    })
}

/// What to do about late card sales: the statement may be old, or a deposit went missing.
pub fn bank_overdue_advice(
    bank: &crate::api::BankStandingView,
    front: crate::domain::FrontEnd,
) -> String {
    let through = bank
        .statement_through
        .map(|d| format!(" (the statement ends {d})"))
        .unwrap_or_default();
    match front {
        crate::domain::FrontEnd::CommandLine => format!(
            "import the latest statement{through} with `legion-hub import bank FILE --account {}`, or find the deposit with `legion-hub reconcile --account {}`",
            bank.account, bank.account
        ),
        crate::domain::FrontEnd::Dashboard => format!(
            "import the latest statement{through} or find the deposit on the Reconcile screen (5)"
        ),
    }
}

/// The bank accounts for the glance: a table, then what to do about late card sales. Empty when
/// no statement was ever imported.
pub fn bank_table(
    banks: &[crate::api::BankStandingView],
    front: crate::domain::FrontEnd,
) -> String {
    if banks.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 4]> = banks
        .iter()
        .map(|b| {
            [
                one_line(&b.name),
                b.statement_through
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                bank_to_reconcile(b),
                if b.overdue.count == 0 {
                    "none".into()
                } else {
                    format!(
                        "{} late, {}",
                        b.overdue.count,
                        crate::format::money_in(b.overdue.sum, &b.currency)
                    )
                },
            ]
        })
        .collect();
    let mut out = columns(
        ["BANK ACCOUNT", "STATEMENT TO", "CREDITS", "CARD SALES LATE"],
        &rows,
    );
    let notes: Vec<String> = banks
        .iter()
        .filter_map(|b| {
            bank_overdue(b).map(|late| {
                format!(
                    "{}: {late}: {}",
                    one_line(&b.name),
                    bank_overdue_advice(b, front)
                )
            })
        })
        .collect();
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes.join("\n"));
        out.push('\n');
    }
    out
}
