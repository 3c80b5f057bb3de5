//! What the front ends are told about webhooks: the counts the events pane and the hub show (sent
//! in `WebhooksChanged` events) and the events pane's rows. Plain serde types; a leaf.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::rejected::RejectionSummary;
use super::subscriptions::Subscription;
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
