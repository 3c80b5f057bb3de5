//! The Reconcile screen's state: which bank account is on show, its lines as the engine
//! reconciled them, which one is selected, which of its candidates is on show, the filter and
//! the bulk-accept threshold; and where an import keeps a CSV's rules.

use crate::api::KeptRules;
use crate::api::reconcile::{CandidateView, LineState, LineView, ReconcileView};
use crate::tui::action::Request;
use crate::tui::layout;
use crate::tui::screens::context::Context;

pub struct ReconcileScreen {
    /// The bank account on show (its key); None: the only one there is.
    pub account: Option<String>,
    /// Where imports keep an account's CSV rules (beside the config file).
    pub kept_rules: Option<KeptRules>,
    pub view: Option<ReconcileView>,
    /// Why the last load failed (no statement imported yet, say).
    pub error: Option<String>,
    /// Index into [`ReconcileScreen::shown`].
    pub selected: usize,
    pub top: usize,
    /// Lines whose payee, memo, date or amount contain it.
    pub filter: String,
    /// Which candidate of the selected line is on show: 0 is the best.
    pub choice: usize,
    /// Accepting in bulk takes suggestions at least this sure, in percent.
    pub threshold: u8,
    pub(crate) stale: bool,
    pub(crate) loading: bool,
}

impl Default for ReconcileScreen {
    fn default() -> Self {
        ReconcileScreen {
            account: None,
            kept_rules: None,
            view: None,
            error: None,
            selected: 0,
            top: 0,
            filter: String::new(),
            choice: 0,
            threshold: 95,
            stale: true,
            loading: false,
        }
    }
}

impl ReconcileScreen {
    /// Rows of lines on screen.
    pub fn rows(cx: &Context) -> usize {
        usize::from(
            layout::list_and_detail_areas(cx.size)
                .0
                .height
                .saturating_sub(3),
        )
    }

    /// The lines under the filter, in the engine's order (unmatched first).
    pub fn shown(&self) -> Vec<&LineView> {
        let Some(view) = &self.view else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        view.lines
            .iter()
            .filter(|line| {
                needle.is_empty()
                    || line.payee.to_lowercase().contains(&needle)
                    || line.memo.to_lowercase().contains(&needle)
                    || line.date.to_string().contains(&needle)
                    || line.amount.to_string().contains(&needle)
            })
            .collect()
    }

    pub fn selected_line(&self) -> Option<&LineView> {
        self.shown().get(self.selected).copied()
    }

    /// The selected line's candidates, best first.
    pub fn candidates(&self) -> Vec<&CandidateView> {
        let Some(line) = self.selected_line() else {
            return Vec::new();
        };
        match &line.state {
            LineState::Suggested { best } => {
                std::iter::once(best).chain(line.others.iter()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The candidate on show for the selected line.
    pub fn candidate(&self) -> Option<&CandidateView> {
        let candidates = self.candidates();
        candidates
            .get(self.choice.min(candidates.len().saturating_sub(1)))
            .copied()
    }

    pub fn matched_id(&self) -> Option<&str> {
        match &self.selected_line()?.state {
            LineState::Matched { match_id, .. } => Some(match_id),
            _ => None,
        }
    }

    /// How many best suggestions the bulk accept would take now.
    pub fn above_threshold(&self) -> usize {
        let at_least = f64::from(self.threshold) / 100.0;
        self.view.as_ref().map_or(0, |view| {
            view.lines
                .iter()
                .filter(|l| matches!(&l.state, LineState::Suggested { best } if best.confidence >= at_least))
                .count()
        })
    }

    /// What it needs loaded while it is on show.
    pub fn requests(&mut self, on_show: bool) -> Option<Request> {
        if !on_show || !self.stale || self.loading {
            return None;
        }
        self.stale = false;
        self.loading = true;
        Some(Request::LoadReconcile(self.account.clone()))
    }
}
