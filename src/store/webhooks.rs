//! Webhook deliveries (records database). Five trees, filed together in one sled transaction per
//! batch of deliveries from the inbox file ([`super::webhook_inbox`]), which holds them on disk
//! before they are answered:
//! - `webhook_events`: `{provider}@{account}:{messageId}` → the event (raw body, state, outcome); the
//!   natural key is what de-duplicates Mindbody's retries.
//! - `webhook_log`: sequence → what arrived (an event or a duplicate of one), newest last, for
//!   the events pane. Rejected attempts are not here: they are counted and a bounded ring of
//!   them is kept in [`super::rejections`] (older versions logged them here, whole; they are
//!   moved out when the database is opened).
//! - `webhook_pending`: sequence → event key, the processing queue; what is left here when the
//!   process dies is processed at the next start.
//! - `webhook_stats`: provider → counts and the next sequence.
//! - `webhook_filed`: provider → the last sequence of the inbox file filed into the four above.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::unabort;

use super::codec::{self, Record};
use super::{Records, Store, StoreError, decode_value};
use crate::domain::Provider;

pub const EVENTS: &str = "webhook_events";
pub const LOG: &str = "webhook_log";
pub const PENDING: &str = "webhook_pending";
pub const STATS: &str = "webhook_stats";
pub const FILED: &str = "webhook_filed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookState {
    /// Stored and answered; waiting in the queue.
    Pending,
    Processed,
    /// Could not be applied; kept with the error, and retried on request.
    Failed,
    /// An event type the hub does not act on: kept and shown, not dropped.
    Ignored,
}

impl WebhookState {
    /// How the events pane and the CLI name it.
    pub fn label(self) -> &'static str {
        match self {
            WebhookState::Pending => "pending",
            WebhookState::Processed => "processed",
            WebhookState::Failed => "failed",
            WebhookState::Ignored => "kept",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub provider: Provider,
    /// The provider's account it came for (Mindbody's site id); schema 1 had none.
    #[serde(default)]
    pub account: String,
    pub message_id: String,
    pub event_type: String,
    pub received_at: DateTime<Utc>,
    /// The raw body, byte for byte as it was signed.
    pub body: String,
    pub state: WebhookState,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub processed_at: Option<DateTime<Utc>>,
    /// Its place in the queue and the log.
    #[serde(default)]
    pub seq: u64,
}

impl Record for WebhookEvent {
    const KIND: &'static str = "webhook event";
    const VERSION: u32 = 1;
}

impl WebhookEvent {
    /// A delivery just received: pending, not yet tried, its place given when it is stored.
    pub fn received(
        provider: Provider,
        account: String,
        message_id: String,
        event_type: String,
        body: String,
    ) -> WebhookEvent {
        WebhookEvent {
            provider,
            account,
            message_id,
            event_type,
            received_at: Utc::now(),
            body,
            state: WebhookState::Pending,
            outcome: None,
            error: None,
            attempts: 0,
            processed_at: None,
            seq: 0,
        }
    }

    pub fn key(&self) -> String {
        crate::books::account_key::key_of(self.provider, &self.account, &self.message_id)
    }
}

/// A rejected attempt as versions before the ring logged it (read only to move it out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub provider: Provider,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// Who sent it (the proxy's address when behind one).
    pub peer: Option<String>,
    pub bytes: u64,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEntry {
    Received {
        key: String,
    },
    Duplicate {
        key: String,
        at: DateTime<Utc>,
    },
    /// Written by older versions only; see [`super::rejections::migrate_from_log`].
    Rejected(Rejection),
}

impl Record for LogEntry {
    const KIND: &'static str = "webhook log entry";
    const VERSION: u32 = 1;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCounts {
    pub received: u64,
    pub duplicates: u64,
    /// Counted here by older versions; the engine now fills it in from
    /// [`super::rejections::RejectionCounts`] when it reports.
    pub rejected: u64,
    pub processed: u64,
    pub failed: u64,
    pub ignored: u64,
    #[serde(default)]
    pub last_at: Option<DateTime<Utc>>,
    /// The sequence the next log entry gets.
    #[serde(default)]
    pub next_seq: u64,
}

impl Record for WebhookCounts {
    const KIND: &'static str = "webhook counts";
    const VERSION: u32 = 1;
}

/// What storing it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    Duplicate,
}

fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

impl Store {
    /// Files deliveries from the inbox file ([`super::webhook_inbox`]) into the trees, in one
    /// transaction, noting `through` (the last inbox sequence among them) in `webhook_filed`. Not
    /// flushed here: they are on disk in the inbox file already, which keeps them until a flush
    /// ([`Store::settle_webhook_inbox`]) has the trees hold them.
    pub fn file_webhook_deliveries(
        &self,
        provider: Provider,
        inbound: &[WebhookEvent],
        through: u64,
    ) -> Result<Vec<Stored>, StoreError> {
        let records = self.records()?;
        let _not_while_backing_up = records.webhook_inbox.filing();
        let stored = file_in(&records, provider, inbound, through)?;
        records.webhook_inbox.filed(inbound.len() as u64, through);
        Ok(stored)
    }

