//! The `transactions` tree (records database), its date index, and tombstones.
//!
//! `transactions`: key → record. `transactions_by_date`: date (big-endian millis) + key → (), so
//! the newest are a reverse range and today's are a short one. `tombstones`: keys the user
//! deleted; a sync does not bring them back unless asked to re-import everything.

use chrono::NaiveDateTime;

use sled::Batch;

use super::codec;
use super::daily_totals::{self, TotalsDelta};
use super::outbox::{MirroredTable, Noting};
use super::{Records, Store, StoreError, decode_value};
use crate::books::{Transaction, Upserted};

pub const TREE: &str = "transactions";
pub const BY_DATE: &str = "transactions_by_date";
pub const TOMBSTONES: &str = "tombstones";

/// The number of transactions, kept beside them (in the database's default tree) so the view
/// never has to walk the whole index to know it: sled keeps every page it has walked in memory.
const COUNT: &[u8] = b"transactions.count";

pub(super) fn date_key(date: NaiveDateTime, key: &str) -> Vec<u8> {
    // Offset so negative timestamps (years before 1970) still sort correctly as unsigned bytes.
    let millis = date.and_utc().timestamp_millis() as i128 - i64::MIN as i128;
    let mut out = (millis as u64).to_be_bytes().to_vec();
    out.extend_from_slice(key.as_bytes());
    out
}

/// Counts the transactions of a database written before the count was kept (once).
pub(super) fn ensure_count(db: &sled::Db, transactions: &sled::Tree) -> Result<(), sled::Error> {
    if db.get(COUNT)?.is_none() {
        let n = transactions.len() as u64;
        db.insert(COUNT, &n.to_be_bytes())?;
    }
    Ok(())
}

/// One change to the transactions: the records, their date index, the tombstones, the count and
/// the daily totals, written as one batch per tree (records, index, tombstones, count, totals),
/// as before there was a repair. A crash between them can leave a record without its index
/// entry, an entry without its record, a count or totals off by the batch; the first start after
/// a crash mends them all ([`repair_after_crash`]). A delete writes its tombstone before it takes the record out, so a
/// delete cut short keeps the tombstone and the repair drops the record. (One sled transaction
/// over the four trees would make the four one write; it was tried while an empty-batch bug
/// slowed every sync, so its own cost is not known.)
#[derive(Default)]
struct Changes {
    records: Batch,
    index: Batch,
    tombstones: Batch,
    /// Added to the count.
    count: i64,
    /// Added to the daily totals: the new records' contributions less the old ones'.
    totals: TotalsDelta,
    /// The records written or removed, noted for the Postgres mirror.
    keys: Vec<String>,
}

impl Changes {
    /// Notes the records this change writes or removes, for the Postgres mirror.
    fn noted<'s>(&self, store: &'s Store) -> Result<Noting<'s>, StoreError> {
        store.note_changes(
            MirroredTable::Transactions,
            self.keys.iter().map(|k| k.as_bytes()),
        )
    }

    /// Takes these transactions out (records, index entries and their share of the totals).
    fn removing(old: &[Transaction]) -> Changes {
        let mut changes = Changes::default();
        for tx in old {
            changes.records.remove(tx.key.as_bytes());
            changes.keys.push(tx.key.clone());
            changes.index.remove(date_key(tx.date, &tx.key));
            changes.count -= 1;
            changes.totals.take_away(tx);
        }
        changes
    }
}

