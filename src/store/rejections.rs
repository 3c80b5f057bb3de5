//! Webhook attempts the receiver turned away (records database, tree `webhook_rejections`).
//! Anyone who finds the receiver's address can post to it, so what a rejection leaves on disk is
//! bounded: counters (never reset) and a ring of the [`RING_CAPACITY`] most recent attempts,
//! each with when, why and from where (cut to [`PEER_MAX`] characters), never a body or a header.
//!
//! Keys: `c` → [`RejectionCounts`]; `r` + sequence (big-endian) → [`RejectedAttempt`];
//! `m` → set once the rejected entries older versions kept in `webhook_log` were moved here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::codec::{self, Record};
use super::webhooks::{LogEntry, Rejection};
use super::{Store, StoreError, decode_value};

pub const TREE: &str = "webhook_rejections";
/// How many rejected attempts are kept; older ones only count.
pub const RING_CAPACITY: u64 = 1_000;
/// An address is at most 45 characters (IPv6 with an IPv4 tail); anything longer is cut.
pub const PEER_MAX: usize = 64;

const COUNTS_KEY: &[u8] = b"c";
const MIGRATED_KEY: &[u8] = b"m";
const RING_PREFIX: u8 = b'r';

/// Why an attempt was turned away: a closed set, so counting by reason cannot grow with what
/// an attacker sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// No `X-Mindbody-Signature` header.
    NoSignature,
    /// A header that is not `sha256=` and base64.
    MalformedSignature,
    /// Forged, altered, or signed with another subscription's key.
    BadSignature,
    /// No subscription's signing key is saved, so nothing can be verified.
    NoKey,
    /// Kept by an older version with a reason this one does not know.
    Other,
}

impl RejectionReason {
    pub fn label(self) -> &'static str {
        match self {
            RejectionReason::NoSignature => "no X-Mindbody-Signature header",
            RejectionReason::MalformedSignature => "malformed X-Mindbody-Signature",
            RejectionReason::BadSignature => "signature does not match the body",
            RejectionReason::NoKey => "no signing key saved",
            RejectionReason::Other => "other",
        }
    }

    /// The reason of an entry an older version wrote as text.
    fn of_legacy_text(text: &str) -> RejectionReason {
        if text.contains("has no X-Mindbody-Signature") {
            RejectionReason::NoSignature
        } else if text.contains("is not `sha256=`") {
            RejectionReason::MalformedSignature
        } else if text.contains("does not match") {
            RejectionReason::BadSignature
        } else if text.contains("signing key") {
            RejectionReason::NoKey
        } else {
            RejectionReason::Other
        }
    }
}

/// One rejected attempt as the ring keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedAttempt {
    pub at: DateTime<Utc>,
    pub reason: RejectionReason,
    /// Who sent it: the socket's address, or the client a trusted proxy forwarded for.
    #[serde(default)]
    pub peer: Option<String>,
}

impl Record for RejectedAttempt {
    const KIND: &'static str = "rejected webhook attempt";
    const VERSION: u32 = 1;
}

impl RejectedAttempt {
    /// An attempt with its peer made one line and cut to [`PEER_MAX`] characters.
    pub fn new(at: DateTime<Utc>, reason: RejectionReason, peer: Option<&str>) -> Self {
        RejectedAttempt {
            at,
            reason,
            peer: peer.map(cut_peer),
        }
    }
}

fn cut_peer(peer: &str) -> String {
    // Cut before cleaning: an old entry's peer may be hundreds of kilobytes.
    let head: String = peer.chars().take(PEER_MAX * 2).collect();
    crate::text::one_line(&head)
        .chars()
        .take(PEER_MAX)
        .collect()
}

/// Every rejection ever counted, including those past the per-peer limit that were not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionCounts {
    pub total: u64,
    #[serde(default)]
    pub by_reason: BTreeMap<RejectionReason, u64>,
    /// Answered 429 (too many rejections from one peer) and not kept in the ring.
    #[serde(default)]
    pub throttled: u64,
    #[serde(default)]
    pub last_at: Option<DateTime<Utc>>,
    /// The sequence of the next attempt kept in the ring.
    #[serde(default)]
    pub next_seq: u64,
}

impl Record for RejectionCounts {
    const KIND: &'static str = "webhook rejection counts";
    const VERSION: u32 = 1;
}

impl RejectionCounts {
    /// Counts one attempt kept in the ring; its sequence.
    pub fn count_kept(&mut self, attempt: &RejectedAttempt) -> u64 {
        self.total += 1;
        *self.by_reason.entry(attempt.reason).or_default() += 1;
        self.last_at = Some(self.last_at.map_or(attempt.at, |t| t.max(attempt.at)));
        self.next_seq += 1;
        self.next_seq
    }

    /// Counts one attempt turned away without keeping it.
    pub fn count_throttled(&mut self, reason: RejectionReason, at: DateTime<Utc>) {
        self.total += 1;
        self.throttled += 1;
        *self.by_reason.entry(reason).or_default() += 1;
        self.last_at = Some(self.last_at.map_or(at, |t| t.max(at)));
    }

    /// How many attempts the ring holds now.
    pub fn kept(&self) -> u64 {
        self.next_seq.min(RING_CAPACITY)
    }
}

