//! The `outbox` trees: the changes waiting for the Postgres mirror, one tree in each database
//! (the hub's for integrations and tokens, the records' for the rest).
//!
//! Key: a big-endian sequence from the database's own id generator (monotonic across restarts).
//! Value: the table's byte, the time it was noted (ms since the epoch, for the lag) and the
//! row's key. An entry names a row, never its values: the mirror reads the row as it is when
//! it drains, so a row changed ten times between two drains is sent once, as it is now, and a
//! row gone is deleted there.
//!
//! Never lost: a writer notes its rows *before* it writes them, both under the gate's shared
//! side; the mirror takes the gate's exclusive side while it reads a batch of entries and their
//! rows. So every entry the mirror sees has its write finished, a crash between the two leaves
//! an entry for a row that did not change (sent again as it is: harmless), and no write is ever
//! without its entry. The entries are acknowledged (removed) only after Postgres committed.
//! While no mirror is configured nothing is noted, and the first drain after one is switched on
//! starts with a backfill of every table.

use std::sync::{RwLockReadGuard, RwLockWriteGuard};

use sled::Batch;

use super::{Store, StoreError};

pub const TREE: &str = "outbox";

/// In the hub's meta while changes are noted.
const NOTING: &str = "mirror.noting";

/// The tables the mirror keeps in Postgres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MirroredTable {
    Integrations,
    IntegrationTokens,
    IntegrationSyncLogs,
    Customers,
    Transactions,
    /// The revenue categories and the financial class each maps to (the `categories` tree).
    FinancialClasses,
    BankAccounts,
    BankLines,
    Matches,
    DailyTotals,
}

/// Which of the two databases a table lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    Hub,
    Records,
}

impl MirroredTable {
    pub const ALL: [MirroredTable; 10] = [
        MirroredTable::Integrations,
        MirroredTable::IntegrationTokens,
        MirroredTable::IntegrationSyncLogs,
        MirroredTable::Customers,
        MirroredTable::Transactions,
        MirroredTable::FinancialClasses,
        MirroredTable::BankAccounts,
        MirroredTable::BankLines,
        MirroredTable::Matches,
        MirroredTable::DailyTotals,
    ];

    /// The table's name, in Postgres as in sled.
    pub fn name(self) -> &'static str {
        match self {
            MirroredTable::Integrations => "integrations",
            MirroredTable::IntegrationTokens => "integration_tokens",
            MirroredTable::IntegrationSyncLogs => "integration_sync_logs",
            MirroredTable::Customers => "customers",
            MirroredTable::Transactions => "transactions",
            MirroredTable::FinancialClasses => "financial_classes",
            MirroredTable::BankAccounts => "bank_accounts",
            MirroredTable::BankLines => "bank_lines",
            MirroredTable::Matches => "matches",
            MirroredTable::DailyTotals => "daily_totals",
        }
    }

    pub fn database(self) -> Database {
        match self {
            MirroredTable::Integrations | MirroredTable::IntegrationTokens => Database::Hub,
            _ => Database::Records,
        }
    }

    fn byte(self) -> u8 {
        match self {
            MirroredTable::Integrations => b'i',
            MirroredTable::IntegrationTokens => b't',
            MirroredTable::IntegrationSyncLogs => b'l',
            MirroredTable::Customers => b'c',
            MirroredTable::Transactions => b'x',
            MirroredTable::FinancialClasses => b'f',
            MirroredTable::BankAccounts => b'a',
            MirroredTable::BankLines => b'b',
            MirroredTable::Matches => b'm',
            MirroredTable::DailyTotals => b'd',
        }
    }

    fn from_byte(byte: u8) -> Option<MirroredTable> {
        MirroredTable::ALL.into_iter().find(|t| t.byte() == byte)
    }
}

/// One waiting change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: u64,
    pub table: MirroredTable,
    pub key: Vec<u8>,
    /// When it was noted, ms since the epoch.
    pub noted_ms: u64,
}

fn encode(table: MirroredTable, key: &[u8], noted_ms: u64) -> Vec<u8> {
    let mut value = Vec::with_capacity(9 + key.len());
    value.push(table.byte());
    value.extend_from_slice(&noted_ms.to_be_bytes());
    value.extend_from_slice(key);
    value
}

