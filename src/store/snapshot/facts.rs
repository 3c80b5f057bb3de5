//! What the status glance reads from the hub database, behind one small trait, so that the same
//! view code runs on the live store, on a [`Recorder`] (which learns what the snapshot must
//! keep) and on a [`SnapshotFacts`] read back from the file.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::domain::IntegrationId;
use crate::store::{IntegrationRecord, Store, StoreError, integrations, meta};

/// The hub's facts a view is made of: the integration records and meta values.
pub trait HubFacts {
    fn integration(&self, id: &IntegrationId) -> Result<Option<IntegrationRecord>, StoreError>;
    /// A meta value as stored.
    fn meta_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

impl dyn HubFacts + '_ {
    /// A meta value kept as JSON (as [`Store::meta_json`] reads it).
    pub fn meta_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        Ok(self.meta_bytes(name)?.and_then(|v| meta::json_value(&v)))
    }

    /// A counter (as [`Store::counter`] reads it).
    pub fn counter(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self
            .meta_bytes(name)?
            .map_or(0, |v| meta::counter_value(&v)))
    }
}

impl HubFacts for Store {
    fn integration(&self, id: &IntegrationId) -> Result<Option<IntegrationRecord>, StoreError> {
        Store::integration(self, id)
    }

    fn meta_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.hub.meta.get(name.as_bytes())?.map(|v| v.to_vec()))
    }
}

/// The hub's trees the snapshot is made from, held by the thread that writes it.
#[derive(Clone)]
pub struct LiveHub {
    pub(super) db: sled::Db,
    integrations: sled::Tree,
    meta: sled::Tree,
}

impl LiveHub {
    pub(crate) fn new(db: &sled::Db, integrations: &sled::Tree, meta: &sled::Tree) -> LiveHub {
        LiveHub {
            db: db.clone(),
            integrations: integrations.clone(),
            meta: meta.clone(),
        }
    }

    /// The hub's schema stamp.
    pub(super) fn schema(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .meta
            .get(meta::SCHEMA_KEY)?
            .and_then(|v| meta::schema_value(&v)))
    }
}

impl HubFacts for LiveHub {
    fn integration(&self, id: &IntegrationId) -> Result<Option<IntegrationRecord>, StoreError> {
        integrations::read(&self.integrations, id)
    }

    fn meta_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.get(name.as_bytes())?.map(|v| v.to_vec()))
    }
}

/// The facts as the snapshot keeps them: by integration key and meta name, absent ones included
/// (None), so that "not there" is a fact too.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Kept {
    pub integrations: BTreeMap<String, Option<IntegrationRecord>>,
    pub meta: BTreeMap<String, Option<Vec<u8>>>,
}

/// Passes reads through to the live hub and keeps what they found. Sealed credentials are
/// kept only as "there are some": the glance shows whether they exist, never what they are.
pub(super) struct Recorder<'a> {
    source: &'a dyn HubFacts,
    kept: RefCell<Kept>,
    failed: Cell<bool>,
}

impl<'a> Recorder<'a> {
    pub fn new(source: &'a dyn HubFacts) -> Recorder<'a> {
        Recorder {
            source,
            kept: RefCell::new(Kept::default()),
            failed: Cell::new(false),
        }
    }

    /// What was read, unless a read failed (then the snapshot would be incomplete).
    pub fn into_kept(self) -> Option<Kept> {
        (!self.failed.get()).then(|| self.kept.into_inner())
    }

    fn note<T>(
        &self,
        result: Result<T, StoreError>,
        keep: impl FnOnce(&T),
    ) -> Result<T, StoreError> {
        match &result {
            Ok(value) => keep(value),
            Err(_) => self.failed.set(true),
        }
        result
    }
}

impl HubFacts for Recorder<'_> {
    fn integration(&self, id: &IntegrationId) -> Result<Option<IntegrationRecord>, StoreError> {
        self.note(self.source.integration(id), |record| {
            let redacted = record.clone().map(|mut r| {
                r.credentials = r.credentials.map(|_| String::new());
                r
            });
            self.kept
                .borrow_mut()
                .integrations
                .insert(id.key(), redacted);
        })
    }

    fn meta_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.note(self.source.meta_bytes(name), |value| {
            self.kept
                .borrow_mut()
                .meta
                .insert(name.to_string(), value.clone());
        })
    }
}

/// The facts read back from a snapshot. Asked for one it does not hold (the glance reads
/// something new, or today's counter on a new day), it answers with an error and remembers
/// that it missed: the views made from it are then not used (the glance opens the store).
pub struct SnapshotFacts {
    kept: Kept,
    missed: Cell<bool>,
}

impl SnapshotFacts {
    pub(super) fn new(kept: Kept) -> SnapshotFacts {
        SnapshotFacts {
            kept,
            missed: Cell::new(false),
        }
    }

    /// Whether every fact asked for so far was in the snapshot.
    pub fn complete(&self) -> bool {
        !self.missed.get()
    }

    fn missing<T>(&self, what: String) -> Result<T, StoreError> {
        self.missed.set(true);
        Err(StoreError::Missing {
            what: format!("{what} in the status snapshot"),
        })
    }
}

impl HubFacts for SnapshotFacts {
    fn integration(&self, id: &IntegrationId) -> Result<Option<IntegrationRecord>, StoreError> {
        match self.kept.integrations.get(&id.key()) {
            Some(record) => Ok(record.clone()),
            None => self.missing(format!("integration {}", id.key())),
        }
    }

    fn meta_bytes(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.kept.meta.get(name) {
            Some(value) => Ok(value.clone()),
            None => self.missing(format!("meta {name}")),
        }
    }
}
