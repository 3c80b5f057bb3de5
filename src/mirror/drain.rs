//! Sending the hub's rows: the first backfill (every table, in key order, resumable) and then
//! the outbox, in batches. A batch is one Postgres transaction (the lease checked inside it, an
//! upsert per table, a delete per table); the outbox entries and the backfill's place are moved
//! on only after it committed, so a batch cut short anywhere is sent again, and sending a row
//! twice changes nothing (upserts on the natural key, newer wins).

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Client;

use super::MirrorError;
use super::connect::{connect, describe, say};
use super::settings::MirrorTarget;
use super::state::{self, TableProgress};
use super::tables::{Found, Reading, spec};
use crate::store::Store;
use crate::store::outbox::{Database, MirroredTable};
use crate::store::seal::{from_hex, to_hex};

/// Outbox entries read per batch.
pub const DRAIN_BATCH: usize = 1000;
/// Rows read per backfill batch.
pub const BACKFILL_BATCH: usize = 10_000;

/// A connection ready to send: migrated, the lease taken.
pub struct Mirror<'s> {
    store: &'s Store,
    target: MirrorTarget,
    described: String,
    hub_id: String,
    client: Client,
}

/// How far a backfill got.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BackfillProgress {
    pub rows_sent: u64,
    pub rows_total: u64,
}

