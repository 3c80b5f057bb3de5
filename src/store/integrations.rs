//! The `integrations` tree: one record per provider, mirroring Legion Finance's `integrations`
//! table, with the denormalized status, last sync and last error the status glance reads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::outbox::MirroredTable;
use super::seal::{from_hex, to_hex};
use super::{Store, StoreError, decode_value};
use crate::domain::{Provider, Status};
use crate::secret::Secret;

pub const TREE: &str = "integrations";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationRecord {
    pub provider: Provider,
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
    const VERSION: u32 = 1;
}

impl IntegrationRecord {
    pub fn new(provider: Provider, status: Status, now: DateTime<Utc>) -> IntegrationRecord {
        IntegrationRecord {
            provider,
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

/// A provider's record from the `integrations` tree.
pub(super) fn read(
    tree: &sled::Tree,
    provider: Provider,
) -> Result<Option<IntegrationRecord>, StoreError> {
    let key = provider.id().as_bytes();
    tree.get(key)?
        .map(|v| decode_value(TREE, key, &v))
        .transpose()
}

impl Store {
    pub fn integration(&self, provider: Provider) -> Result<Option<IntegrationRecord>, StoreError> {
        read(&self.hub.integrations, provider)
    }

    pub fn put_integration(&self, record: &IntegrationRecord) -> Result<(), StoreError> {
        let _noted = self.note_changes(
            MirroredTable::Integrations,
            [record.provider.id().as_bytes()],
        )?;
        self.hub
            .integrations
            .insert(record.provider.id().as_bytes(), codec::encode(record))?;
        self.flush_hub()
    }

    /// Seals `credentials` into the provider's record. The record must exist.
    pub fn put_credentials(
        &self,
        provider: Provider,
        credentials: &Credentials,
    ) -> Result<(), StoreError> {
        let mut record = self
            .integration(provider)?
            .unwrap_or_else(|| IntegrationRecord::new(provider, Status::Disconnected, Utc::now()));
        let plain = zeroize::Zeroizing::new(codec::encode(credentials));
        let sealed = self.seal(&seal_context(provider.id()), &plain)?;
        record.credentials = Some(to_hex(&sealed));
        record.updated_at = Utc::now();
        self.put_integration(&record)
    }

    pub fn credentials(&self, provider: Provider) -> Result<Option<Credentials>, StoreError> {
        let Some(hex) = self.integration(provider)?.and_then(|r| r.credentials) else {
            return Ok(None);
        };
        let context = seal_context(provider.id());
        // A damaged hex string is a value that does not open.
        let sealed = from_hex(&hex).unwrap_or_default();
        let plain = self.unseal(&context, &sealed)?;
        decode_value(TREE, provider.id().as_bytes(), &plain).map(Some)
    }
}
