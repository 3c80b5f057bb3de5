//! The `daily_totals` tree (records database): the sales added up per day and per month, so a
//! report reads a few hundred entries instead of every transaction.
//!
//! Kept inside the transactions' own write path ([`super::transactions`]): every change to a
//! transaction takes the old record's contribution out and puts the new one's in, so a sync, a
//! webhook, an import, a re-class and a delete all keep them true. The changes are added up in
//! memory and written behind (before any read of the totals, a flush, a backup, the close, or
//! when many wait): a sync's pages mostly add to the same few days, so each entry is read and
//! written once per sync rather than once per page, and a transaction adds to its three day
//! entries only, its months' being added from the days' when written. Rebuilt from the records
//! after a crash (with the date index; the changes waiting die with the process, and the records
//! were not closed) and once for a store written before they existed.
//!
//! Key: granularity (`D` a day, `M` a month, dated its first day) + dimension (`s` service:
//! class and category together, `m` payment method, `l` location) + the date (4 bytes,
//! big-endian) + account (the transaction key's `provider@account`) + the group's value +
//! currency. The granularity and dimension lead, so one grouping over a date range is one range
//! scan that reads nothing of the other groupings; the month entries let twelve months be read
//! as a dozen entries per group rather than 365. Class and category share one entry, so a class
//! with its categories beneath adds up exactly.
//!
//! Value: version byte + sales, refunds, discounts, tax (each `Decimal`'s 16 bytes) + the count
//! of transactions. Only sales count ([`Transaction::is_sale`]): the books' own fee lines are
//! not revenue. An entry whose count falls to zero is removed.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sled::Batch;

use super::customer_totals::{self, CustomerSum, CustomersDelta};
use super::outbox::{MirroredTable, Noting};
use super::{Records, Store, StoreError, decode_value, transactions};
use crate::books::Transaction;

pub const TREE: &str = "daily_totals";

/// Which layout of the totals the store holds (default tree); a store without it (written
/// before the totals, or by an older layout) has them built once at open.
const BUILT: &[u8] = b"daily_totals.built";
/// 2: the customers' day totals ([`customer_totals`]) are kept beside them; 3: written
/// compactly.
const LAYOUT: u8 = 3;
/// The value's own version byte.
const VALUE_VERSION: u8 = 1;
const VALUE_LEN: usize = 1 + 4 * 16 + 8;

/// A day's or a month's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Granularity {
    Day,
    Month,
}

impl Granularity {
    fn byte(self) -> u8 {
        match self {
            Granularity::Day => b'D',
            Granularity::Month => b'M',
        }
    }
}

/// What the sales are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Financial class and provider category, together.
    Service,
    Method,
    Location,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Service, Dimension::Method, Dimension::Location];

    fn byte(self) -> u8 {
        match self {
            Dimension::Service => b's',
            Dimension::Method => b'm',
            Dimension::Location => b'l',
        }
    }
}

/// The group an entry adds up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TotalsGroup {
    Service {
        class: Option<String>,
        category: Option<i64>,
    },
    Method(Option<String>),
    Location(Option<i64>),
}

/// One entry's key, read back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TotalsKey {
    pub granularity: Granularity,
    /// The day, or the first day of the month.
    pub date: NaiveDate,
    /// `mindbody@5567` (the transaction key's part before its first colon).
    pub account: String,
    pub group: TotalsGroup,
    pub currency: String,
}

/// What one entry adds up. `refunds` is positive: the returns' amounts with their sign turned,
/// so `sales - refunds` ([`DayTotals::net`]) is exactly the sum of the transactions' amounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTotals {
    /// Items sold and not returned (amount ≥ 0).
    pub sales: Decimal,
    /// Returned items (or negative amounts), as a positive amount.
    pub refunds: Decimal,
    pub discounts: Decimal,
    pub tax: Decimal,
    /// Transactions (items), sold and returned.
    pub count: i64,
}

