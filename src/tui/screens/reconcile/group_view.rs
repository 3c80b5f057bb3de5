//! The `e` overlay drawn: the line on top, its choices with their ticks (a day, its payments,
//! gross, the model's fee and net, and the other line holding it, if one does), and beneath them
//! the ticked group's running figures against the line and the engine's reason in words.

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::group::GroupEdit;
use crate::api::reconcile::{GroupChoice, GroupChoices};
use crate::format::money;
use crate::tui::theme::Theme;

/// The choices shown however tall the figures beneath them are.
const MIN_ROWS: usize = 3;

pub fn draw(frame: &mut Frame, edit: &GroupEdit, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(100);
    let height = full.height.saturating_sub(2);
    let room = usize::from(width.saturating_sub(4)).max(8);
    let mut lines = vec![
        Line::styled(
            format!(" {}", clip(&crate::text::one_line(&edit.title), room)),
            theme.header(),
        ),
        Line::styled(
            clip(
                " Space ticks · ↑↓ moves · Enter accepts the ticked group · Esc leaves",
                room,
            ),
            theme.dim(),
        ),
        Line::default(),
    ];
    match &edit.choices {
        None => lines.push(Line::styled(" Working out what it could pay…", theme.dim())),
        Some(Err(why)) => lines.extend(prose(why, room, theme.error())),
        Some(Ok(choices)) if choices.choices.is_empty() => lines.extend(prose(
            "Nothing open could be this line's: no card batch or cash day in its window that no match holds. A debit pays no group of sales.",
            room,
            theme.dim(),
        )),
        Some(Ok(choices)) => {
            if !choices.fees.is_empty() {
                let models: Vec<String> = choices
                    .fees
                    .iter()
                    .map(|f| format!("card {} {}", last_four(&f.merchant), f.words))
                    .collect();
                lines[2] = Line::styled(
                    clip(&format!(" Fees by the model: {}", models.join(" · ")), room),
                    theme.dim(),
                );
            }
            let mut below = vec![Line::styled(
                format!(" {}", "─".repeat(room.saturating_sub(1))),
                theme.dim(),
            )];
            if let Some(held) = choices
                .choices
                .get(edit.selected)
                .and_then(|c| c.suggested_for.as_deref())
            {
                below.extend(prose(
                    &format!(
                        "This one is suggested for the {}: ticking it here takes it from that line.",
                        crate::text::one_line(held)
                    ),
                    room,
                    theme.dim(),
                ));
            }
            below.extend(figures(edit, choices, room, theme));
            // The rows get what the line, the keys, the heading and the figures leave.
            let used = lines.len() + 1 + below.len() + 2;
            let visible = usize::from(height).saturating_sub(used).max(MIN_ROWS);
            let top = edit.selected.saturating_sub(visible - 1);
            lines.push(Line::styled(
                clip(
                    &format!(
                        " {:<3} {:<10} {:<10} {:>4} {:>11} {:>9} {:>11}  HELD BY",
                        "", "SOURCE", "DAY", "PAY", "GROSS", "FEE", "NET"
                    ),
                    room,
                ),
                theme.header(),
            ));
            for (i, choice) in choices.choices.iter().enumerate().skip(top).take(visible) {
                let ticked = edit.ticked.contains(&i);
                let text = clip(&row(choice, ticked, &choices.currency), room);
                let style = if i == edit.selected {
                    theme.selected(true)
                } else if ticked {
                    theme.key()
                } else {
                    Style::default()
                };
                lines.push(Line::styled(text, style));
            }
            lines.extend(below);
        }
    }
    // As tall as what it shows, at most the screen less a row above and below.
    let area = crate::tui::views::centered(full, width, (lines.len() as u16 + 2).min(height));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(theme.border(true))
                .title(Span::styled(
                    " Put the group together · Esc leaves ",
                    theme.title(),
                )),
        ),
        area,
    );
}

