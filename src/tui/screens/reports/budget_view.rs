//! The budget view drawn: the month's classes with their budget, what they made so far, what
//! they are projected to make and how that stands against the budget; a total; and beneath,
//! how the projection is made, in words.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::api::budget::BudgetView;
use crate::api::projection::ProjectionParts;
use crate::format::money;
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::theme::Theme;
use crate::tui::views::{pane_block, placeholder_pane};

use super::ReportsScreen;
use super::revenue_view::month_words;

/// "999,999,999.99": the widest amount a column makes room for before it clips.
const AMOUNT_WIDTH: u16 = 14;

/// The least height of the pane with the projection's method under the table.
const METHOD_LINES: u16 = 6;

/// The table, as tall as its classes need (borders, header and the total take four lines),
/// and the method in the rest; `classes` None: as many as fit.
fn areas(size: Rect, classes: Option<usize>) -> (Rect, Rect) {
    let body = layout::transactions_area(size);
    let room = body.height.saturating_sub(METHOD_LINES);
    let table = classes.map_or(room, |n| (n as u16).saturating_add(4).min(room));
    let [table, method] =
        Layout::vertical([Constraint::Length(table), Constraint::Fill(1)]).areas(body);
    (table, method)
}

/// Classes on show at a time.
pub fn class_rows(cx: &Context) -> usize {
    usize::from(areas(cx.size, None).0.height.saturating_sub(4))
}

/// How `figure` stands against `budget`, in whole percent: "-18%" short, "+4%" over.
fn against(figure: Decimal, budget: Option<Decimal>) -> Option<Decimal> {
    let budget = budget.filter(|b| *b > Decimal::ZERO)?;
    let percent = (figure - budget).checked_mul(Decimal::ONE_HUNDRED)? / budget;
    Some(percent.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
}

fn against_cell(percent: Option<Decimal>, theme: &Theme) -> Cell<'static> {
    match percent {
        None => Cell::from(Line::from("-").right_aligned()).style(theme.dim()),
        Some(p) if p < Decimal::ZERO => {
            Cell::from(Line::from(format!("{p}%")).right_aligned()).style(theme.warning())
        }
        Some(p) => Cell::from(Line::from(format!("+{p}%")).right_aligned()),
    }
}

fn amount_cell(amount: Option<Decimal>, currency: &str, theme: &Theme) -> Cell<'static> {
    match amount {
        None => Cell::from(Line::from("-").right_aligned()).style(theme.dim()),
        Some(a) => Cell::from(Line::from(money(a, currency)).right_aligned()),
    }
}

pub fn draw(frame: &mut Frame, screen: &ReportsScreen, cx: &Context) {
    let budget = &screen.budget;
    let month = budget.month_on_show(cx);
    let title = format!(" Budget · {} ", month_words(month));
    let Some(view) = &budget.view else {
        let text = budget.error.clone().unwrap_or_else(|| "Loading…".into());
        placeholder_pane(frame, &title, text, layout::transactions_area(cx.size), cx);
        return;
    };
    let (table_area, method_area) = areas(cx.size, Some(budget.lines().len()));
    draw_table(frame, screen, view, cx, table_area);
    draw_method(frame, screen, month, cx, method_area);
}