    /// The oldest events waiting to be processed.
    pub fn pending_webhooks(&self, limit: usize) -> Result<Vec<WebhookEvent>, StoreError> {
        let records = self.records()?;
        let mut out = Vec::new();
        for entry in records.webhook_pending.iter().take(limit) {
            let (_, key) = entry?;
            if let Some(v) = records.webhook_events.get(&key)? {
                out.push(decode_value(EVENTS, &key, &v)?);
            }
        }
        Ok(out)
    }

    /// Saves processed events (their state, outcome or error) and takes them off the queue.
    pub fn finish_webhooks(
        &self,
        provider: Provider,
        done: &[WebhookEvent],
    ) -> Result<(), StoreError> {
        let records = self.records()?;
        let trees = (
            &records.webhook_events,
            &records.webhook_pending,
            &records.webhook_stats,
        );
        let stats_key = provider.id().as_bytes();
        trees
            .transaction(|(events, pending, stats)| {
                let mut counts = counts_in(stats, stats_key)?;
                for event in done {
                    match event.state {
                        WebhookState::Processed => counts.processed += 1,
                        WebhookState::Failed => counts.failed += 1,
                        WebhookState::Ignored => counts.ignored += 1,
                        WebhookState::Pending => {}
                    }
                    events.insert(event.key().as_bytes(), codec::encode(event))?;
                    pending.remove(&seq_key(event.seq))?;
                }
                stats.insert(stats_key, codec::encode(&counts))?;
                Ok(())
            })
            .map_err(unabort)?;
        records.db.flush()?;
        Ok(())
    }

    /// Puts every failed event back on the queue; how many.
    pub fn requeue_failed_webhooks(&self, provider: Provider) -> Result<usize, StoreError> {
        let records = self.records()?;
        let failed: Vec<WebhookEvent> = records
            .webhook_events
            .scan_prefix(crate::books::account_key::provider_prefix(provider))
            .map(|entry| {
                let (k, v) = entry?;
                decode_value::<WebhookEvent>(EVENTS, &k, &v)
            })
            .filter(|e| !matches!(e, Ok(event) if event.state != WebhookState::Failed))
            .collect::<Result<_, _>>()?;
        let trees = (
            &records.webhook_events,
            &records.webhook_pending,
            &records.webhook_stats,
        );
        let stats_key = provider.id().as_bytes();
        trees
            .transaction(|(events, pending, stats)| {
                let mut counts = counts_in(stats, stats_key)?;
                for event in &failed {
                    let event = WebhookEvent {
                        state: WebhookState::Pending,
                        ..event.clone()
                    };
                    counts.failed = counts.failed.saturating_sub(1);
                    events.insert(event.key().as_bytes(), codec::encode(&event))?;
                    pending.insert(&seq_key(event.seq), event.key().as_bytes())?;
                }
                stats.insert(stats_key, codec::encode(&counts))?;
                Ok(())
            })
            .map_err(unabort)?;
        records.db.flush()?;
        Ok(failed.len())
    }