/// Writes a change. The caller holds [`Store::writing_transactions`] from reading the old
/// records until this returns. The change to the daily totals joins the ones not written yet
/// ([`Store::write_out_daily_totals`]): a sync's pages mostly add to the same days, so they are
/// written once, when a report reads them, when many are waiting, and when the store closes.
/// A crash loses them with nothing else: the records were not closed, so the next start
/// builds the totals again from the records ([`repair_after_crash`]).
///
/// The caller noted the change for the mirror (`noted`, held until the records are written):
/// [`Changes::noted`], or earlier when it writes something first (a delete's tombstone).
fn commit(
    store: &Store,
    records: &Records,
    changes: Changes,
    noted: Noting<'_>,
) -> Result<(), StoreError> {
    records.transactions.apply_batch(changes.records)?;
    records.transactions_by_date.apply_batch(changes.index)?;
    records.tombstones.apply_batch(changes.tombstones)?;
    if changes.count != 0 {
        records.db.fetch_and_update(COUNT, |old| {
            let n = old
                .and_then(|v| v.try_into().ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            Some(
                n.saturating_add_signed(changes.count)
                    .to_be_bytes()
                    .to_vec(),
            )
        })?;
    }
    store.add_to_daily_totals(records, changes.totals, &noted)
}

/// Whether the last process that wrote the records closed them (`b"1"`), or is writing now or
/// died writing (`b"0"`); absent in a store from before it was kept.
const CLOSED: &[u8] = b"transactions.closed";

/// At open, after a process that did not close the records (killed, power lost): makes the
/// date index, the count and the daily totals agree with the records again, and drops records
/// their tombstone says were deleted. A write cut short can leave a record without its index entry (missing from
/// every list, and an upsert of the same record later finds it unchanged), an entry without its
/// record, or a count off by the cut batch. One walk of the records and the index; only after a
/// crash. Then marks the records open.
pub(super) fn repair_after_crash(
    records: &Records,
) -> Result<Option<TransactionTallies>, StoreError> {
    let closed = records.db.get(CLOSED)?.is_some_and(|v| v.as_ref() == b"1");
    let repaired = if closed { None } else { Some(repair(records)?) };
    records.db.insert(CLOSED, b"0")?;
    records.db.flush()?;
    Ok(repaired)
}

/// Marks the records closed (the owner lets go of them).
pub(super) fn mark_closed(records: &Records) -> Result<(), StoreError> {
    records.db.insert(CLOSED, b"1")?;
    records.db.flush()?;
    Ok(())
}

fn repair(records: &Records) -> Result<TransactionTallies, StoreError> {
    let mut index = Batch::default();
    let mut gone = Batch::default();
    let mut wanted = std::collections::HashSet::new();
    let mut kept = 0u64;
    for entry in records.transactions.iter() {
        let (key, value) = entry?;
        if records.tombstones.contains_key(&key)? {
            gone.remove(key.clone());
            continue;
        }
        let tx: Transaction = decode_value(TREE, &key, &value)?;
        let entry = date_key(tx.date, &tx.key);
        if !records.transactions_by_date.contains_key(&entry)? {
            index.insert(entry.clone(), &[][..]);
        }
        wanted.insert(entry);
        kept += 1;
    }
    for entry in records.transactions_by_date.iter().keys() {
        let entry = entry?;
        if !wanted.contains(entry.as_ref()) {
            index.remove(entry);
        }
    }
    records.transactions.apply_batch(gone)?;
    records.transactions_by_date.apply_batch(index)?;
    records.db.insert(COUNT, &kept.to_be_bytes())?;
    daily_totals::rebuild(records)?;
    Ok(TransactionTallies {
        records: kept,
        indexed: kept,
        counted: kept,
    })
}

/// See [`Store::transaction_tallies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionTallies {
    pub records: u64,
    pub indexed: u64,
    pub counted: u64,
}

impl TransactionTallies {
    pub fn agree(&self) -> bool {
        self.records == self.indexed && self.indexed == self.counted
    }
}

/// The record key a date-index entry points at.
pub fn key_of_index(index_key: &[u8]) -> Option<&str> {
    std::str::from_utf8(index_key.get(8..)?).ok()
}

impl Store {
    /// Inserts or updates transactions in one atomic batch (a page of a sync), keeping the date
    /// index in step. `revive` brings back tombstoned ones (a full re-import).
    pub fn upsert_transactions(
        &self,
        transactions: &[Transaction],
        revive: bool,
    ) -> Result<Vec<Upserted>, StoreError> {
        let records = self.records()?;
        let _writing = self.writing_transactions();
        let mut outcomes = Vec::with_capacity(transactions.len());
        let mut batch = Batch::default();
        let mut index = Batch::default();
        let mut tombs = Batch::default();
        let mut totals = TotalsDelta::default();
        let keep_totals = self.keeps_daily_totals();
        // What this page already wrote, by key: a key twice in one page is read as its first
        // copy left it, so it is neither counted twice nor taken out of the totals twice.
        let mut written: std::collections::HashMap<String, Transaction> =
            std::collections::HashMap::new();
        for tx in transactions {
            let key = tx.key.as_bytes();
            if records.tombstones.contains_key(key)? {
                if !revive {
                    outcomes.push(Upserted::Tombstoned);
                    continue;
                }
                tombs.remove(key);
            }
            let old: Option<Transaction> = match written.get(tx.key.as_str()) {
                Some(earlier) => Some(earlier.clone()),
                None => records
                    .transactions
                    .get(key)?
                    .map(|v| decode_value(TREE, key, &v))
                    .transpose()?,
            };
            let tx = match &old {
                Some(old) => tx.clone().keeping_settlement_of(old),
                None => tx.clone(),
            };
            let tx = &tx;
            let outcome = match &old {
                None => Upserted::New,
                Some(old) if old.same_content(tx) => Upserted::Unchanged,
                Some(_) => Upserted::Updated,
            };
            if outcome != Upserted::Unchanged {
                if let Some(old) = &old
                    && old.date != tx.date
                {
                    index.remove(date_key(old.date, &old.key));
                }
                batch.insert(key, codec::encode(tx));
                index.insert(date_key(tx.date, &tx.key), &[][..]);
                if keep_totals {
                    if let Some(old) = &old {
                        totals.take_away(old);
                    }
                    totals.add(tx);
                }
                written.insert(tx.key.clone(), tx.clone());
            }
            outcomes.push(outcome);
        }
        let added = outcomes.iter().filter(|o| **o == Upserted::New).count() as i64;
        let changes = Changes {
            records: batch,
            index,
            tombstones: tombs,
            count: added,
            totals,
            keys: written.into_keys().collect(),
        };
        let noted = changes.noted(self)?;
        commit(self, &records, changes, noted)?;
        records.db.flush()?;
        Ok(outcomes)
    }

