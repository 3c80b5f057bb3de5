//! The `customer_totals` tree (records database): each day's sales added up by customer, so the
//! chat's `top_customers` reads one entry a day of its range instead of every transaction in it.
//!
//! Kept with the daily totals ([`super::daily_totals`]): the same change of a write adds to
//! both, they are written behind together, and rebuilt together (after a crash, for a store from
//! before them, after a migration). Only sales count, as there ([`Transaction::is_sale`]).
//!
//! Key: the day (4 bytes, big-endian, as the daily totals date theirs) + currency.
//! Value: version byte + the day's sales without a customer + each customer's, in key order: the
//! customer's key, the net amount (returns taken off: exactly the sum of the amounts) and the
//! count of transactions (sold and returned). One entry a day, not one per customer and day: a
//! busy studio's day has nearly as many customers as sales, and an entry each would cost a
//! sync's write-out a read and a write per sale where this costs one per day. Written compactly,
//! as the entries are rewritten whole: a key as the bytes it shares with the one before and the
//! rest, an amount as its mantissa (a varint) and scale, a count as a varint; about 15 bytes a
//! customer where plain fields took 54, which is what a sync writes and an open reads.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sled::Batch;

use super::daily_totals::{Reader, date_bytes, plus, put_text};
use super::{Store, StoreError};
use crate::books::Transaction;

pub const TREE: &str = "customer_totals";

const VALUE_VERSION: u8 = 1;

/// What a customer (or the sales without one) bought in a day or a range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomerSum {
    /// The sum of the sales' amounts (a return's is negative).
    pub net: Decimal,
    /// Transactions (items), sold and returned.
    pub count: i64,
}

impl CustomerSum {
    pub fn add(&mut self, other: CustomerSum) {
        self.net = plus(self.net, other.net);
        self.count = self.count.saturating_add(other.count);
    }

    fn is_zero(&self) -> bool {
        self.count == 0 && self.net.is_zero()
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u128) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(n: i128) -> u128 {
    ((n << 1) ^ (n >> 127)) as u128
}

fn unzigzag(n: u128) -> i128 {
    ((n >> 1) as i128) ^ -((n & 1) as i128)
}

fn put_sum(out: &mut Vec<u8>, sum: CustomerSum) {
    put_varint(out, zigzag(sum.net.mantissa()));
    out.push(sum.net.scale() as u8);
    put_varint(out, zigzag(sum.count as i128));
}

/// Writes one day's value: its sales without a customer, then each customer's in key order.
struct DayWriter {
    out: Vec<u8>,
    last: Vec<u8>,
    customers: usize,
}

impl DayWriter {
    fn new(without_customer: CustomerSum) -> DayWriter {
        let mut out = vec![VALUE_VERSION];
        put_sum(&mut out, without_customer);
        DayWriter {
            out,
            last: Vec::new(),
            customers: 0,
        }
    }

    /// Adds a customer's sum; keys must come in order. A zero count (all taken away) is left
    /// out: the customer bought nothing that day.
    fn customer(&mut self, customer: &str, sum: CustomerSum) {
        if sum.count == 0 {
            return;
        }
        let key = customer.as_bytes();
        let shared = key
            .iter()
            .zip(&self.last)
            .take_while(|(a, b)| a == b)
            .count();
        put_varint(&mut self.out, shared as u128);
        put_varint(&mut self.out, (key.len() - shared) as u128);
        self.out.extend_from_slice(&key[shared..]);
        put_sum(&mut self.out, sum);
        self.last.truncate(shared);
        self.last.extend_from_slice(&key[shared..]);
        self.customers += 1;
    }
}

/// Reads one day's value, a customer at a time (the key is lent, not allocated).
struct DayReader<'a> {
    rest: Reader<'a>,
    key: Vec<u8>,
    without_customer: CustomerSum,
}

