//! The `integration_sync_logs` tree (in the `records` database): one entry per sync run, keyed by
//! integration (`mindbody`, `mindbody@5567`, see [`IntegrationId`]) and a big-endian sequence
//! number so a prefix scan walks an integration's runs in order.
//!
//! Sequence numbers are dense (1, 2, 3, ... per integration, never reused), so the row at any offset
//! from the newest is found with one seek: paging through a million runs costs what paging
//! through ten does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::outbox::MirroredTable;
use super::{Store, StoreError, decode_value};
use crate::domain::{IntegrationId, Provider, SyncStatus};

pub const TREE: &str = "integration_sync_logs";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Sales new to the books that no webhook had delivered (counted once webhooks are on).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub only_by_sync: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncLog {
    pub provider: Provider,
    /// A further site of a chain, whose run this is (None: the provider's first or only one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Assigned by the store on append; 1 is the first run.
    #[serde(default)]
    pub seq: u64,
    /// What was synced: "sales", "clients", "categories", ...
    pub sync_type: String,
    pub status: SyncStatus,
    #[serde(default)]
    pub records: RecordCounts,
    /// Requests Mindbody answered (billed).
    #[serde(default)]
    pub api_calls: u64,
    /// Requests that never reached the service (not billed), shown apart from the calls.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unreached: u64,
    #[serde(default)]
    pub error_details: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl Record for SyncLog {
    const KIND: &'static str = "sync log";
    /// 2: `site`.
    const VERSION: u32 = 2;
}

impl SyncLog {
    pub fn integration(&self) -> IntegrationId {
        IntegrationId {
            provider: self.provider,
            site: self.site.clone(),
        }
    }
}

/// A window of a provider's sync history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncLogPage {
    pub provider: Provider,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// How many runs the provider has in all.
    pub total: u64,
    /// How many newer runs come before `rows[0]`.
    pub offset: u64,
    pub rows: Vec<SyncLog>,
}

fn prefix(id: &IntegrationId) -> Vec<u8> {
    let mut key = id.key().into_bytes();
    key.push(b'/');
    key
}

fn key(id: &IntegrationId, seq: u64) -> Vec<u8> {
    let mut key = prefix(id);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

impl Store {
    /// Appends a run (its `seq` is assigned here) and returns it as stored.
    pub fn append_sync_log(&self, log: SyncLog) -> Result<SyncLog, StoreError> {
        Ok(self
            .append_sync_logs(log.integration(), vec![log])?
            .pop()
            .expect("one in, one out"))
    }

    /// Appends runs of one integration in one atomic batch.
    pub fn append_sync_logs(
        &self,
        id: impl Into<IntegrationId>,
        logs: Vec<SyncLog>,
    ) -> Result<Vec<SyncLog>, StoreError> {
        let id = id.into();
        let records = self.records()?;
        let _one_appender = self.append_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut seq = self.sync_log_count(&id)?;
        let mut batch = sled::Batch::default();
        let mut stored = Vec::with_capacity(logs.len());
        for mut log in logs {
            seq += 1;
            log.provider = id.provider;
            log.site = id.site.clone();
            log.seq = seq;
            batch.insert(key(&id, seq), codec::encode(&log));
            stored.push(log);
        }
        let keys: Vec<Vec<u8>> = stored.iter().map(|l| key(&id, l.seq)).collect();
        let _noted = self.note_changes(
            MirroredTable::IntegrationSyncLogs,
            keys.iter().map(Vec::as_slice),
        )?;
        records.sync_logs.apply_batch(batch)?;
        records.db.flush()?;
        Ok(stored)
    }

    /// A run by its key in the tree (provider, `/`, big-endian sequence), for the mirror.
    pub fn sync_log_by_key(&self, key: &[u8]) -> Result<Option<SyncLog>, StoreError> {
        let records = self.records()?;
        records
            .sync_logs
            .get(key)?
            .map(|v| decode_value(TREE, key, &v))
            .transpose()
    }

    /// Rewrites a run already appended (a running sync finishing).
    pub fn update_sync_log(&self, log: &SyncLog) -> Result<(), StoreError> {
        let records = self.records()?;
        let key = key(&log.integration(), log.seq);
        let _noted = self.note_changes(MirroredTable::IntegrationSyncLogs, [key.as_slice()])?;
        records.sync_logs.insert(key, codec::encode(log))?;
        records.db.flush()?;
        Ok(())
    }

    pub fn sync_log_count(&self, id: impl Into<IntegrationId>) -> Result<u64, StoreError> {
        Ok(self.last_sync_log(id)?.map_or(0, |log| log.seq))
    }

    pub fn last_sync_log(
        &self,
        id: impl Into<IntegrationId>,
    ) -> Result<Option<SyncLog>, StoreError> {
        let records = self.records()?;
        match records
            .sync_logs
            .scan_prefix(prefix(&id.into()))
            .next_back()
        {
            Some(entry) => {
                let (k, v) = entry?;
                decode_value(TREE, &k, &v).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Up to `limit` runs, newest first, skipping the `offset` newest.
    pub fn sync_log_page(
        &self,
        id: impl Into<IntegrationId>,
        offset: u64,
        limit: usize,
    ) -> Result<SyncLogPage, StoreError> {
        let id = id.into();
        let records = self.records()?;
        let total = self.sync_log_count(&id)?;
        let mut rows = Vec::with_capacity(limit.min(256));
        if offset < total && limit > 0 {
            let newest_wanted = total - offset;
            let range = key(&id, 1)..=key(&id, newest_wanted);
            for entry in records.sync_logs.range(range).rev().take(limit) {
                let (k, v) = entry?;
                rows.push(decode_value(TREE, &k, &v)?);
            }
        }
        Ok(SyncLogPage {
            provider: id.provider,
            site: id.site,
            total,
            offset,
            rows,
        })
    }
}
