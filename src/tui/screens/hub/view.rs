//! The integrations table: provider, status, last sync, error; and under it the Postgres
//! mirror's line, when one is set up, and a line per bank account: what waits to reconcile, and
//! card sales late to the bank.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::api::IntegrationView;
use crate::present;
use crate::tui::screens::context::{Context, Covered};

use super::{HubScreen, Pane};
use crate::tui::views::pane_block;

const PROVIDER_WIDTH: usize = 10;
/// A chain's site ("Mindbody · site 5567") widens the name column up to this.
const MOST_NAME_WIDTH: usize = 22;
/// "yesterday 16:13 ⚠ late".
const LAST_SYNC_WIDTH: usize = 19;
const ERROR_LEAST: usize = 10;

pub fn draw(frame: &mut Frame, area: Rect, hub: &HubScreen, cx: &Context) {
    let theme = &cx.theme;
    let focused = hub.focus == Pane::Integrations && cx.covered != Covered::Yes;
    let filter = hub.filter.as_str();
    let title = if filter.is_empty() {
        Line::from(" Integrations ")
    } else {
        Line::from(vec![
            Span::raw(" Integrations "),
            Span::styled(format!("/{filter} "), theme.key()),
        ])
    };
    let block = pane_block(title, focused, theme);
    let visible = hub.visible();
    if visible.is_empty() {
        let text = format!("No integration matches /{filter}. Esc clears the filter.");
        frame.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }
    let name_width = visible
        .iter()
        .map(|v| v.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(PROVIDER_WIDTH, MOST_NAME_WIDTH);
    // The status column grows for the longest status ("○ not signed in · receiving webhooks")
    // while the last sync and a little of the error keep their room.
    let room = usize::from(area.width.saturating_sub(2))
        .saturating_sub(name_width + LAST_SYNC_WIDTH + ERROR_LEAST + 3 + 2);
    let status = |v: &IntegrationView| {
        format!(
            "{} {}",
            v.status.symbol(),
            present::status_words_within(v, room)
        )
    };
    let status_width = visible
        .iter()
        .map(|v| status(v).chars().count())
        .max()
        .unwrap_or(0)
        .max(15) as u16;
    let rows = visible.iter().map(|v| {
        let last_sync = match (v.available, v.last_sync_at) {
            (false, _) => "-".to_string(),
            (true, None) => "never".to_string(),
            (true, Some(t)) => crate::format::clock(t, cx.now),
        };
        let last_sync = match v.freshness {
            Some(crate::api::Freshness::Delayed) => format!("{last_sync} ⚠ late"),
            _ => last_sync,
        };
        Row::new(vec![
            Cell::from(v.name.clone()),
            Cell::from(status(v)).style(theme.status(v.status)),
            Cell::from(last_sync),
            // An overdue schedule needs a look too, though nothing failed.
            Cell::from(crate::text::one_line(
                v.error_message
                    .as_deref()
                    .or(v.attention.as_deref())
                    .unwrap_or(""),
            ))
            .style(theme.error()),
        ])
    });
    let header = Row::new(["PROVIDER", "STATUS", "LAST SYNC", "ERROR"]).style(theme.header());
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_width as u16),
            Constraint::Length(status_width),
            Constraint::Length(LAST_SYNC_WIDTH as u16),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .column_spacing(1)
    .row_highlight_style(theme.selected(focused));
    // The table where a bordered one would have its rows (clicks find them there), the bank
    // accounts under it, inside the same border.
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = hub
        .mirror
        .iter()
        .filter_map(|m| mirror_line(m, cx))
        .collect();
    lines.extend(bank_lines(&hub.banks, cx));
    let banks_height = (lines.len() as u16).min(inner.height.saturating_sub(2));
    // Right under the last integration, where a tall pane has room to spare.
    let rows_height = (visible.len() as u16 + 1).min(inner.height.saturating_sub(banks_height));
    let [rows_area, banks_area, _] = ratatui::layout::Layout::vertical([
        Constraint::Length(rows_height),
        Constraint::Length(banks_height),
        Constraint::Min(0),
    ])
    .areas(inner);
    let mut state = TableState::default().with_selected(Some(hub.selected));
    frame.render_stateful_widget(table, rows_area, &mut state);
    frame.render_widget(Paragraph::new(lines), banks_area);
}

/// "Mirror     connected, up to date, last sent today 10:42 → db.example.com:5432/legion", in
/// the warning colour while it cannot reach Postgres: how it stands first, where a narrow
/// terminal does not cut it off (the error names the server too).
fn mirror_line<'a>(mirror: &crate::api::mirror::MirrorStatus, cx: &Context) -> Option<Line<'a>> {
    let standing = mirror.standing(cx.now.to_utc(), |sent| crate::format::clock(sent, cx.now))?;
    let style = if mirror.needs_attention() {
        cx.theme.warning()
    } else {
        ratatui::style::Style::default()
    };
    Some(Line::from(vec![
        Span::styled(
            format!("{:width$} ", "Mirror", width = PROVIDER_WIDTH),
            cx.theme.dim(),
        ),
        Span::styled(format!("{standing} → {}", mirror.target()), style),
    ]))
}

/// A line per bank account, those with late card sales first; past the room for them, how many
/// more (`:status` lists every one).
fn bank_lines<'a>(banks: &[crate::api::BankStandingView], cx: &Context) -> Vec<Line<'a>> {
    let mut ordered: Vec<&crate::api::BankStandingView> = banks.iter().collect();
    ordered.sort_by_key(|b| !b.needs_attention());
    let room = crate::tui::layout::MOST_BANK_LINES;
    let shown = if ordered.len() > room { room - 1 } else { room };
    let mut lines: Vec<Line> = ordered
        .iter()
        .take(shown)
        .map(|bank| bank_line(bank, cx))
        .collect();
    if ordered.len() > shown {
        let late = ordered[shown..]
            .iter()
            .filter(|b| b.needs_attention())
            .count();
        lines.push(Line::styled(
            format!(
                "{:width$} +{} more{} (:status lists them)",
                "Bank",
                ordered.len() - shown,
                if late > 0 {
                    format!(", {late} with card sales late")
                } else {
                    String::new()
                },
                width = PROVIDER_WIDTH
            ),
            cx.theme.dim(),
        ));
    }
    lines
}

/// "Bank Studio checking: ⚠ 12 card sales late · 3 credits to reconcile, 4,210.55 USD, …": the
/// warning first, where a narrow terminal does not cut it off.
fn bank_line<'a>(bank: &crate::api::BankStandingView, cx: &Context) -> Line<'a> {
    let theme = &cx.theme;
    let mut spans = vec![
        Span::styled(
            format!("{:width$} ", "Bank", width = PROVIDER_WIDTH),
            theme.dim(),
        ),
        Span::raw(format!("{}: ", crate::text::one_line(&bank.name))),
    ];
    if bank.needs_attention() {
        spans.push(Span::styled(
            format!("⚠ {} late · ", present::card_sales(bank.overdue.count)),
            theme.warning(),
        ));
    }
    spans.push(Span::raw(present::bank_to_reconcile(bank)));
    Line::from(spans)
}
