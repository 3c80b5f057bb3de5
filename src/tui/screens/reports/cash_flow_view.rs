//! The cash flow view of the Reports screen: what is expected in (the members' autopays) over
//! the next 30, 60 or 90 days beside what arrived over as many days before, week by week; the
//! same by payment method; and the autopays at risk (suspended or inactive), not counted on.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use rust_decimal::Decimal;

use crate::api::cashflow::{CashFlow, ContractsPlan};
use crate::format::{clock, counted, money, money_in};
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::theme::Theme;
use crate::tui::views::{pane_block, placeholder_pane};

use super::ReportsScreen;

/// Lines of figures above the weeks.
const SUMMARY_LINES: u16 = 2;
/// The least and most height of the panes under the weeks (by method, at risk).
const BOTTOM_MIN: u16 = 6;
const BOTTOM_MAX: u16 = 12;

/// The summary, the weeks, and the two panes under them (by method, at risk).
fn areas(size: Rect, flow: Option<&CashFlow>) -> (Rect, Rect, Rect, Rect) {
    let body = layout::transactions_area(size);
    let listed = flow.map_or(0, |f| f.methods.len().max(f.risks.len())) as u16;
    // The weeks come first: the panes under them take at most a third of a short terminal.
    let bottom = (listed + 3).clamp(
        BOTTOM_MIN,
        BOTTOM_MAX.min((body.height / 3).max(BOTTOM_MIN)),
    );
    // The weeks take what they need and the panes under them the rest, so a tall terminal
    // shows more of who is at risk rather than empty weeks.
    let room = body.height.saturating_sub(SUMMARY_LINES + bottom);
    let weeks = flow.map_or(room, |f| (f.weeks.len() as u16 + 3).min(room).max(5));
    let [summary, weeks, under] = Layout::vertical([
        Constraint::Length(SUMMARY_LINES),
        Constraint::Length(weeks),
        Constraint::Fill(1),
    ])
    .areas(body);
    let [methods, risks] =
        Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(58)]).areas(under);
    (summary, weeks, methods, risks)
}

/// Weeks on show at a time.
pub fn week_rows(cx: &Context) -> usize {
    usize::from(areas(cx.size, None).1.height.saturating_sub(3))
}

/// An amount in a column, "-" for nothing.
fn figure(amount: Decimal, currency: &str, theme: &Theme) -> Cell<'static> {
    if amount.is_zero() {
        Cell::from(Line::from("-").right_aligned()).style(theme.dim())
    } else {
        Cell::from(Line::from(money(amount, currency)).right_aligned())
    }
}

pub fn draw(frame: &mut Frame, screen: &ReportsScreen, cx: &Context) {
    let cash = &screen.cash;
    let title = format!(" Cash flow · next {} days ", cash.days());
    let Some(flow) = &cash.flow else {
        let text = cash.error.clone().unwrap_or_else(|| "Loading…".into());
        placeholder_pane(frame, &title, text, layout::transactions_area(cx.size), cx);
        return;
    };
    let (summary, weeks, methods, risks) = areas(cx.size, Some(flow));
    draw_summary(frame, flow, cx, summary);
    draw_weeks(frame, screen, flow, cx, weeks);
    draw_methods(frame, flow, cx, methods);
    draw_risks(frame, flow, cx, risks);
}

fn draw_summary(frame: &mut Frame, flow: &CashFlow, cx: &Context, area: Rect) {
    let theme = &cx.theme;
    let currency = flow.currency.as_str();
    let mut expected = vec![Span::raw(if flow.contracts_read_at.is_none() {
        // Nothing is expected because nothing was read, not because nothing is due.
        " Nothing expected yet: the members' contracts have not been read".to_string()
    } else {
        format!(
            " Expected {} from {} by {}",
            money_in(flow.expected, currency),
            counted(flow.expected_autopays, "autopay", "autopays"),
            flow.until.format("%b %-d")
        )
    })];
    if !flow.at_risk.is_zero() {
        expected.push(Span::styled(
            format!(" · {} at risk", money(flow.at_risk, currency)),
            theme.warning(),
        ));
    }
    let arrived = Line::from(format!(
        " Arrived since {}: sales {} · deposits matched {}",
        flow.since.format("%b %-d"),
        money(flow.sales, currency),
        money(flow.deposits, currency)
    ));
    frame.render_widget(Paragraph::new(vec![Line::from(expected), arrived]), area);
}

/// Whether the contracts behind the expected autopays were read, and when; or what reading
/// them would cost.
fn contracts_said(flow: &CashFlow, plan: Option<&ContractsPlan>, cx: &Context) -> Span<'static> {
    let theme = &cx.theme;
    match (flow.contracts_read_at, plan) {
        (Some(at), _) => Span::styled(
            format!("contracts read {} ", clock(at, cx.now)),
            theme.dim(),
        ),
        (None, Some(plan)) if plan.clients_due > 0 => Span::styled(
            format!(
                "contracts never read: r reads them ({}) ",
                counted(plan.calls_now(), "call", "calls")
            ),
            theme.warning(),
        ),
        (None, _) => Span::styled("no member has a contract to read ", theme.dim()),
    }
}

