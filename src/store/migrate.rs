//! Schema 1 → 2: the keys of synced records name their account (`mindbody@5567:sale:1:2`, see
//! [`crate::books::account_key`]). Run by the store's owner when it opens a schema-1 store.
//!
//! In place and resumable: each tree is walked in key order, a batch at a time, and every batch
//! is one sled transaction that writes the new keys, deletes the old ones and records how far
//! the walk got (in the records database's `meta`). A crash leaves whole batches only; the next
//! start carries on from the recorded key. The schema version is stamped last (records
//! database first, then the hub's), so a store reads as schema 2 only once everything moved.
//!
//! Which account a schema-1 record belongs to: Mindbody's configured site (schema 1 kept one
//! site); Gemini's one account. Integrations, their tokens and sync logs stay keyed by provider
//! (see the README paragraph in the notes): nothing sealed is touched, so no key is needed.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::{Duration, Instant};

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::unabort;

use super::meta::{self, SCHEMA_KEY, SCHEMA_VERSION};
use super::transactions::date_key;
use super::webhooks::{LogEntry, WebhookEvent};
use super::{Store, StoreError, books, codec, decode_value, transactions, webhooks};
use crate::books::account_key::{AccountKey, with_account};
use crate::books::{Customer, Transaction};
use crate::domain::Provider;
use crate::integrations::mindbody::settings::SITE_ID;

/// The schema this module migrates from.
const FROM: u32 = 1;
/// Records moved per transaction: a short transaction each (10,000 a batch was not faster:
/// the cost is sled's, per write in a transaction).
const BATCH: usize = 1_000;
/// For tests: stop (as a crash would) after moving this many records in total.
pub const STOP_AFTER_ENV: &str = "LEGION_HUB_MIGRATE_STOP_AFTER";
/// For a store whose Mindbody site id is not configured: the site its records came from.
pub const SITE_ENV: &str = "LEGION_HUB_MIGRATE_SITE_ID";
/// Meta names of the hub's sync state that became per site.
const PER_SITE_META: [&str; 3] = ["cursor.", "checkpoint.", "lookback_at."];

/// What opening the store migrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    pub from: u32,
    pub to: u32,
    /// Records given their account, per tree (meta names included, under `meta`).
    pub moved: BTreeMap<&'static str, u64>,
    pub batches: u64,
    pub took: Duration,
}

/// One write of a batch, into the batch's `trees[n]`.
enum Write {
    Put(usize, Vec<u8>, Vec<u8>),
    Del(usize, Vec<u8>),
}

/// How many records this run may still move before the test hook stops it.
struct Allowance(Option<u64>);

impl Allowance {
    fn from_env() -> Allowance {
        Allowance(
            std::env::var(STOP_AFTER_ENV)
                .ok()
                .and_then(|v| v.trim().parse().ok()),
        )
    }

    fn batch(&self) -> usize {
        self.0.map_or(BATCH, |left| BATCH.min(left as usize))
    }

    fn spend(&mut self, n: u64) -> Result<(), StoreError> {
        if let Some(left) = self.0.as_mut() {
            *left = left.saturating_sub(n);
            if *left == 0 {
                return Err(failed(format!(
                    "stopped by {STOP_AFTER_ENV} (a test standing in for a crash)"
                )));
            }
        }
        Ok(())
    }
}

fn failed(reason: String) -> StoreError {
    StoreError::Migration {
        from: FROM,
        to: SCHEMA_VERSION,
        reason,
    }
}

fn progress_key(step: &str) -> Vec<u8> {
    format!("migrate.{SCHEMA_VERSION}.{step}").into_bytes()
}

