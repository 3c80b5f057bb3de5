//! An integration as the front ends see it: the catalog entry joined with what the store holds,
//! with the hint for its state. Carries no secret, so it can be printed, sent as JSON or shown.
//! The engine puts a view together (`engine::assemble`, filled by the rooms' `engine::view::Extras`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Provider, Status};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationView {
    pub provider: Provider,
    /// A further site of a chain (its Mindbody site id); None for the provider's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub name: String,
    pub description: String,
    /// False for catalog entries that are not built yet.
    pub available: bool,
    pub enabled: bool,
    pub status: Status,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    /// What the state means for the user, in words every front end can show as they are.
    pub hint: Option<String>,
    /// The step that mends it; see [`IntegrationView::advice`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<crate::domain::NextStep>,
    /// Non-secret settings only.
    pub settings: BTreeMap<String, String>,
    /// Whether credentials are saved (never what they are).
    pub has_credentials: bool,
    /// Provider-specific lines for the detail pane ("Key from", "Last test", ...).
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Things that work but should be put right (a legacy environment variable, ...).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// A fix the hub can apply with one key (`a`), described.
    #[serde(default)]
    pub offer: Option<String>,
    /// Rate-limited until then: the dashboard counts down to it.
    #[serde(default)]
    pub retry_at: Option<DateTime<Utc>>,
    /// Against the sync schedule, when there is one.
    #[serde(default)]
    pub freshness: Option<Freshness>,
    #[serde(default)]
    pub next_sync_at: Option<DateTime<Utc>>,
    /// Why it needs someone to act although its status looks fine (a scheduled sync long
    /// overdue, webhooks that Mindbody turned off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
}

/// Whether the last good sync is as recent as the schedule promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    OnTime,
    /// More than twice the interval since the last good sync.
    Delayed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

impl IntegrationView {
    pub fn id(&self) -> crate::domain::IntegrationId {
        crate::domain::IntegrationId {
            provider: self.provider,
            site: self.site.clone(),
        }
    }

    /// The hint and its step as `front` says them.
    pub fn advice(&self, front: crate::domain::FrontEnd) -> Option<String> {
        crate::domain::advice_at(
            self.hint.as_deref(),
            self.next_step,
            front,
            self.site.as_deref(),
        )
    }

    /// Counts against the exit code of `status`: enabled, and in a state someone must act on
    /// or with a reason to act although the state looks fine.
    pub fn needs_attention(&self) -> bool {
        self.enabled && (self.status.needs_attention() || self.attention.is_some())
    }
}
