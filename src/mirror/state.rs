//! What the mirror last did, kept in the hub's meta (small, and read by the status glance
//! without opening the records): whether it reached Postgres, its last error, when it last sent,
//! and the backfill's progress while one is under way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::drain::BackfillProgress;
use crate::api::mirror::MirrorStatus;
use crate::store::outbox::MirroredTable;
use crate::store::snapshot::HubFacts;
use crate::store::{Store, StoreError};

const STATE: &str = "mirror.state";
const BACKFILL: &str = "mirror.backfill";
const HUB_ID: &str = "mirror.hub_id";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MirrorState {
    /// Whether the last attempt reached Postgres.
    pub connected: bool,
    /// The last error, in words (never the URL's password: errors name host, port and database).
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// When rows last reached Postgres.
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Rows sent since the hub started mirroring.
    pub rows_sent: u64,
    /// The schema version of the database, as last seen.
    pub schema_version: Option<i32>,
    /// Changes waiting when last counted (the task counts after each drain and each failure),
    /// and when the oldest was made: what the status glance shows without opening the records.
    #[serde(default)]
    pub rows_waiting: u64,
    #[serde(default)]
    pub oldest_waiting_at: Option<DateTime<Utc>>,
}

/// A backfill under way: per table, the last key sent (hex) and the rows sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Backfill {
    pub tables: BTreeMap<String, TableProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableProgress {
    pub after: Option<String>,
    pub done: bool,
    pub rows: u64,
}

pub fn read(store: &Store) -> Result<MirrorState, StoreError> {
    Ok(store.meta_json(STATE)?.unwrap_or_default())
}

/// The mirror as last kept in the hub's meta, for the status glance (the snapshot's facts or the
/// hub database alone); None when no mirror is configured.
pub fn kept_status(
    facts: &dyn HubFacts,
    config: &super::MirrorConfig,
) -> Result<Option<MirrorStatus>, StoreError> {
    if config.postgres_url.is_none() {
        return Ok(None);
    }
    let state: MirrorState = facts.meta_json(STATE)?.unwrap_or_default();
    let backfill = facts
        .meta_json::<Backfill>(BACKFILL)?
        .map(|b| BackfillProgress {
            rows_sent: b.tables.values().map(|t| t.rows).sum(),
            rows_total: 0,
        });
    Ok(Some(MirrorStatus {
        configured: true,
        target: config.postgres_url.as_ref().map(super::connect::describe),
        studio_id: config.studio_id.clone(),
        tokens: config.tokens,
        rows_waiting: state.rows_waiting,
        oldest_waiting_at: state.oldest_waiting_at,
        state,
        backfill,
    }))
}

pub fn update(store: &Store, change: impl FnOnce(&mut MirrorState)) -> Result<(), StoreError> {
    let mut state = read(store)?;
    change(&mut state);
    store.put_meta_json(STATE, &state)
}

/// The backfill still to do (None: none, every table is in Postgres or noted in the outbox).
pub fn backfill(store: &Store) -> Result<Option<Backfill>, StoreError> {
    store.meta_json(BACKFILL)
}

pub fn save_backfill(store: &Store, backfill: &Backfill) -> Result<(), StoreError> {
    store.put_meta_json(BACKFILL, backfill)
}

pub fn backfill_finished(store: &Store) -> Result<(), StoreError> {
    store.remove_meta(BACKFILL)
}

/// Starts noting changes when a mirror is configured, with a backfill of everything first (the
/// hub's rows from before, or from while the mirror was off, were never noted). Stops when it
/// is not. What waits in the outbox stays either way.
pub fn follow_config(store: &Store, configured: bool) -> Result<(), StoreError> {
    match (configured, store.mirror_noting()) {
        (true, false) => {
            start_backfill(store)?;
            store.set_mirror_noting(true)
        }
        (false, true) => store.set_mirror_noting(false),
        _ => Ok(()),
    }
}

/// Every table to be sent again from its first row (unless a backfill is under way already).
pub fn start_backfill(store: &Store) -> Result<(), StoreError> {
    if backfill(store)?.is_some() {
        return Ok(());
    }
    let tables = MirroredTable::ALL
        .iter()
        .map(|t| (t.name().to_string(), TableProgress::default()))
        .collect();
    save_backfill(store, &Backfill { tables })
}

/// This hub's id in the lease table, made once.
pub fn hub_id(store: &Store) -> Result<String, StoreError> {
    if let Some(id) = store.meta_json::<String>(HUB_ID)? {
        return Ok(id);
    }
    let bytes: [u8; 16] = rand::random();
    let hex = crate::store::seal::to_hex(&bytes);
    let id = format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..]
    );
    store.put_meta_json(HUB_ID, &id)?;
    Ok(id)
}