fn decode(seq: &[u8], value: &[u8]) -> Option<OutboxEntry> {
    let seq = u64::from_be_bytes(seq.try_into().ok()?);
    let table = MirroredTable::from_byte(*value.first()?)?;
    let noted_ms = u64::from_be_bytes(value.get(1..9)?.try_into().ok()?);
    Some(OutboxEntry {
        seq,
        table,
        key: value[9..].to_vec(),
        noted_ms,
    })
}

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// Appends entries for these rows of `table` to a database's outbox.
fn append<'k>(
    db: &sled::Db,
    tree: &sled::Tree,
    table: MirroredTable,
    keys: impl IntoIterator<Item = &'k [u8]>,
) -> Result<(), StoreError> {
    let noted = now_ms();
    let mut batch = Batch::default();
    for key in keys {
        batch.insert(&db.generate_id()?.to_be_bytes(), encode(table, key, noted));
    }
    tree.apply_batch(batch)?;
    Ok(())
}

/// Notes rows of the records that a repair changes while the records are being opened: nobody
/// else reads them yet (the mirror waits for them), so no gate is taken.
pub(super) fn note_while_opening<'k>(
    records: &super::Records,
    table: MirroredTable,
    keys: impl IntoIterator<Item = &'k [u8]>,
) -> Result<(), StoreError> {
    if records
        .mirror_noting
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        append(&records.db, &records.outbox, table, keys)?;
    }
    Ok(())
}

/// What a writer holds from noting its rows until they are written.
pub(super) struct Noting<'a> {
    _gate: RwLockReadGuard<'a, ()>,
}

