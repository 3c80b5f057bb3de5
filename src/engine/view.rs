//! How a room fills the view of its integration beyond the stored record. The view itself is the
//! contract's ([`crate::api::view`]); `assemble` puts one together from the catalog, the record
//! and these extras.

use chrono::{DateTime, Utc};

use crate::api::view::{Fact, Freshness, IntegrationView};

/// What a provider adds to its view beyond the stored record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub facts: Vec<Fact>,
    pub warnings: Vec<String>,
    pub offer: Option<String>,
    pub retry_at: Option<DateTime<Utc>>,
    pub freshness: Option<Freshness>,
    pub next_sync_at: Option<DateTime<Utc>>,
    /// A more specific hint than the catalog's for the current state, with its step.
    pub hint: Option<String>,
    pub next_step: Option<crate::domain::NextStep>,
    /// See [`IntegrationView::attention`].
    pub attention: Option<String>,
}

impl IntegrationView {
    pub fn with_extras(mut self, extras: Extras) -> IntegrationView {
        self.facts = extras.facts;
        self.warnings = extras.warnings;
        self.offer = extras.offer;
        self.retry_at = extras.retry_at;
        self.freshness = extras.freshness;
        self.next_sync_at = extras.next_sync_at;
        self.attention = extras.attention;
        if extras.hint.is_some() || extras.next_step.is_some() {
            self.hint = extras.hint;
            self.next_step = extras.next_step;
        }
        self
    }
}