    pub fn webhook_counts(&self, provider: Provider) -> Result<WebhookCounts, StoreError> {
        let records = self.records()?;
        let key = provider.id().as_bytes();
        records
            .webhook_stats
            .get(key)?
            .map(|v| decode_value(STATS, key, &v))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub fn webhooks_pending(&self) -> Result<u64, StoreError> {
        Ok(self.records()?.webhook_pending.len() as u64)
    }

    pub fn webhook_event(&self, key: &str) -> Result<Option<WebhookEvent>, StoreError> {
        let records = self.records()?;
        records
            .webhook_events
            .get(key.as_bytes())?
            .map(|v| decode_value(EVENTS, key.as_bytes(), &v))
            .transpose()
    }

    /// A window of the log, newest first: (total, entries with their sequence).
    pub fn webhook_log_page(
        &self,
        offset: u64,
        limit: usize,
    ) -> Result<(u64, Vec<(u64, LogEntry)>), StoreError> {
        let records = self.records()?;
        let log = &records.webhook_log;
        let newest = log
            .last()?
            .and_then(|(k, _)| k.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        // Every entry is a delivery or a duplicate of one.
        let mut total = 0;
        for entry in records.webhook_stats.iter() {
            let (k, v) = entry?;
            let counts: WebhookCounts = decode_value(STATS, &k, &v)?;
            total += counts.received + counts.duplicates;
        }
        let mut rows = Vec::new();
        if offset >= total || limit == 0 {
            return Ok((total, rows));
        }
        let decode = |entry: sled::Result<(sled::IVec, sled::IVec)>| {
            let (k, v) = entry?;
            let seq = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
            Ok::<_, StoreError>((seq, decode_value(LOG, &k, &v)?))
        };
        if newest == total {
            // No gaps: the entry `offset` places from the newest has that sequence.
            let from = newest - offset;
            for entry in log.range(seq_key(1)..=seq_key(from)).rev().take(limit) {
                rows.push(decode(entry)?);
            }
        } else {
            // Rejections moved out of a log an older version wrote leave gaps: walk to it.
            let skip = usize::try_from(offset).unwrap_or(usize::MAX);
            for entry in log.iter().rev().skip(skip).take(limit) {
                rows.push(decode(entry)?);
            }
        }
        Ok((total, rows))
    }
}

/// The filing itself: each delivery new (an event, queued) or a duplicate of one stored
/// already (by its natural key), and each a line of the log.
pub(super) fn file_in(
    records: &Records,
    provider: Provider,
    inbound: &[WebhookEvent],
    through: u64,
) -> Result<Vec<Stored>, StoreError> {
    let trees = (
        &records.webhook_events,
        &records.webhook_log,
        &records.webhook_pending,
        &records.webhook_stats,
        &records.webhook_filed,
    );
    let stats_key = provider.id().as_bytes();
    let outcome = trees.transaction(|(events, log, pending, stats, filed)| {
        let mut counts = counts_in(stats, stats_key)?;
        let mut seen = HashSet::new();
        let mut stored = Vec::with_capacity(inbound.len());
        for event in inbound {
            counts.next_seq += 1;
            let seq = counts.next_seq;
            let key = event.key();
            counts.last_at = Some(event.received_at);
            let (entry, outcome) =
                if !seen.insert(key.clone()) || events.get(key.as_bytes())?.is_some() {
                    counts.duplicates += 1;
                    let at = event.received_at;
                    (LogEntry::Duplicate { key, at }, Stored::Duplicate)
                } else {
                    counts.received += 1;
                    let event = WebhookEvent {
                        seq,
                        ..event.clone()
                    };
                    events.insert(key.as_bytes(), codec::encode(&event))?;
                    pending.insert(&seq_key(seq), key.as_bytes())?;
                    (LogEntry::Received { key }, Stored::New)
                };
            log.insert(&seq_key(seq), codec::encode(&entry))?;
            stored.push(outcome);
        }
        stats.insert(stats_key, codec::encode(&counts))?;
        filed.insert(stats_key, &through.to_be_bytes())?;
        Ok(stored)
    });
    outcome.map_err(unabort)
}

/// The last inbox sequence filed for `provider`.
pub(super) fn filed_through(records: &Records, provider: Provider) -> Result<u64, StoreError> {
    Ok(records
        .webhook_filed
        .get(provider.id().as_bytes())?
        .map_or(0, |v| sequence(&v)))
}

/// The last inbox sequence filed for any provider.
pub(super) fn highest_filed(records: &Records) -> Result<u64, StoreError> {
    let mut highest = 0;
    for entry in records.webhook_filed.iter() {
        highest = highest.max(sequence(&entry?.1));
    }
    Ok(highest)
}

/// A sequence as `webhook_filed` keeps it (one that does not read is none).
fn sequence(bytes: &[u8]) -> u64 {
    bytes.try_into().map_or(0, u64::from_be_bytes)
}

/// The counts as they stand inside a transaction.
fn counts_in(
    stats: &sled::transaction::TransactionalTree,
    key: &[u8],
) -> Result<WebhookCounts, ConflictableTransactionError<StoreError>> {
    match stats.get(key)? {
        Some(v) => codec::decode(&v).map_err(|e| abort(STATS, e)),
        None => Ok(WebhookCounts::default()),
    }
}

fn abort(
    tree: &'static str,
    source: codec::CodecError,
) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(StoreError::Codec {
        tree,
        key: String::new(),
        source,
    })
}
