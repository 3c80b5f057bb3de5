//! `e` on the budget view: a box to type a class's budget for the month in (`a`: for a class
//! picked with `↑↓` among those not listed). Enter saves it
//! (the engine checks the class, the amount and its minor digits, and the box shows why not),
//! Esc leaves the budget as it was.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::{Event as TermEvent, KeyEvent};
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use rust_decimal::Decimal;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::api::Budget;
use crate::api::budget::BudgetLine;
use crate::books::currency::{MAX_TYPED_AMOUNT, typed_amount};
use crate::format::money_in;
use crate::tui::action::{Action, Request};
use crate::tui::overlay::Step;
use crate::tui::screens::context::Outbox;
use crate::tui::theme::Theme;
use crate::tui::views::centered;

use super::budget::budget_set_words;
use super::revenue_view::month_words;

#[derive(Debug, Clone)]
pub struct BudgetEdit {
    pub month: NaiveDate,
    pub line: BudgetLine,
    /// The classes `↑↓` picks from (`a`); empty when the box is for one class (`e`).
    pub choices: Vec<String>,
    pub currency: String,
    pub input: Input,
    /// Why the last try was refused.
    pub error: Option<String>,
    /// Sent to the engine; waiting for its answer.
    pub saving: bool,
}

impl BudgetEdit {
    /// The box for `line`'s budget in `month`, holding the budget it has (if any).
    pub fn open(month: NaiveDate, line: BudgetLine, currency: String) -> BudgetEdit {
        let typed = line.budget.map(|b| b.to_string()).unwrap_or_default();
        BudgetEdit {
            month,
            line,
            choices: Vec::new(),
            currency,
            input: Input::new(typed),
            error: None,
            saving: false,
        }
    }

    /// The box for a class picked from `choices` (not empty), none budgeted yet.
    pub fn pick(month: NaiveDate, choices: Vec<String>, currency: String) -> BudgetEdit {
        let first = BudgetLine {
            class: choices.first().cloned().unwrap_or_default(),
            budget: None,
            actual: Decimal::ZERO,
            projected: None,
        };
        BudgetEdit {
            choices,
            ..BudgetEdit::open(month, first, currency)
        }
    }

    /// `↑↓` in a box opened with `a`: the class before or after.
    fn pick_next(&mut self, step: i64) {
        let n = self.choices.len() as i64;
        if n == 0 || self.saving {
            return;
        }
        let at = self
            .choices
            .iter()
            .position(|c| *c == self.line.class)
            .unwrap_or(0) as i64;
        self.line.class = self.choices[(at + step).rem_euclid(n) as usize].clone();
        self.error = None;
    }

    pub fn update(&mut self, action: &Action, out: &mut Outbox) -> Option<Step> {
        match action {
            Action::Edit(key) => self.edit(*key),
            Action::FormNext => self.pick_next(1),
            Action::FormPrev => self.pick_next(-1),
            Action::Submit => self.submit(out),
            Action::Back => return Some(Step::Close),
            _ => return None,
        }
        Some(Step::Stay)
    }

    fn edit(&mut self, key: KeyEvent) {
        if self.saving {
            return;
        }
        self.input.handle_event(&TermEvent::Key(key));
        if self.input.value().chars().count() > MAX_TYPED_AMOUNT {
            let kept: String = self.input.value().chars().take(MAX_TYPED_AMOUNT).collect();
            self.input = Input::new(kept);
        }
        self.error = None;
    }

    fn submit(&mut self, out: &mut Outbox) {
        if self.saving {
            return;
        }
        let Some(amount) = typed_amount(self.input.value()) else {
            self.error = Some(format!(
                "Type the budget as an amount in {}, like 6000 or 6000.50.",
                self.currency
            ));
            return;
        };
        self.saving = true;
        out.request(Request::SetBudget {
            month: self.month,
            class: self.line.class.clone(),
            amount,
        });
    }

    /// The engine's answer: saved (the box closes and says so), or why not (the box stays).
    pub fn saved(&mut self, answer: Result<Budget, String>, out: &mut Outbox) -> Step {
        self.saving = false;
        match answer {
            Ok(budget) => {
                out.notify(budget_set_words(&budget), false);
                Step::Close
            }
            Err(message) => {
                self.error = Some(message);
                Step::Stay
            }
        }
    }
}

/// An answer that came after the box was closed: said on the status line instead.
pub fn said_closed(answer: Result<Budget, String>, out: &mut Outbox) {
    match answer {
        Ok(budget) => out.notify(budget_set_words(&budget), false),
        Err(message) => out.notify(message, true),
    }
}

pub fn draw(frame: &mut Frame, edit: &BudgetEdit, theme: &Theme) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(64);
    let room = usize::from(width.saturating_sub(2));
    let label = format!("Budget ({}): ", edit.currency);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(label.clone(), theme.key()),
            Span::raw(edit.input.value().to_string()),
        ]),
        Line::styled(
            format!(
                "made so far {}{}",
                money_in(edit.line.actual, &edit.currency),
                edit.line.projected.map_or(String::new(), |p| format!(
                    " · projected {}",
                    money_in(p, &edit.currency)
                ))
            ),
            theme.dim(),
        ),
    ];
    match (&edit.error, edit.saving) {
        (_, true) => lines.push(Line::styled("Saving…", theme.dim())),
        (Some(error), false) => lines.push(Line::styled(error.clone(), theme.error())),
        (None, false) => lines.push(Line::styled(
            "Enter saves · Esc leaves it as it was",
            theme.dim(),
        )),
    }
    // The error may wrap: room for two lines of it.
    let height = (lines.len() as u16 + 3).min(full.height);
    let area = centered(full, width, height);
    frame.render_widget(Clear, area);
    let title = if edit.choices.is_empty() {
        format!(
            " {} · {} ",
            crate::text::one_line(&edit.line.class),
            month_words(edit.month)
        )
    } else {
        format!(
            " ↑↓ {} · {} ",
            crate::text::one_line(&edit.line.class),
            month_words(edit.month)
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
    let typed = edit.input.visual_cursor();
    let cursor = (label.chars().count() + typed).min(room) as u16;
    frame.set_cursor_position(Position::new(area.x + 1 + cursor, area.y + 1));
}
