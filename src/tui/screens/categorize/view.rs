//! The Categorize screen: the suggestions (left), and the selected one's text, class, reason and
//! source with what the last run cost (right).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::api::categorize::{CategorizeView, Decision, Source, SuggestionView};
use crate::format::money;
use crate::tui::confirm::accept_all_hint;
use crate::tui::layout;
use crate::tui::screens::context::Context;
use crate::tui::views::{pane_block, placeholder_pane};

use super::CategorizeScreen;
use super::update::run_words;

pub fn draw(frame: &mut Frame, screen: &CategorizeScreen, cx: &Context) {
    let theme = &cx.theme;
    let (list_area, detail_area) = layout::list_and_detail_areas(cx.size);
    let Some(view) = &screen.view else {
        let text = match &screen.error {
            Some(error) => error.clone(),
            None => "Loading…".to_string(),
        };
        placeholder_pane(
            frame,
            " Categorize ",
            text,
            list_area.union(detail_area),
            cx,
        );
        return;
    };
    let shown = screen.shown();
    let mut title = vec![Span::raw(format!(
        " Categorize · {} open · {} rule{} ",
        screen.open_count(),
        view.rules.len(),
        if view.rules.len() == 1 { "" } else { "s" }
    ))];
    if screen.running {
        title.push(Span::styled("working… ", theme.warning()));
    }
    if !screen.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", screen.filter), theme.key()));
    }
    let block = pane_block(Line::from(title), cx.uncovered(), theme);
    let visible = usize::from(list_area.height.saturating_sub(3));
    let at_least = f64::from(screen.threshold) / 100.0;
    let rows: Vec<Row> = shown
        .iter()
        .skip(screen.top)
        .take(visible)
        .map(|item| {
            let (mark, style) = match (&item.decision, &item.class) {
                (Decision::Accepted { .. }, _) => ("  ✓ ".to_string(), theme.dim()),
                (Decision::Rejected { .. }, _) => ("  ✗ ".to_string(), theme.dim()),
                (Decision::Open, None) => ("   -".to_string(), theme.dim()),
                (Decision::Open, Some(_)) => (
                    format!("{:>3.0}%", item.confidence * 100.0),
                    if item.confidence >= at_least {
                        theme.key()
                    } else {
                        theme.warning()
                    },
                ),
            };
            let amount = Cell::from(Line::from(money(item.amount, &item.currency)).right_aligned());
            Row::new([
                Cell::from(item.date.format("%m-%d").to_string()),
                if item.amount.is_sign_negative() {
                    amount.style(theme.error())
                } else {
                    amount
                },
                Cell::from(mark).style(style),
                Cell::from(shown_class(item)),
                Cell::from(crate::text::one_line(&item.payee)),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(11),
            Constraint::Length(4),
            // The payee tells the line apart; the class is one of a short list.
            Constraint::Fill(2),
            Constraint::Fill(3),
        ],
    )
    .header(Row::new(["DATE", "     AMOUNT", "", "CLASS", "PAYEE"]).style(theme.header()))
    .column_spacing(1)
    .row_highlight_style(theme.selected(true))
    .block(block);
    let mut state = TableState::default()
        .with_selected((!shown.is_empty()).then(|| screen.selected.saturating_sub(screen.top)));
    frame.render_stateful_widget(table, list_area, &mut state);
    draw_detail(frame, screen, view, cx, detail_area);
}

/// The class in the list: the one applied when decided, else the suggestion.
fn shown_class(item: &SuggestionView) -> String {
    match &item.decision {
        Decision::Accepted { class, .. } => class.clone(),
        _ => item.class.clone().unwrap_or_else(|| "-".into()),
    }
}

fn draw_detail(
    frame: &mut Frame,
    screen: &CategorizeScreen,
    view: &CategorizeView,
    cx: &Context,
    area: Rect,
) {
    let theme = &cx.theme;
    let mut lines: Vec<Line> = Vec::new();
    match screen.selected_item() {
        None if view.items.is_empty() && view.last_run.is_none() => lines.push(Line::styled(
            "No suggestions yet: s looks at the bank lines and transactions without a class.",
            theme.dim(),
        )),
        None if view.items.is_empty() => lines.push(Line::styled(
            "Nothing to categorize: every transaction has a class and every bank line is \
             matched or classed. s looks again (after a sync or a bank import).",
            theme.dim(),
        )),
        None => lines.push(Line::styled(
            "Nothing matches the filter. Esc clears it.",
            theme.dim(),
        )),
        Some(item) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{}  ", item.date), theme.header()),
                Span::styled(money(item.amount, &item.currency), theme.header()),
                Span::styled(format!(" {}", item.currency), theme.dim()),
            ]));
            lines.push(Line::raw(crate::text::one_line(&item.payee)));
            if item.original != item.payee {
                lines.push(Line::styled(
                    format!("as written: {}", crate::text::one_line(&item.original)),
                    theme.dim(),
                ));
            }
            lines.push(Line::raw(""));
            item_lines(screen, item, cx, &mut lines);
        }
    }
    lines.push(Line::raw(""));
    match &view.last_run {
        Some(report) => lines.push(Line::styled(
            format!("Last run: {}", run_words(report)),
            theme.dim(),
        )),
        None => lines.push(Line::styled(
            "No run yet: s suggests classes (rules and earlier answers first; Gemini only after a question).",
            theme.dim(),
        )),
    }
    lines.push(Line::styled(
        accept_all_hint(screen.above_threshold(), screen.threshold),
        theme.dim(),
    ));
    let block = pane_block(" Suggestion ", false, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// What was suggested and why, and what was decided.
fn item_lines(
    screen: &CategorizeScreen,
    item: &SuggestionView,
    cx: &Context,
    lines: &mut Vec<Line<'static>>,
) {
    let theme = &cx.theme;
    let source = match item.source {
        Some(Source::Rule) => "your rule",
        Some(Source::Cache) => "an earlier answer for this payee",
        Some(Source::Gemini) => "Gemini",
        None => "nothing answered",
    };
    match &item.class {
        Some(class) => lines.push(Line::from(vec![
            Span::styled(format!("{class}  "), theme.key()),
            Span::styled(
                format!("{:.0}% sure · by {source}", item.confidence * 100.0),
                theme.dim(),
            ),
        ])),
        None => lines.push(Line::styled(
            format!("No class suggested ({source})."),
            theme.warning(),
        )),
    }
    if !item.reason.is_empty() {
        lines.push(Line::raw(crate::text::one_line(&item.reason)));
    }
    lines.push(Line::raw(""));
    match &item.decision {
        Decision::Accepted { class, at } => {
            lines.push(Line::styled(
                format!("✓ Accepted as {class} on {}", at.format("%Y-%m-%d")),
                theme.key(),
            ));
            lines.push(Line::styled("u takes it back.", theme.dim()));
        }
        Decision::Rejected { at } => {
            lines.push(Line::styled(
                format!("✗ Rejected on {}", at.format("%Y-%m-%d")),
                theme.dim(),
            ));
            lines.push(Line::styled("u opens it again.", theme.dim()));
        }
        Decision::Open => match screen.class_to_apply() {
            Some(class) if screen.class_changed() => lines.push(Line::from(vec![
                Span::raw("Enter applies "),
                Span::styled(class, theme.key()),
                Span::raw(" instead (←→ another; r also makes a rule)."),
            ])),
            Some(class) => lines.push(Line::from(vec![
                Span::raw("Enter applies "),
                Span::styled(class, theme.key()),
                Span::raw("; ←→ another class; r also makes a rule; x rejects."),
            ])),
            None => lines.push(Line::styled(
                "←→ picks a class, then Enter applies it.",
                theme.dim(),
            )),
        },
    }
}
