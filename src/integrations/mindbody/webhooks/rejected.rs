//! What the receiver does with attempts it turns away. They never reach the delivery inbox (a
//! flood of forgeries must not take the places of real deliveries): they are counted here, in
//! memory, and saved at most once a second as counters plus a bounded ring. Each peer may have
//! [`PEER_LIMIT`] attempts rejected per [`PEER_WINDOW`]; past that it is answered 429 and only
//! counted. Valid signed deliveries never come here, so the limit never refuses one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::Notify;

/// The contract's; also named here, where the abuse test and bench look for it.
pub use crate::api::webhooks::RejectionSummary;
use crate::store::Store;
use crate::store::rejections::{RING_CAPACITY, RejectedAttempt, RejectionCounts, RejectionReason};

/// Rejections one peer may have kept per window before it is answered 429.
pub const PEER_LIMIT: u32 = 20;
pub const PEER_WINDOW: Duration = Duration::from_secs(10);
/// Peers remembered at once; the one seen first is forgotten when another arrives.
const PEERS_MAX: usize = 4_096;
/// Rejections are written to disk at most this often.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// The most recent rejections a summary carries (the CLI and the events screen show them).
const RECENT_SHOWN: usize = 5;

/// What became of one rejected attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted and kept in the ring.
    Kept,
    /// Past the peer's limit: counted only; it may try again after this long.
    Throttled { retry_after: Duration },
}

/// The rejections of the process that receives webhooks.
pub(crate) struct Rejections {
    book: Mutex<Book>,
    save: Notify,
    saver_started: AtomicBool,
    /// One save at a time, so counters on disk never go back.
    saving: Mutex<()>,
}

struct Book {
    counts: RejectionCounts,
    /// The ring as saved plus what is not saved yet, oldest first, at most RING_CAPACITY.
    ring: VecDeque<(u64, RejectedAttempt)>,
    /// The sequences from here on are not on disk yet.
    unsaved_from: u64,
    dirty: bool,
    peers: PeerLimiter,
    rate: Rate,
}

impl Rejections {
    /// Loads the counters and the ring saved by earlier runs.
    pub(crate) fn load(store: &Store) -> Result<Rejections, crate::store::StoreError> {
        let (counts, saved) = store.rejections()?;
        let mut rate = Rate::default();
        for (_, attempt) in &saved {
            rate.add(attempt.at.timestamp());
        }
        Ok(Rejections {
            book: Mutex::new(Book {
                unsaved_from: counts.next_seq + 1,
                counts,
                ring: saved.into(),
                dirty: false,
                peers: PeerLimiter::default(),
                rate,
            }),
            save: Notify::new(),
            saver_started: AtomicBool::new(false),
            saving: Mutex::new(()),
        })
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one rejected attempt from `peer`, and keeps it unless the peer is past its limit.
    pub(crate) fn reject(&self, reason: RejectionReason, peer: Option<IpAddr>) -> Verdict {
        let now = Utc::now();
        let mut book = self.book();
        book.rate.add(now.timestamp());
        book.dirty = true;
        let verdict = match peer {
            Some(peer) => book.peers.admit(peer, Instant::now()),
            None => Verdict::Kept,
        };
        match verdict {
            Verdict::Kept => {
                let peer = peer.map(|p| p.to_string());
                let attempt = RejectedAttempt::new(now, reason, peer.as_deref());
                let seq = book.counts.count_kept(&attempt);
                book.ring.push_back((seq, attempt));
                while book.ring.len() as u64 > RING_CAPACITY {
                    book.ring.pop_front();
                }
            }
            Verdict::Throttled { .. } => book.counts.count_throttled(reason, now),
        }
        drop(book);
        self.save.notify_one();
        verdict
    }

    pub(crate) fn summary(&self) -> RejectionSummary {
        let book = self.book();
        summarize(&book.counts, book.ring.iter(), &book.rate)
    }

    /// Starts saving what changes (once; needs the runtime, so it is started by the first
    /// rejection rather than at load).
    pub(crate) fn start_saving<Save>(self: &Arc<Self>, save: Save)
    where
        Save: Fn(&Rejections) -> Result<(), crate::store::StoreError> + Clone + Send + 'static,
    {
        if !self.saver_started.swap(true, Ordering::SeqCst) {
            tokio::spawn(self.clone().keep_saving(save));
        }
    }

    /// Saves what changed, at most once per [`SAVE_EVERY`]; runs for the life of the process.
    /// `save` writes to the owner's store (this room does not hold it).
    async fn keep_saving<Save>(self: Arc<Self>, save: Save)
    where
        Save: Fn(&Rejections) -> Result<(), crate::store::StoreError> + Clone + Send + 'static,
    {
        loop {
            self.save.notified().await;
            tokio::time::sleep(SAVE_EVERY).await;
            let (rejections, save) = (self.clone(), save.clone());
            let saved = tokio::task::spawn_blocking(move || save(&rejections)).await;
            if let Ok(Err(e)) = saved {
                // Counters are only counters: they are saved again with the next change.
                tracing::warn!("saving rejected webhook attempts: {e}");
            }
        }
    }

    /// Saves the counters and the attempts kept since the last save, if anything changed.
    pub(crate) fn save_now(&self, store: &Store) -> Result<(), crate::store::StoreError> {
        let _one_at_a_time = self.saving.lock().unwrap_or_else(|e| e.into_inner());
        let (from, counts, added) = {
            let mut book = self.book();
            if !book.dirty {
                return Ok(());
            }
            let from = book.unsaved_from;
            let added: Vec<_> = book
                .ring
                .iter()
                .filter(|(seq, _)| *seq >= from)
                .cloned()
                .collect();
            book.unsaved_from = book.counts.next_seq + 1;
            book.dirty = false;
            (from, book.counts.clone(), added)
        };
        store.save_rejections(&counts, &added).inspect_err(|_| {
            let mut book = self.book();
            book.unsaved_from = book.unsaved_from.min(from);
            book.dirty = true;
        })
    }
}

fn summarize<'a>(
    counts: &RejectionCounts,
    ring: impl DoubleEndedIterator<Item = &'a (u64, RejectedAttempt)> + ExactSizeIterator,
    rate: &Rate,
) -> RejectionSummary {
    let now = Utc::now().timestamp();
    let kept = ring.len() as u64;
    RejectionSummary {
        total: counts.total,
        by_reason: counts
            .by_reason
            .iter()
            .map(|(reason, n)| (reason.label().to_string(), *n))
            .collect(),
        throttled: counts.throttled,
        last_at: counts.last_at,
        kept,
        capacity: RING_CAPACITY,
        last_minute: rate.since(now, 60),
        last_hour: rate.since(now, 3_600),
        recent: ring
            .rev()
            .take(RECENT_SHOWN)
            .map(|(_, a)| a.clone())
            .collect(),
    }
}