impl<'a> DayReader<'a> {
    fn new(bytes: &'a [u8]) -> Result<DayReader<'a>, String> {
        match bytes.first() {
            Some(&VALUE_VERSION) => {}
            Some(v) if *v > VALUE_VERSION => {
                return Err(format!(
                    "written by a newer legion-hub (version {v}): upgrade legion-hub"
                ));
            }
            _ => return Err(format!("damaged ({} bytes)", bytes.len())),
        }
        let mut rest = Reader(&bytes[1..]);
        let without_customer = read_sum(&mut rest).ok_or_else(|| damaged_len(bytes))?;
        Ok(DayReader {
            rest,
            key: Vec::new(),
            without_customer,
        })
    }

    /// The next customer's key and sum, or None at the end.
    fn next(&mut self) -> Result<Option<(&str, CustomerSum)>, String> {
        if self.rest.0.is_empty() {
            return Ok(None);
        }
        let len = self.rest.0.len();
        let damaged = || format!("damaged (a customer {len} bytes from the end)");
        let shared = usize::try_from(read_varint(&mut self.rest).ok_or_else(damaged)?)
            .map_err(|_| damaged())?;
        let more = usize::try_from(read_varint(&mut self.rest).ok_or_else(damaged)?)
            .map_err(|_| damaged())?;
        if shared > self.key.len() {
            return Err(damaged());
        }
        self.key.truncate(shared);
        self.key
            .extend_from_slice(self.rest.take(more).ok_or_else(damaged)?);
        let sum = read_sum(&mut self.rest).ok_or_else(damaged)?;
        let key = std::str::from_utf8(&self.key).map_err(|_| damaged())?;
        Ok(Some((key, sum)))
    }
}

fn damaged_len(bytes: &[u8]) -> String {
    format!("damaged ({} bytes)", bytes.len())
}

fn read_varint(reader: &mut Reader<'_>) -> Option<u128> {
    let mut n = 0u128;
    for shift in (0..128).step_by(7) {
        let byte = reader.take(1)?[0];
        n |= u128::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

fn read_sum(reader: &mut Reader<'_>) -> Option<CustomerSum> {
    let mantissa = unzigzag(read_varint(reader)?);
    let scale = u32::from(reader.take(1)?[0]);
    let net = Decimal::try_from_i128_with_scale(mantissa, scale).ok()?;
    let count = i64::try_from(unzigzag(read_varint(reader)?)).ok()?;
    Some(CustomerSum { net, count })
}

/// One day's entry read whole (for checks and tests; the write and the read go a customer at
/// a time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Day {
    without_customer: CustomerSum,
    by_customer: BTreeMap<String, CustomerSum>,
}

impl Day {
    fn decode(bytes: &[u8]) -> Result<Day, String> {
        let mut reader = DayReader::new(bytes)?;
        let mut by_customer = BTreeMap::new();
        while let Some((customer, sum)) = reader.next()? {
            by_customer.insert(customer.to_string(), sum);
        }
        Ok(Day {
            without_customer: reader.without_customer,
            by_customer,
        })
    }
}

/// What a change does to a day's entry.
#[derive(Debug, PartialEq, Eq)]
enum Merged {
    /// It adds nothing (what it takes away it puts back).
    Unchanged,
    Value(Vec<u8>),
    /// The day is left with no sale.
    Empty,
}

/// The changes in key order, one per customer.
fn coalesced(mut changes: Vec<(String, CustomerSum)>) -> Vec<(String, CustomerSum)> {
    changes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, CustomerSum)> = Vec::with_capacity(changes.len());
    for (customer, sum) in changes {
        match out.last_mut() {
            Some((last, kept)) if *last == customer => kept.add(sum),
            _ => out.push((customer, sum)),
        }
    }
    out
}

/// A day's value with `delta` added: the kept one (if any) and the change merged in key
/// order, without a key allocated for what was kept.
fn merged(kept: Option<&[u8]>, delta: DayDelta) -> Result<Merged, String> {
    let changes = coalesced(delta.changes);
    // A re-class, or a page that brings a sale unchanged but for its class, takes away what
    // it puts back.
    if delta.without_customer.is_zero() && changes.iter().all(|(_, sum)| sum.is_zero()) {
        return Ok(Merged::Unchanged);
    }
    let mut reader = match kept {
        Some(bytes) => Some(DayReader::new(bytes)?),
        None => None,
    };
    let mut without_customer = reader
        .as_ref()
        .map_or_else(CustomerSum::default, |r| r.without_customer);
    without_customer.add(delta.without_customer);
    if without_customer.count == 0 {
        without_customer = CustomerSum::default();
    }
    let mut changes = changes.into_iter().peekable();
    let mut out = DayWriter::new(without_customer);
    if let Some(reader) = reader.as_mut() {
        while let Some((customer, mut sum)) = reader.next()? {
            while let Some((change, _)) = changes.peek()
                && change.as_str() < customer
            {
                if let Some((change, added)) = changes.next() {
                    out.customer(&change, added);
                }
            }
            if let Some((change, _)) = changes.peek()
                && change.as_str() == customer
                && let Some((_, added)) = changes.next()
            {
                sum.add(added);
            }
            out.customer(customer, sum);
        }
    }
    for (change, added) in changes {
        out.customer(&change, added);
    }
    Ok(if out.customers > 0 || without_customer.count != 0 {
        Merged::Value(out.out)
    } else {
        Merged::Empty
    })
}

/// A key and its value.
type Entry = (Vec<u8>, Vec<u8>);

/// A day's change: each sale's sum as it came, added up by customer when written (a sort then
/// is cheaper than a map per page and another for the changes waiting).
#[derive(Default)]
struct DayDelta {
    without_customer: CustomerSum,
    changes: Vec<(String, CustomerSum)>,
}

fn key_of(day: NaiveDate, currency: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&date_bytes(day));
    put_text(out, currency);
}

