//! What the Reports screen's keys and the engine's answers do to it.

use crate::api::Event;
use crate::api::reports::{RevenueCell, RevenueOverview};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::selection::move_selection;

use super::state::months_after;
use super::view::{drill_rows, month_words, overview_rows};
use super::{Drill, ReportsScreen};

impl ReportsScreen {
    /// Each show reads the totals again: a sync, a webhook or an import may have moved them.
    pub fn on_show(&mut self) {
        self.stale = true;
    }

    /// Takes the screen's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::Move(delta) => self.move_by(delta, cx),
            Action::Page(pages) => self.move_by(pages * self.page_rows(cx) as i64, cx),
            Action::Top => self.move_by(i64::MIN / 2, cx),
            Action::Bottom => self.move_by(i64::MAX / 2, cx),
            Action::ReportsMonth(step) => {
                let this_month = Self::this_month(cx);
                let next = months_after(self.month_on_show(cx), step);
                if next > this_month {
                    out.notify(
                        "This is the current month: nothing has been sold after it yet.",
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
            Action::ReportsGrouping => {
                self.by = self.by.next();
                self.selected = 0;
                self.top = 0;
                self.stale = true;
            }
            Action::Open => self.open_cell(cx, out),
            // Esc closes the transactions first, then goes back to the hub.
            Action::Back => {
                if self.drill.take().is_none() {
                    out.show(Screen::Hub);
                }
            }
            action => return Some(action),
        }
        None
    }

    /// Rows a page moves: the list on show (the overview's groups or the cell's transactions).
    fn page_rows(&self, cx: &Context) -> usize {
        match &self.drill {
            Some(_) => drill_rows(cx),
            None => overview_rows(cx, self.rows().len()),
        }
        .max(1)
    }

    fn move_by(&mut self, delta: i64, cx: &Context) {
        let rows = self.page_rows(cx);
        match &mut self.drill {
            Some(drill) => {
                let len = drill.cell.as_ref().map_or(0, |c| c.transactions.len());
                move_selection(&mut drill.selected, &mut drill.top, delta, len, rows);
            }
            None => {
                let len = self.rows().len();
                move_selection(&mut self.selected, &mut self.top, delta, len, rows);
            }
        }
    }

    /// Enter: the transactions behind the selected row's month.
    fn open_cell(&mut self, cx: &Context, out: &mut Outbox) {
        if self.drill.is_some() {
            return;
        }
        let Some(overview) = &self.overview else {
            return;
        };
        let Some(row) = self.selected_row() else {
            return;
        };
        let month = self.month_on_show(cx);
        out.request(Request::LoadRevenueCell {
            month,
            group: row.group.clone(),
            currency: overview.currency.clone(),
        });
        self.drill = Some(Drill {
            title: format!("{} · {}", row.label, month_words(month)),
            cell: None,
            error: None,
            selected: 0,
            top: 0,
        });
    }

    pub fn loaded(&mut self, answer: Result<RevenueOverview, String>) {
        self.loading = false;
        match answer {
            Ok(overview) => {
                let last = overview.rows.len().saturating_sub(1);
                self.selected = self.selected.min(last);
                self.top = self.top.min(self.selected);
                self.overview = Some(overview);
                self.error = None;
            }
            Err(message) => {
                self.overview = None;
                self.error = Some(message);
            }
        }
    }

    pub fn cell_loaded(&mut self, answer: Result<RevenueCell, String>) {
        // Esc may have closed it while it loaded.
        let Some(drill) = &mut self.drill else {
            return;
        };
        match answer {
            Ok(cell) => drill.cell = Some(cell),
            Err(message) => drill.error = Some(message),
        }
    }

    /// New sales move the totals.
    pub fn on_event(&mut self, event: &Event) {
        let changed = match event {
            Event::SyncLogChanged(log) => log.status != crate::api::SyncStatus::Started,
            Event::WebhooksChanged(_) => true,
            _ => false,
        };
        if changed {
            self.stale = true;
        }
    }
}
