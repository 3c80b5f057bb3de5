//! The revenue view of the Reports screen: the twelve months by group (top), the months as bars and the month on
//! show against the month before and a year earlier, with its days as a sparkline (bottom); or,
//! after Enter, the transactions behind the selected row's month.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Cell, Paragraph, Row, Sparkline, Table, TableState};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::api::reports::{Amounts, RevenueOverview};
use crate::format::money;
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::views::{pane_block, placeholder_pane};

use super::{Drill, ReportsScreen};

/// The bottom panes' least height: the bars, and the month's figures with its sparkline. They
/// take whatever the table's rows leave.
const CHARTS_MIN: u16 = 9;
/// The comparison pane's width: a label and three months of figures, borders included.
const COMPARE_WIDTH: u16 = 46;

/// "Nov 2026".
pub fn month_words(month: NaiveDate) -> String {
    month.format("%b %Y").to_string()
}

/// The table (groups by month) and the two chart panes under it, for a body with `rows` groups:
/// the table takes what its rows need, the charts the rest (at least [`CHARTS_MIN`]).
fn areas(size: Rect, rows: usize) -> (Rect, Rect, Rect) {
    let body = layout::transactions_area(size);
    // Borders, header and the total line.
    let table_wants = rows as u16 + 4;
    let charts = body
        .height
        .saturating_sub(table_wants)
        .max(CHARTS_MIN)
        .min(body.height);
    let [table, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(charts)]).areas(body);
    let compare = COMPARE_WIDTH.min(bottom.width / 2 + 6);
    let [bars, figures] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(compare)]).areas(bottom);
    (table, bars, figures)
}

/// Groups on show in the table at a time.
pub fn overview_rows(cx: &Context, rows: usize) -> usize {
    usize::from(areas(cx.size, rows).0.height.saturating_sub(4))
}

/// Transactions on show at a time in a cell's list.
pub fn drill_rows(cx: &Context) -> usize {
    usize::from(layout::transactions_area(cx.size).height.saturating_sub(3))
}

pub fn draw(frame: &mut Frame, screen: &ReportsScreen, cx: &Context) {
    if let Some(drill) = &screen.drill {
        draw_drill(frame, drill, cx);
        return;
    }
    let month = month_words(screen.month_on_show(cx));
    let Some(overview) = &screen.overview else {
        let text = match &screen.error {
            Some(error) => error.clone(),
            None => "Loading…".to_string(),
        };
        let title = format!(" Revenue by {} · {month} ", screen.by.name());
        placeholder_pane(frame, &title, text, layout::transactions_area(cx.size), cx);
        return;
    };
    let (table_area, bars_area, figures_area) = areas(cx.size, overview.rows.len());
    draw_table(frame, screen, overview, cx, table_area);
    draw_bars(frame, overview, cx, bars_area);
    draw_figures(frame, overview, cx, figures_area);
}

fn title_of(screen: &ReportsScreen, overview: &RevenueOverview, cx: &Context) -> Line<'static> {
    let mut title = vec![Span::raw(format!(
        " Revenue by {} · {} · {} ",
        overview.by.name(),
        month_words(overview.month),
        overview.currency
    ))];
    if !overview.other_currencies.is_empty() {
        title.push(Span::styled(
            format!(
                "{} sales not counted here ",
                overview.other_currencies.join(", ")
            ),
            cx.theme.warning(),
        ));
    }
    if screen.loading {
        title.push(Span::styled("reading… ", cx.theme.dim()));
    }
    Line::from(title)
}

