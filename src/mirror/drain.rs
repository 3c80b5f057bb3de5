//! Sending the hub's rows: the first backfill (every table, in key order, resumable) and then
//! the outbox, in batches. A batch is one Postgres transaction (the lease checked inside it, an
//! upsert per table, a delete per table); the outbox entries and the backfill's place are moved
//! on only after it committed, so a batch cut short anywhere is sent again, and sending a row
//! twice changes nothing (upserts on the natural key, newer wins).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio_postgres::Client;

use super::MirrorError;
use super::connect::{connect, describe, say};
use super::settings::MirrorTarget;
use super::state;
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
    client: Arc<Client>,
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
            client: Arc::new(client),
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
        let reading = self.reading();
        for table in MirroredTable::ALL {
            let place = backfill.tables.entry(table.name().to_string()).or_default();
            if place.done {
                continue;
            }
            let mut after = place.after.as_deref().and_then(from_hex);
            // One batch is written while the next is read: the hub's half and Postgres' half
            // take about as long, so together they take about the longer of the two.
            let mut writing: Option<Writing> = None;
            loop {
                let keys = self
                    .store
                    .mirror_keys_after(table, after.as_deref(), BACKFILL_BATCH)?;
                let batch = match keys.is_empty() {
                    true => None,
                    false => {
                        let keys = keys.iter().map(|k| (table, k.as_slice()));
                        Some(Batch::read(&reading, table.database(), keys)?)
                    }
                };
                if let Some(written) = writing.take() {
                    let rows = written.finished().await?;
                    self.sent(rows.rows)?;
                    let place = backfill
                        .tables
                        .get_mut(table.name())
                        .expect("entered above");
                    place.after = Some(to_hex(&rows.last));
                    place.rows += rows.rows;
                    state::save_backfill(self.store, &backfill)?;
                    report.rows_sent += rows.rows;
                    progress(&report);
                }
                let (Some(batch), Some(last)) = (batch, keys.last()) else {
                    break;
                };
                after = Some(last.clone());
                writing = Some(Writing {
                    rows: BatchDone {
                        rows: batch.rows,
                        last: last.clone(),
                    },
                    task: tokio::spawn(self.writer().write(batch)),
                });
            }
            let place = backfill
                .tables
                .get_mut(table.name())
                .expect("entered above");
            place.done = true;
            state::save_backfill(self.store, &backfill)?;
        }
        state::backfill_finished(self.store)?;
        Ok(report)
    }

    /// Sends what waits in the outbox, batch after batch, until it is empty; returns the rows.
    pub async fn drain(&mut self) -> Result<u64, MirrorError> {
        // The daily totals' changes wait in memory until written, and are noted then: written
        // now, they go with the transactions that made them.
        self.store.write_out_daily_totals()?;
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
        let batch = Batch::read(&self.reading(), database, keys)?;
        let sent = batch.rows;
        self.writer().write(batch).await?;
        self.sent(sent)?;
        Ok(sent)
    }

    /// What writes a batch; owned, so a backfill can write one batch while it reads the next.
    fn writer(&self) -> Writer {
        Writer {
            client: self.client.clone(),
            described: self.described.clone(),
            studio_id: self.target.studio_id.clone(),
            hub_id: self.hub_id.clone(),
        }
    }

    fn sent(&self, rows: u64) -> Result<(), MirrorError> {
        state::update_unflushed(self.store, |s| {
            s.connected = true;
            s.last_sent_at = Some(chrono::Utc::now());
            s.rows_sent += rows;
        })?;
        Ok(())
    }
}

/// A backfill's batch on its way to Postgres.
struct Writing {
    rows: BatchDone,
    task: tokio::task::JoinHandle<Result<(), MirrorError>>,
}

/// What a backfill's batch moves its place on by, once written.
struct BatchDone {
    rows: u64,
    /// The batch's last key.
    last: Vec<u8>,
}

