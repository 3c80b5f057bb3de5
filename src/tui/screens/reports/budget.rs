//! The budget view of the Reports screen: a month's budget per financial class beside what the
//! class has made and is projected to make, and how the projection is made, in words. `←→`
//! moves the month, `e` (or Enter) sets the selected class's budget, `a` one for a class not
//! listed, `x` clears it.

use chrono::NaiveDate;

use crate::api::Budget;
use crate::api::budget::{BudgetLine, BudgetView};
use crate::api::projection::{MonthProjection, Projection};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::overlay::Overlay;
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::selection::move_selection;

use super::budget_edit::BudgetEdit;
use super::budget_view::class_rows;
use super::revenue_view::month_words;
use super::state::{ReportsScreen, months_after};

/// How far ahead a budget can be set from the screen (the command line takes any month).
const MONTHS_AHEAD: i64 = 12;

/// The class sales with no class are grouped under: it has no budget of its own.
const UNCLASSIFIED: &str = "Unclassified";

#[derive(Default)]
pub struct BudgetTab {
    pub view: Option<BudgetView>,
    /// This month's projection and the next three's, for the method in words.
    pub projection: Option<Projection>,
    pub error: Option<String>,
    /// The first day of the month on show; None: this month.
    pub month: Option<NaiveDate>,
    /// Index into [`BudgetTab::lines`].
    pub selected: usize,
    pub top: usize,
    pub(crate) stale: bool,
    pub(crate) loading: bool,
}

impl BudgetTab {
    pub fn month_on_show(&self, cx: &Context) -> NaiveDate {
        self.month.unwrap_or_else(|| ReportsScreen::this_month(cx))
    }

    /// The month's lines: classes with a budget, sales or a projection (`a` adds another).
    pub fn lines(&self) -> &[BudgetLine] {
        self.view.as_ref().map_or(&[], |v| v.lines.as_slice())
    }

    /// The projection of the month on show, when it covers it.
    pub fn month_projection(&self, month: NaiveDate) -> Option<&MonthProjection> {
        self.projection
            .as_ref()?
            .months
            .iter()
            .find(|m| m.month == month)
    }

    pub fn requests(&mut self, cx: &Context) -> Vec<Request> {
        if !self.stale || self.loading {
            return Vec::new();
        }
        self.stale = false;
        self.loading = true;
        vec![
            Request::LoadBudget(self.month_on_show(cx)),
            Request::LoadProjection,
        ]
    }

    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::Move(delta) => self.move_by(delta, cx),
            Action::Page(pages) => {
                let rows = class_rows(cx) as i64;
                self.move_by(pages * rows, cx)
            }
            Action::Top => self.move_by(i64::MIN / 2, cx),
            Action::Bottom => self.move_by(i64::MAX / 2, cx),
            Action::ReportsMonth(step) => {
                let this_month = ReportsScreen::this_month(cx);
                let next = months_after(self.month_on_show(cx), step);
                if next > months_after(this_month, MONTHS_AHEAD) {
                    out.notify(
                        "Budgets are set here up to a year ahead; `legion-hub budget set --month` takes any month.",
                        false,
                    );
                } else {
                    self.month = Some(next);
                    self.stale = true;
                }
            }
            Action::ReportsThisMonth => {
                self.month = None;
                self.stale = true;
            }
            Action::Open | Action::ReportsEditBudget => self.edit(cx, out),
            Action::ReportsAddBudget => self.add(cx, out),
            Action::ReportsClearBudget => self.clear(cx, out),
            Action::Back => out.show(Screen::Hub),
            action => return Some(action),
        }
        None
    }

    fn move_by(&mut self, delta: i64, cx: &Context) {
        let len = self.lines().len();
        move_selection(
            &mut self.selected,
            &mut self.top,
            delta,
            len,
            class_rows(cx).max(1),
        );
    }

    /// The selected class, if a budget can be set for it; otherwise says why not.
    fn selected_class(&self, out: &mut Outbox) -> Option<BudgetLine> {
        let line = self.lines().get(self.selected)?.clone();
        if line.class == UNCLASSIFIED {
            out.notify(
                "Sales with no class have no budget: give them a class on the Categorize screen (7).",
                false,
            );
            return None;
        }
        Some(line)
    }

    /// `e`: the selected class's budget, in a box to type it in.
    fn edit(&mut self, cx: &Context, out: &mut Outbox) {
        let Some(view) = &self.view else {
            return;
        };
        let currency = view.currency.clone();
        let Some(line) = self.selected_class(out) else {
            return;
        };
        let month = self.month_on_show(cx);
        out.open(Overlay::BudgetEdit(Box::new(BudgetEdit::open(
            month, line, currency,
        ))));
    }

    /// `a`: a budget for a class the month does not list yet, picked in the box.
    fn add(&mut self, cx: &Context, out: &mut Outbox) {
        let Some(view) = &self.view else {
            return;
        };
        let unlisted: Vec<String> = view
            .classes
            .iter()
            .filter(|class| {
                !view
                    .lines
                    .iter()
                    .any(|l| l.class.eq_ignore_ascii_case(class))
            })
            .cloned()
            .collect();
        if unlisted.is_empty() {
            out.notify(
                "Every class of the studio is listed: e sets the selected one's budget.",
                false,
            );
            return;
        }
        out.open(Overlay::BudgetEdit(Box::new(BudgetEdit::pick(
            self.month_on_show(cx),
            unlisted,
            view.currency.clone(),
        ))));
    }

    /// `x`: clears the selected class's budget for the month.
    fn clear(&mut self, cx: &Context, out: &mut Outbox) {
        let Some(line) = self.selected_class(out) else {
            return;
        };
        if line.budget.is_none() {
            out.notify(
                format!(
                    "{} has no budget for {}.",
                    line.class,
                    month_words(self.month_on_show(cx))
                ),
                false,
            );
            return;
        }
        out.request(Request::ClearBudget {
            month: self.month_on_show(cx),
            class: line.class,
        });
    }

    pub fn loaded(&mut self, answer: Result<BudgetView, String>) {
        self.loading = false;
        match answer {
            Ok(view) => {
                self.view = Some(view);
                self.error = None;
                let last = self.lines().len().saturating_sub(1);
                self.selected = self.selected.min(last);
                self.top = self.top.min(self.selected);
            }
            Err(message) => {
                self.view = None;
                self.error = Some(message);
            }
        }
    }

    pub fn projection_loaded(&mut self, answer: Result<Projection, String>) {
        // Without it the view still shows budgets and actuals; the method says it is missing.
        self.projection = answer.ok();
    }

    /// A budget was set or cleared: the month is read again.
    pub fn changed(&mut self) {
        self.stale = true;
    }

    /// `x` was answered: what it cleared, or why not.
    pub fn cleared(&mut self, said: Result<String, String>, out: &mut Outbox) {
        self.changed();
        match said {
            Ok(text) => out.notify(text, false),
            Err(message) => out.notify(message, true),
        }
    }
}

/// "Budget for Drop-ins in Dec 2026: 6,000.00 USD."
pub fn budget_set_words(budget: &Budget) -> String {
    format!(
        "Budget for {} in {}: {}.",
        budget.class,
        month_words(budget.month),
        crate::format::money_in(budget.amount, &budget.currency)
    )
}
