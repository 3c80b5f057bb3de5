//! Keeping the hub's data and secrets safe: the check `serve` makes before it takes deliveries,
//! the master key's rotation, and backups (asked of the owner over the control socket when
//! another process holds the data).

use std::path::Path;

use super::{Core, EngineError};
use crate::api::key_ids::KeyIds;
use crate::store::backup::BackupReport;
use crate::store::rotate::Rotation;

impl Core {
    /// Opens every sealed secret; how many there are. An error says what to do.
    pub fn open_every_secret(&self) -> Result<usize, EngineError> {
        Ok(self.inner.store.open_every_secret()?)
    }

    /// Re-seals every secret under a new master key (see [`crate::store::rotate`]).
    pub fn rotate_master_key(&self) -> Result<Rotation, EngineError> {
        Ok(self.inner.store.rotate_master_key()?)
    }

    /// Copies the data into `dir` (new or empty, absolute), with the key when asked. The copy
    /// runs off the async workers: `serve` keeps answering webhooks meanwhile.
    pub async fn backup(&self, dir: &Path, with_key: bool) -> Result<BackupReport, EngineError> {
        let core = self.clone();
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || core.inner.store.backup(&dir, with_key))
            .await
            .map_err(|e| EngineError::Control(format!("the backup stopped: {e}")))?
            .map_err(EngineError::from)
    }
}

impl Core {
    pub fn key_ids(&self) -> Result<KeyIds, EngineError> {
        let store = &self.inner.store;
        let at_hand = crate::store::seal::key_at_hand(store.key_file())
            .map_err(crate::store::StoreError::from)?;
        Ok(KeyIds {
            recorded: store.recorded_key_id()?,
            at_hand: at_hand.as_ref().map(|(key, _)| key.id().to_string()),
            at_hand_from: at_hand.map(|(_, source)| source.to_string()),
            sealed_values: store.sealed_values()?.len(),
        })
    }
}