/// `a + b`, or the nearest `Decimal` when that would overflow (28 digits of money is not a sale;
/// the store must not panic on one all the same).
pub(super) fn plus(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(if b.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

impl DayTotals {
    pub fn net(&self) -> Decimal {
        plus(self.sales, -self.refunds)
    }

    /// One transaction's contribution (zero for what is not a sale).
    pub fn of(tx: &Transaction) -> DayTotals {
        if !tx.is_sale() {
            return DayTotals::default();
        }
        let refund = tx.returned || tx.amount.is_sign_negative();
        DayTotals {
            sales: if refund { Decimal::ZERO } else { tx.amount },
            refunds: if refund { -tx.amount } else { Decimal::ZERO },
            discounts: tx.discount,
            tax: tx.tax,
            count: 1,
        }
    }

    pub fn add(&mut self, other: &DayTotals) {
        self.sales = plus(self.sales, other.sales);
        self.refunds = plus(self.refunds, other.refunds);
        self.discounts = plus(self.discounts, other.discounts);
        self.tax = plus(self.tax, other.tax);
        self.count = self.count.saturating_add(other.count);
    }

    fn negated(&self) -> DayTotals {
        DayTotals {
            sales: -self.sales,
            refunds: -self.refunds,
            discounts: -self.discounts,
            tax: -self.tax,
            count: -self.count,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(VALUE_LEN);
        out.push(VALUE_VERSION);
        for amount in [self.sales, self.refunds, self.discounts, self.tax] {
            out.extend_from_slice(&amount.serialize());
        }
        out.extend_from_slice(&self.count.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Result<DayTotals, String> {
        match bytes.first() {
            Some(&VALUE_VERSION) if bytes.len() == VALUE_LEN => {}
            Some(v) if *v > VALUE_VERSION => {
                return Err(format!(
                    "written by a newer legion-hub (version {v}): upgrade legion-hub"
                ));
            }
            _ => return Err(format!("damaged ({} bytes)", bytes.len())),
        }
        let amount = |n: usize| {
            let mut raw = [0u8; 16];
            raw.copy_from_slice(&bytes[1 + 16 * n..1 + 16 * (n + 1)]);
            Decimal::deserialize(raw)
        };
        let mut count = [0u8; 8];
        count.copy_from_slice(&bytes[65..73]);
        Ok(DayTotals {
            sales: amount(0),
            refunds: amount(1),
            discounts: amount(2),
            tax: amount(3),
            count: i64::from_be_bytes(count),
        })
    }
}

/// Days from the common era, offset so the bytes sort as the dates do.
pub(super) fn date_bytes(date: NaiveDate) -> [u8; 4] {
    ((date.num_days_from_ce() as i64 - i32::MIN as i64) as u32).to_be_bytes()
}

fn date_from(bytes: [u8; 4]) -> Option<NaiveDate> {
    let days = u32::from_be_bytes(bytes) as i64 + i32::MIN as i64;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days).ok()?)
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// A text of the key: its length (two bytes) and bytes, cut to what two bytes can say.
pub(super) fn put_text(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(u16::MAX as usize);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_be_bytes());
    out.extend_from_slice(&text.as_bytes()[..end]);
}

fn put_opt_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            put_text(out, text);
        }
    }
}

fn put_opt_id(out: &mut Vec<u8>, id: Option<i64>) {
    match id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            out.extend_from_slice(&id.to_be_bytes());
        }
    }
}

/// The start of every key of this granularity and dimension dated `date` or later.
fn prefix(granularity: Granularity, dimension: Dimension, date: NaiveDate) -> Vec<u8> {
    let mut out = vec![granularity.byte(), dimension.byte()];
    out.extend_from_slice(&date_bytes(date));
    out
}

impl TotalsKey {
    #[cfg(test)]
    fn encode(&self) -> Vec<u8> {
        let group = match &self.group {
            TotalsGroup::Service { class, category } => GroupOf::Service {
                class: class.as_deref(),
                category: *category,
            },
            TotalsGroup::Method(method) => GroupOf::Method(method.as_deref()),
            TotalsGroup::Location(location) => GroupOf::Location(*location),
        };
        let mut out = Vec::new();
        encode_key_into(
            &mut out,
            self.granularity,
            self.date,
            &self.account,
            &group,
            &self.currency,
        );
        out
    }

    /// None for bytes this layout did not write.
    pub fn decode(bytes: &[u8]) -> Option<TotalsKey> {
        let mut reader = Reader(bytes);
        let granularity = match reader.byte()? {
            b'D' => Granularity::Day,
            b'M' => Granularity::Month,
            _ => return None,
        };
        let dimension = reader.byte()?;
        let date = date_from(reader.take(4)?.try_into().ok()?)?;
        let account = reader.text()?;
        let group = match dimension {
            b's' => TotalsGroup::Service {
                class: reader.opt_text()?,
                category: reader.opt_id()?,
            },
            b'm' => TotalsGroup::Method(reader.opt_text()?),
            b'l' => TotalsGroup::Location(reader.opt_id()?),
            _ => return None,
        };
        let currency = reader.text()?;
        reader.0.is_empty().then_some(TotalsKey {
            granularity,
            date,
            account,
            group,
            currency,
        })
    }
}