/// The changes a write makes to the customers' totals.
#[derive(Default)]
pub(super) struct CustomersDelta {
    days: HashMap<Vec<u8>, DayDelta>,
    /// How many customers' changes wait, over all days.
    sums: usize,
    scratch: Vec<u8>,
}

impl CustomersDelta {
    /// Adds a sale's contribution (`sum`, negated when it is taken away).
    pub(super) fn count(&mut self, tx: &Transaction, sum: CustomerSum) {
        key_of(tx.date.date(), &tx.currency, &mut self.scratch);
        // Most of a page's sales add to a day it already has: no key is allocated for them.
        if !self.days.contains_key(self.scratch.as_slice()) {
            self.days.insert(self.scratch.clone(), DayDelta::default());
        }
        let Some(day) = self.days.get_mut(self.scratch.as_slice()) else {
            return;
        };
        match &tx.customer {
            None => day.without_customer.add(sum),
            Some(customer) => {
                day.changes.push((customer.clone(), sum));
                self.sums += 1;
            }
        }
    }

    pub(super) fn merge(&mut self, other: CustomersDelta) {
        if self.days.is_empty() {
            *self = other;
            return;
        }
        self.sums += other.sums;
        for (key, delta) in other.days {
            let day = self.days.entry(key).or_default();
            day.without_customer.add(delta.without_customer);
            day.changes.extend(delta.changes);
        }
    }

    /// How many entries' worth of changes wait: a customer's change in memory is about half a
    /// daily-totals entry's, so two count as one.
    pub(super) fn len(&self) -> usize {
        self.days.len() + self.sums / 2
    }

    pub(super) fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The batch that applies these changes to the entries as they are now, and how many
    /// entries it writes. The caller holds the transactions' write lock.
    pub(super) fn into_batch(self, tree: &sled::Tree) -> Result<(Batch, usize), StoreError> {
        let mut batch = Batch::default();
        let mut writes = 0;
        for (key, delta) in self.days {
            let kept = tree.get(&key)?;
            match merged(kept.as_deref(), delta).map_err(|detail| damaged(&key, detail))? {
                Merged::Value(value) => batch.insert(key, value),
                Merged::Empty if kept.is_some() => batch.remove(key),
                Merged::Empty | Merged::Unchanged => continue,
            }
            writes += 1;
        }
        Ok((batch, writes))
    }

    /// The entries these changes make on their own (a rebuild's, from nothing).
    fn into_entries(self) -> Result<Vec<Entry>, StoreError> {
        let mut entries = Vec::with_capacity(self.days.len());
        for (key, delta) in self.days {
            if let Merged::Value(value) =
                merged(None, delta).map_err(|detail| damaged(&key, detail))?
            {
                entries.push((key, value));
            }
        }
        Ok(entries)
    }
}

fn damaged(key: &[u8], detail: String) -> StoreError {
    StoreError::Codec {
        tree: TREE,
        key: String::from_utf8_lossy(key).into_owned(),
        source: super::codec::CodecError::Damaged {
            kind: "customers' day total",
            detail,
        },
    }
}

/// Writes the entries `fresh` makes in place of the tree's (a rebuild).
pub(super) fn replace_all(tree: &sled::Tree, fresh: CustomersDelta) -> Result<(), StoreError> {
    let entries = fresh.into_entries()?;
    tree.clear()?;
    let mut batch = Batch::default();
    for (key, value) in entries {
        batch.insert(key, value);
    }
    tree.apply_batch(batch)?;
    Ok(())
}

/// Whether the tree holds the entries `fresh` makes (the same sums, whatever the amounts'
/// scale).
pub(super) fn agree(tree: &sled::Tree, fresh: CustomersDelta) -> Result<bool, StoreError> {
    let read = |key: &[u8], value: &[u8]| Day::decode(value).map_err(|d| damaged(key, d));
    let mut kept = BTreeMap::new();
    for entry in tree.iter() {
        let (key, value) = entry?;
        kept.insert(key.to_vec(), read(&key, &value)?);
    }
    let mut made = BTreeMap::new();
    for (key, value) in fresh.into_entries()? {
        let day = read(&key, &value)?;
        made.insert(key, day);
    }
    Ok(kept == made)
}

/// The customers' sales of a range of days, added up.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CustomersInRange {
    /// By currency, then by customer key.
    pub by_currency: HashMap<String, HashMap<String, CustomerSum>>,
    /// The sales without a customer, by currency.
    pub without_customer: HashMap<String, CustomerSum>,
}