impl Store {
    /// Brings a schema-1 store up to this build's schema; nothing to do on one already there.
    pub(super) fn migrate_at_start(&self) -> Result<Option<MigrationReport>, StoreError> {
        match self.schema_version()? {
            Some(FROM) => {}
            _ => return Ok(None),
        }
        let started = Instant::now();
        let site = self.site_of_old_records()?;
        let account_of = |provider: Provider| match provider {
            Provider::Mindbody => site.clone(),
            Provider::Gemini => Some(AccountKey::gemini()),
            _ => None,
        };
        let rekey = |old: &[u8]| -> Result<Option<String>, StoreError> {
            let old = String::from_utf8_lossy(old);
            if AccountKey::parse(&old).is_ok() {
                return Ok(None);
            }
            with_account(&old, account_of).map(Some).ok_or_else(|| {
                failed(match &site {
                    None if old.starts_with("mindbody:") => format!(
                        "the books hold Mindbody records from before sites were kept in keys ({old}), but no Mindbody site id is configured: start legion-hub once with {SITE_ENV} set to the site they came from"
                    ),
                    _ => format!("the record {old} names no account this legion-hub knows"),
                })
            })
        };
        let mut run = Run {
            allowance: Allowance::from_env(),
            report: MigrationReport {
                from: FROM,
                to: SCHEMA_VERSION,
                moved: BTreeMap::new(),
                batches: 0,
                took: Duration::ZERO,
            },
        };
        let records = self.records()?;
        let progress = records.db.open_tree(meta::TREE)?;
        let rekey_opt = |key: &Option<String>| -> Result<Option<String>, StoreError> {
            Ok(match key {
                Some(k) => Some(rekey(k.as_bytes())?.unwrap_or_else(|| k.clone())),
                None => None,
            })
        };

        // Transactions, with their date index: key, and the customer they link to.
        let trees = [
            &records.transactions,
            &records.transactions_by_date,
            &progress,
        ];
        run.step(transactions::TREE, &trees, |old, value| {
            let Some(new) = rekey(old)? else {
                return Ok(None);
            };
            let mut tx: Transaction = decode_value(transactions::TREE, old, value)?;
            let index_old = date_key(tx.date, &tx.key);
            tx.key = new.clone();
            tx.customer = rekey_opt(&tx.customer)?;
            Ok(Some(vec![
                Write::Put(0, new.clone().into_bytes(), codec::encode(&tx)),
                Write::Del(0, old.to_vec()),
                Write::Del(1, index_old),
                Write::Put(1, date_key(tx.date, &new), Vec::new()),
            ]))
        })?;
        run.rename_keys(
            transactions::TOMBSTONES,
            &records.tombstones,
            &progress,
            &rekey,
        )?;
        run.step(
            books::CUSTOMERS,
            &[&records.customers, &progress],
            |old, value| {
                let Some(new) = rekey(old)? else {
                    return Ok(None);
                };
                let mut customer: Customer = decode_value(books::CUSTOMERS, old, value)?;
                customer.key = new.clone();
                customer.possible_duplicate_of = rekey_opt(&customer.possible_duplicate_of)?;
                Ok(Some(vec![
                    Write::Put(0, new.into_bytes(), codec::encode(&customer)),
                    Write::Del(0, old.to_vec()),
                ]))
            },
        )?;
        run.rename_keys(books::CATEGORIES, &records.categories, &progress, &rekey)?;
        // Webhook events: the key, and the account the event now names; then the queue and
        // the log, which refer to events by key.
        run.step(
            webhooks::EVENTS,
            &[&records.webhook_events, &progress],
            |old, value| {
                let Some(new) = rekey(old)? else {
                    return Ok(None);
                };
                let mut event: WebhookEvent = decode_value(webhooks::EVENTS, old, value)?;
                event.account = AccountKey::parse(&new)
                    .map(|(account, _)| account.account().to_string())
                    .unwrap_or_default();
                Ok(Some(vec![
                    Write::Put(0, new.into_bytes(), codec::encode(&event)),
                    Write::Del(0, old.to_vec()),
                ]))
            },
        )?;
        run.step(
            webhooks::PENDING,
            &[&records.webhook_pending, &progress],
            |seq, key| {
                Ok(rekey(key)?.map(|new| vec![Write::Put(0, seq.to_vec(), new.into_bytes())]))
            },
        )?;
        run.step(
            webhooks::LOG,
            &[&records.webhook_log, &progress],
            |seq, value| {
                let entry: LogEntry = decode_value(webhooks::LOG, seq, value)?;
                let entry = match entry {
                    LogEntry::Received { key } => match rekey(key.as_bytes())? {
                        Some(key) => LogEntry::Received { key },
                        None => return Ok(None),
                    },
                    LogEntry::Duplicate { key, at } => match rekey(key.as_bytes())? {
                        Some(key) => LogEntry::Duplicate { key, at },
                        None => return Ok(None),
                    },
                    LogEntry::Rejected(_) => return Ok(None),
                };
                Ok(Some(vec![Write::Put(
                    0,
                    seq.to_vec(),
                    codec::encode(&entry),
                )]))
            },
        )?;
        run.per_site_meta(self, site.as_ref())?;
        // The totals were built at open from the old keys (their account is the key's).
        super::daily_totals::rebuild(&records)?;

        // Stamped last: records first, then the hub, whose version is what says "migrated".
        let mut done = sled::Batch::default();
        for step in run.report.moved.keys() {
            done.remove(progress_key(step));
        }
        done.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes());
        progress.apply_batch(done)?;
        records.db.flush()?;
        self.hub
            .meta
            .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        self.hub.db.flush()?;
        run.report.took = started.elapsed();
        tracing::info!(report = ?run.report, "migrated the store to schema {SCHEMA_VERSION}");
        Ok(Some(run.report))
    }

    /// The Mindbody site schema-1 records came from: the configured one, or what
    /// [`SITE_ENV`] says.
    fn site_of_old_records(&self) -> Result<Option<AccountKey>, StoreError> {
        let configured = self
            .integration(Provider::Mindbody)?
            .and_then(|r| r.settings.get(SITE_ID).cloned())
            .or_else(|| std::env::var(SITE_ENV).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        configured
            .map(|site| {
                AccountKey::new(Provider::Mindbody, &site).map_err(|e| failed(e.to_string()))
            })
            .transpose()
    }
}