/// Reads a key or value from its start.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn text(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    /// A text written by [`put_text`], borrowed.
    pub(super) fn str(&mut self) -> Option<&'a str> {
        let len = u16::from_be_bytes(self.take(2)?.try_into().ok()?) as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    fn opt_text(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.text()?)),
            _ => None,
        }
    }

    fn opt_id(&mut self) -> Option<Option<i64>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))),
            _ => None,
        }
    }
}

/// The account part of a transaction key (`mindbody@5567` of `mindbody@5567:sale:1:2`).
pub fn account_of(key: &str) -> &str {
    key.split_once(':').map_or(key, |(account, _)| account)
}

/// A key from its parts, borrowed, written into `out` (the write path makes three per
/// transaction, into one buffer).
fn encode_key_into(
    out: &mut Vec<u8>,
    granularity: Granularity,
    date: NaiveDate,
    account: &str,
    group: &GroupOf<'_>,
    currency: &str,
) {
    out.push(granularity.byte());
    out.push(group.dimension().byte());
    out.extend_from_slice(&date_bytes(date));
    put_text(out, account);
    match group {
        GroupOf::Service { class, category } => {
            put_opt_text(out, *class);
            put_opt_id(out, *category);
        }
        GroupOf::Method(method) => put_opt_text(out, *method),
        GroupOf::Location(location) => put_opt_id(out, *location),
    }
    put_text(out, currency);
}

/// A [`TotalsGroup`] borrowed from a transaction.
enum GroupOf<'a> {
    Service {
        class: Option<&'a str>,
        category: Option<i64>,
    },
    Method(Option<&'a str>),
    Location(Option<i64>),
}

impl GroupOf<'_> {
    fn dimension(&self) -> Dimension {
        match self {
            GroupOf::Service { .. } => Dimension::Service,
            GroupOf::Method(_) => Dimension::Method,
            GroupOf::Location(_) => Dimension::Location,
        }
    }
}

/// The groups a transaction adds to, one in each dimension. Only its day's entries are added
/// to per transaction; its month's are the sum of their days', added when the changes are
/// written ([`TotalsDelta::with_months`]): once per day entry changed, not once per transaction.
fn groups_of(tx: &Transaction) -> [GroupOf<'_>; 3] {
    [
        GroupOf::Service {
            class: tx.class.as_deref(),
            category: tx.category_id,
        },
        GroupOf::Method(tx.payment_method.as_deref()),
        GroupOf::Location(tx.location_id),
    ]
}

/// The month entry's key of a day entry's: the same group, dated the month's first day. None
/// for a key that is not a day's.
fn month_key_of(day_key: &[u8]) -> Option<Vec<u8>> {
    if day_key.first() != Some(&Granularity::Day.byte()) || day_key.len() < 6 {
        return None;
    }
    let day = date_from(day_key[2..6].try_into().ok()?)?;
    let mut key = day_key.to_vec();
    key[0] = Granularity::Month.byte();
    key[2..6].copy_from_slice(&date_bytes(first_of_month(day)));
    Some(key)
}

/// The changes a write makes to the totals, added up by entry before anything is read.
#[derive(Default)]
pub struct TotalsDelta {
    entries: HashMap<Vec<u8>, DayTotals>,
    /// The key being made (most of a page's transactions add to entries it already has: no
    /// key is allocated for them).
    scratch: Vec<u8>,
    /// The same transactions' change to the customers' day totals.
    customers: CustomersDelta,
}

impl TotalsDelta {
    /// Adds a transaction's contribution, or takes it away.
    fn count(&mut self, tx: &Transaction, taking_away: bool) {
        let mut totals = DayTotals::of(tx);
        if totals.count == 0 {
            return;
        }
        if taking_away {
            totals = totals.negated();
        }
        self.customers.count(
            tx,
            CustomerSum {
                net: totals.net(),
                count: totals.count,
            },
        );
        let day = tx.date.date();
        let account = account_of(&tx.key);
        for group in groups_of(tx) {
            self.scratch.clear();
            encode_key_into(
                &mut self.scratch,
                Granularity::Day,
                day,
                account,
                &group,
                &tx.currency,
            );
            match self.entries.get_mut(self.scratch.as_slice()) {
                Some(sum) => sum.add(&totals),
                None => {
                    self.entries.insert(self.scratch.clone(), totals);
                }
            }
        }
    }