impl Store {
    /// The customers' sales dated in [from, to] (both included): one entry read a day and
    /// currency. A damaged entry is an error, not a zero.
    pub fn customer_totals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<CustomersInRange, StoreError> {
        self.write_out_daily_totals()?;
        let records = self.records()?;
        let mut out = CustomersInRange::default();
        let Some(after) = to.succ_opt() else {
            return Ok(out);
        };
        let (start, end) = (date_bytes(from), date_bytes(after));
        if start >= end {
            return Ok(out);
        }
        for entry in records.customer_totals.range(start..end) {
            let (key, value) = entry?;
            let currency = Reader(key.get(4..).unwrap_or_default())
                .str()
                .ok_or_else(|| damaged(&key, "a key this legion-hub did not write".into()))?;
            if !out.by_currency.contains_key(currency) {
                out.by_currency.insert(currency.to_string(), HashMap::new());
            }
            let Some(customers) = out.by_currency.get_mut(currency) else {
                continue;
            };
            let mut day = DayReader::new(&value).map_err(|detail| damaged(&key, detail))?;
            while let Some((customer, sum)) = day.next().map_err(|detail| damaged(&key, detail))? {
                match customers.get_mut(customer) {
                    Some(kept) => kept.add(sum),
                    None => {
                        customers.insert(customer.to_string(), sum);
                    }
                }
            }
            if day.without_customer.count != 0 {
                out.without_customer
                    .entry(currency.to_string())
                    .or_default()
                    .add(day.without_customer);
            }
        }
        out.by_currency.retain(|_, customers| !customers.is_empty());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(cents: i64, count: i64) -> CustomerSum {
        CustomerSum {
            net: Decimal::new(cents, 2),
            count,
        }
    }

    fn delta(without: CustomerSum, customers: &[(&str, CustomerSum)]) -> DayDelta {
        DayDelta {
            without_customer: without,
            changes: customers
                .iter()
                .map(|(who, sum)| (who.to_string(), *sum))
                .collect(),
        }
    }

    fn value(merged: Merged) -> Vec<u8> {
        match merged {
            Merged::Value(value) => value,
            other => panic!("a value, not {other:?}"),
        }
    }

    /// A day written, merged with a change (a customer added, one changed, one taken away to
    /// nothing), read back; and what it did not write refused.
    #[test]
    fn a_day_merges_reads_back_and_refuses_what_it_did_not_write() {
        let first = merged(
            None,
            delta(
                sum(-1_999, 1),
                &[
                    ("mindbody@-99:client:10", sum(12_345, 2)),
                    ("mindbody@-99:client:1", sum(-5, 1)),
                    ("é", sum(i64::MAX, 1)),
                ],
            ),
        )
        .map(value)
        .unwrap();
        let day = Day::decode(&first).unwrap();
        assert_eq!(day.without_customer, sum(-1_999, 1));
        assert_eq!(day.by_customer["é"], sum(i64::MAX, 1));
        assert_eq!(day.by_customer.len(), 3);
        let second = merged(
            Some(&first),
            delta(
                sum(1_999, -1),
                &[
                    ("mindbody@-99:client:1", sum(5, -1)),
                    ("mindbody@-99:client:10", sum(-45, 1)),
                    ("mindbody@-99:client:2", sum(300, 1)),
                    ("mindbody@-99:client:2", sum(400, 1)),
                ],
            ),
        )
        .map(value)
        .unwrap();
        let expected: BTreeMap<String, CustomerSum> = [
            ("mindbody@-99:client:10", sum(12_300, 3)),
            ("mindbody@-99:client:2", sum(700, 2)),
            ("é", sum(i64::MAX, 1)),
        ]
        .into_iter()
        .map(|(who, s)| (who.to_string(), s))
        .collect();
        assert_eq!(
            Day::decode(&second),
            Ok(Day {
                without_customer: CustomerSum::default(),
                by_customer: expected,
            })
        );
        let only = value(merged(None, delta(sum(100, 1), &[])).unwrap());
        let emptied = merged(Some(&only), delta(sum(-100, -1), &[])).unwrap();
        assert_eq!(emptied, Merged::Empty, "a day with no sale left is removed");
        let moved_back = delta(
            CustomerSum::default(),
            &[
                ("mindbody@-99:client:2", sum(-300, -1)),
                ("mindbody@-99:client:2", sum(300, 1)),
            ],
        );
        assert_eq!(merged(Some(&second), moved_back), Ok(Merged::Unchanged));
        assert!(Day::decode(&second[..second.len() - 1]).is_err());
        assert!(Day::decode(&[2; 30]).unwrap_err().contains("newer"));
        assert!(Day::decode(&[]).is_err());
        assert!(
            Day::decode(&[1, 0, 0, 0, 5, 0, 0]).is_err(),
            "a shared prefix too long"
        );
    }
}
