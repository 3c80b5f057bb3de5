//! Putting an integration's view together: the stored record (or the catalog's starting state)
//! with the hint for its state and what its room adds, through the extras function the catalog
//! names for it. The engine never matches on the provider here.

use chrono::{DateTime, Utc};

use crate::api::view::IntegrationView;
use crate::config::Config;
use crate::domain::{IntegrationId, Provider, Status};
use crate::integrations::catalog;
use crate::store::IntegrationRecord;
use crate::store::snapshot::HubFacts;

/// An integration as the front ends see it, made of the hub's facts (the live store or the
/// status snapshot), the config and the time the reader took the store (`opened_at`).
pub(crate) fn assemble(
    facts: &dyn HubFacts,
    config: &Config,
    id: &IntegrationId,
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
    let view = IntegrationView::build(id, record);
    match catalog::entry(id.provider).extras {
        Some(extras) => view.with_extras(extras(facts, config, record)),
        None => view,
    }
}

/// Every integration, in catalog order, each provider followed by its further sites, as
/// [`assemble`] makes it.
pub(crate) fn every(
    facts: &dyn HubFacts,
    config: &Config,
    opened_at: DateTime<Utc>,
) -> Result<Vec<IntegrationView>, crate::store::StoreError> {
    every_id(facts)?
        .iter()
        .map(|id| {
            Ok(assemble(
                facts,
                config,
                id,
                facts.integration(id)?.as_ref(),
                opened_at,
            ))
        })
        .collect()
}

/// Every integration's id, in catalog order, each provider followed by its further sites.
pub(crate) fn every_id(
    facts: &dyn HubFacts,
) -> Result<Vec<IntegrationId>, crate::store::StoreError> {
    let mut ids = Vec::new();
    for provider in Provider::ALL {
        ids.push(IntegrationId::from(provider));
        if let Some(further_sites) = catalog::entry(provider).further_sites {
            for site in further_sites(facts)? {
                ids.push(IntegrationId::site(provider, &site));
            }
        }
    }
    Ok(ids)
}

/// The record an integration starts from when nothing is stored for it yet.
pub(crate) fn new_record(id: impl Into<IntegrationId>, at: DateTime<Utc>) -> IntegrationRecord {
    let id = id.into();
    let status = catalog::initial_status(id.provider);
    IntegrationRecord::new(id, status, at)
}

impl IntegrationView {
    pub fn build(
        id: impl Into<IntegrationId>,
        record: Option<&IntegrationRecord>,
    ) -> IntegrationView {
        let IntegrationId { provider, site } = id.into();
        let name = IntegrationId {
            provider,
            site: site.clone(),
        }
        .label();
        let entry = catalog::entry(provider);
        let status = match record {
            Some(r) if entry.available => r.status,
            _ => catalog::initial_status(provider),
        };
        IntegrationView {
            provider,
            site,
            name,
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