    /// Adds another change into this one.
    pub(super) fn merge(&mut self, other: TotalsDelta) {
        self.customers.merge(other.customers);
        if self.entries.is_empty() {
            self.entries = other.entries;
            return;
        }
        for (key, delta) in other.entries {
            self.entries.entry(key).or_default().add(&delta);
        }
    }

    /// How many entries (and customers' sums) it changes.
    pub(super) fn len(&self) -> usize {
        self.entries.len() + self.customers.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.customers.is_empty()
    }

    /// The change to the customers' day totals, taken out of this one.
    fn take_customers(&mut self) -> CustomersDelta {
        std::mem::take(&mut self.customers)
    }

    pub(super) fn add(&mut self, tx: &Transaction) {
        self.count(tx, false);
    }

    pub(super) fn take_away(&mut self, tx: &Transaction) {
        self.count(tx, true);
    }

    /// The changes to the day entries, and to the month entries they add up to.
    fn with_months(self) -> HashMap<Vec<u8>, DayTotals> {
        let mut all = self.entries;
        let months: Vec<(Vec<u8>, DayTotals)> = all
            .iter()
            .filter_map(|(key, delta)| Some((month_key_of(key)?, *delta)))
            .collect();
        for (key, delta) in months {
            all.entry(key).or_default().add(&delta);
        }
        all
    }

    /// The batch that applies these changes to the entries as they are now, and the keys it
    /// writes (none: leave it unapplied, an empty batch still costs sled a write to its log).
    /// The caller holds the transactions' write lock, so nothing changes them in between.
    pub(super) fn into_batch(self, tree: &sled::Tree) -> Result<(Batch, Vec<Vec<u8>>), StoreError> {
        let mut batch = Batch::default();
        let mut written = Vec::new();
        for (key, delta) in self.with_months() {
            if delta == DayTotals::default() {
                continue;
            }
            let mut totals = match tree.get(&key)? {
                Some(bytes) => decode_totals(&key, &bytes)?,
                None => DayTotals::default(),
            };
            totals.add(&delta);
            if totals.count == 0 {
                batch.remove(key.as_slice());
            } else {
                batch.insert(key.as_slice(), totals.encode());
            }
            written.push(key);
        }
        Ok((batch, written))
    }
}

fn decode_totals(key: &[u8], bytes: &[u8]) -> Result<DayTotals, StoreError> {
    DayTotals::decode(bytes).map_err(|detail| StoreError::Codec {
        tree: TREE,
        key: String::from_utf8_lossy(key).into_owned(),
        source: super::codec::CodecError::Damaged {
            kind: "daily total",
            detail,
        },
    })
}

/// The totals the records make, worked out afresh: the daily totals' entries, and the change
/// that makes the customers' from nothing.
fn from_scratch(
    records: &Records,
) -> Result<(BTreeMap<Vec<u8>, DayTotals>, CustomersDelta), StoreError> {
    let mut delta = TotalsDelta::default();
    for entry in records.transactions.iter() {
        let (key, value) = entry?;
        let tx: Transaction = decode_value(transactions::TREE, &key, &value)?;
        delta.add(&tx);
    }
    let customers = delta.take_customers();
    let totals = delta
        .with_months()
        .into_iter()
        .filter(|(_, totals)| totals.count != 0)
        .collect();
    Ok((totals, customers))
}