fn draw_weeks(
    frame: &mut Frame,
    screen: &ReportsScreen,
    flow: &CashFlow,
    cx: &Context,
    area: Rect,
) {
    let theme = &cx.theme;
    let cash = &screen.cash;
    let currency = flow.currency.as_str();
    let mut title = vec![Span::raw(format!(
        " Cash flow · {} days · {} · ",
        flow.days, flow.currency
    ))];
    if cash.reading {
        title.push(Span::styled("reading contracts… ", theme.warning()));
    } else {
        title.push(contracts_said(flow, cash.plan.as_ref(), cx));
    }
    let visible = usize::from(area.height.saturating_sub(3));
    let is_this_week = |start: chrono::NaiveDate| {
        start <= flow.today && flow.today < start + chrono::Duration::days(7)
    };
    let rows: Vec<Row> = flow
        .weeks
        .iter()
        .skip(cash.top)
        .take(visible)
        .map(|week| {
            let label = if is_this_week(week.start) {
                format!("▸ {}", week.start.format("%b %-d"))
            } else {
                format!("  {}", week.start.format("%b %-d"))
            };
            let row = Row::new([
                Cell::from(label),
                figure(week.sales, currency, theme),
                figure(week.deposits, currency, theme),
                figure(week.expected, currency, theme),
                Cell::from(
                    Line::from(if week.autopays == 0 {
                        String::new()
                    } else {
                        week.autopays.to_string()
                    })
                    .right_aligned(),
                ),
                figure(week.at_risk, currency, theme).style(if week.at_risk.is_zero() {
                    theme.dim()
                } else {
                    theme.warning()
                }),
            ]);
            if is_this_week(week.start) {
                row.style(theme.key())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new([
            Cell::from("WEEK OF"),
            Cell::from(Line::from("SALES").right_aligned()),
            Cell::from(Line::from("DEPOSITS").right_aligned()),
            Cell::from(Line::from("EXPECTED").right_aligned()),
            Cell::from(Line::from("AUTOPAYS").right_aligned()),
            Cell::from(Line::from("AT RISK").right_aligned()),
        ])
        .style(theme.header()),
    )
    .column_spacing(1)
    .row_highlight_style(theme.selected(true))
    .block(pane_block(Line::from(title), cx.uncovered(), theme));
    let mut state =
        TableState::default().with_selected(cash.selected.map(|s| s.saturating_sub(cash.top)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_methods(frame: &mut Frame, flow: &CashFlow, cx: &Context, area: Rect) {
    let theme = &cx.theme;
    let currency = flow.currency.as_str();
    let rows: Vec<Row> = flow
        .methods
        .iter()
        .map(|m| {
            Row::new([
                Cell::from(crate::text::one_line(&m.method)),
                figure(m.sales, currency, theme),
                figure(m.expected, currency, theme),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(12),
            Constraint::Length(12),
        ],
    )
    .header(
        Row::new([
            Cell::from("METHOD"),
            Cell::from(Line::from("ARRIVED").right_aligned()),
            Cell::from(Line::from("EXPECTED").right_aligned()),
        ])
        .style(theme.header()),
    )
    .column_spacing(1)
    .block(pane_block(" By payment method ", false, theme));
    frame.render_widget(table, area);
}

fn draw_risks(frame: &mut Frame, flow: &CashFlow, cx: &Context, area: Rect) {
    let theme = &cx.theme;
    let block = pane_block(
        format!(
            " At risk · {}, not counted ",
            money_in(flow.at_risk, &flow.currency)
        ),
        false,
        theme,
    );
    if flow.risks.is_empty() {
        frame.render_widget(
            Paragraph::new("No autopay is suspended or inactive.")
                .style(theme.dim())
                .block(block),
            area,
        );
        return;
    }
    let rows: Vec<Row> = flow
        .risks
        .iter()
        .map(|risk| {
            let who = risk.name.as_deref().unwrap_or(&risk.client);
            Row::new([
                Cell::from(risk.next_date.format("%b %-d").to_string()),
                Cell::from(Line::from(money(risk.amount, &flow.currency)).right_aligned()),
                Cell::from(crate::text::one_line(&risk.status)).style(theme.warning()),
                Cell::from(crate::text::one_line(&format!(
                    "{who} · {}",
                    risk.contract_name
                ))),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
    )
    .column_spacing(1)
    .style(Style::default())
    .block(block);
    frame.render_widget(table, area);
}
