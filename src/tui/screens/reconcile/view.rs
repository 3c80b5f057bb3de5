//! The Reconcile screen: the bank lines (left) and what the selected one pays (right), the
//! account's totals on the pane's title, the fee models and overdue sales beneath the reason.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::api::reconcile::{LineState, ReconcileView};
use crate::format::money;
use crate::tui::confirm::accept_all_hint;
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::views::{pane_block, placeholder_pane};

use super::ReconcileScreen;

pub fn draw(frame: &mut Frame, screen: &ReconcileScreen, cx: &Context) {
    let theme = &cx.theme;
    let (list_area, detail_area) = layout::list_and_detail_areas(cx.size);
    let Some(view) = &screen.view else {
        let text = match &screen.error {
            Some(error) => format!("{error}\n\ni imports a bank statement here."),
            None => "Loading…".to_string(),
        };
        placeholder_pane(frame, " Reconcile ", text, list_area.union(detail_area), cx);
        return;
    };
    let shown = screen.shown();
    let paid_by = view
        .site
        .as_ref()
        .map_or_else(String::new, |site| format!(" (site {site})"));
    let mut title = vec![Span::raw(format!(
        " Reconcile · {}{paid_by} · {} to match ",
        view.account, view.unreconciled
    ))];
    if !screen.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", screen.filter), theme.key()));
    }
    let block = pane_block(Line::from(title), cx.uncovered(), theme);
    let visible = usize::from(list_area.height.saturating_sub(3));
    let rows: Vec<Row> = shown
        .iter()
        .skip(screen.top)
        .take(visible)
        .map(|line| {
            let (mark, style) = match &line.state {
                LineState::Suggested { best } => (
                    format!("{:>3.0}%", best.confidence * 100.0),
                    if best.confidence >= f64::from(screen.threshold) / 100.0 {
                        theme.key()
                    } else {
                        theme.warning()
                    },
                ),
                LineState::Unmatched => ("   -".to_string(), theme.dim()),
                LineState::Matched { .. } => ("  ✓ ".to_string(), theme.dim()),
            };
            let amount = Cell::from(Line::from(money(line.amount, &view.currency)).right_aligned());
            Row::new([
                Cell::from(line.date.format("%m-%d").to_string()),
                if line.amount.is_sign_negative() {
                    amount.style(theme.error())
                } else {
                    amount
                },
                Cell::from(mark).style(style),
                Cell::from(crate::text::one_line(&line.payee)),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(11),
            Constraint::Length(4),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["DATE", "     AMOUNT", "", "PAYEE"]).style(theme.header()))
    .column_spacing(1)
    .row_highlight_style(theme.selected(true))
    .block(block);
    let mut state = TableState::default()
        .with_selected((!shown.is_empty()).then(|| screen.selected.saturating_sub(screen.top)));
    frame.render_stateful_widget(table, list_area, &mut state);
    draw_detail(frame, screen, view, cx, detail_area);
}

fn draw_detail(
    frame: &mut Frame,
    screen: &ReconcileScreen,
    view: &ReconcileView,
    cx: &Context,
    area: ratatui::layout::Rect,
) {
    let theme = &cx.theme;
    let currency = &view.currency;
    let mut lines: Vec<Line> = Vec::new();
    match screen.selected_line() {
        None if view.lines.is_empty() => lines.push(Line::styled(
            "No bank lines yet: i imports a statement (or `legion-hub import bank FILE`).",
            theme.dim(),
        )),
        None => lines.push(Line::styled(
            "No line matches the filter. Esc clears it.",
            theme.dim(),
        )),
        Some(line) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{}  ", line.date), theme.header()),
                Span::styled(money(line.amount, currency), theme.header()),
            ]));
            lines.push(Line::raw(crate::text::one_line(&line.payee)));
            if !line.memo.is_empty() {
                // One line of the bank's memo: the reason below matters more.
                let room = usize::from(area.width.saturating_sub(3));
                let memo = crate::text::one_line(&line.memo);
                let shown: String = if memo.chars().count() > room {
                    memo.chars()
                        .take(room.saturating_sub(1))
                        .chain(['…'])
                        .collect()
                } else {
                    memo
                };
                lines.push(Line::styled(shown, theme.dim()));
            }
            lines.push(Line::raw(""));
            match &line.state {
                LineState::Matched {
                    match_id,
                    reason,
                    fee,
                    over_short,
                } => {
                    lines.push(Line::styled(format!("✓ Matched ({match_id})"), theme.key()));
                    lines.push(Line::raw(reason.clone()));
                    if !fee.is_zero() {
                        lines.push(Line::raw(format!(
                            "Fee posted to Card processing fees: {}",
                            money(*fee, currency)
                        )));
                    }
                    if !over_short.is_zero() {
                        lines.push(Line::raw(format!(
                            "Cash {} posted to Cash over and short: {}",
                            if over_short.is_sign_negative() {
                                "short"
                            } else {
                                "over"
                            },
                            money(over_short.abs(), currency)
                        )));
                    }
                    lines.push(Line::styled("u undoes it.", theme.dim()));
                }
                LineState::Unmatched if view.fees.is_empty() => {
                    lines.push(Line::styled(
                        "No card sales in the books to match it to yet: connect and sync Mindbody (1, then o and s on Mindbody).",
                        theme.dim(),
                    ));
                }
                LineState::Unmatched => {
                    lines.push(Line::styled(
                        "Nothing in the books fits this line (rent, payroll and transfers pay no sale).",
                        theme.dim(),
                    ));
                }
                LineState::Suggested { .. } => {
                    let candidates = screen.candidates();
                    if let Some(candidate) = screen.candidate() {
                        let which = if candidates.len() > 1 {
                            format!(
                                " (candidate {} of {}; n for the next)",
                                screen.choice.min(candidates.len() - 1) + 1,
                                candidates.len()
                            )
                        } else {
                            String::new()
                        };
                        let sure = format!("{:.0}% sure", candidate.confidence * 100.0);
                        lines.push(Line::from(vec![
                            Span::styled(
                                sure,
                                if candidate.exact {
                                    theme.key()
                                } else {
                                    theme.warning()
                                },
                            ),
                            Span::raw(which),
                        ]));
                        lines.push(Line::raw(candidate.reason.clone()));
                        lines.push(Line::raw(""));
                        lines.push(Line::raw(format!(
                            "{} payment{}: {} gross, fee {}, net {}",
                            candidate.payments,
                            if candidate.payments == 1 { "" } else { "s" },
                            money(candidate.gross, currency),
                            money(candidate.fee, currency),
                            money(candidate.net, currency),
                        )));
                    }
                }
            }
        }
    }
    lines.push(Line::raw(""));
    for fee in &view.fees {
        let learned = if fee.fits == 0 {
            "default".to_string()
        } else {
            format!("fits {} deposits", fee.fits)
        };
        lines.push(Line::styled(
            format!("Fees {}: {} ({learned})", fee.merchant, fee.words),
            theme.dim(),
        ));
    }
    if view.overdue.count > 0 {
        lines.push(Line::styled(
            format!(
                "{} card sale{} ({}) in no deposit after {} business days, oldest {}",
                view.overdue.count,
                if view.overdue.count == 1 { "" } else { "s" },
                money(view.overdue.sum, currency),
                view.overdue.after_days,
                view.overdue
                    .oldest
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            theme.warning(),
        ));
    }
    lines.push(Line::styled(
        accept_all_hint(screen.above_threshold(), screen.threshold),
        theme.dim(),
    ));
    let block = pane_block(" What it pays ", false, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
