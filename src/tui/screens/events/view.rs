//! The webhook events screen: the counts and where deliveries come in on one line, the rejected
//! attempts (their rate, how many are kept, the latest) on the next, then the deliveries, newest
//! first (only the rows on screen are read).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::api::WebhookState;
use crate::api::{Status, SyncStatus};
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::theme::Theme;
use crate::tui::views::pane_block;

use super::EventsScreen;

/// Draws the counts and the deliveries below the title line.
pub fn draw(frame: &mut Frame, screen: &EventsScreen, cx: &Context) {
    let theme = &cx.theme;
    let size = cx.size;
    let body = layout::transactions_area(size);
    frame.render_widget(
        Paragraph::new(counts_line(screen, theme)),
        Rect { height: 1, ..body },
    );
    if body.height > 1 {
        frame.render_widget(
            Paragraph::new(rejections_line(screen, cx, body.width)),
            Rect {
                y: body.y + 1,
                height: 1,
                ..body
            },
        );
    }
    let area = layout::events_area(size);
    let list = &screen.list;
    let mut block = pane_block(
        format!(
            " Webhook events · {} ",
            crate::format::thousands(list.total)
        ),
        cx.uncovered(),
        theme,
    );
    // Where deliveries come in sits on the frame, so the counts line fits 80 columns.
    if let Some(receiving) = receiving_here(screen, theme) {
        block = block.title_top(receiving.right_aligned());
    }
    if list.total == 0 {
        let text = if list.window.is_none() {
            "Loading…"
        } else if screen
            .summary
            .as_ref()
            .is_some_and(|s| s.subscription.is_some())
        {
            "No deliveries yet: sales made in Mindbody appear here the moment it posts them."
        } else {
            "No webhook subscription: `legion-hub webhooks subscribe --url https://…/webhooks/mindbody`, with `legion-hub serve` behind your TLS proxy."
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim())
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
    } else {
        let visible = usize::from(area.height.saturating_sub(3));
        let today = cx.now.date_naive();
        let rows: Vec<Row> = (list.top..list.total)
            .take(visible)
            .map(|i| match list.row(i) {
                Some(row) => {
                    let at = row.at.with_timezone(&cx.now.timezone());
                    let when = if at.date_naive() == today {
                        at.format("%H:%M:%S").to_string()
                    } else {
                        at.format("%d %b %H:%M").to_string()
                    };
                    let (state, style) = match (row.state, row.kind.as_str()) {
                        (Some(state), _) => (
                            state.label(),
                            match state {
                                WebhookState::Processed => theme.sync_status(SyncStatus::Completed),
                                WebhookState::Failed => theme.error(),
                                WebhookState::Pending => theme.warning(),
                                WebhookState::Ignored => theme.dim(),
                            },
                        ),
                        (None, "rejected") => ("rejected", theme.status(Status::Error)),
                        (None, _) => ("duplicate", theme.dim()),
                    };
                    Row::new(vec![
                        Cell::from(when),
                        Cell::from(crate::text::escape_controls(&row.event_type)),
                        Cell::from(state).style(style),
                        Cell::from(crate::text::escape_controls(&row.detail)),
                    ])
                }
                None => Row::new([Cell::from("…")]),
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Length(18),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
        )
        .header(Row::new(["TIME", "EVENT", "STATE", "DETAIL"]).style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected(true))
        .block(block);
        crate::tui::views::render_paged(frame, area, table, list, visible);
    }
}

/// "18 received · 18 processed · 0 failed · 0 pending · 4 duplicates · 3 rejected"
fn counts_line<'a>(screen: &EventsScreen, theme: &Theme) -> Line<'a> {
    let Some(summary) = &screen.summary else {
        return Line::from(Span::styled(" …", theme.dim()));
    };
    let c = &summary.counts;
    let n = crate::format::thousands;
    let spans = vec![
        Span::raw(format!(
            " {} received · {} processed · ",
            n(c.received),
            n(c.processed)
        )),
        count("failed", c.failed, theme.error(), theme),
        Span::raw(format!(
            " · {} pending · {} duplicates · ",
            n(summary.pending),
            n(c.duplicates)
        )),
        count("rejected", c.rejected, theme.warning(), theme),
    ];
    Line::from(spans)
}

/// "3 failed": in `loud` when there are some, dim when none.
fn count<'a>(what: &str, n: u64, loud: ratatui::style::Style, theme: &Theme) -> Span<'a> {
    let style = if n > 0 { loud } else { theme.dim() };
    Span::styled(format!("{} {what}", crate::format::thousands(n)), style)
}

/// " Rejected: 312 last minute · 2,664 last hour · 1,000 most recent kept of 2,664 · ...": as
/// many of its parts as fit, most telling first, so 80 columns still show the rate.
fn rejections_line<'a>(screen: &EventsScreen, cx: &Context, width: u16) -> Line<'a> {
    let theme = &cx.theme;
    let Some(summary) = &screen.summary else {
        return Line::default();
    };
    let r = &summary.rejections;
    if r.total == 0 {
        return Line::styled(" No rejected attempts.", theme.dim());
    }
    let n = crate::format::thousands;
    let mut parts = vec![
        format!(
            " Rejected: {} last minute · {} last hour",
            n(r.last_minute),
            n(r.last_hour)
        ),
        format!("{} most recent kept of {}", n(r.kept), n(r.total)),
    ];
    if r.throttled > 0 {
        parts.push(format!("{} answered 429", n(r.throttled)));
    }
    if let Some(last) = r.recent.first() {
        let at = last.at.with_timezone(&cx.now.timezone());
        let from = last
            .peer
            .as_deref()
            .map(|p| format!(" from {}", crate::text::escape_controls(p)))
            .unwrap_or_default();
        parts.push(format!(
            "last {}: {}{from}",
            at.format("%H:%M:%S"),
            last.reason.label()
        ));
    }
    let mut text = String::new();
    for part in parts {
        let joined = if text.is_empty() {
            part
        } else {
            format!("{text} · {part}")
        };
        if !text.is_empty() && joined.chars().count() > usize::from(width) {
            break;
        }
        text = joined;
    }
    let style = if r.last_minute > 0 {
        theme.warning()
    } else {
        theme.dim()
    };
    Line::styled(text, style)
}

/// " on http://127.0.0.1:8787/webhooks/mindbody ", or a warning when a subscription points at
/// a receiver that is not this process.
fn receiving_here<'a>(screen: &EventsScreen, theme: &Theme) -> Option<Line<'a>> {
    let summary = screen.summary.as_ref()?;
    match (&summary.listening_on, &summary.subscription) {
        (Some(addr), _) => Some(Line::styled(format!(" on {addr} "), theme.dim())),
        (None, Some(_)) => Some(Line::styled(
            " not receiving here: run `legion-hub serve` ",
            theme.warning(),
        )),
        (None, None) => None,
    }
}
