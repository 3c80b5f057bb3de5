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
//! sync's write-out a read and a write per sale where this costs one per day.

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

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.net.serialize());
        out.extend_from_slice(&self.count.to_be_bytes());
    }

    fn read(reader: &mut Reader<'_>) -> Option<CustomerSum> {
        let net = Decimal::deserialize(reader.take(16)?.try_into().ok()?);
        let count = i64::from_be_bytes(reader.take(8)?.try_into().ok()?);
        Some(CustomerSum { net, count })
    }
}

/// One day's entry (in one currency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Day {
    without_customer: CustomerSum,
    by_customer: BTreeMap<String, CustomerSum>,
}

impl Day {
    fn is_empty(&self) -> bool {
        self.without_customer.count == 0 && self.by_customer.is_empty()
    }

    fn add(&mut self, delta: &DayDelta) {
        self.without_customer.add(delta.without_customer);
        for (customer, sum) in &delta.by_customer {
            match self.by_customer.get_mut(customer.as_str()) {
                Some(kept) => kept.add(*sum),
                None => {
                    self.by_customer.insert(customer.clone(), *sum);
                }
            }
        }
        // A customer whose sales were all taken away is no longer in the day.
        self.by_customer.retain(|_, sum| sum.count != 0);
        if self.without_customer.count == 0 {
            self.without_customer = CustomerSum::default();
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 24 + self.by_customer.len() * 48);
        out.push(VALUE_VERSION);
        self.without_customer.encode_into(&mut out);
        for (customer, sum) in &self.by_customer {
            put_text(&mut out, customer);
            sum.encode_into(&mut out);
        }
        out
    }

    /// Reads a value, handing each customer's sum to `each` (the range's read adds them up
    /// without making a map per day).
    fn read(bytes: &[u8], mut each: impl FnMut(&str, CustomerSum)) -> Result<CustomerSum, String> {
        match bytes.first() {
            Some(&VALUE_VERSION) => {}
            Some(v) if *v > VALUE_VERSION => {
                return Err(format!(
                    "written by a newer legion-hub (version {v}): upgrade legion-hub"
                ));
            }
            _ => return Err(format!("damaged ({} bytes)", bytes.len())),
        }
        let damaged = || format!("damaged ({} bytes)", bytes.len());
        let mut reader = Reader(&bytes[1..]);
        let without_customer = CustomerSum::read(&mut reader).ok_or_else(damaged)?;
        while !reader.0.is_empty() {
            let customer = reader.str().ok_or_else(damaged)?;
            let sum = CustomerSum::read(&mut reader).ok_or_else(damaged)?;
            each(customer, sum);
        }
        Ok(without_customer)
    }

    fn decode(bytes: &[u8]) -> Result<Day, String> {
        let mut by_customer = BTreeMap::new();
        let without_customer = Day::read(bytes, |customer, sum| {
            by_customer.insert(customer.to_string(), sum);
        })?;
        Ok(Day {
            without_customer,
            by_customer,
        })
    }
}

/// A day's change, added up by customer before anything is read.
#[derive(Default)]
struct DayDelta {
    without_customer: CustomerSum,
    by_customer: HashMap<String, CustomerSum>,
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
    /// How many customers' sums wait, over all days.
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
            Some(customer) => match day.by_customer.get_mut(customer.as_str()) {
                Some(kept) => kept.add(sum),
                None => {
                    day.by_customer.insert(customer.clone(), sum);
                    self.sums += 1;
                }
            },
        }
    }

    pub(super) fn merge(&mut self, other: CustomersDelta) {
        if self.days.is_empty() {
            *self = other;
            return;
        }
        for (key, delta) in other.days {
            let day = self.days.entry(key).or_default();
            day.without_customer.add(delta.without_customer);
            for (customer, sum) in delta.by_customer {
                match day.by_customer.get_mut(customer.as_str()) {
                    Some(kept) => kept.add(sum),
                    None => {
                        day.by_customer.insert(customer, sum);
                        self.sums += 1;
                    }
                }
            }
        }
    }

    /// How many entries and customers' sums wait (what they cost in memory).
    pub(super) fn len(&self) -> usize {
        self.days.len() + self.sums
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
            let mut day = match tree.get(&key)? {
                Some(bytes) => decode_day(&key, &bytes)?,
                None => Day::default(),
            };
            let before = day.clone();
            day.add(&delta);
            if day == before {
                continue;
            }
            if day.is_empty() {
                batch.remove(key);
            } else {
                batch.insert(key, day.encode());
            }
            writes += 1;
        }
        Ok((batch, writes))
    }

    /// The entries these changes make on their own (a rebuild's, from nothing).
    fn into_entries(self) -> BTreeMap<Vec<u8>, Day> {
        self.days
            .into_iter()
            .filter_map(|(key, delta)| {
                let mut day = Day::default();
                day.add(&delta);
                (!day.is_empty()).then_some((key, day))
            })
            .collect()
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

fn decode_day(key: &[u8], bytes: &[u8]) -> Result<Day, StoreError> {
    Day::decode(bytes).map_err(|detail| damaged(key, detail))
}

/// Writes the entries `fresh` makes in place of the tree's (a rebuild).
pub(super) fn replace_all(tree: &sled::Tree, fresh: CustomersDelta) -> Result<(), StoreError> {
    tree.clear()?;
    let mut batch = Batch::default();
    for (key, day) in fresh.into_entries() {
        batch.insert(key, day.encode());
    }
    tree.apply_batch(batch)?;
    Ok(())
}

/// Whether the tree holds exactly the entries `fresh` makes.
pub(super) fn agree(tree: &sled::Tree, fresh: CustomersDelta) -> Result<bool, StoreError> {
    let mut kept = BTreeMap::new();
    for entry in tree.iter() {
        let (key, value) = entry?;
        kept.insert(key.to_vec(), decode_day(&key, &value)?);
    }
    Ok(kept == fresh.into_entries())
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
            let without = Day::read(&value, |customer, sum| match customers.get_mut(customer) {
                Some(kept) => kept.add(sum),
                None => {
                    customers.insert(customer.to_string(), sum);
                }
            })
            .map_err(|detail| damaged(&key, detail))?;
            if without.count != 0 {
                out.without_customer
                    .entry(currency.to_string())
                    .or_default()
                    .add(without);
            }
        }
        out.by_currency.retain(|_, customers| !customers.is_empty());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_back_and_refuses_what_it_did_not_write() {
        let mut day = Day {
            without_customer: CustomerSum {
                net: Decimal::new(-1999, 2),
                count: 1,
            },
            ..Day::default()
        };
        for (who, cents, count) in [("mindbody@-99:client:1", 12_345, 2), ("é", -5, 1)] {
            day.by_customer.insert(
                who.into(),
                CustomerSum {
                    net: Decimal::new(cents, 2),
                    count,
                },
            );
        }
        let bytes = day.encode();
        assert_eq!(Day::decode(&bytes), Ok(day));
        assert!(Day::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(Day::decode(&[2; 30]).unwrap_err().contains("newer"));
        assert!(Day::decode(&[]).is_err());
    }
}