impl Store {
    /// Starts (or stops) noting changes for the mirror, from now and at every later open (so a
    /// repair at the next open is noted too). Off, writes cost nothing more.
    pub fn set_mirror_noting(&self, on: bool) -> Result<(), StoreError> {
        if on {
            self.put_meta_json(NOTING, &true)?;
        } else {
            self.remove_meta(NOTING)?;
        }
        self.mirror_noting
            .store(on, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub(super) fn mirror_noting_at_start(&self) -> Result<(), StoreError> {
        let on = self.meta_json::<bool>(NOTING)?.unwrap_or(false);
        self.mirror_noting
            .store(on, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    pub fn mirror_noting(&self) -> bool {
        self.mirror_noting
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes that these rows of `table` are about to change; the guard is held until they are
    /// written. Nothing is noted while no mirror is configured.
    pub(super) fn note_changes<'k>(
        &self,
        table: MirroredTable,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> Result<Noting<'_>, StoreError> {
        self.note_rows(keys.into_iter().map(|key| (table, key)))
    }

    /// [`Store::note_changes`] for a write that changes rows of several tables at once: one
    /// guard for all (the gate's shared side must not be taken twice by one thread, or a
    /// waiting mirror would block the second taking forever).
    pub(super) fn note_rows<'k>(
        &self,
        rows: impl IntoIterator<Item = (MirroredTable, &'k [u8])>,
    ) -> Result<Noting<'_>, StoreError> {
        let gate = self.mirror_gate.read().unwrap_or_else(|e| e.into_inner());
        if self.mirror_noting() {
            let noted = now_ms();
            let mut batches: Vec<(Database, sled::Db, sled::Tree, Batch)> = Vec::new();
            for (table, key) in rows {
                let database = table.database();
                let at = match batches.iter().position(|b| b.0 == database) {
                    Some(at) => at,
                    None => {
                        let (db, tree) = self.outbox_of(database)?;
                        batches.push((database, db, tree, Batch::default()));
                        batches.len() - 1
                    }
                };
                let (_, db, _, batch) = &mut batches[at];
                batch.insert(&db.generate_id()?.to_be_bytes(), encode(table, key, noted));
            }
            let any = !batches.is_empty();
            for (_, _, tree, batch) in batches {
                tree.apply_batch(batch)?;
            }
            if any {
                self.mirror_wake.notify_one();
            }
        }
        Ok(Noting { _gate: gate })
    }

    /// Notes more rows under a guard this thread holds already (a write made inside another
    /// one's noting: the daily totals written out by a change to the transactions).
    pub(super) fn note_more<'k>(
        &self,
        _held: &Noting<'_>,
        table: MirroredTable,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> Result<(), StoreError> {
        if self.mirror_noting() {
            let (db, tree) = self.outbox_of(table.database())?;
            append(&db, &tree, table, keys)?;
            self.mirror_wake.notify_one();
        }
        Ok(())
    }

    /// Wakes the mirror's task when a change is noted.
    pub fn mirror_wakeup(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.mirror_wake.clone()
    }

    /// Shuts the writers out while the mirror reads a batch of entries and their rows.
    pub fn mirror_reading(&self) -> RwLockWriteGuard<'_, ()> {
        self.mirror_gate.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The oldest waiting entries of one database, up to `limit`.
    pub fn outbox_peek(
        &self,
        database: Database,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let (_, tree) = self.outbox_of(database)?;
        let mut entries = Vec::new();
        for item in tree.iter().take(limit) {
            let (seq, value) = item?;
            match decode(&seq, &value) {
                Some(entry) => entries.push(entry),
                // Not ours to read (a newer hub's table): dropped rather than blocking the rest.
                None => {
                    tracing::warn!("mirror outbox: an entry this hub cannot read was dropped");
                    tree.remove(seq)?;
                }
            }
        }
        Ok(entries)
    }

    /// Removes entries Postgres has committed.
    pub fn outbox_ack(&self, database: Database, seqs: &[u64]) -> Result<(), StoreError> {
        let (_, tree) = self.outbox_of(database)?;
        let mut batch = Batch::default();
        for seq in seqs {
            batch.remove(&seq.to_be_bytes());
        }
        // Not flushed: an acknowledgement a crash loses only sends those rows again (as they
        // are then: harmless), and a flush here would make the webhook receiver's flush of the
        // same database wait.
        tree.apply_batch(batch)?;
        Ok(())
    }

    /// How many changes wait, and when the oldest was noted (ms since the epoch).
    pub fn outbox_waiting(&self) -> Result<(u64, Option<u64>), StoreError> {
        let mut count = 0;
        let mut oldest: Option<u64> = None;
        for database in [Database::Hub, Database::Records] {
            let (_, tree) = self.outbox_of(database)?;
            count += tree.len() as u64;
            if let Some((seq, value)) = tree.first()?
                && let Some(entry) = decode(&seq, &value)
            {
                oldest = Some(oldest.map_or(entry.noted_ms, |o| o.min(entry.noted_ms)));
            }
        }
        Ok((count, oldest))
    }

    /// A version for rows read now: higher than every entry noted so far in that database, and
    /// lower than every one noted later (a backfill's rows lose to a change made after them).
    pub fn mirror_version(&self, database: Database) -> Result<u64, StoreError> {
        let (db, _) = self.outbox_of(database)?;
        Ok(db.generate_id()?)
    }

    fn outbox_of(&self, database: Database) -> Result<(sled::Db, sled::Tree), StoreError> {
        match database {
            Database::Hub => Ok((self.hub.db.clone(), self.hub.outbox.clone())),
            Database::Records => {
                let records = self.records()?;
                Ok((records.db.clone(), records.outbox.clone()))
            }
        }
    }
}

/// What the mirror reads of the hub: rows by their key, and the keys of a table in order (for
/// the backfill). Secrets only as they are kept: sealed.
impl Store {
    /// Up to `limit` keys of `table` after `after` (from the start when None), in key order.
    pub fn mirror_keys_after(
        &self,
        table: MirroredTable,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let tree = self.tree_of(table)?;
        let range = match after {
            Some(after) => tree.range((
                std::ops::Bound::Excluded(after.to_vec()),
                std::ops::Bound::Unbounded,
            )),
            None => tree.range::<Vec<u8>, _>(..),
        };
        range.keys().take(limit).map(|k| Ok(k?.to_vec())).collect()
    }

    /// How many rows `table` holds in the hub.
    pub fn mirror_row_count(&self, table: MirroredTable) -> Result<u64, StoreError> {
        Ok(self.tree_of(table)?.len() as u64)
    }

    /// A provider's tokens as they are kept: sealed with this hub's key.
    pub fn sealed_tokens(
        &self,
        id: &crate::domain::IntegrationId,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .hub
            .tokens
            .get(id.key().as_bytes())?
            .map(|v| v.to_vec()))
    }

    fn tree_of(&self, table: MirroredTable) -> Result<sled::Tree, StoreError> {
        Ok(match table {
            MirroredTable::Integrations => self.hub.integrations.clone(),
            MirroredTable::IntegrationTokens => self.hub.tokens.clone(),
            MirroredTable::IntegrationSyncLogs => self.records()?.sync_logs,
            MirroredTable::Customers => self.records()?.customers,
            MirroredTable::Transactions => self.records()?.transactions,
            MirroredTable::FinancialClasses => self.records()?.categories,
            MirroredTable::BankAccounts => self.records()?.bank_accounts,
            MirroredTable::BankLines => self.records()?.bank_lines,
            MirroredTable::Matches => self.records()?.matches,
            MirroredTable::DailyTotals => self.records()?.daily_totals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_written() {
        let value = encode(MirroredTable::Transactions, b"mindbody:sale:1:2", 1234);
        let entry = decode(&7u64.to_be_bytes(), &value).unwrap();
        assert_eq!(
            entry,
            OutboxEntry {
                seq: 7,
                table: MirroredTable::Transactions,
                key: b"mindbody:sale:1:2".to_vec(),
                noted_ms: 1234
            }
        );
        assert_eq!(decode(&7u64.to_be_bytes(), b"?"), None);
        assert_eq!(decode(b"short", &value), None);
        for table in MirroredTable::ALL {
            assert_eq!(MirroredTable::from_byte(table.byte()), Some(table));
        }
    }

    fn noted(store: &Store, table: MirroredTable) -> Vec<Vec<u8>> {
        let entries = store.outbox_peek(table.database(), 10_000).unwrap();
        entries
            .into_iter()
            .filter(|e| e.table == table)
            .map(|e| e.key)
            .collect()
    }

    fn sale(n: u32, cents: i64) -> crate::books::Transaction {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        crate::store::daily_totals::tests::sale(n, day.and_hms_opt(9, 0, 0).unwrap(), cents)
    }

    /// The books' writes that are not the transactions' own note their rows: a bank line's
    /// class, and the daily totals when their waiting changes are written (inside a write to
    /// the transactions too, where the gate is held already), and again when a crash's repair
    /// builds them afresh at open.
    #[test]
    fn the_books_writes_note_their_rows() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::config::Paths::in_dir(dir.path());
        let store = Store::open(&paths, "test").unwrap();
        store.set_mirror_noting(true).unwrap();
        store
            .set_bank_line_class("chase:id:R-1", Some("Rent"))
            .unwrap();
        assert_eq!(
            noted(&store, MirroredTable::BankLines),
            [b"chase:id:R-1".to_vec()]
        );

        store.upsert_transactions(&[sale(1, 1250)], false).unwrap();
        assert!(
            noted(&store, MirroredTable::DailyTotals).is_empty(),
            "waiting in memory"
        );
        store.write_out_daily_totals().unwrap();
        let totals = noted(&store, MirroredTable::DailyTotals);
        // A day and a month entry in each of the three dimensions.
        assert_eq!(totals.len(), 6, "{totals:?}");
        for key in &totals {
            assert!(store.daily_total_as_written(key).unwrap().is_some());
        }

        // The repair at open notes the entries it changes: one lost here is noted again.
        let records = store.records().unwrap();
        let seqs: Vec<u64> = store
            .outbox_peek(Database::Records, 10_000)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        store.outbox_ack(Database::Records, &seqs).unwrap();
        records.daily_totals.remove(&totals[0]).unwrap();
        super::super::daily_totals::forget_built(&records).unwrap();
        drop(records);
        drop(store);
        let store = Store::open(&paths, "test").unwrap();
        assert!(store.daily_totals_agree().unwrap());
        assert_eq!(
            noted(&store, MirroredTable::DailyTotals),
            [totals[0].clone()]
        );
    }
}