    pub fn transaction(&self, key: &str) -> Result<Option<Transaction>, StoreError> {
        let records = self.records()?;
        records
            .transactions
            .get(key.as_bytes())?
            .map(|v| decode_value(TREE, key.as_bytes(), &v))
            .transpose()
    }

    /// Deletes a transaction and remembers that the user did.
    pub fn delete_transaction(&self, key: &str) -> Result<bool, StoreError> {
        let records = self.records()?;
        let _writing = self.writing_transactions();
        let Some(old) = self.transaction(key)? else {
            return Ok(false);
        };
        // Noted before the tombstone: a delete cut short after it is finished by the repair at
        // the next open, which cannot note it then (the records are still being opened).
        let noted = self.note_changes(MirroredTable::Transactions, [key.as_bytes()])?;
        records.tombstones.insert(key.as_bytes(), &[][..])?;
        commit(self, &records, Changes::removing(&[old]), noted)?;
        records.db.flush()?;
        Ok(true)
    }

    /// The keys of a sale's transactions (all that start with `prefix`).
    pub fn transaction_keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let records = self.records()?;
        records
            .transactions
            .scan_prefix(prefix.as_bytes())
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }

    /// Removes transactions that were stand-ins (a webhook's, before the sync brought the real
    /// ones): no tombstone, since the real ones replace them.
    pub fn remove_transactions(&self, keys: &[String]) -> Result<(), StoreError> {
        let records = self.records()?;
        let _writing = self.writing_transactions();
        let mut old = Vec::with_capacity(keys.len());
        for key in keys {
            old.extend(self.transaction(key)?);
        }
        // The sync asks for every sale it stores, and most have no stand-ins: an empty batch
        // still costs sled a sealed write to its log (39 times the flushes of a sync, measured).
        if old.is_empty() {
            return Ok(());
        }
        let changes = Changes::removing(&old);
        let noted = changes.noted(self)?;
        commit(self, &records, changes, noted)
    }

    /// The three ways the store counts its transactions: the records, their date-index entries
    /// and the kept count. They agree unless a write was torn (what [`commit`] prevents); the
    /// kill -9 tests check it after each kill.
    pub fn transaction_tallies(&self) -> Result<TransactionTallies, StoreError> {
        let records = self.records()?;
        Ok(TransactionTallies {
            records: records.transactions.len() as u64,
            indexed: records.transactions_by_date.len() as u64,
            counted: self.transaction_count()?,
        })
    }

    /// How many transactions there are.
    pub fn transaction_count(&self) -> Result<u64, StoreError> {
        let records = self.records()?;
        Ok(records
            .db
            .get(COUNT)?
            .and_then(|v| v.as_ref().try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// The keys of `limit` transactions from `offset`, newest first, walking the date index
    /// from whichever end is nearer: the top and the bottom of the list cost a few pages.
    pub fn transaction_keys_window(
        &self,
        offset: u64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let records = self.records()?;
        let total = self.transaction_count()?;
        let key_of = |entry: Result<(sled::IVec, sled::IVec), sled::Error>| {
            let (k, _) = entry?;
            Ok(key_of_index(&k).unwrap_or_default().to_string())
        };
        if offset <= total / 2 {
            records
                .transactions_by_date
                .iter()
                .rev()
                .skip(offset as usize)
                .take(limit)
                .map(key_of)
                .collect()
        } else {
            let end = total.saturating_sub(offset);
            let start = end.saturating_sub(limit as u64);
            let mut keys = records
                .transactions_by_date
                .iter()
                .skip(start as usize)
                .take((end - start) as usize)
                .map(key_of)
                .collect::<Result<Vec<_>, StoreError>>()?;
            keys.reverse();
            Ok(keys)
        }
    }

    /// Every transaction key, newest first (the index only: no record is read).
    pub fn transaction_keys_newest_first(&self) -> Result<Vec<String>, StoreError> {
        let records = self.records()?;
        records
            .transactions_by_date
            .iter()
            .rev()
            .map(|entry| {
                let (k, _) = entry?;
                Ok(key_of_index(&k).unwrap_or_default().to_string())
            })
            .collect()
    }

    /// Transactions dated in [from, to), oldest first.
    pub fn transactions_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<Transaction>, StoreError> {
        let records = self.records()?;
        let mut out = Vec::new();
        for entry in records
            .transactions_by_date
            .range(date_key(from, "")..date_key(to, ""))
        {
            let (k, _) = entry?;
            // Read with the trees already in hand: `transaction` would take the store's lock
            // and copy every tree's handle again for each row.
            let Some(key) = key_of_index(&k) else {
                continue;
            };
            if let Some(value) = records.transactions.get(key.as_bytes())? {
                out.push(decode_value(TREE, key.as_bytes(), &value)?);
            }
        }
        Ok(out)
    }
}