fn ring_key(seq: u64) -> [u8; 9] {
    let mut key = [RING_PREFIX; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn seq_of(key: &[u8]) -> u64 {
    key.get(1..9)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}

impl Store {
    /// The counters and the ring, oldest first.
    pub fn rejections(&self) -> Result<(RejectionCounts, Vec<(u64, RejectedAttempt)>), StoreError> {
        let records = self.records()?;
        let tree = &records.webhook_rejections;
        let counts = match tree.get(COUNTS_KEY)? {
            Some(v) => decode_value(TREE, COUNTS_KEY, &v)?,
            None => RejectionCounts::default(),
        };
        let mut ring = Vec::new();
        for entry in tree.scan_prefix([RING_PREFIX]) {
            let (k, v) = entry?;
            ring.push((seq_of(&k), decode_value(TREE, &k, &v)?));
        }
        Ok((counts, ring))
    }

    /// Saves the counters and the attempts kept since the last save, drops what fell out of
    /// the ring, and flushes: one small write however many attempts came in meanwhile.
    pub fn save_rejections(
        &self,
        counts: &RejectionCounts,
        added: &[(u64, RejectedAttempt)],
    ) -> Result<(), StoreError> {
        let records = self.records()?;
        let tree = &records.webhook_rejections;
        let oldest_kept = counts.next_seq.saturating_sub(RING_CAPACITY) + 1;
        let mut batch = sled::Batch::default();
        for entry in tree.range(ring_key(0)..ring_key(oldest_kept)) {
            let (k, _) = entry?;
            batch.remove(k);
        }
        for (seq, attempt) in added.iter().filter(|(seq, _)| *seq >= oldest_kept) {
            batch.insert(&ring_key(*seq), codec::encode(attempt));
        }
        batch.insert(COUNTS_KEY, codec::encode(counts));
        tree.apply_batch(batch)?;
        records.db.flush()?;
        Ok(())
    }
}

/// Moves the rejected attempts older versions kept in `webhook_log` (whole, with any
/// `X-Forwarded-For` they were sent) into the counters and the ring, once, in one transaction:
/// nothing is counted twice and nothing is half moved if the process dies meanwhile.
pub(super) fn migrate_from_log(
    log: &sled::Tree,
    rejections: &sled::Tree,
    stats: &sled::Tree,
) -> Result<(), StoreError> {
    if rejections.get(MIGRATED_KEY)?.is_some() {
        return Ok(());
    }
    let mut counts = match rejections.get(COUNTS_KEY)? {
        Some(v) => decode_value(TREE, COUNTS_KEY, &v)?,
        None => RejectionCounts::default(),
    };
    let mut moved = Vec::new();
    let mut legacy_keys = Vec::new();
    for entry in log.iter() {
        let (k, v) = entry?;
        // Only entries that are rejections are touched; anything unreadable stays where it is.
        if let Ok(LogEntry::Rejected(Rejection {
            at, reason, peer, ..
        })) = codec::decode::<LogEntry>(&v)
        {
            let attempt = RejectedAttempt::new(
                at,
                RejectionReason::of_legacy_text(&reason),
                peer.as_deref(),
            );
            let seq = counts.count_kept(&attempt);
            moved.push((seq, attempt));
            legacy_keys.push(k);
        }
    }
    // The old counters may have counted rejections whose entries are gone; keep the larger.
    let counted_before: u64 = stats
        .iter()
        .values()
        .filter_map(|v| v.ok())
        .filter_map(|v| codec::decode::<super::webhooks::WebhookCounts>(&v).ok())
        .map(|c| c.rejected)
        .sum();
    counts.total = counts.total.max(counted_before);
    let oldest_kept = counts.next_seq.saturating_sub(RING_CAPACITY) + 1;
    (log, rejections)
        .transaction(|(log, rejections)| {
            for key in &legacy_keys {
                log.remove(key)?;
            }
            for (seq, attempt) in moved.iter().filter(|(seq, _)| *seq >= oldest_kept) {
                rejections.insert(&ring_key(*seq), codec::encode(attempt))?;
            }
            rejections.insert(COUNTS_KEY, codec::encode(&counts))?;
            rejections.insert(MIGRATED_KEY, &b"1"[..])?;
            Ok::<_, ConflictableTransactionError<StoreError>>(())
        })
        .map_err(super::unabort)?;
    if !legacy_keys.is_empty() {
        tracing::info!(
            "moved {} rejected webhook attempts out of the event log (the {} most recent are kept)",
            legacy_keys.len(),
            counts.kept()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_is_one_line_and_cut() {
        let long = format!("203.0.113.9,\n{}", "x".repeat(400_000));
        let attempt = RejectedAttempt::new(Utc::now(), RejectionReason::BadSignature, Some(&long));
        let peer = attempt.peer.unwrap();
        assert_eq!(peer.chars().count(), PEER_MAX);
        assert!(peer.starts_with("203.0.113.9, x"));
    }

    #[test]
    fn legacy_reasons_are_recognised() {
        for (text, reason) in [
            (
                "the delivery has no X-Mindbody-Signature header",
                RejectionReason::NoSignature,
            ),
            (
                "the X-Mindbody-Signature header is not `sha256=` and base64",
                RejectionReason::MalformedSignature,
            ),
            (
                "the X-Mindbody-Signature does not match the body (forged, ...)",
                RejectionReason::BadSignature,
            ),
            (
                "no webhook subscription's signing key is saved: run ...",
                RejectionReason::NoKey,
            ),
            ("something else", RejectionReason::Other),
        ] {
            assert_eq!(RejectionReason::of_legacy_text(text), reason, "{text}");
        }
    }
}
