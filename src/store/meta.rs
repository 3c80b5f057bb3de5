//! The `meta` tree: the schema version of each database (later: sync cursors, API call counters).

use std::path::Path;

use super::StoreError;

pub const TREE: &str = "meta";
pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";
/// The layout of trees and keys this build reads and writes. 2: the keys of synced records name
/// their account (`mindbody@5567:sale:1:2`); a store of 1 is migrated at start ([`super::migrate`]).
pub const SCHEMA_VERSION: u32 = 2;

/// Stamps a new database with our schema version and refuses one written by a newer build.
pub(super) fn check_schema(db: &sled::Db, path: &Path) -> Result<(), StoreError> {
    let meta = db.open_tree(TREE)?;
    let found = meta.get(SCHEMA_KEY)?.and_then(|v| schema_value(&v));
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(_) => Ok(()),
        None => {
            meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
            db.flush()?;
            Ok(())
        }
    }
}

/// A meta value kept as JSON; one that does not parse reads as absent.
pub(super) fn json_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

/// A counter's value (eight big-endian bytes); anything else reads as zero.
pub(super) fn counter_value(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_be_bytes)
}

/// A schema stamp's value (four big-endian bytes).
pub(super) fn schema_value(bytes: &[u8]) -> Option<u32> {
    <[u8; 4]>::try_from(bytes).ok().map(u32::from_be_bytes)
}

impl super::Store {
    /// A small JSON value kept under `name` (e.g. the last Gemini test report).
    pub fn meta_json<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .hub
            .meta
            .get(name.as_bytes())?
            .and_then(|v| json_value(&v)))
    }

    pub fn put_meta_json<T: serde::Serialize>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        self.put_meta_json_unflushed(name, value)?;
        self.flush_hub()
    }

    /// Writes a value without waiting for the disk: sled's own background flush (or the next
    /// flush of the hub) makes it durable. For what a crash may lose without harm, written often
    /// (a flush costs every writer on the machine's disk its time).
    pub fn put_meta_json_unflushed<T: serde::Serialize>(
        &self,
        name: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).expect("meta values serialize");
        self.hub.meta.insert(name.as_bytes(), bytes)?;
        Ok(())
    }

    /// Adds one to a counter (API calls today) and returns the new value; atomic across threads.
    pub fn increment(&self, name: &str) -> Result<u64, StoreError> {
        let value = self.hub.meta.update_and_fetch(name.as_bytes(), |old| {
            let n = old
                .and_then(|v| <[u8; 8]>::try_from(v).ok())
                .map_or(0, u64::from_be_bytes);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        Ok(value.map_or(0, |v| counter_value(&v)))
    }

    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self
            .hub
            .meta
            .get(name.as_bytes())?
            .map_or(0, |v| counter_value(&v)))
    }

    pub fn remove_meta(&self, name: &str) -> Result<(), StoreError> {
        self.hub.meta.remove(name.as_bytes())?;
        self.flush_hub()
    }

    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .hub
            .meta
            .get(SCHEMA_KEY)?
            .and_then(|v| schema_value(&v)))
    }
}
