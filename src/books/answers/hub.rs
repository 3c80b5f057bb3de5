//! What the hub knows of its integrations, for the chat's tools: each one's status and last
//! sync, and a provider's recent sync runs. Errors are cut to one short line.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AnswerError, MAX_ROWS};
use crate::domain::Provider;
use crate::store::Store;

/// The most characters of an error message told.
const ERROR_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrationStatus {
    pub integration: &'static str,
    pub status: &'static str,
    pub enabled: bool,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// Every integration's status ("not set up" for one never configured).
pub fn integration_status(store: &Store) -> Result<Vec<IntegrationStatus>, AnswerError> {
    Provider::ALL
        .into_iter()
        .map(|provider| {
            let record = store.integration(provider)?;
            Ok(IntegrationStatus {
                integration: provider.name(),
                status: record.as_ref().map_or("not set up", |r| r.status.label()),
                enabled: record.as_ref().is_some_and(|r| r.is_enabled),
                last_sync_at: record.as_ref().and_then(|r| r.last_sync_at),
                error: record
                    .and_then(|r| r.error_message)
                    .map(|e| crate::text::one_line_within(&e, ERROR_CHARS)),
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncRun {
    pub sync_type: String,
    pub status: &'static str,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub new: u64,
    pub updated: u64,
    pub api_calls: u64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncHistory {
    pub integration: &'static str,
    /// Runs ever recorded.
    pub total: u64,
    /// The newest first.
    pub runs: Vec<SyncRun>,
}

/// `provider`'s `n` (at most [`MAX_ROWS`]) newest sync runs.
pub fn sync_history(store: &Store, provider: &str, n: usize) -> Result<SyncHistory, AnswerError> {
    let provider = Provider::from_id(provider.trim()).ok_or_else(|| {
        let ids: Vec<&str> = Provider::ALL.iter().map(|p| p.id()).collect();
        AnswerError::Invalid(format!("`provider` is one of {}", ids.join(", ")))
    })?;
    let page = store.sync_log_page(provider, 0, n.min(MAX_ROWS))?;
    Ok(SyncHistory {
        integration: provider.name(),
        total: page.total,
        runs: page
            .rows
            .into_iter()
            .map(|log| SyncRun {
                sync_type: log.sync_type,
                status: log.status.label(),
                started_at: log.started_at,
                completed_at: log.completed_at,
                new: log.records.new,
                updated: log.records.updated,
                api_calls: log.api_calls,
                error: log
                    .error_details
                    .map(|e| crate::text::one_line_within(&e, ERROR_CHARS)),
            })
            .collect(),
    })
}
