//! `secrets rotate`: every sealed value re-sealed under a new master key in one sled
//! transaction over the hub's trees, the new key's id recorded in the same transaction.
//!
//! With a key file, the order makes a crash at any point safe: the new key is written to
//! `master.key.new` (synced) before the transaction commits; after the commit the old key
//! becomes `master.key.old` and the new one `master.key`. A crash before the commit leaves the
//! data sealed by the old key (the `.new` file is dropped at the next open); a crash after it
//! leaves `.new` named by the recorded id, and the next open finishes the renames. The `.old`
//! file goes when a later start succeeds with the new key.
//!
//! With the key in `LEGION_HUB_MASTER_KEY`, the new one comes from `LEGION_HUB_NEW_MASTER_KEY`
//! and no key is written anywhere: the service's environment must be updated.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionError;

use super::codec;
use super::integrations::{self, IntegrationRecord};
use super::keyring::KEY_ID;
use super::seal::{KeySource, MasterKey, NEW_MASTER_KEY_ENV, SealError, sibling, to_hex};
use super::{Store, StoreError, decode_value};

/// What a rotation did (ids only: never a key).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rotation {
    pub old_key_id: String,
    pub new_key_id: String,
    /// How many sealed values were re-sealed.
    pub resealed: usize,
    /// The new key file, when the key lives in one.
    pub key_file: Option<PathBuf>,
    /// The old key, kept until the next start succeeds with the new one.
    pub old_key_file: Option<PathBuf>,
}

impl Store {
    /// Re-seals every sealed value under a new key. Nothing changes unless all of them open
    /// with the current key first.
    pub fn rotate_master_key(&self) -> Result<Rotation, StoreError> {
        let (old, source) = self.master_key()?;
        let values = self.sealed_values()?;
        let mut plains = Vec::with_capacity(values.len());
        for value in &values {
            plains.push(self.unseal(&value.context, &value.blob)?);
        }
        let new = match &source {
            KeySource::Env => {
                let text = std::env::var(NEW_MASTER_KEY_ENV).unwrap_or_default();
                if text.is_empty() {
                    return Err(SealError::NoNewEnvKey.into());
                }
                MasterKey::from_hex(&text).ok_or(SealError::BadNewEnvKey)?
            }
            KeySource::File(_) => MasterKey::generate(),
        };
        if new.id() == old.id() {
            return Err(SealError::SameKey.into());
        }
        // The new sealed values, prepared before the transaction.
        let mut credentials = Vec::new();
        let mut tokens = Vec::new();
        for (value, plain) in values.iter().zip(&plains) {
            let sealed = new.seal(&value.context, plain);
            if value.tree == integrations::TREE {
                let bytes =
                    self.hub
                        .integrations
                        .get(&value.key)?
                        .ok_or_else(|| StoreError::Missing {
                            what: value.context.clone(),
                        })?;
                let mut record: IntegrationRecord =
                    decode_value(integrations::TREE, &value.key, &bytes)?;
                record.credentials = Some(to_hex(&sealed));
                credentials.push((value.key.clone(), codec::encode(&record)));
            } else {
                tokens.push((value.key.clone(), sealed));
            }
        }
        let pending = match &source {
            KeySource::File(path) => {
                let pending = sibling(path, ".new");
                new.write_new_file(&pending)
                    .map_err(|source| SealError::KeyFileIo {
                        path: pending.clone(),
                        source,
                    })?;
                Some((path.clone(), pending))
            }
            KeySource::Env => None,
        };
        let committed = (&self.hub.integrations, &self.hub.tokens, &self.hub.meta).transaction(
            |(tx_integrations, tx_tokens, tx_meta)| {
                for (key, bytes) in &credentials {
                    tx_integrations.insert(key.as_slice(), bytes.as_slice())?;
                }
                for (key, sealed) in &tokens {
                    tx_tokens.insert(key.as_slice(), sealed.as_slice())?;
                }
                tx_meta.insert(KEY_ID, new.id().as_bytes())?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            },
        );
        let committed = committed.map_err(|e| match e {
            TransactionError::Storage(e) => StoreError::Sled(e),
            TransactionError::Abort(()) => unreachable!("the transaction never aborts"),
        });
        if let Err(error) = committed.and_then(|()| self.flush_hub()) {
            // Not committed: the new key sealed nothing that stayed.
            if let Some((_, pending)) = &pending {
                let _ = std::fs::remove_file(pending);
            }
            return Err(error);
        }
        self.sealer.forget();
        let (key_file, old_key_file) = match pending {
            Some((path, pending)) => {
                let old = sibling(&path, ".old");
                let io = |source| SealError::KeyFileIo {
                    path: path.clone(),
                    source,
                };
                std::fs::rename(&path, &old).map_err(io)?;
                std::fs::rename(&pending, &path).map_err(io)?;
                if let Ok(dir) = std::fs::File::open(path.parent().unwrap_or(&path)) {
                    let _ = dir.sync_all();
                }
                (Some(path), Some(old))
            }
            None => (None, None),
        };
        tracing::info!(
            old = old.id(),
            new = new.id(),
            resealed = values.len(),
            "rotated the master key"
        );
        Ok(Rotation {
            old_key_id: old.id().to_string(),
            new_key_id: new.id().to_string(),
            resealed: values.len(),
            key_file,
            old_key_file,
        })
    }
}
