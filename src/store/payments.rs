//! The `payments` and `card_transactions` trees (records database): the money side of the sales,
//! which reconciliation matches to the bank.
//!
//! Each tree holds its records and their index side by side under a one-byte prefix, so that
//! one change is one sled batch on one tree, and a batch on one tree is atomic: a crash leaves
//! all of a page's payments or none, and there is nothing to mend at the next start (the
//! transactions keep their index in a tree of its own and need a repair walk after a crash).
//!
//! - `payments`: `s` + sale → the sale's payments (one record per sale: a sale's list replaces
//!   the stored one in one read and one write, so a payment taken off the sale goes);
//!   `d` + date + sale → () (sales by day, for payments by method and date: the matcher's cash
//!   pile). Per payment a record and two index entries cost the first sync of 20,000 sales twice
//!   its time (measured: 28,000 → 13,000 transactions/s): sled's cost is per write and per
//!   range walk, not per byte.
//! - `card_transactions`: `r` + key → [`CardTransaction`]; `t` + time + key → () (settlement
//!   windows, in the order the cards were charged).
//!
//! Dates are the transactions' index encoding ([`super::transactions::date_key`]).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use sled::Batch;

use super::codec;
use super::transactions::date_key;
use super::{Records, Store, StoreError, decode_value};
use crate::books::payment::{CardTransaction, MethodKind, Payment, SalePayments};
use crate::books::{Transaction, Upserted};

pub const PAYMENTS: &str = "payments";
pub const CARD_TRANSACTIONS: &str = "card_transactions";

const RECORD: u8 = b'r';
const BY_SALE: u8 = b's';
const BY_DATE: u8 = b'd';
const BY_TIME: u8 = b't';

/// The bytes of a date in an index entry (see `date_key`).
const DATE_BYTES: usize = 8;

fn prefixed(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![prefix];
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

fn record_key(key: &str) -> Vec<u8> {
    prefixed(RECORD, &[key.as_bytes()])
}

fn sale_key(sale: &str) -> Vec<u8> {
    prefixed(BY_SALE, &[sale.as_bytes()])
}

fn day_entry(date: NaiveDateTime, sale: &str) -> Vec<u8> {
    prefixed(BY_DATE, &[&date_key(date, sale)])
}

/// A sale's payments as the `payments` tree keeps them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct StoredPayments {
    /// When the sale happened: where its day entry is.
    date: NaiveDateTime,
    payments: Vec<Payment>,
}

impl codec::Record for StoredPayments {
    const KIND: &'static str = "sale's payments";
    const VERSION: u32 = 1;
}

fn time_entry(card: &CardTransaction) -> Vec<u8> {
    prefixed(BY_TIME, &[&date_key(card.time, &card.key)])
}

/// What storing sales' payments did to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentTally {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Taken off their sale since it was last stored.
    pub removed: u64,
}

/// The last of the items that share a key, in their order: a page (or a webhook batch) that
/// names a sale or a payment twice means its later copy.
fn last_of_each<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        last.insert(key(item), i);
    }
    items
        .iter()
        .enumerate()
        .filter(|(i, item)| last.get(key(item)) == Some(i))
        .map(|(_, item)| item)
        .collect()
}

fn get_record<R: codec::Record>(
    tree: &sled::Tree,
    name: &'static str,
    key: &str,
) -> Result<Option<R>, StoreError> {
    tree.get(record_key(key))?
        .map(|v| decode_value(name, key.as_bytes(), &v))
        .transpose()
}

/// Replaces each sale's payments with `sales`' lists, in one batch (not flushed: see
/// [`Store::upsert_sales`]).
fn replace_payments(records: &Records, sales: &[SalePayments]) -> Result<PaymentTally, StoreError> {
    let tree = &records.payments;
    let mut batch = Batch::default();
    let mut tally = PaymentTally::default();
    let mut changed = false;
    for set in last_of_each(sales, |s| s.sale.as_str()) {
        let key = sale_key(&set.sale);
        let before: Option<StoredPayments> = tree
            .get(&key)?
            .map(|v| decode_value(PAYMENTS, &key, &v))
            .transpose()?;
        let now: Vec<Payment> = last_of_each(&set.payments, |p| p.key.as_str())
            .into_iter()
            .cloned()
            .collect();
        let old = before.as_ref().map_or(&[][..], |b| b.payments.as_slice());
        let mut left: HashMap<&str, &Payment> = old.iter().map(|p| (p.key.as_str(), p)).collect();
        for payment in &now {
            match left.remove(payment.key.as_str()) {
                None => tally.new += 1,
                Some(old) if old == payment => tally.unchanged += 1,
                Some(_) => tally.updated += 1,
            }
        }
        tally.removed += left.len() as u64;
        if old == now.as_slice() {
            continue;
        }
        changed = true;
        if let Some(before) = &before {
            batch.remove(day_entry(before.date, &set.sale));
        }
        // Every payment of a sale carries the sale's date.
        match now.first().map(|p| p.date) {
            Some(date) => {
                batch.insert(day_entry(date, &set.sale), &[][..]);
                batch.insert(
                    key,
                    codec::encode(&StoredPayments {
                        date,
                        payments: now,
                    }),
                );
            }
            None => batch.remove(key),
        }
    }
    // An empty batch still costs sled a sealed write: a page that changes nothing writes none.
    if changed {
        tree.apply_batch(batch)?;
    }
    Ok(tally)
}

