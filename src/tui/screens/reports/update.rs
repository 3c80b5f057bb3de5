//! What the Reports screen's keys and the engine's answers do to it.

use crate::api::Event;
use crate::api::cashflow::{CashFlow, ContractsPlan, ContractsReport};
use crate::api::reports::{RevenueCell, RevenueOverview};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::confirm::Confirm;
use crate::tui::overlay::{Overlay, Popup};
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::selection::move_selection;

use super::cash_flow_view::week_rows;
use super::revenue_view::{drill_rows, month_words, overview_rows};
use super::state::{HORIZONS, ReportsTab, months_after};
use super::{Drill, ReportsScreen};

impl ReportsScreen {
    /// Each show reads the totals again: a sync, a webhook or an import may have moved them.
    pub fn on_show(&mut self) {
        self.stale = true;
        self.cash.stale = true;
        self.budget.changed();
    }

    /// Takes the screen's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match self.tab {
            ReportsTab::CashFlow => return self.cash_flow_update(action, cx, out),
            ReportsTab::Budget => {
                if action == Action::NextPane {
                    self.tab = self.tab.next();
                    return None;
                }
                return self.budget.update(action, cx, out);
            }
            ReportsTab::Revenue => {}
        }
        match action {
            Action::NextPane if self.drill.is_none() => self.tab = self.tab.next(),
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
            Action::ReportsExplain { again } => self.explain(again, cx, out),
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

    /// The cash flow view's keys: the weeks move, `d` the horizon, `r` reads the contracts.
    fn cash_flow_update(
        &mut self,
        action: Action,
        cx: &Context,
        out: &mut Outbox,
    ) -> Option<Action> {
        let rows = week_rows(cx).max(1);
        let weeks = self.cash.flow.as_ref().map_or(0, |f| f.weeks.len());
        let move_by = |cash: &mut super::state::CashFlowView, delta: i64| {
            let mut selected = cash.selected.unwrap_or(cash.top);
            move_selection(&mut selected, &mut cash.top, delta, weeks, rows);
            cash.selected = Some(selected);
        };
        match action {
            Action::NextPane => self.tab = self.tab.next(),
            Action::Move(delta) => move_by(&mut self.cash, delta),
            Action::Page(pages) => move_by(&mut self.cash, pages * rows as i64),
            Action::Top => move_by(&mut self.cash, i64::MIN / 2),
            Action::Bottom => move_by(&mut self.cash, i64::MAX / 2),
            Action::ReportsHorizon => {
                self.cash.horizon = (self.cash.horizon + 1) % HORIZONS.len();
                self.cash.selected = None;
                self.cash.top = 0;
                self.cash.stale = true;
            }
            Action::ReportsReadContracts => self.read_contracts(out),
            Action::Back => out.show(Screen::Hub),
            action => return Some(action),
        }
        None
    }

    /// `r`: reads the members' contracts. The first full read costs a call per member, so it
    /// is asked about first, with its cost; later reads take only what changed.
    fn read_contracts(&mut self, out: &mut Outbox) {
        if self.cash.reading {
            out.notify("The contracts are being read already.", false);
            return;
        }
        let Some(plan) = &self.cash.plan else {
            out.notify(
                "Still working out what reading the contracts would cost…",
                false,
            );
            return;
        };
        if plan.first_read {
            out.open(Overlay::Confirm(Box::new(Confirm::read_contracts(plan))));
        } else {
            self.cash.reading = true;
            out.start(
                Request::RefreshContracts {
                    first_read_agreed: false,
                },
                "Reading the contracts that changed…",
            );
        }
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

    pub fn cash_flow_loaded(&mut self, answer: Result<CashFlow, String>) {
        self.cash.loading = false;
        match answer {
            Ok(flow) => {
                let last = flow.weeks.len().saturating_sub(1);
                self.cash.selected = self.cash.selected.map(|s| s.min(last));
                self.cash.top = self.cash.top.min(last);
                self.cash.flow = Some(flow);
                self.cash.error = None;
            }
            Err(message) => {
                self.cash.flow = None;
                self.cash.error = Some(message);
            }
        }
    }

    pub fn contracts_plan_loaded(&mut self, answer: Result<ContractsPlan, String>) {
        // Without a plan `r` says it cannot tell the cost yet; the error is the cash flow's too.
        self.cash.plan = answer.ok();
    }

    /// A read of the contracts ended: say what it did and cost, and read the flow again.
    pub fn contracts_read(&mut self, answer: Result<ContractsReport, String>, out: &mut Outbox) {
        self.cash.reading = false;
        self.cash.stale = true;
        match answer {
            Ok(report) => {
                let failed = report.failed > 0;
                out.notify(report.words(), failed);
            }
            Err(message) => out.notify(message, true),
        }
    }

    /// `i`: the month on show explained: the kept answer at once, else Gemini is asked (it is
    /// sent the month's aggregates only, as `[gemini] books_access` allows); `I` asks anew.
    fn explain(&mut self, again: bool, cx: &Context, out: &mut Outbox) {
        if self.explaining {
            out.notify("Gemini is explaining a month already.", false);
            return;
        }
        self.explaining = true;
        let month = self.month_on_show(cx);
        let what = if again {
            format!("Asking Gemini anew about {}…", month.format("%B %Y"))
        } else {
            format!("Explaining {}…", month.format("%B %Y"))
        };
        out.start(Request::ExplainMonth { day: month, again }, &what);
    }

    pub fn month_explained(
        &mut self,
        answer: Result<crate::integrations::gemini::explain::Explained, String>,
        out: &mut Outbox,
    ) {
        self.explaining = false;
        match answer {
            Ok(explained) => {
                let insight = &explained.insight;
                let when = if explained.asked_now {
                    "asked now".to_string()
                } else {
                    format!(
                        "kept from {} · I asks anew",
                        insight.asked_at.format("%Y-%m-%d %H:%M UTC")
                    )
                };
                let mut body = crate::text::escape_controls(insight.text.trim_end());
                if let (true, Some(usage)) = (explained.asked_now, insight.usage) {
                    body.push_str(&format!("\n\n{}", usage.words()));
                }
                out.open(Overlay::Popup(Popup {
                    title: format!("{} explained by {} · {when}", insight.month, insight.model),
                    body,
                    scroll: 0,
                }));
                out.notify("Esc closes the explanation.", false);
            }
            Err(message) => out.notify(message, true),
        }
    }

    /// New sales move the totals and what arrived; a contract's webhook, what is expected.
    pub fn on_event(&mut self, event: &Event) {
        let changed = match event {
            Event::SyncLogChanged(log) => log.status != crate::api::SyncStatus::Started,
            Event::WebhooksChanged(_) => true,
            _ => false,
        };
        if changed {
            self.stale = true;
            self.cash.stale = true;
            self.budget.changed();
        }
    }
}
