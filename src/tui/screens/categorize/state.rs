//! The Categorize screen's state: the suggestions as the engine last read them, which one is
//! selected, the class the user has picked for it (the suggested one until ←→ moves it), the
//! filter and the bulk-accept threshold.

use crate::api::categorize::{CategorizeView, Decision, SuggestionView};
use crate::tui::action::Request;
use crate::tui::layout;
use crate::tui::screens::context::Context;

pub struct CategorizeScreen {
    pub view: Option<CategorizeView>,
    /// Why the last load failed.
    pub error: Option<String>,
    /// Index into [`CategorizeScreen::shown`].
    pub selected: usize,
    pub top: usize,
    /// Suggestions whose payee, original text, class, date or amount contain it.
    pub filter: String,
    /// The class ←→ picked for the selected suggestion, as an index into the view's classes;
    /// None: the suggested class.
    pub picked: Option<usize>,
    /// Accepting in bulk takes open suggestions at least this sure, in percent.
    pub threshold: u8,
    /// A run is going on (it may be waiting on Gemini).
    pub running: bool,
    pub(crate) stale: bool,
    pub(crate) loading: bool,
}

impl Default for CategorizeScreen {
    fn default() -> Self {
        CategorizeScreen {
            view: None,
            error: None,
            selected: 0,
            top: 0,
            filter: String::new(),
            picked: None,
            threshold: 90,
            running: false,
            stale: true,
            loading: false,
        }
    }
}

impl CategorizeScreen {
    /// Rows of suggestions on screen.
    pub fn rows(cx: &Context) -> usize {
        usize::from(
            layout::list_and_detail_areas(cx.size)
                .0
                .height
                .saturating_sub(3),
        )
    }

    /// The suggestions under the filter, in the engine's order (open first).
    pub fn shown(&self) -> Vec<&SuggestionView> {
        let Some(view) = &self.view else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        view.items
            .iter()
            .filter(|item| {
                needle.is_empty()
                    || item.payee.to_lowercase().contains(&needle)
                    || item.original.to_lowercase().contains(&needle)
                    || item
                        .class
                        .as_deref()
                        .is_some_and(|c| c.to_lowercase().contains(&needle))
                    || item.date.to_string().contains(&needle)
                    || item.amount.to_string().contains(&needle)
            })
            .collect()
    }

    pub fn selected_item(&self) -> Option<&SuggestionView> {
        self.shown().get(self.selected).copied()
    }

    /// The selected suggestion when nobody has decided on it yet.
    pub fn open_item(&self) -> Option<&SuggestionView> {
        self.selected_item()
            .filter(|item| item.decision == Decision::Open)
    }

    /// The selected suggestion when it was accepted or rejected.
    pub fn decided_item(&self) -> Option<&SuggestionView> {
        self.selected_item()
            .filter(|item| item.decision != Decision::Open)
    }

    /// The class Enter would apply to the selected open suggestion: the one picked with ←→,
    /// else the suggested one.
    pub fn class_to_apply(&self) -> Option<String> {
        let item = self.open_item()?;
        match self.picked {
            Some(i) => self.classes().get(i).cloned(),
            None => item.class.clone(),
        }
    }

    /// Whether the class Enter would apply is another than the suggested one.
    pub fn class_changed(&self) -> bool {
        self.picked.is_some()
            && self.class_to_apply() != self.open_item().and_then(|i| i.class.clone())
    }

    pub fn classes(&self) -> &[String] {
        self.view.as_ref().map_or(&[], |v| v.classes.as_slice())
    }

    /// How many open suggestions the bulk accept would take now.
    pub fn above_threshold(&self) -> usize {
        let at_least = f64::from(self.threshold) / 100.0;
        self.view.as_ref().map_or(0, |view| {
            view.items
                .iter()
                .filter(|i| {
                    i.decision == Decision::Open && i.class.is_some() && i.confidence >= at_least
                })
                .count()
        })
    }

    /// Open suggestions in the whole view (the filter aside).
    pub fn open_count(&self) -> usize {
        self.view.as_ref().map_or(0, |view| {
            view.items
                .iter()
                .filter(|i| i.decision == Decision::Open)
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
        Some(Request::LoadCategorize)
    }
}