impl Store {
    /// Stores a page of sales: each sale's payments replace the ones stored (a payment taken off
    /// a sale goes), then its transactions ([`Store::upsert_transactions`], whose flush writes
    /// both to disk). The payments come first: a crash between the two leaves payments whose
    /// transactions the re-read page brings, and every write here is an upsert.
    pub fn upsert_sales(
        &self,
        transactions: &[Transaction],
        payments: &[SalePayments],
        revive: bool,
    ) -> Result<(Vec<Upserted>, PaymentTally), StoreError> {
        let records = self.records()?;
        let tally = replace_payments(&records, payments)?;
        let outcomes = self.upsert_transactions(transactions, revive)?;
        Ok((outcomes, tally))
    }

    /// Inserts or updates card transactions (one batch, flushed); equal ones are left alone.
    pub fn upsert_card_transactions(
        &self,
        cards: &[CardTransaction],
    ) -> Result<Vec<Upserted>, StoreError> {
        let records = self.records()?;
        let tree = &records.card_transactions;
        let mut batch = Batch::default();
        let mut outcomes = Vec::with_capacity(cards.len());
        let mut changed = false;
        let last: HashMap<&str, usize> = cards
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.as_str(), i))
            .collect();
        for (i, card) in cards.iter().enumerate() {
            // A card named twice is stored as its last copy, once.
            if last.get(card.key.as_str()) != Some(&i) {
                outcomes.push(Upserted::Unchanged);
                continue;
            }
            let old: Option<CardTransaction> = get_record(tree, CARD_TRANSACTIONS, &card.key)?;
            let outcome = match &old {
                None => Upserted::New,
                Some(old) if old == card => Upserted::Unchanged,
                Some(_) => Upserted::Updated,
            };
            if outcome != Upserted::Unchanged {
                if let Some(old) = &old {
                    batch.remove(time_entry(old));
                }
                batch.insert(record_key(&card.key), codec::encode(card));
                batch.insert(time_entry(card), &[][..]);
                changed = true;
            }
            outcomes.push(outcome);
        }
        if changed {
            tree.apply_batch(batch)?;
            records.db.flush()?;
        }
        Ok(outcomes)
    }

    /// A sale's payments (`sale`: `mindbody@-99:sale:100458`), in the sale's order.
    pub fn payments_of_sale(&self, sale: &str) -> Result<Vec<Payment>, StoreError> {
        let records = self.records()?;
        let key = sale_key(sale);
        Ok(records
            .payments
            .get(&key)?
            .map(|v| decode_value::<StoredPayments>(PAYMENTS, &key, &v))
            .transpose()?
            .map(|stored| stored.payments)
            .unwrap_or_default())
    }

    /// Payments by `method` dated in [from, to), oldest first.
    pub fn payments_by_method(
        &self,
        method: MethodKind,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<Payment>, StoreError> {
        let records = self.records()?;
        let tree = &records.payments;
        let mut out = Vec::new();
        if from >= to {
            return Ok(out);
        }
        let at = |date| prefixed(BY_DATE, &[&date_key(date, "")]);
        for entry in tree.range(at(from)..at(to)).keys() {
            let entry = entry?;
            let sale = entry
                .get(1 + DATE_BYTES..)
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let key = sale_key(&sale);
            if let Some(value) = tree.get(&key)? {
                let stored: StoredPayments = decode_value(PAYMENTS, &key, &value)?;
                out.extend(
                    stored
                        .payments
                        .into_iter()
                        .filter(|p| p.method.kind() == method),
                );
            }
        }
        Ok(out)
    }

    pub fn card_transaction(&self, key: &str) -> Result<Option<CardTransaction>, StoreError> {
        get_record(&self.records()?.card_transactions, CARD_TRANSACTIONS, key)
    }

    /// Card transactions charged in [from, to) (`TransactionTime`), in the order they were
    /// charged: a settlement window.
    pub fn card_transactions_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<CardTransaction>, StoreError> {
        let records = self.records()?;
        let tree = &records.card_transactions;
        let mut out = Vec::new();
        if from >= to {
            return Ok(out);
        }
        let at = |time| prefixed(BY_TIME, &[&date_key(time, "")]);
        for entry in tree.range(at(from)..at(to)).keys() {
            let entry = entry?;
            let key = entry
                .get(1 + DATE_BYTES..)
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            out.extend(get_record::<CardTransaction>(
                tree,
                CARD_TRANSACTIONS,
                &key,
            )?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_copy_of_each_key_wins_in_order() {
        let items = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5)];
        let kept: Vec<_> = last_of_each(&items, |i| i.0).into_iter().copied().collect();
        assert_eq!(kept, [("a", 3), ("c", 4), ("b", 5)]);
    }
}