fn draw_table(
    frame: &mut Frame,
    screen: &ReportsScreen,
    view: &BudgetView,
    cx: &Context,
    area: Rect,
) {
    let theme = &cx.theme;
    let budget = &screen.budget;
    let currency = view.currency.as_str();
    let lines = budget.lines();
    let visible = usize::from(area.height.saturating_sub(4));
    // A month gone by has no projection: what it made is set against the budget.
    let measured = |actual: Decimal, projected: Option<Decimal>| {
        projected.or((view.total_projected.is_none()).then_some(actual))
    };
    let mut rows: Vec<Row> = lines
        .iter()
        .skip(budget.top)
        .take(visible)
        .map(|line| {
            Row::new([
                Cell::from(crate::text::one_line(&line.class)),
                amount_cell(line.budget, currency, theme),
                amount_cell(Some(line.actual), currency, theme),
                amount_cell(line.projected, currency, theme),
                against_cell(
                    measured(line.actual, line.projected).and_then(|f| against(f, line.budget)),
                    theme,
                ),
            ])
        })
        .collect();
    let budgeted = (!view.total_budget.is_zero()).then_some(view.total_budget);
    // The total budget is set against the classes that have one, not against sales it does
    // not cover.
    let measured_budgeted = lines
        .iter()
        .filter(|line| line.budget.is_some())
        .try_fold(Decimal::ZERO, |sum, line| {
            measured(line.actual, line.projected).and_then(|f| sum.checked_add(f))
        });
    rows.push(
        Row::new([
            Cell::from("Total"),
            amount_cell(budgeted, currency, theme),
            amount_cell(Some(view.total_actual), currency, theme),
            amount_cell(view.total_projected, currency, theme),
            against_cell(measured_budgeted.and_then(|f| against(f, budgeted)), theme),
        ])
        .style(theme.header()),
    );
    let title = format!(
        " Budget · {} · {} ",
        month_words(budget.month_on_show(cx)),
        view.currency
    );
    let table = Table::new(
        rows,
        // The figures keep together at the right however wide the terminal is.
        [
            Constraint::Fill(1),
            Constraint::Length(AMOUNT_WIDTH),
            Constraint::Length(AMOUNT_WIDTH),
            Constraint::Length(AMOUNT_WIDTH),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new([
            Cell::from("CLASS"),
            Cell::from(Line::from("BUDGET").right_aligned()),
            Cell::from(Line::from("SO FAR").right_aligned()),
            Cell::from(Line::from("PROJECTED").right_aligned()),
            Cell::from(Line::from("VS BUDGET").right_aligned()),
        ])
        .style(theme.header()),
    )
    .column_spacing(1)
    .row_highlight_style(theme.selected(true))
    .block(pane_block(title, cx.uncovered(), theme));
    let mut state = TableState::default()
        .with_selected((!lines.is_empty()).then(|| budget.selected.saturating_sub(budget.top)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn draw_method(
    frame: &mut Frame,
    screen: &ReportsScreen,
    month: NaiveDate,
    cx: &Context,
    area: Rect,
) {
    let theme = &cx.theme;
    let budget = &screen.budget;
    let this_month = ReportsScreen::this_month(cx);
    let selected = budget.lines().get(budget.selected);
    let text: Vec<Line> = match budget.month_projection(month) {
        Some(projection) => vec![
            Line::from(projection.method.clone()),
            selected
                .and_then(|line| {
                    let class = projection.classes.iter().find(|c| c.class == line.class)?;
                    Some(Line::from(class_words(
                        &class.class,
                        &class.parts,
                        &projection_currency(screen),
                    )))
                })
                .unwrap_or_default(),
            Line::styled(
                "Autopays are the members' scheduled ones, suspended or failed ones left out; \
                 each day still to come counts at the average of the same weekday's drop-ins and retail.",
                theme.dim(),
            ),
        ],
        None if month < this_month => vec![Line::styled(
            "A month gone by: what it made, set against its budget.",
            theme.dim(),
        )],
        None if budget.projection.is_none() => vec![Line::styled(
            "The projection could not be made; the budgets and what was made are as stored.",
            theme.dim(),
        )],
        None => vec![Line::styled(
            "The projection covers this month and the next three; a budget can be set ahead of it.",
            theme.dim(),
        )],
    };
    let block = pane_block(
        Line::from(vec![Span::raw(" How the projection is made ")]),
        false,
        theme,
    );
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

fn projection_currency(screen: &ReportsScreen) -> String {
    screen
        .budget
        .view
        .as_ref()
        .map_or_else(String::new, |v| v.currency.clone())
}

/// "Drop-ins: so far 4,100.00 + 3 autopays 330.00 + 5 days of the pattern 490.00 = 4,920.00".
fn class_words(class: &str, parts: &ProjectionParts, currency: &str) -> String {
    format!(
        "{}: so far {} + {} autopays {} + {} days of the pattern {} = {}",
        crate::text::one_line(class),
        money(parts.so_far, currency),
        parts.autopay_count,
        money(parts.autopays, currency),
        parts.pattern_days,
        money(parts.pattern, currency),
        money(parts.projected, currency)
    )
}
