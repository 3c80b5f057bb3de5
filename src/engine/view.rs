//! An integration as the front ends see it: the catalog entry joined with what the store holds,
//! with the hint for its state. Carries no secret, so it can be printed, sent as JSON or shown.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Provider, Status};
use crate::providers::catalog;
use crate::store::IntegrationRecord;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationView {
    pub provider: Provider,
    pub name: String,
    pub description: String,
    /// False for catalog entries that are not built yet.
    pub available: bool,
    pub enabled: bool,
    pub status: Status,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub error_message: Option<String>,
    pub hint: Option<String>,
    /// Non-secret settings only.
    pub settings: BTreeMap<String, String>,
    /// Whether credentials are saved (never what they are).
    pub has_credentials: bool,
}

impl IntegrationView {
    pub fn build(provider: Provider, record: Option<&IntegrationRecord>) -> IntegrationView {
        let entry = catalog::entry(provider);
        let status = match record {
            Some(r) if entry.available => r.status,
            _ => catalog::initial_status(provider),
        };
        IntegrationView {
            provider,
            name: provider.name().to_string(),
            description: entry.description.to_string(),
            available: entry.available,
            enabled: record.is_none_or(|r| r.is_enabled),
            status,
            last_sync_at: record.and_then(|r| r.last_sync_at),
            error_message: record.and_then(|r| r.error_message.clone()),
            hint: catalog::hint(provider, status),
            settings: record.map(|r| r.settings.clone()).unwrap_or_default(),
            has_credentials: record.is_some_and(|r| r.credentials.is_some()),
        }
    }

    /// Counts against the exit code of `status`: enabled, and in a state someone must act on.
    pub fn needs_attention(&self) -> bool {
        self.enabled && self.status.needs_attention()
    }
}
