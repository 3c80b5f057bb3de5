//! What the mirror last did, kept in the hub's meta (small, and read by the status glance
//! without opening the records): whether it reached Postgres, its last error, when it last sent,
//! and the backfill's progress while one is under way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::outbox::MirroredTable;
use crate::store::{Store, StoreError};

pub(super) const STATE: &str = "mirror.state";
pub(super) const BACKFILL: &str = "mirror.backfill";
const HUB_ID: &str = "mirror.hub_id";
/// The tables this hub notes changes of. Absent in a hub from before it was kept, which noted
/// the first [`FIRST_TABLES`] of [`MirroredTable::ALL`].
const TABLES: &str = "mirror.tables";
const FIRST_TABLES: usize = 5;

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

pub fn update(store: &Store, change: impl FnOnce(&mut MirrorState)) -> Result<(), StoreError> {
    let mut state = read(store)?;
    change(&mut state);
    store.put_meta_json(STATE, &state)
}

/// [`update`] without waiting for the disk: for what changes with every batch sent (a crash
/// loses only when the last batch went, until the next one).
pub fn update_unflushed(
    store: &Store,
    change: impl FnOnce(&mut MirrorState),
) -> Result<(), StoreError> {
    let mut state = read(store)?;
    change(&mut state);
    store.put_meta_json_unflushed(STATE, &state)
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
        (true, true) => backfill_new_tables(store),
        (false, true) => store.set_mirror_noting(false),
        _ => Ok(()),
    }
}

/// Every table to be sent again from its first row (unless a backfill is under way already).
pub fn start_backfill(store: &Store) -> Result<(), StoreError> {
    if backfill(store)?.is_none() {
        let tables = MirroredTable::ALL
            .iter()
            .map(|t| (t.name().to_string(), TableProgress::default()))
            .collect();
        save_backfill(store, &Backfill { tables })?;
    }
    store.put_meta_json(TABLES, &all_names())
}

/// A hub upgraded to mirror more tables: the new tables' rows from before were never noted, so
/// they are backfilled; the others are not sent again. (A backfill under way covers every table
/// this build knows already: one missing from its progress starts from its first row.)
fn backfill_new_tables(store: &Store) -> Result<(), StoreError> {
    let noted: Vec<String> = store.meta_json(TABLES)?.unwrap_or_else(|| {
        MirroredTable::ALL[..FIRST_TABLES]
            .iter()
            .map(|t| t.name().to_string())
            .collect()
    });
    let is_new = |t: &MirroredTable| !noted.iter().any(|n| n == t.name());
    if !MirroredTable::ALL.iter().any(is_new) {
        return Ok(());
    }
    if backfill(store)?.is_none() {
        let tables = MirroredTable::ALL
            .iter()
            .map(|t| {
                let progress = TableProgress {
                    done: !is_new(t),
                    ..TableProgress::default()
                };
                (t.name().to_string(), progress)
            })
            .collect();
        save_backfill(store, &Backfill { tables })?;
    }
    store.put_meta_json(TABLES, &all_names())
}

fn all_names() -> Vec<&'static str> {
    MirroredTable::ALL.iter().map(|t| t.name()).collect()
}

/// This hub's id in the lease table, made once.
pub fn hub_id(store: &Store) -> Result<String, StoreError> {
    if let Some(id) = store.meta_json::<String>(HUB_ID)? {
        return Ok(id);
    }
    let mut bytes: [u8; 16] = rand::random();
    // RFC 9562 version 4 (random), variant 10.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let id = super::settings::uuid_text(&crate::store::seal::to_hex(&bytes));
    store.put_meta_json(HUB_ID, &id)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hub that mirrored the first tables before it learnt the rest backfills the new ones
    /// only, once.
    #[test]
    fn an_upgraded_hub_backfills_only_the_tables_it_did_not_mirror() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::config::Paths::in_dir(dir.path()), "test").unwrap();
        // As a hub from before: noting, its backfill done, no list of tables kept.
        store.set_mirror_noting(true).unwrap();
        follow_config(&store, true).unwrap();
        let backfill = backfill(&store)
            .unwrap()
            .expect("a backfill of the new tables");
        for (i, table) in MirroredTable::ALL.iter().enumerate() {
            let place = &backfill.tables[table.name()];
            assert_eq!(place.done, i < FIRST_TABLES, "{}", table.name());
        }
        backfill_finished(&store).unwrap();
        follow_config(&store, true).unwrap();
        assert_eq!(super::backfill(&store).unwrap(), None, "not again");
    }
}