/// One choice: its tick, what it is, its day and figures, and who else it is suggested for.
fn row(choice: &GroupChoice, ticked: bool, currency: &str) -> String {
    let source = match &choice.merchant {
        Some(merchant) => format!("card {}", last_four(merchant)),
        None => "cash".to_string(),
    };
    let fee = if choice.merchant.is_some() {
        money(choice.fee, currency)
    } else {
        String::new()
    };
    format!(
        " [{}] {source:<10} {:<10} {:>4} {:>11} {:>9} {:>11}  {}",
        if ticked { "x" } else { " " },
        choice.day.format("%a %b %-d"),
        choice.payments,
        money(choice.gross, currency),
        fee,
        money(choice.net, currency),
        crate::text::one_line(choice.suggested_for.as_deref().unwrap_or("")),
    )
}

/// The ticked group against the line, then the engine's reason (or why it is refused).
fn figures(
    edit: &GroupEdit,
    choices: &GroupChoices,
    room: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let currency = choices.currency.as_str();
    let mut lines = Vec::new();
    let Some(figures) = edit.figures() else {
        return lines;
    };
    let group = edit.group();
    if let Some(Err(mixed)) = &group {
        lines.extend(prose(&mixed.to_string(), room, theme.warning()));
        return lines;
    }
    let days = edit.ticked.len();
    let gap = if figures.gap.is_zero() {
        "the deposit exactly".to_string()
    } else {
        format!(
            "{} {} than the deposit {}",
            money(figures.gap.abs(), currency),
            if figures.gap < rust_decimal::Decimal::ZERO {
                "more"
            } else {
                "less"
            },
            money(choices.amount, currency)
        )
    };
    let is_card = edit
        .ticked
        .first()
        .and_then(|&i| choices.choices.get(i))
        .is_some_and(|c| c.merchant.is_some());
    let fee = if is_card {
        format!(
            ", fee {}, net {}",
            money(figures.fee, currency),
            money(figures.net, currency)
        )
    } else {
        String::new()
    };
    lines.extend(prose(
        &format!(
            "{days} day{} ticked, {} payment{}: {} gross{fee} = {gap}",
            if days == 1 { "" } else { "s" },
            figures.payments,
            if figures.payments == 1 { "" } else { "s" },
            money(figures.gross, currency),
        ),
        room,
        if figures.gap.is_zero() {
            theme.key()
        } else {
            theme.warning()
        },
    ));
    let posts = if is_card {
        format!(
            "Accepting posts what the bank kept, {}, to Card processing fees.",
            money(figures.kept, currency)
        )
    } else if figures.gap.is_zero() {
        "Accepting posts nothing more: the cash is all there.".to_string()
    } else {
        format!(
            "Accepting posts {} {} to Cash over and short.",
            money(figures.gap.abs(), currency),
            if figures.gap < rust_decimal::Decimal::ZERO {
                "short"
            } else {
                "over"
            }
        )
    };
    lines.extend(prose(&posts, room, theme.dim()));
    match edit.current_evaluation() {
        None => lines.push(Line::styled(" Working out its reason…", theme.dim())),
        Some(Err(why)) => lines.extend(prose(why, room, theme.error())),
        Some(Ok(view)) => {
            lines.extend(prose(&view.reason, room, Style::default()));
            if let Some(refused) = &view.refused {
                lines.extend(prose(
                    &format!("It cannot be accepted: {refused}"),
                    room,
                    theme.error(),
                ));
            }
        }
    }
    lines
}

/// A merchant account by its last four, as a card is: the ids share their leading digits.
fn last_four(merchant: &str) -> String {
    let id = crate::text::one_line(merchant);
    let tail: Vec<char> = id.chars().rev().take(4).collect();
    format!("…{}", tail.into_iter().rev().collect::<String>())
}

/// Text wrapped to `room`, a space in from the border.
fn prose(text: &str, room: usize, style: Style) -> Vec<Line<'static>> {
    crate::format::wrap(text, room.saturating_sub(1))
        .into_iter()
        .map(|piece| Line::styled(format!(" {piece}"), style))
        .collect()
}

/// At most `room` characters, an ellipsis where it was cut.
fn clip(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        text.to_string()
    } else {
        text.chars()
            .take(room.saturating_sub(1))
            .chain(['…'])
            .collect()
    }
}
