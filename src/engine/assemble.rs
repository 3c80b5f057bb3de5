//! Putting an integration's view together: the stored record (or the catalog's starting state)
//! with the hint for its state and what its room adds, through the extras function the catalog
//! names for it. The engine never matches on the provider here.

use chrono::{DateTime, Utc};

use crate::api::view::IntegrationView;
use crate::config::Config;
use crate::domain::{Provider, Status};
use crate::integrations::catalog;
use crate::store::IntegrationRecord;
use crate::store::snapshot::HubFacts;

/// An integration as the front ends see it, made of the hub's facts (the live store or the
/// status snapshot), the config and the time the reader took the store (`opened_at`).
pub(crate) fn assemble(
    facts: &dyn HubFacts,
    config: &Config,
    provider: Provider,
    record: Option<&IntegrationRecord>,
    opened_at: DateTime<Utc>,
) -> IntegrationView {
    let stale;
    // The reader holds the store, so a "syncing" written before it took the lock was written
    // by a process that is gone (only the glance, which does not repair, meets one).
    let record = match record {
        Some(r) if r.status == Status::Syncing && r.updated_at < opened_at => {
            stale = IntegrationRecord {
                status: super::sync_summary::status_before_the_run(r),
                ..r.clone()
            };
            Some(&stale)
        }
        other => other,
    };
    let view = IntegrationView::build(provider, record);
    match catalog::entry(provider).extras {
        Some(extras) => view.with_extras(extras(facts, config, record)),
        None => view,
    }
}

/// Every integration in the catalog, in catalog order, as [`assemble`] makes it.
pub(crate) fn every(
    facts: &dyn HubFacts,
    config: &Config,
    opened_at: DateTime<Utc>,
) -> Result<Vec<IntegrationView>, crate::store::StoreError> {
    Provider::ALL
        .into_iter()
        .map(|p| {
            Ok(assemble(
                facts,
                config,
                p,
                facts.integration(p)?.as_ref(),
                opened_at,
            ))
        })
        .collect()
}

/// The record a provider starts from when nothing is stored for it yet.
pub(crate) fn new_record(provider: Provider, at: DateTime<Utc>) -> IntegrationRecord {
    IntegrationRecord::new(provider, catalog::initial_status(provider), at)
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
            next_step: catalog::step(provider, status),
            settings: record.map(|r| r.settings.clone()).unwrap_or_default(),
            has_credentials: record.is_some_and(|r| r.credentials.is_some()),
            facts: Vec::new(),
            warnings: Vec::new(),
            offer: None,
            retry_at: None,
            freshness: None,
            next_sync_at: None,
            attention: None,
        }
    }
}
