//! What the engine tells its front ends. Plain serde types, so they can cross the control socket.

use serde::{Deserialize, Serialize};

use super::view::IntegrationView;
use crate::domain::Provider;
use crate::integrations::gemini::report::TestReport;
use crate::store::chat::ChatMessage;
use crate::store::sync_logs::SyncLog;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An integration's status, last sync, error or settings changed.
    IntegrationChanged(IntegrationView),
    /// A sync run was added or moved on (started, completed, failed).
    SyncLogChanged(SyncLog),
    /// A Gemini connection test finished (the status change comes as `IntegrationChanged`).
    GeminiTested(TestReport),
    /// A background job could not run at all; `step` mends it, when one does.
    JobFailed {
        provider: Provider,
        error: String,
        #[serde(default)]
        step: Option<crate::domain::NextStep>,
    },
    /// A chat question was saved and its reply (empty, streaming) begun.
    ChatStarted {
        user: ChatMessage,
        reply: ChatMessage,
    },
    /// More text of a reply.
    ChatDelta {
        conversation: u64,
        seq: u64,
        text: String,
    },
    /// A reply is complete, cancelled or failed; the message as saved.
    ChatFinished(ChatMessage),
    /// A sign-in waits for the user: the address to open (or that was opened).
    ConnectWaiting {
        provider: Provider,
        /// A further site of a chain (None: the provider's first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
        sign_in: super::sign_in::SignIn,
    },
    /// Webhook deliveries arrived or were processed (at most ten a second).
    WebhooksChanged(super::webhooks::WebhookSummary),
    /// A sign-in ended: connected (no error) or not.
    ConnectFinished {
        provider: Provider,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
        error: Option<String>,
        /// The user stopped it (the error says so too).
        #[serde(default)]
        cancelled: bool,
        /// What mends the error, said by each front end in its own words.
        #[serde(default)]
        step: Option<crate::domain::NextStep>,
    },
    /// A reply waits to ask Gemini again (its quota used up, overloaded): why, in a few words,
    /// and when it asks. Text or another wait follows, or the end.
    ChatRetrying {
        conversation: u64,
        seq: u64,
        reason: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The bank accounts' standing was worked out again (after a decision, an import, a sync).
    BankStandingChanged(Vec<super::bank_standing::BankStandingView>),
    /// The Postgres mirror connected, failed, or what waits for it changed (at most twice a
    /// second while changes stream through).
    MirrorChanged(super::mirror::MirrorStatus),
}