impl Writing {
    async fn finished(self) -> Result<BatchDone, MirrorError> {
        match self.task.await {
            Ok(written) => written.map(|()| self.rows),
            // The writer panicked (a bug): the same panic here.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// One batch read from the hub, ready to write: each table's rows as one JSON array, the keys
/// gone from the hub, and the version they were read at.
struct Batch {
    version: String,
    json: BTreeMap<MirroredTable, Vec<u8>>,
    gone: BTreeMap<MirroredTable, Vec<String>>,
    /// Distinct rows in it.
    rows: u64,
}

impl Batch {
    fn read<'k>(
        reading: &Reading<'_>,
        database: Database,
        keys: impl Iterator<Item = (MirroredTable, &'k [u8])>,
    ) -> Result<Batch, MirrorError> {
        let unique: BTreeSet<(MirroredTable, &[u8])> = keys.collect();
        let store = reading.store;
        // Under the gate: every row noted so far is written, and the version is above their
        // entries' and below any later one's.
        let _writers_wait = store.mirror_reading();
        let version = store.mirror_version(database)?;
        let mut json: BTreeMap<MirroredTable, Vec<u8>> = BTreeMap::new();
        let mut gone: BTreeMap<MirroredTable, Vec<String>> = BTreeMap::new();
        for (table, key) in &unique {
            match reading.read(*table, key)? {
                Found::Row(row) => {
                    let array = json.entry(*table).or_insert_with(|| vec![b'[']);
                    if array.len() > 1 {
                        array.push(b',');
                    }
                    row.write_json(spec(*table), array);
                }
                Found::Gone(key) => gone.entry(*table).or_default().push(key),
            }
        }
        for array in json.values_mut() {
            array.push(b']');
        }
        Ok(Batch {
            version: version.to_string(),
            json,
            gone,
            rows: unique.len() as u64,
        })
    }
}

/// Writes batches as one Postgres transaction each: the lease checked inside it, an upsert and
/// a delete per table.
struct Writer {
    client: Arc<Client>,
    described: String,
    studio_id: String,
    hub_id: String,
}

impl Writer {
    fn refused(&self, e: tokio_postgres::Error) -> MirrorError {
        unreachable_or_refused(&self.described, e)
    }

    async fn write(self, batch: Batch) -> Result<(), MirrorError> {
        // BEGIN and COMMIT by hand, not `Client::transaction`: that needs the client to itself,
        // and the backfill's next read goes on while this is written. A failure ends the
        // session and its connection, so an open transaction is never left to the next batch.
        self.client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| self.refused(e))?;
        let written = self.statements(batch).await;
        if written.is_err() {
            let _ = self.client.batch_execute("ROLLBACK").await;
        }
        written?;
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| self.refused(e))
    }

    async fn statements(&self, mut batch: Batch) -> Result<(), MirrorError> {
        let client: &Client = &self.client;
        super::lease::still_ours(client, &self.described, &self.studio_id, &self.hub_id).await?;
        let studio: &str = &self.studio_id;
        let version = &batch.version;
        for table in MirroredTable::ALL {
            let spec = spec(table);
            if let Some(json) = batch.json.remove(&table) {
                let json = String::from_utf8(json).expect("JSON is UTF-8");
                let sql = spec.upsert_sql();
                let result = if spec.versioned {
                    client.execute(&sql, &[&studio, &json, version]).await
                } else {
                    client.execute(&sql, &[&studio, &json]).await
                };
                result.map_err(|e| self.refused(e))?;
            }
            if let Some(keys) = batch.gone.remove(&table) {
                let sql = spec.delete_sql();
                let result = if spec.versioned {
                    client.execute(&sql, &[&studio, &keys, version]).await
                } else {
                    client.execute(&sql, &[&studio, &keys]).await
                };
                result.map_err(|e| self.refused(e))?;
            }
        }
        Ok(())
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
