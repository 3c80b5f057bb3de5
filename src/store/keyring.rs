//! The hub's master key as the store uses it: loaded on first use, checked against the key id
//! recorded in the hub's `meta` tree, and used to seal and open values.
//!
//! The id is recorded when the first value is sealed. Data sealed before ids were recorded gets
//! its id the first time the key opens one of its values; a key that opens none is refused
//! before it can seal anything beside them.

use std::sync::Arc;

use zeroize::Zeroizing;

use super::seal::{Expectation, KeySource, MasterKey, SealError, sibling};
use super::{Store, StoreError, integrations, tokens};

/// Where the hub records its key's id.
pub(super) const KEY_ID: &[u8] = b"master_key_id";

/// A value sealed in the hub, where it lives and what it is bound to.
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub tree: &'static str,
    pub key: Vec<u8>,
    /// The associated data it was sealed with.
    pub context: String,
    pub blob: Vec<u8>,
}

impl Store {
    /// The id of the key the hub's values are sealed with, if one was recorded.
    pub fn recorded_key_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .hub
            .meta
            .get(KEY_ID)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub(super) fn record_key_id(&self, id: &str) -> Result<(), StoreError> {
        self.hub.meta.insert(KEY_ID, id.as_bytes())?;
        self.flush_hub()
    }

    /// Where the master key file is (or would be).
    pub fn key_file(&self) -> &std::path::Path {
        self.sealer.key_file()
    }

    /// Every sealed value in the hub: each integration's credentials and each token set.
    pub fn sealed_values(&self) -> Result<Vec<SealedValue>, StoreError> {
        let mut values = Vec::new();
        for entry in self.hub.integrations.iter() {
            let (key, bytes) = entry?;
            let record: integrations::IntegrationRecord =
                super::decode_value(integrations::TREE, &key, &bytes)?;
            if let Some(hex) = record.credentials {
                values.push(SealedValue {
                    tree: integrations::TREE,
                    context: integrations::seal_context(&String::from_utf8_lossy(&key)),
                    key: key.to_vec(),
                    // A damaged hex string is a value that will not open, not a missing one.
                    blob: super::seal::from_hex(&hex).unwrap_or_default(),
                });
            }
        }
        for entry in self.hub.tokens.iter() {
            let (key, blob) = entry?;
            values.push(SealedValue {
                tree: tokens::TREE,
                context: tokens::seal_context(&String::from_utf8_lossy(&key)),
                key: key.to_vec(),
                blob: blob.to_vec(),
            });
        }
        Ok(values)
    }

    /// The master key, loaded and checked on first use.
    pub(super) fn master_key(&self) -> Result<(Arc<MasterKey>, KeySource), StoreError> {
        self.sealer.key(
            || {
                Ok(Expectation {
                    recorded_id: self.recorded_key_id()?,
                    holds_sealed_values: !self.sealed_values()?.is_empty(),
                })
            },
            |key, _| self.adopt_key(key),
        )
    }

    /// A key for a hub that recorded no id: it must open a value sealed before ids existed,
    /// and then its id is recorded.
    fn adopt_key(&self, key: &MasterKey) -> Result<(), StoreError> {
        if self.recorded_key_id()?.is_some() {
            return Ok(());
        }
        if let Some(value) = self.sealed_values()?.first() {
            if key.open(&value.context, &value.blob).is_none() {
                return Err(self.sealer.unseal_error(&value.context).into());
            }
            self.record_key_id(key.id())?;
        }
        Ok(())
    }

    /// Seals `plain` for `context`; the key's id is recorded before the first value is.
    pub(super) fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let (key, _) = self.master_key()?;
        if self.recorded_key_id()?.as_deref() != Some(key.id()) {
            self.record_key_id(key.id())?;
        }
        Ok(key.seal(context, plain))
    }

    pub(super) fn unseal(
        &self,
        context: &str,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let (key, _) = self.master_key()?;
        key.open(context, blob)
            .ok_or_else(|| self.sealer.unseal_error(context).into())
    }

    /// At start: when sealed values exist and a key is at hand, it must be theirs (a wrong one
    /// is refused now, not at the first webhook). A start that succeeds with the hub's key
    /// removes the `master.key.old` a rotation kept.
    pub(super) fn check_key_at_start(&self) -> Result<(), StoreError> {
        let key_file = self.sealer.key_file().to_path_buf();
        let at_hand = std::env::var_os(super::seal::MASTER_KEY_ENV).is_some_and(|v| !v.is_empty())
            || key_file.exists()
            || sibling(&key_file, ".new").exists();
        if !at_hand || self.sealed_values()?.is_empty() {
            return Ok(());
        }
        let (key, source) = self.master_key()?;
        let old = sibling(&key_file, ".old");
        if source == KeySource::File(key_file.clone())
            && self.recorded_key_id()?.as_deref() == Some(key.id())
            && old.exists()
        {
            std::fs::remove_file(&old).map_err(|source| SealError::KeyFileIo {
                path: old.clone(),
                source,
            })?;
            tracing::info!(path = %old.display(), "removed the old master key: the new one works");
        }
        Ok(())
    }

    /// Opens every sealed value (what `serve` checks before it takes deliveries).
    pub fn open_every_secret(&self) -> Result<usize, StoreError> {
        let values = self.sealed_values()?;
        for value in &values {
            self.unseal(&value.context, &value.blob)?;
        }
        Ok(values.len())
    }
}