impl<'s> Mirror<'s> {
    /// Connects, brings the schema up to date and takes the studio's lease.
    pub async fn open(store: &'s Store, target: &MirrorTarget) -> Result<Mirror<'s>, MirrorError> {
        let described = describe(&target.url);
        let mut client = connect(&target.url).await?;
        super::migrations::migrate(&mut client, &described).await?;
        let hub_id = state::hub_id(store)?;
        let holder = holder();
        super::lease::take(&client, &described, &target.studio_id, &hub_id, &holder).await?;
        let version = super::migrations::version(&client).await;
        state::update(store, |s| {
            s.connected = true;
            s.schema_version = version;
        })?;
        Ok(Mirror {
            store,
            target: target.clone(),
            described,
            hub_id,
            client,
        })
    }

    pub fn described(&self) -> &str {
        &self.described
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    /// How this mirror reads the hub's rows.
    pub(super) fn reading(&self) -> Reading<'s> {
        Reading {
            store: self.store,
            studio_id: self.target.studio_id.clone(),
            tokens: self.target.tokens,
        }
    }

    /// Renews the lease (the mirror's task does it every minute).
    pub async fn renew(&self) -> Result<(), MirrorError> {
        super::lease::take(
            &self.client,
            &self.described,
            &self.target.studio_id,
            &self.hub_id,
            &holder(),
        )
        .await
    }

    /// The backfill still to do, sent to the end; `progress` hears after each batch.
    pub async fn backfill(
        &mut self,
        mut progress: impl FnMut(&BackfillProgress),
    ) -> Result<BackfillProgress, MirrorError> {
        let Some(mut backfill) = state::backfill(self.store)? else {
            return Ok(BackfillProgress::default());
        };
        let mut report = BackfillProgress {
            rows_sent: backfill.tables.values().map(|t| t.rows).sum(),
            rows_total: 0,
        };
        for table in MirroredTable::ALL {
            let done = backfill.tables.get(table.name()).map_or(0, |t| t.rows);
            report.rows_total += done.max(self.store.mirror_row_count(table)?);
        }
        progress(&report);
        for table in MirroredTable::ALL {
            loop {
                let place = backfill
                    .tables
                    .entry(table.name().to_string())
                    .or_insert_with(TableProgress::default);
                if place.done {
                    break;
                }
                let after = place.after.as_deref().and_then(from_hex);
                let keys = self
                    .store
                    .mirror_keys_after(table, after.as_deref(), BACKFILL_BATCH)?;
                let Some(last) = keys.last().cloned() else {
                    place.done = true;
                    state::save_backfill(self.store, &backfill)?;
                    break;
                };
                let sent = self
                    .send(table.database(), keys.iter().map(|k| (table, k.as_slice())))
                    .await?;
                let place = backfill
                    .tables
                    .get_mut(table.name())
                    .expect("inserted above");
                place.after = Some(to_hex(&last));
                place.rows += sent;
                place.done = keys.len() < BACKFILL_BATCH;
                state::save_backfill(self.store, &backfill)?;
                report.rows_sent += sent;
                progress(&report);
            }
        }
        state::backfill_finished(self.store)?;
        Ok(report)
    }

    /// Sends what waits in the outbox, batch after batch, until it is empty; returns the rows.
    pub async fn drain(&mut self) -> Result<u64, MirrorError> {
        let mut sent = 0;
        for database in [Database::Hub, Database::Records] {
            loop {
                let n = self.drain_batch(database).await?;
                if n == 0 {
                    break;
                }
                sent += n;
            }
        }
        Ok(sent)
    }

    /// One batch of one database's outbox; returns the entries it acknowledged.
    async fn drain_batch(&mut self, database: Database) -> Result<u64, MirrorError> {
        let entries = self.store.outbox_peek(database, DRAIN_BATCH)?;
        if entries.is_empty() {
            return Ok(0);
        }
        self.send(
            database,
            entries.iter().map(|e| (e.table, e.key.as_slice())),
        )
        .await?;
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        self.store.outbox_ack(database, &seqs)?;
        Ok(seqs.len() as u64)
    }

    /// Reads these rows as they are now and writes them in one transaction; returns how many
    /// distinct rows went.
    async fn send<'k>(
        &mut self,
        database: Database,
        keys: impl Iterator<Item = (MirroredTable, &'k [u8])>,
    ) -> Result<u64, MirrorError> {
        let unique: BTreeSet<(MirroredTable, &[u8])> = keys.collect();
        let reading = self.reading();
        // Under the gate: every row noted so far is written, and the version is above their
        // entries' and below any later one's.
        let (version, mut rows, mut gone) = {
            let _writers_wait = self.store.mirror_reading();
            let version = self.store.mirror_version(database)?;
            // Each table's rows as one JSON array, written as they are read.
            let mut rows: BTreeMap<MirroredTable, Vec<u8>> = BTreeMap::new();
            let mut gone: BTreeMap<MirroredTable, Vec<String>> = BTreeMap::new();
            for (table, key) in &unique {
                match reading.read(*table, key)? {
                    Found::Row(row) => {
                        let json = rows.entry(*table).or_insert_with(|| vec![b'[']);
                        if json.len() > 1 {
                            json.push(b',');
                        }
                        row.write_json(spec(*table), json);
                    }
                    Found::Gone(key) => gone.entry(*table).or_default().push(key),
                }
            }
            (version.to_string(), rows, gone)
        };
        let described = self.described.clone();
        let refused = |e: tokio_postgres::Error| unreachable_or_refused(&described, e);
        let tx = self.client.transaction().await.map_err(refused)?;
        super::lease::still_ours(&tx, &self.described, &self.target.studio_id, &self.hub_id)
            .await?;
        let studio: &str = &self.target.studio_id;
        for table in MirroredTable::ALL {
            let spec = spec(table);
            if let Some(mut json) = rows.remove(&table) {
                json.push(b']');
                let json = String::from_utf8(json).expect("JSON is UTF-8");
                let sql = spec.upsert_sql();
                let result = if spec.versioned {
                    tx.execute(&sql, &[&studio, &json, &version]).await
                } else {
                    tx.execute(&sql, &[&studio, &json]).await
                };
                result.map_err(refused)?;
            }
            if let Some(keys) = gone.remove(&table) {
                let sql = spec.delete_sql();
                let result = if spec.versioned {
                    tx.execute(&sql, &[&studio, &keys, &version]).await
                } else {
                    tx.execute(&sql, &[&studio, &keys]).await
                };
                result.map_err(refused)?;
            }
        }
        tx.commit().await.map_err(refused)?;
        let sent = unique.len() as u64;
        state::update(self.store, |s| {
            s.connected = true;
            s.last_sent_at = Some(chrono::Utc::now());
            s.rows_sent += sent;
        })?;
        Ok(sent)
    }
}

/// A lost connection is worth waiting out; a refusal from the server is worth reading.
fn unreachable_or_refused(target: &str, e: tokio_postgres::Error) -> MirrorError {
    if e.is_closed() || e.as_db_error().is_none() {
        MirrorError::Unreachable {
            target: target.to_string(),
            reason: say(&e),
        }
    } else {
        MirrorError::Refused {
            target: target.to_string(),
            reason: say(&e),
        }
    }
}

/// Who holds a lease, in words for the other hub's error: the host and the data directory's
/// process.
fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "this machine".into());
    format!("legion-hub on {host}, pid {}", std::process::id())
}
