//! What the Categorize screen's keys and the engine's answers do to it.

use crate::api::Event;
use crate::api::categorize::{CategorizeView, Decide, RunReport};
use crate::tui::action::{Action, Request};
use crate::tui::app::Screen;
use crate::tui::confirm::{Confirm, threshold_moved};
use crate::tui::overlay::Overlay;
use crate::tui::screens::context::{Context, Outbox};
use crate::tui::selection::move_selection;

use super::CategorizeScreen;

impl CategorizeScreen {
    /// Each show reads the books again: a sync, an import or the command line may have moved them.
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
            Action::Open => self.accept(false, out),
            Action::CategorizeRule => self.accept(true, out),
            Action::CategorizeClass(step) => self.pick_class(step),
            Action::CategorizeReject => {
                if let Some(item) = self.open_item() {
                    out.request(Request::DecideSuggestion {
                        subject: item.subject.clone(),
                        decide: Decide::Reject,
                    });
                }
            }
            Action::CategorizeUndo => {
                if let Some(item) = self.decided_item() {
                    out.request(Request::DecideSuggestion {
                        subject: item.subject.clone(),
                        decide: Decide::Undo,
                    });
                }
            }
            Action::CategorizeAcceptAll => {
                let count = self.above_threshold();
                if count == 0 {
                    out.notify(
                        format!(
                            "No open suggestion is at least {}% sure: lower the threshold with -, or accept them one by one.",
                            self.threshold
                        ),
                        false,
                    );
                } else {
                    out.open(Overlay::Confirm(Box::new(Confirm::accept_classes_above(
                        count,
                        self.threshold,
                    ))));
                }
            }
            Action::CategorizeThreshold(step) => {
                self.threshold = threshold_moved(self.threshold, step);
                out.notify(
                    format!(
                        "Accept all takes open suggestions at least {}% sure ({} now).",
                        self.threshold,
                        self.above_threshold()
                    ),
                    false,
                );
            }
            Action::CategorizeRun => {
                if self.running {
                    out.notify(String::from("A run is going on already."), false);
                } else {
                    // A dry run first: it says what Gemini would be asked before anything is sent.
                    self.running = true;
                    out.request(Request::PlanCategorize);
                    out.notify(String::from("Looking at what has no class yet…"), false);
                }
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

    fn accept(&mut self, rule: bool, out: &mut Outbox) {
        let Some(item) = self.open_item() else { return };
        let Some(class) = self.class_to_apply() else {
            out.notify(
                String::from(
                    "Nothing suggested a class for this one: pick one with ←→, then Enter.",
                ),
                false,
            );
            return;
        };
        out.request(Request::DecideSuggestion {
            subject: item.subject.clone(),
            decide: Decide::Accept {
                class: Some(class),
                rule,
                pattern: None,
            },
        });
    }

    /// ←→: the next or previous of the studio's classes, starting from the suggested one.
    fn pick_class(&mut self, step: i64) {
        let count = self.classes().len();
        if count == 0 || self.open_item().is_none() {
            return;
        }
        let from = self.picked.or_else(|| {
            let suggested = self.open_item()?.class.clone()?;
            self.classes().iter().position(|c| *c == suggested)
        });
        let next = match from {
            Some(i) => (i as i64 + step).rem_euclid(count as i64) as usize,
            None if step > 0 => 0,
            None => count - 1,
        };
        self.picked = Some(next);
    }

    fn move_by(&mut self, delta: i64, cx: &Context) {
        let len = self.shown().len();
        let rows = Self::rows(cx);
        if move_selection(&mut self.selected, &mut self.top, delta, len, rows) {
            // Another row: its own class picked.
            self.picked = None;
        }
    }

    /// What is typed in `/` so far.
    pub fn filter_typed(&mut self, text: &str) {
        self.filter = text.trim().to_string();
        self.selected = 0;
        self.top = 0;
        self.picked = None;
    }

    pub fn loaded(&mut self, answer: Result<CategorizeView, String>) {
        self.loading = false;
        match answer {
            Ok(view) => {
                // Keep the row, not the item: an accepted one moves down among the decided,
                // and the next one to decide on takes its place.
                self.view = Some(view);
                self.error = None;
                let last = self.shown().len().saturating_sub(1);
                self.selected = self.selected.min(last);
                self.top = self.top.min(self.selected);
                self.picked = None;
            }
            Err(message) => {
                self.view = None;
                self.error = Some(message);
            }
        }
    }

    /// A decision was saved (or refused): read the suggestions again.
    pub fn changed(&mut self) {
        self.stale = true;
    }

    /// The dry run's answer: nothing for Gemini runs at once (rules and the cache cost nothing);
    /// else the question of what Gemini will be sent.
    pub fn planned(&mut self, plan: Result<RunReport, String>, out: &mut Outbox) {
        match plan {
            Err(message) => {
                self.running = false;
                out.notify(message, true);
            }
            Ok(plan) if plan.planned_requests == 0 => out.request(Request::RunCategorize),
            Ok(plan) => {
                self.running = false;
                out.open(Overlay::Confirm(Box::new(Confirm::ask_gemini(&plan))));
            }
        }
    }

    /// A run finished (or failed): say what it did and cost, and read the suggestions again.
    pub fn ran(&mut self, report: Result<RunReport, String>, out: &mut Outbox) {
        self.running = false;
        self.stale = true;
        match report {
            Ok(report) => {
                let is_error = report.failed.is_some();
                out.notify(run_words(&report), is_error);
            }
            Err(message) => out.notify(message, true),
        }
    }

    /// New transactions or bank lines may want a class.
    pub fn on_event(&mut self, event: &Event) {
        if let Event::SyncLogChanged(log) = event
            && log.status != crate::api::SyncStatus::Started
        {
            self.stale = true;
        }
    }
}

/// A run's outcome in one line: what answered, what it cost, what went wrong.
pub fn run_words(report: &RunReport) -> String {
    let mut words = format!(
        "{} suggested: {} by rules, {} from earlier answers, {} by Gemini",
        report.by_rule + report.by_cache + report.by_gemini,
        report.by_rule,
        report.by_cache,
        report.by_gemini
    );
    if report.requests > 0 {
        words.push_str(&format!(
            " ({} request{}, {} tokens)",
            report.requests,
            if report.requests == 1 { "" } else { "s" },
            report.usage.total
        ));
    }
    if report.misfit_batches > 0 {
        words.push_str(&format!(
            "; {} batch{} answered off the schema twice, nothing of {} applied",
            report.misfit_batches,
            if report.misfit_batches == 1 { "" } else { "es" },
            if report.misfit_batches == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    if report.withheld > 0 {
        words.push_str(&format!(
            "; {} held back by [gemini] books_access",
            report.withheld
        ));
    }
    words.push_str(&format!("; {} open.", report.open));
    if let Some(failed) = &report.failed {
        words.push(' ');
        words.push_str(failed);
    }
    words
}