fn draw_table(
    frame: &mut Frame,
    screen: &ReportsScreen,
    overview: &RevenueOverview,
    cx: &Context,
    area: Rect,
) {
    let theme = &cx.theme;
    let block = pane_block(title_of(screen, overview, cx), cx.uncovered(), theme);
    if overview.rows.is_empty() {
        let text = format!(
            "No sales in the twelve months to {}. Sync Mindbody from the hub (1, then s), or see the month before with ←.",
            month_words(overview.month)
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim())
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let currency = overview.currency.as_str();
    let shown = |amounts: &Amounts| money(amounts.net, currency);
    // Every figure as wide as the widest, so the columns line up whatever the studio's size.
    let width = overview
        .rows
        .iter()
        .flat_map(|r| r.months.iter().chain([&r.total]))
        .chain(overview.month_totals.iter().chain([&overview.total]))
        .map(|a| shown(a).chars().count())
        .max()
        .unwrap_or(0)
        .max(8) as u16;
    let label_width = overview
        .rows
        .iter()
        .map(|r| r.label.chars().count() + if r.parent.is_some() { 2 } else { 0 })
        .max()
        .unwrap_or(0)
        .clamp(10, 26) as u16;
    // The months that fit, the month on show last; then the twelve months' total.
    let room = area.width.saturating_sub(2 + label_width + 1 + width + 1);
    let fit = usize::from(room / (width + 1)).clamp(1, overview.months.len().max(1));
    let first = overview.months.len().saturating_sub(fit);
    let months = &overview.months[first..];

    let right = |text: String| Cell::from(Line::from(text).right_aligned());
    let mut header = vec![Cell::from("")];
    for (i, month) in months.iter().enumerate() {
        let cell = right(month.format("%b %Y").to_string());
        header.push(if i + 1 == months.len() {
            cell.style(theme.key())
        } else {
            cell
        });
    }
    header.push(right(format!("{} MO", overview.months.len())));

    let visible = usize::from(area.height.saturating_sub(4));
    let mut rows: Vec<Row> = overview
        .rows
        .iter()
        .skip(screen.top)
        .take(visible)
        .map(|row| {
            let label = match row.parent {
                Some(_) => format!("  {}", crate::text::one_line(&row.label)),
                None => crate::text::one_line(&row.label),
            };
            let mut cells = vec![Cell::from(label)];
            cells.extend(row.months[first.min(row.months.len())..].iter().map(|a| {
                let cell = right(shown(a));
                if a.net.is_sign_negative() {
                    cell.style(theme.error())
                } else {
                    cell
                }
            }));
            cells.push(right(shown(&row.total)));
            let row_style = if row.parent.is_some() {
                theme.dim()
            } else {
                ratatui::style::Style::default()
            };
            Row::new(cells).style(row_style)
        })
        .collect();
    let mut total = vec![Cell::from("Total")];
    total.extend(
        overview.month_totals[first.min(overview.month_totals.len())..]
            .iter()
            .map(|a| right(shown(a))),
    );
    total.push(right(shown(&overview.total)));
    rows.push(Row::new(total).style(theme.header()));

    let mut widths = vec![Constraint::Min(label_width)];
    widths.extend(std::iter::repeat_n(
        Constraint::Length(width),
        months.len() + 1,
    ));
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected(true))
        .block(block);
    let mut state =
        TableState::default().with_selected(Some(screen.selected.saturating_sub(screen.top)));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Whole units of a net amount for a bar (a month that lost money draws no bar).
fn bar_height(amount: Decimal) -> u64 {
    if amount <= Decimal::ZERO {
        // A zero can carry a sign (0 - 0 is "-0"), which `to_u64` refuses.
        return 0;
    }
    amount.trunc().to_u64().unwrap_or(u64::MAX)
}

/// A bar's figure in a few characters: "840", "12.3k", "1.2M".
fn compact(amount: Decimal) -> String {
    let units = amount.trunc().to_i64().unwrap_or(0);
    let abs = units.unsigned_abs();
    match abs {
        0..1_000 => units.to_string(),
        1_000..1_000_000 => format!("{:.1}k", units as f64 / 1_000.0),
        _ => format!("{:.1}M", units as f64 / 1_000_000.0),
    }
}

fn draw_bars(frame: &mut Frame, overview: &RevenueOverview, cx: &Context, area: Rect) {
    let theme = &cx.theme;
    let count = overview.month_totals.len().max(1) as u16;
    // Each bar with a gap of one, as wide as the pane allows.
    let bar_width = (area.width.saturating_sub(2) / count)
        .saturating_sub(1)
        .max(1);
    let last = overview.months.len().saturating_sub(1);
    let bars: Vec<Bar> = overview
        .months
        .iter()
        .zip(&overview.month_totals)
        .enumerate()
        .map(|(i, (month, amounts))| {
            let name = month.format("%b").to_string();
            let label = if bar_width >= 3 {
                name
            } else {
                name.chars().take(usize::from(bar_width)).collect()
            };
            let figure = if bar_width >= 5 {
                compact(amounts.net)
            } else {
                String::new()
            };
            let bar = Bar::default()
                .value(bar_height(amounts.net))
                .label(Line::from(label))
                .text_value(figure);
            if i == last {
                bar.style(theme.key())
            } else {
                bar.style(theme.dim())
            }
        })
        .collect();
    let chart = BarChart::vertical(bars)
        .bar_width(bar_width)
        .bar_gap(1)
        .block(pane_block(
            format!(" Net by month · {} ", overview.currency),
            false,
            theme,
        ));
    frame.render_widget(chart, area);
}

/// "+12.5%", "-3.0%", or "new" against nothing.
fn change(now: Decimal, before: Decimal) -> String {
    if before.is_zero() {
        return if now.is_zero() {
            "-".into()
        } else {
            "new".into()
        };
    }
    let percent = ((now - before) / before.abs() * Decimal::ONE_HUNDRED).round_dp(1);
    if percent.is_sign_negative() {
        format!("{percent}%")
    } else {
        format!("+{percent}%")
    }
}

fn draw_figures(frame: &mut Frame, overview: &RevenueOverview, cx: &Context, area: Rect) {
    let theme = &cx.theme;
    let currency = overview.currency.as_str();
    let month = overview.month;
    let before = super::state::months_after(month, -1);
    let year_ago = super::state::months_after(month, -12);
    let columns = [
        (month, &overview.this_month),
        (before, &overview.last_month),
        (year_ago, &overview.same_month_last_year),
    ];
    let cell_width = 11;
    let figure_line = |label: &str, value: fn(&Amounts) -> Decimal, negate: bool| {
        let mut spans = vec![Span::raw(format!("{label:<9}"))];
        for (_, amounts) in columns {
            let mut amount = value(amounts);
            if negate {
                amount = -amount;
            }
            let style = if amount.is_sign_negative() && !amount.is_zero() {
                theme.error()
            } else {
                ratatui::style::Style::default()
            };
            spans.push(Span::styled(
                format!("{:>cell_width$}", money(amount, currency)),
                style,
            ));
        }
        Line::from(spans)
    };
    let mut lines = vec![Line::from(
        std::iter::once(Span::raw(" ".repeat(9)))
            .chain(columns.iter().enumerate().map(|(i, (m, _))| {
                let text = format!("{:>cell_width$}", m.format("%b %Y").to_string());
                if i == 0 {
                    Span::styled(text, theme.key())
                } else {
                    Span::styled(text, theme.header())
                }
            }))
            .collect::<Vec<_>>(),
    )];
    // Sales less refunds is the net; the discounts were taken off the sales before, so they
    // come after it, apart.
    lines.push(figure_line("Sales", |a| a.sales, false));
    lines.push(figure_line("Refunds", |a| a.refunds, true));
    lines.push(figure_line("Net", |a| a.net, false));
    lines.push(figure_line("Discounts", |a| a.discounts, false));
    lines.push(Line::from(vec![
        Span::styled(format!("{:<9}{:>cell_width$}", "change", ""), theme.dim()),
        Span::raw(format!(
            "{:>cell_width$}",
            change(overview.this_month.net, overview.last_month.net)
        )),
        Span::raw(format!(
            "{:>cell_width$}",
            change(overview.this_month.net, overview.same_month_last_year.net)
        )),
    ]));
    // A month still under way is compared as it stands: say how far it has come.
    let today = cx.now.date_naive();
    let title = if super::state::first_of_month(today) == month {
        format!(
            " {} · 1–{} so far ",
            month_words(month),
            today.format("%-d")
        )
    } else {
        format!(" {} ", month_words(month))
    };
    let block = pane_block(title, false, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let figures_height = (lines.len() as u16).min(inner.height);
    let [figures, days_caption, days] = Layout::vertical([
        Constraint::Length(figures_height),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), figures);
    if days.height == 0 {
        return;
    }
    let best = overview
        .days
        .iter()
        .filter(|d| d.amounts.net > Decimal::ZERO)
        .max_by_key(|d| d.amounts.net);
    let caption = match best {
        Some(day) => format!(
            "By day · best {} {}",
            day.day.format("%a %-d"),
            money(day.amounts.net, currency)
        ),
        None => "By day · no sales yet".to_string(),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(caption, theme.dim())),
        days_caption,
    );
    let data: Vec<u64> = overview
        .days
        .iter()
        .map(|d| bar_height(d.amounts.net))
        .collect();
    let width = (data.len() as u16).min(days.width);
    frame.render_widget(
        Sparkline::default().data(data).style(theme.key()),
        Rect { width, ..days },
    );
}

fn draw_drill(frame: &mut Frame, drill: &Drill, cx: &Context) {
    let theme = &cx.theme;
    let area = layout::transactions_area(cx.size);
    let Some(cell) = &drill.cell else {
        let text = drill.error.clone().unwrap_or_else(|| "Loading…".into());
        placeholder_pane(frame, &format!(" {} ", drill.title), text, area, cx);
        return;
    };
    let listed = cell.transactions.len() as u64;
    let mut title = format!(
        " {} · {} transaction{} · net {} ",
        drill.title,
        cell.total_count,
        if cell.total_count == 1 { "" } else { "s" },
        crate::format::money_in(cell.amounts.net, &cell.currency)
    );
    if listed < cell.total_count {
        title.push_str(&format!("· the newest {listed} listed "));
    }
    let block = pane_block(title, cx.uncovered(), theme);
    let visible = usize::from(area.height.saturating_sub(3));
    let rows: Vec<Row> = cell
        .transactions
        .iter()
        .skip(drill.top)
        .take(visible)
        .map(|tx| {
            let amount = Cell::from(Line::from(money(tx.amount, &tx.currency)).right_aligned());
            Row::new([
                Cell::from(tx.date.format("%m-%d %H:%M").to_string()),
                if tx.amount.is_sign_negative() {
                    amount.style(theme.error())
                } else {
                    amount
                },
                Cell::from(tx.class.clone().unwrap_or_else(|| "-".into())),
                Cell::from(crate::text::one_line(&tx.description)),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(11),
            Constraint::Length(12),
            Constraint::Fill(1),
            Constraint::Fill(2),
        ],
    )
    .header(Row::new(["DATE", "      AMOUNT", "CLASS", "DESCRIPTION"]).style(theme.header()))
    .column_spacing(1)
    .row_highlight_style(theme.selected(true))
    .block(block);
    let mut state = TableState::default().with_selected(
        (!cell.transactions.is_empty()).then(|| drill.selected.saturating_sub(drill.top)),
    );
    frame.render_stateful_widget(table, area, &mut state);
}