/// Builds the totals afresh from the records (after a crash, for a store from before them, after
/// a migration that re-keyed the transactions). Marked built only once written whole.
///
/// The entries it changes are noted for the Postgres mirror (at open, before anyone else reads
/// the records): after a crash the changes that were waiting in memory were never noted.
pub(super) fn rebuild(records: &Records) -> Result<(), StoreError> {
    records.db.remove(BUILT)?;
    let (fresh, customers) = from_scratch(records)?;
    let fresh: BTreeMap<Vec<u8>, Vec<u8>> = fresh
        .into_iter()
        .map(|(key, totals)| (key, totals.encode()))
        .collect();
    let mut changed: Vec<Vec<u8>> = Vec::new();
    for entry in records.daily_totals.iter() {
        let (key, value) = entry?;
        if fresh.get(key.as_ref()).map(Vec::as_slice) != Some(value.as_ref()) {
            changed.push(key.to_vec());
        }
    }
    for key in fresh.keys() {
        if !records.daily_totals.contains_key(key)? {
            changed.push(key.clone());
        }
    }
    super::outbox::note_while_opening(
        records,
        MirroredTable::DailyTotals,
        changed.iter().map(Vec::as_slice),
    )?;
    records.daily_totals.clear()?;
    let mut batch = Batch::default();
    for (key, totals) in fresh {
        batch.insert(key, totals);
    }
    records.daily_totals.apply_batch(batch)?;
    customer_totals::replace_all(&records.customer_totals, customers)?;
    records.db.insert(BUILT, &[LAYOUT])?;
    Ok(())
}

/// Forgets that the totals are built: the next open builds them again.
pub(super) fn forget_built(records: &Records) -> Result<(), StoreError> {
    records.db.remove(BUILT)?;
    records.db.flush()?;
    Ok(())
}

/// Builds the totals of a store that has none of this layout yet (once).
pub(super) fn ensure_built(records: &Records) -> Result<bool, StoreError> {
    if records
        .db
        .get(BUILT)?
        .is_some_and(|v| v.as_ref() == [LAYOUT])
    {
        return Ok(false);
    }
    rebuild(records)?;
    Ok(true)
}

/// The most entries' changes kept waiting before they are written (a few megabytes).
const PENDING_LIMIT: usize = 20_000;

impl Store {
    /// Adds a write's change to the ones waiting; writes them all when too many wait. The
    /// caller holds the transactions' write lock.
    pub(super) fn add_to_daily_totals(
        &self,
        records: &Records,
        delta: TotalsDelta,
        noting: &Noting<'_>,
    ) -> Result<(), StoreError> {
        let waiting = {
            let mut pending = self.pending_daily_totals();
            pending.merge(delta);
            pending.len()
        };
        if waiting > PENDING_LIMIT {
            self.write_out_waiting(records, Some(noting))?;
        }
        Ok(())
    }

