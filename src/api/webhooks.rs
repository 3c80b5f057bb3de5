//! What the front ends are told about webhooks: the counts the events pane and the hub show (sent
//! in `WebhooksChanged` events), the rejected attempts, and the events pane's rows. Plain serde
//! types; the counts, states, rejected attempts and subscription inside are the store's records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::integrations::mindbody::webhooks::subscriptions::Subscription;
use crate::store::rejections::RejectedAttempt;
use crate::store::webhooks::{WebhookCounts, WebhookState};

/// The counts the events pane and the hub show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookSummary {
    pub counts: WebhookCounts,
    /// Stored, not yet processed.
    pub pending: u64,
    /// The subscription as last seen at Mindbody.
    pub subscription: Option<Subscription>,
    /// Where this process receives deliveries, if it does.
    pub listening_on: Option<String>,
    /// Attempts turned away: counts, rate and the most recent kept.
    /// Boxed: it is most of the summary's size, and the summary travels in events.
    #[serde(default)]
    pub rejections: Box<RejectionSummary>,
    /// Verified deliveries answered 503 because the inbox was full (Mindbody delivers them
    /// again), since the receiving process started.
    #[serde(default)]
    pub inbox_full: u64,
}

/// One row of the events pane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub seq: u64,
    pub at: chrono::DateTime<Utc>,
    /// "received", "duplicate" or "rejected".
    pub kind: String,
    pub event_type: String,
    pub message_id: String,
    pub state: Option<WebhookState>,
    /// The outcome, the error, or why it was rejected.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEventPage {
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<WebhookRow>,
}

/// The rejections as the events screen and `webhooks events` show them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RejectionSummary {
    pub total: u64,
    /// Per reason, by its label.
    pub by_reason: Vec<(String, u64)>,
    /// Answered 429 and not kept.
    pub throttled: u64,
    pub last_at: Option<DateTime<Utc>>,
    /// How many the ring holds, and how many it can.
    pub kept: u64,
    pub capacity: u64,
    /// Rejected attempts in the last minute and the last hour (as far as this process saw and
    /// the ring remembers).
    pub last_minute: u64,
    pub last_hour: u64,
    /// The most recent, newest first.
    pub recent: Vec<RejectedAttempt>,
}

impl RejectionSummary {
    /// "312 in the last minute, 2,664 in the last hour"
    pub fn rate_text(&self) -> String {
        format!(
            "{} in the last minute, {} in the last hour",
            crate::format::thousands(self.last_minute),
            crate::format::thousands(self.last_hour)
        )
    }

    /// "1,000 most recent kept of 2,664 rejected"
    pub fn kept_text(&self) -> String {
        format!(
            "{} most recent kept of {} rejected",
            crate::format::thousands(self.kept),
            crate::format::thousands(self.total)
        )
    }
}