/// Rejections per second over the last hour: 3,600 buckets, one per second.
struct Rate {
    buckets: Box<[(i64, u32)]>,
}

impl Default for Rate {
    fn default() -> Self {
        Rate {
            buckets: vec![(i64::MIN, 0); 3_600].into_boxed_slice(),
        }
    }
}

impl Rate {
    fn add(&mut self, second: i64) {
        let slot = &mut self.buckets[second.rem_euclid(3_600) as usize];
        if slot.0 != second {
            *slot = (second, 0);
        }
        slot.1 = slot.1.saturating_add(1);
    }

    /// Rejections in the `window` seconds up to `now`.
    fn since(&self, now: i64, window: i64) -> u64 {
        self.buckets
            .iter()
            .filter(|(second, _)| *second > now - window && *second <= now)
            .map(|(_, n)| u64::from(*n))
            .sum()
    }
}

/// Rejections per peer in fixed windows, for a bounded number of peers.
#[derive(Default)]
struct PeerLimiter {
    windows: HashMap<IpAddr, (Instant, u32)>,
    /// Peers in the order they were first seen, to forget the oldest.
    order: VecDeque<IpAddr>,
}

impl PeerLimiter {
    fn admit(&mut self, peer: IpAddr, now: Instant) -> Verdict {
        let peer = limit_key(peer);
        if !self.windows.contains_key(&peer) {
            while self.windows.len() >= PEERS_MAX {
                match self.order.pop_front() {
                    Some(oldest) => self.windows.remove(&oldest),
                    None => break,
                };
            }
            self.order.push_back(peer);
        }
        let window = self.windows.entry(peer).or_insert((now, 0));
        if now.duration_since(window.0) >= PEER_WINDOW {
            *window = (now, 0);
        }
        window.1 = window.1.saturating_add(1);
        if window.1 <= PEER_LIMIT {
            Verdict::Kept
        } else {
            let left = PEER_WINDOW.saturating_sub(now.duration_since(window.0));
            Verdict::Throttled {
                retry_after: Duration::from_secs(left.as_secs_f64().ceil().max(1.0) as u64),
            }
        }
    }
}

/// One IPv6 host usually holds a whole /64: count it as one peer.
fn limit_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_past_its_limit_is_throttled_until_its_window_ends() {
        let mut limiter = PeerLimiter::default();
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let start = Instant::now();
        for _ in 0..PEER_LIMIT {
            assert_eq!(limiter.admit(peer, start), Verdict::Kept);
        }
        assert!(matches!(
            limiter.admit(peer, start),
            Verdict::Throttled { retry_after } if retry_after == PEER_WINDOW
        ));
        let other: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(limiter.admit(other, start), Verdict::Kept, "per peer");
        assert_eq!(limiter.admit(peer, start + PEER_WINDOW), Verdict::Kept);
    }

    #[test]
    fn the_peer_table_is_bounded_and_forgets_the_oldest() {
        let mut limiter = PeerLimiter::default();
        let now = Instant::now();
        for i in 0..(PEERS_MAX as u32 + 100) {
            limiter.admit(IpAddr::V4(i.into()), now);
        }
        assert_eq!(limiter.windows.len(), PEERS_MAX);
        assert_eq!(limiter.order.len(), PEERS_MAX);
        assert!(!limiter.windows.contains_key(&IpAddr::V4(0.into())));
    }

    #[test]
    fn one_ipv6_slash_64_is_one_peer() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(limit_key(mapped), "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_rate_counts_the_last_minute_and_hour() {
        let mut rate = Rate::default();
        let now = 1_000_000;
        rate.add(now);
        rate.add(now - 30);
        rate.add(now - 600);
        rate.add(now - 4_000);
        assert_eq!(rate.since(now, 60), 2);
        assert_eq!(rate.since(now, 3_600), 3);
    }
}