    fn pending_daily_totals(&self) -> std::sync::MutexGuard<'_, TotalsDelta> {
        self.pending_totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the waiting changes (the caller holds the transactions' write lock), noting the
    /// entries it writes for the mirror first: under `held` when the caller notes a write of its
    /// own already (the gate is taken once per thread). Should that fail, the totals are marked
    /// unbuilt: the next open builds them again.
    fn write_out_waiting(
        &self,
        records: &Records,
        held: Option<&Noting<'_>>,
    ) -> Result<(), StoreError> {
        let mut waiting = std::mem::take(&mut *self.pending_daily_totals());
        if waiting.is_empty() {
            return Ok(());
        }
        let customers = waiting.take_customers();
        let written = waiting
            .into_batch(&records.daily_totals)
            .and_then(|(batch, written)| {
                if !written.is_empty() {
                    let keys = written.iter().map(Vec::as_slice);
                    let _noted = match held {
                        Some(held) => {
                            self.note_more(held, MirroredTable::DailyTotals, keys)?;
                            None
                        }
                        None => Some(self.note_changes(MirroredTable::DailyTotals, keys)?),
                    };
                    records.daily_totals.apply_batch(batch)?;
                }
                let (batch, writes) = customers.into_batch(&records.customer_totals)?;
                if writes > 0 {
                    records.customer_totals.apply_batch(batch)?;
                }
                Ok(())
            });
        if written.is_err() {
            let _ = forget_built(records);
        }
        written
    }

    /// Writes the changes to the daily totals that wait (before a read of them, a backup, a
    /// flush or the close).
    pub fn write_out_daily_totals(&self) -> Result<(), StoreError> {
        if self.pending_daily_totals().is_empty() {
            return Ok(());
        }
        let records = self.records()?;
        let _writing = self.writing_transactions();
        self.write_out_waiting(&records, None)
    }

    /// The entries of one granularity and dimension dated in [from, to] (both included), in key
    /// order (by date). A damaged entry is an error, not a zero.
    pub fn daily_totals(
        &self,
        granularity: Granularity,
        dimension: Dimension,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(TotalsKey, DayTotals)>, StoreError> {
        self.write_out_daily_totals()?;
        let records = self.records()?;
        let mut out = Vec::new();
        let Some(after) = to.succ_opt() else {
            return Ok(out);
        };
        let start = prefix(granularity, dimension, from);
        let end = prefix(granularity, dimension, after);
        if start >= end {
            return Ok(out);
        }
        for entry in records.daily_totals.range(start..end) {
            let (key, value) = entry?;
            let decoded = TotalsKey::decode(&key).ok_or_else(|| StoreError::Codec {
                tree: TREE,
                key: String::from_utf8_lossy(&key).into_owned(),
                source: super::codec::CodecError::Damaged {
                    kind: "daily total",
                    detail: "a key this legion-hub did not write".into(),
                },
            })?;
            out.push((decoded, decode_totals(&key, &value)?));
        }
        Ok(out)
    }

    /// One entry as written (the changes waiting in memory not in it), by its key in the tree:
    /// what the mirror sends, since those changes are noted when they are written.
    pub fn daily_total_as_written(&self, key: &[u8]) -> Result<Option<DayTotals>, StoreError> {
        let records = self.records()?;
        records
            .daily_totals
            .get(key)?
            .map(|bytes| decode_totals(key, &bytes))
            .transpose()
    }

    /// For the sync bench only: writes to the transactions stop keeping the daily totals, to
    /// measure what keeping them costs. The totals are marked unbuilt first, so the next open
    /// builds them again from the transactions and no report reads them stale after a restart.
    #[doc(hidden)]
    pub fn stop_keeping_daily_totals_for_bench(&self) -> Result<(), StoreError> {
        forget_built(&self.records()?)?;
        self.daily_totals_off
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Whether writes keep the daily totals (always, but in the sync bench's comparison).
    pub(super) fn keeps_daily_totals(&self) -> bool {
        !self
            .daily_totals_off
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the kept totals (the daily and the customers') equal the ones the records make
    /// afresh (a walk of every transaction: for tests and checks, never a report).
    pub fn daily_totals_agree(&self) -> Result<bool, StoreError> {
        self.write_out_daily_totals()?;
        let records = self.records()?;
        let (fresh, customers) = from_scratch(&records)?;
        let mut kept = BTreeMap::new();
        for entry in records.daily_totals.iter() {
            let (key, value) = entry?;
            kept.insert(key.to_vec(), decode_totals(&key, &value)?);
        }
        Ok(kept == fresh && customer_totals::agree(&records.customer_totals, customers)?)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::{NaiveDateTime, Utc};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// A sale of `cents` (a refund when negative), with a tenth as tax and a twentieth off.
    pub(in crate::store) fn sale(n: u32, date: NaiveDateTime, cents: i64) -> Transaction {
        Transaction {
            key: format!("mindbody@-99:sale:{n}:{n}"),
            date,
            amount: Decimal::new(cents, 2),
            tax: Decimal::new(cents / 10, 2),
            discount: Decimal::new(cents.abs() / 20, 2),
            currency: "USD".into(),
            description: "Drop-in".into(),
            category_id: Some(7),
            class: Some("Class revenue".into()),
            customer: None,
            source: "mindbody".into(),
            returned: cents < 0,
            settlement: None,
            location_id: Some(1),
            payment_method: Some("card".into()),
            contract: None,
            synced_at: Utc::now(),
        }
    }

    #[test]
    fn keys_read_back_and_sort_by_date_within_a_grouping() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let key = |date, class: Option<&str>| TotalsKey {
            granularity: Granularity::Day,
            date,
            account: "mindbody@-99".into(),
            group: TotalsGroup::Service {
                class: class.map(str::to_string),
                category: Some(-3),
            },
            currency: "USD".into(),
        };
        for k in [
            key(day(2026, 11, 3), Some("Class revenue")),
            key(day(1969, 1, 1), None),
            key(day(-40, 1, 1), Some("é")),
        ] {
            assert_eq!(TotalsKey::decode(&k.encode()), Some(k.clone()));
        }
        assert!(key(day(2025, 12, 31), Some("zzz")).encode() < key(day(2026, 1, 1), None).encode());
        assert!(key(day(1969, 12, 31), None).encode() < key(day(1970, 1, 1), None).encode());
        for garbage in [&b""[..], b"Ds", b"Xs\0\0\0\0", b"Ds\x80\0\0\0\0\x05ab"] {
            assert_eq!(TotalsKey::decode(garbage), None);
        }
        let totals = DayTotals::of(&sale(1, day(2026, 1, 1).into(), -1234));
        assert_eq!(totals.refunds, Decimal::new(1234, 2));
        assert_eq!(DayTotals::decode(&totals.encode()), Ok(totals));
        assert!(
            DayTotals::decode(&[2; VALUE_LEN])
                .unwrap_err()
                .contains("newer")
        );
        assert!(DayTotals::decode(&[1, 2, 3]).is_err());
    }

    /// Random upserts, re-classes, returns, date moves, customer changes and deletes (a fixed
    /// seed): the kept totals, the daily and the customers', equal a fresh rebuild after each
    /// round.
    #[test]
    fn the_kept_totals_equal_a_rebuild_after_random_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::config::Paths::in_dir(dir.path()), "test").unwrap();
        let mut rng = StdRng::seed_from_u64(16);
        let start = NaiveDate::from_ymd_opt(2025, 12, 20)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let classes = [
            None,
            Some("Class revenue"),
            Some("Retail"),
            Some("Memberships"),
        ];
        let methods = [None, Some("card"), Some("cash"), Some("split")];
        let customers = [
            None,
            Some("mindbody@-99:client:1"),
            Some("mindbody@-99:client:2"),
        ];
        for round in 0..30 {
            let mut page = Vec::new();
            for _ in 0..rng.gen_range(1..40) {
                let n = rng.gen_range(0..120u32);
                let mut tx = store
                    .transaction(&format!("mindbody@-99:sale:{n}:{n}"))
                    .unwrap()
                    .unwrap_or_else(|| {
                        sale(
                            n,
                            start + chrono::Duration::hours(rng.gen_range(0..24 * 40)),
                            rng.gen_range(-5_000..20_000),
                        )
                    });
                match rng.gen_range(0..6) {
                    0 => tx.class = classes[rng.gen_range(0..classes.len())].map(str::to_string),
                    1 => {
                        tx.payment_method =
                            methods[rng.gen_range(0..methods.len())].map(str::to_string)
                    }
                    2 => tx.date += chrono::Duration::days(rng.gen_range(-20..20)),
                    3 => {
                        tx.returned = !tx.returned;
                        tx.amount = -tx.amount;
                    }
                    4 => {
                        tx.customer =
                            customers[rng.gen_range(0..customers.len())].map(str::to_string)
                    }
                    _ => tx.location_id = Some(rng.gen_range(1..4)),
                }
                if rng.gen_bool(0.05) {
                    tx.currency = "EUR".into();
                }
                if rng.gen_bool(0.05) {
                    tx.source = crate::books::transaction::BOOKS_SOURCE.into();
                }
                page.push(tx);
            }
            store.upsert_transactions(&page, rng.gen_bool(0.3)).unwrap();
            if round % 3 == 0 {
                let n = rng.gen_range(0..120u32);
                store
                    .delete_transaction(&format!("mindbody@-99:sale:{n}:{n}"))
                    .unwrap();
            }
            if round % 4 == 0 {
                let n = rng.gen_range(0..120u32);
                store
                    .remove_transactions(&[format!("mindbody@-99:sale:{n}:{n}")])
                    .unwrap();
            }
            assert!(store.daily_totals_agree().unwrap(), "round {round}");
        }
        assert!(store.transaction_count().unwrap() > 0);
    }

    /// A store whose totals are of an older layout (before the customers' were kept) has them
    /// built at its next open, and only then.
    #[test]
    fn totals_of_an_older_layout_are_built_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::config::Paths::in_dir(dir.path()), "test").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut tx = sale(1, day.and_hms_opt(9, 0, 0).unwrap(), 4_200);
        tx.customer = Some("mindbody@-99:client:7".into());
        store.upsert_transactions(&[tx], false).unwrap();
        store.write_out_daily_totals().unwrap();
        let records = store.records().unwrap();
        records.customer_totals.clear().unwrap();
        records.db.insert(BUILT, &[1]).unwrap();
        assert!(!store.daily_totals_agree().unwrap());
        assert!(
            ensure_built(&records).unwrap(),
            "built for the older layout"
        );
        assert!(store.daily_totals_agree().unwrap());
        assert!(!ensure_built(&records).unwrap(), "not again");
    }
}
