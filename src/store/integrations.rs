//! The `integrations` tree: one record per integration (a provider; each further Mindbody site of
//! a chain its own, see [`IntegrationId`]), mirroring Legion Finance's `integrations` table, with the denormalized status, last sync and last error the status glance reads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::outbox::MirroredTable;
use super::seal::{from_hex, to_hex};
use super::{Store, StoreError, decode_value};
use crate::domain::{IntegrationId, Status};
use crate::secret::Secret;

pub const TREE: &str = "integrations";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationRecord {
    pub provider: crate::domain::Provider,
    /// A further site of a chain: its Mindbody site id (None for the hub's first site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub is_enabled: bool,
    /// Sealed [`Credentials`], hex; opened only through [`Store::credentials`].
    #[serde(default)]
    pub credentials: Option<String>,
    /// Non-secret settings shown in the detail pane (site id, model aliases, ...).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    pub status: Status,
    #[serde(default)]
    pub last_sync_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Record for IntegrationRecord {
    const KIND: &'static str = "integration";
    /// 2: `site`.
    const VERSION: u32 = 2;
}

impl IntegrationRecord {
    pub fn new(
        id: impl Into<IntegrationId>,
        status: Status,
        now: DateTime<Utc>,
    ) -> IntegrationRecord {
        let IntegrationId { provider, site } = id.into();
        IntegrationRecord {
            provider,
            site,
            is_enabled: true,
            credentials: None,
            settings: BTreeMap::new(),
            status,
            last_sync_at: None,
            error_message: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn id(&self) -> IntegrationId {
        IntegrationId {
            provider: self.provider,
            site: self.site.clone(),
        }
    }
}

/// A provider's secrets (API keys, client secrets), sealed as one value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Credentials(pub BTreeMap<String, Secret>);

impl Record for Credentials {
    const KIND: &'static str = "credentials";
    const VERSION: u32 = 1;
    const IS_MAP: bool = true;
}

/// What a provider's credentials are sealed for, by the provider's id (its key in the tree).
pub(super) fn seal_context(id: &str) -> String {
    format!("{TREE}/{id}/credentials")
}

/// An integration's record from the `integrations` tree.
pub(super) fn read(
    tree: &sled::Tree,
    id: &IntegrationId,
) -> Result<Option<IntegrationRecord>, StoreError> {
    let key = id.key();
    tree.get(key.as_bytes())?
        .map(|v| decode_value(TREE, key.as_bytes(), &v))
        .transpose()
}

impl Store {
    pub fn integration(
        &self,
        id: impl Into<IntegrationId>,
    ) -> Result<Option<IntegrationRecord>, StoreError> {
        read(&self.hub.integrations, &id.into())
    }

    /// Every stored integration record, in key order (a provider's first, then its sites').
    pub fn integration_records(&self) -> Result<Vec<IntegrationRecord>, StoreError> {
        self.hub
            .integrations
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode_value(TREE, &key, &value)
            })
            .collect()
    }

    pub fn put_integration(&self, record: &IntegrationRecord) -> Result<(), StoreError> {
        let key = record.id().key();
        let _noted = self.note_changes(MirroredTable::Integrations, [key.as_bytes()])?;
        self.hub
            .integrations
            .insert(key.as_bytes(), codec::encode(record))?;
        self.flush_hub()
    }

    /// Forgets an integration's record (a chain's site taken off the hub); its history stays.
    pub fn delete_integration(&self, id: &IntegrationId) -> Result<(), StoreError> {
        let key = id.key();
        let _noted = self.note_changes(MirroredTable::Integrations, [key.as_bytes()])?;
        self.hub.integrations.remove(key.as_bytes())?;
        self.flush_hub()
    }

    /// Seals `credentials` into the integration's record. The record must exist.
    pub fn put_credentials(
        &self,
        id: impl Into<IntegrationId>,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        let id = id.into();
        let mut record = self
            .integration(&id)?
            .unwrap_or_else(|| IntegrationRecord::new(&id, Status::Disconnected, Utc::now()));
        let plain = zeroize::Zeroizing::new(codec::encode(credentials));
        let sealed = self.seal(&seal_context(&id.key()), &plain)?;
        record.credentials = Some(to_hex(&sealed));
        record.updated_at = Utc::now();
        self.put_integration(&record)
    }

    pub fn credentials(
        &self,
        id: impl Into<IntegrationId>,
    ) -> Result<Option<Credentials>, StoreError> {
        let id = id.into();
        let Some(hex) = self.integration(&id)?.and_then(|r| r.credentials) else {
            return Ok(None);
        };
        let key = id.key();
        // A damaged hex string is a value that does not open.
        let sealed = from_hex(&hex).unwrap_or_default();
        let plain = self.unseal(&seal_context(&key), &sealed)?;
        decode_value(TREE, key.as_bytes(), &plain).map(Some)
    }
}
