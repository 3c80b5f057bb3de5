//! What the Reconcile screen's keys and the engine's answers do to it.

use crate::api::Event;
use crate::api::reconcile::ReconcileView;
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::confirm::{Confirm, threshold_moved};
use crate::tui::overlay::Overlay;
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::selection::move_selection;

use super::ReconcileScreen;
use super::import::ImportView;
use super::import::job::ImportAnswer;

impl ReconcileScreen {
    /// Each show reads the books again: a sync or an import may have moved them.
    pub fn on_show(&mut self) {
        self.stale = true;
    }

    /// Takes the screen's actions while it is on show; hands back the rest.
    pub fn update(&mut self, action: Action, cx: &Context, out: &mut Outbox) -> Option<Action> {
        match action {
            Action::Move(delta) => self.move_by(delta, cx),
            Action::Page(pages) => self.move_by(pages * Self::rows(cx).max(1) as i64, cx),
            Action::Top => self.move_by(i64::MIN / 2, cx),
            Action::Bottom => self.move_by(i64::MAX / 2, cx),
            Action::Open => self.accept(out),
            Action::ReconcileReject => {
                if let (Some(line), Some(candidate)) = (self.selected_line(), self.candidate()) {
                    out.request(Request::RejectMatch {
                        line: line.key.clone(),
                        candidate: candidate.id.clone(),
                    });
                }
            }
            Action::ReconcileEditGroup => self.edit_group(out),
            Action::ReconcileNextCandidate => {
                let count = self.candidates().len();
                if count > 1 {
                    self.choice = (self.choice + 1) % count;
                }
            }
            Action::ReconcileUndo => {
                if let Some(id) = self.matched_id() {
                    out.open(Overlay::Confirm(Box::new(Confirm::undo_match(id))));
                }
            }
            Action::ReconcileAcceptAll => {
                let count = self.above_threshold();
                if count == 0 {
                    out.notify(
                        format!(
                            "No suggestion is at least {}% sure: lower the threshold with -, or accept them one by one.",
                            self.threshold
                        ),
                        false,
                    );
                } else {
                    out.open(Overlay::Confirm(Box::new(Confirm::accept_above(
                        count,
                        self.threshold,
                        self.account.clone(),
                    ))));
                }
            }
            Action::ReconcileThreshold(step) => {
                self.threshold = threshold_moved(self.threshold, step);
                out.notify(
                    format!(
                        "Accept all takes suggestions at least {}% sure ({} now).",
                        self.threshold,
                        self.above_threshold()
                    ),
                    false,
                );
            }
            Action::ReconcileImport => {
                let on_show = self.view.as_ref().map(|v| v.account.as_str());
                out.open(Overlay::Import(Box::new(ImportView::new(
                    on_show.or(self.account.as_deref()),
                    self.kept_rules.clone(),
                ))));
            }
            Action::OpenFilter => {
                out.open(Overlay::Filter(tui_input::Input::new(self.filter.clone())))
            }
            // Esc clears the filter first, then goes back to the hub.
            Action::Back => {
                if self.filter.is_empty() {
                    out.show(Screen::Hub);
                } else {
                    self.filter_typed("");
                }
            }
            action => return Some(action),
        }
        None
    }

    fn accept(&mut self, out: &mut Outbox) {
        if let (Some(line), Some(candidate)) = (self.selected_line(), self.candidate()) {
            out.request(Request::AcceptMatch {
                account: self.account.clone(),
                line: line.key.clone(),
                candidate: candidate.id.clone(),
            });
        }
    }

    fn move_by(&mut self, delta: i64, cx: &Context) {
        let len = self.shown().len();
        let rows = Self::rows(cx);
        if move_selection(&mut self.selected, &mut self.top, delta, len, rows) {
            // Another row: its own candidate.
            self.choice = 0;
        }
    }

    /// What is typed in `/` so far.
    pub fn filter_typed(&mut self, text: &str) {
        self.filter = text.trim().to_string();
        self.selected = 0;
        self.top = 0;
        self.choice = 0;
    }

    pub fn loaded(&mut self, answer: Result<ReconcileView, String>) {
        self.loading = false;
        match answer {
            Ok(view) => {
                // Keep the row, not the line: an accepted line moves down among the matched,
                // and the next one to decide on takes its place.
                self.view = Some(view);
                self.error = None;
                let last = self.shown().len().saturating_sub(1);
                self.selected = self.selected.min(last);
                self.top = self.top.min(self.selected);
                self.choice = 0;
            }
            Err(message) => {
                self.view = None;
                self.error = Some(message);
            }
        }
    }

    /// A decision was saved (or refused): read the books again.
    pub fn changed(&mut self) {
        self.stale = true;
    }

    /// An import came through: its account is the one on show now, read afresh.
    pub fn bank_imported(&mut self, answer: &ImportAnswer) {
        if let ImportAnswer::Imported(summary) = answer {
            // Another account's rows are other rows: start at its top.
            let showing = self.view.as_ref().map(|v| v.account.as_str());
            if showing.or(self.account.as_deref()) != Some(summary.account.key.as_str()) {
                self.selected = 0;
                self.top = 0;
                self.choice = 0;
            }
            self.account = Some(summary.account.key.clone());
            self.stale = true;
        }
    }

    /// A sync or a delivery can bring new payments to match.
    pub fn on_event(&mut self, event: &Event) {
        if let Event::SyncLogChanged(log) = event
            && log.status != crate::api::SyncStatus::Started
        {
            self.stale = true;
        }
    }
}
