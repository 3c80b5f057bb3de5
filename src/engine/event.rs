//! What the engine tells its front ends. Plain serde types, so they can cross the control socket.

use serde::{Deserialize, Serialize};

use super::view::IntegrationView;
use crate::store::SyncLog;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An integration's status, last sync, error or settings changed.
    IntegrationChanged(IntegrationView),
    /// A sync run was added or moved on (started, completed, failed).
    SyncLogChanged(SyncLog),
}