struct Run {
    allowance: Allowance,
    report: MigrationReport,
}

impl Run {
    /// Walks `trees[0]` from where an earlier run stopped; `plan` says what one entry becomes
    /// (None: nothing, it is already in the new form). The last tree is where progress is kept.
    fn step(
        &mut self,
        name: &'static str,
        trees: &[&sled::Tree],
        mut plan: impl FnMut(&[u8], &[u8]) -> Result<Option<Vec<Write>>, StoreError>,
    ) -> Result<(), StoreError> {
        let walked = trees[0];
        let progress = *trees.last().expect("a step has a progress tree");
        let progress_at = trees.len() - 1;
        let mut cursor = progress.get(progress_key(name))?.map(|v| v.to_vec());
        self.report.moved.entry(name).or_insert(0);
        loop {
            let from = cursor
                .as_deref()
                .map_or(Bound::Unbounded, |c| Bound::Excluded(c.to_vec()));
            let mut writes = Vec::new();
            let mut moved = 0u64;
            let mut last = None;
            for entry in walked.range((from, Bound::Unbounded)) {
                let (key, value) = entry?;
                last = Some(key.to_vec());
                if let Some(w) = plan(&key, &value)? {
                    writes.extend(w);
                    moved += 1;
                    if moved as usize >= self.allowance.batch() {
                        break;
                    }
                }
            }
            let Some(last) = last else {
                return Ok(());
            };
            writes.push(Write::Put(progress_at, progress_key(name), last.clone()));
            trees
                .transaction(|view| {
                    for write in &writes {
                        match write {
                            Write::Put(t, k, v) => {
                                view[*t].insert(k.as_slice(), v.as_slice())?;
                            }
                            Write::Del(t, k) => {
                                view[*t].remove(k.as_slice())?;
                            }
                        }
                    }
                    Ok::<_, ConflictableTransactionError<StoreError>>(())
                })
                .map_err(unabort)?;
            cursor = Some(last);
            if moved > 0 {
                self.report.batches += 1;
                *self.report.moved.entry(name).or_insert(0) += moved;
                self.allowance.spend(moved)?;
            }
        }
    }

    /// A tree whose keys only are rekeyed (the values do not name them).
    fn rename_keys(
        &mut self,
        name: &'static str,
        tree: &sled::Tree,
        progress: &sled::Tree,
        rekey: &impl Fn(&[u8]) -> Result<Option<String>, StoreError>,
    ) -> Result<(), StoreError> {
        self.step(name, &[tree, progress], |old, value| {
            Ok(rekey(old)?.map(|new| {
                vec![
                    Write::Put(0, new.into_bytes(), value.to_vec()),
                    Write::Del(0, old.to_vec()),
                ]
            }))
        })
    }

    /// The hub's sync cursors, checkpoints and lookbacks (`mindbody.cursor.sales`) become the
    /// site's (`mindbody@5567.cursor.sales`): one transaction, they are a handful.
    fn per_site_meta(
        &mut self,
        store: &Store,
        site: Option<&AccountKey>,
    ) -> Result<(), StoreError> {
        let mut moves = Vec::new();
        for entry in store.hub.meta.scan_prefix(b"mindbody.") {
            let (key, value) = entry?;
            let name = String::from_utf8_lossy(&key[b"mindbody.".len()..]).into_owned();
            if !PER_SITE_META.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            let Some(site) = site else {
                // A sync cursor without a site: the next sync reads from the start again.
                moves.push((key.to_vec(), None));
                continue;
            };
            moves.push((
                key.to_vec(),
                Some((site.meta(&name).into_bytes(), value.to_vec())),
            ));
        }
        if moves.is_empty() {
            return Ok(());
        }
        store
            .hub
            .meta
            .transaction(|meta| {
                for (old, new) in &moves {
                    if let Some((key, value)) = new {
                        meta.insert(key.as_slice(), value.as_slice())?;
                    }
                    meta.remove(old.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(unabort)?;
        self.report.moved.insert("meta", moves.len() as u64);
        Ok(())
    }
}
