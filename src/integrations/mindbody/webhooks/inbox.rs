//! The inbox: verified deliveries are stored in groups, durable before they are answered, by a
//! pipeline of two threads so the disk never waits on the CPU nor the CPU on the disk:
//! - the *committer* takes every arrival waiting, writes them all in one sled transaction (in
//!   memory) and hands the group to the flusher, then at once takes the next arrivals;
//! - the *flusher* takes every group committed so far, flushes the database once, and only then
//!   answers each delivery of those groups.
//!
//! A flush writes everything committed before it started, so each group is durable once the
//! first flush that started after its commit returns; the flusher only answers groups committed
//! before its flush began. A delivery that arrives during a flush is committed during it and
//! written by the next one: it waits for at most one flush it did not start. At most
//! [`UNFLUSHED_MAX`] deliveries wait for the flusher; past that the committer waits too, the
//! inbox queue fills and the receiver answers 503 (the disk is slower than the deliveries).

use std::sync::{Arc, Condvar, Mutex};

use tokio::sync::{Notify, mpsc, oneshot};

use super::processor::Wake;
use crate::domain::Provider;
use crate::engine::host::Core;
use crate::store::webhooks::{Stored, WebhookEvent};

/// How many arrivals one group write takes at most.
const GROUP_MAX: usize = 1024;
/// How many committed deliveries may wait for the flusher at most.
const UNFLUSHED_MAX: usize = 1024;

/// A delivery's answer: Ok once it is on disk, or why it is not.
type Answered = Result<Stored, String>;
/// Where a delivery's answer goes.
pub(super) type Answer = oneshot::Sender<Answered>;

/// An arrival waiting for the inbox, with where its answer goes.
pub(super) struct Arrival {
    pub event: WebhookEvent,
    pub stored: Answer,
}

/// Starts the committer and the flusher on `arrivals`. `work` hears of newly stored events
/// (once they are on disk), `dirty` of any change to the counts.
pub(super) fn start(
    core: Core,
    arrivals: mpsc::Receiver<Arrival>,
    work: Arc<Wake>,
    dirty: Arc<Notify>,
    hold: Arc<Hold>,
) {
    let unflushed = Arc::new(Unflushed::default());
    let (flushing, flusher_core) = (unflushed.clone(), core.clone());
    std::thread::Builder::new()
        .name("webhook-flush".into())
        .spawn(move || run_flusher(flusher_core, &flushing, &work, &dirty))
        .expect("the webhook flusher thread starts");
    std::thread::Builder::new()
        .name("webhook-inbox".into())
        .spawn(move || run_committer(core, arrivals, &unflushed, &hold))
        .expect("the webhook inbox thread starts");
}

/// Waits for an arrival, takes every other one already waiting, commits them all in one
/// transaction and passes them to the flusher (or answers them at once when the commit failed).
fn run_committer(
    core: Core,
    mut arrivals: mpsc::Receiver<Arrival>,
    unflushed: &Unflushed,
    hold: &Hold,
) {
    while let Some(first) = arrivals.blocking_recv() {
        // Held (a test standing in for a stalled disk): take no more, so the queue fills.
        hold.wait_until_released();
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match arrivals.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        unflushed.wait_for_room();
        let (inbound, answers): (Vec<_>, Vec<_>) =
            group.into_iter().map(|a| (a.event, a.stored)).unzip();
        let inbound = with_site(&core, inbound);
        match core
            .inner
            .store
            .commit_deliveries(Provider::Mindbody, inbound)
        {
            Ok(stored) => unflushed.push(answers.into_iter().zip(stored)),
            Err(e) => {
                tracing::error!("storing webhook deliveries: {e}");
                answer_all(answers, &crate::text::one_line(&e.to_string()));
            }
        }
    }
    unflushed.close();
}

/// Flushes whatever has been committed, then answers it; until the committer stops.
fn run_flusher(core: Core, unflushed: &Unflushed, work: &Wake, dirty: &Notify) {
    while let Some(committed) = unflushed.take_all() {
        match core.inner.store.flush_deliveries() {
            Ok(()) => {
                if committed.iter().any(|(_, stored)| *stored == Stored::New) {
                    work.notify();
                }
                for (answer, stored) in committed {
                    let _ = answer.send(Ok(stored));
                }
            }
            Err(e) => {
                tracing::error!("writing webhook deliveries to disk: {e}");
                let message = crate::text::one_line(&e.to_string());
                answer_all(committed.into_iter().map(|(a, _)| a), &message);
            }
        }
        dirty.notify_one();
    }
}

fn answer_all(answers: impl IntoIterator<Item = Answer>, message: &str) {
    for answer in answers {
        let _ = answer.send(Err(message.to_string()));
    }
}

/// The deliveries committed and not yet flushed, oldest first, shared by the two threads.
#[derive(Default)]
struct Unflushed {
    state: Mutex<Committed>,
    changed: Condvar,
}

#[derive(Default)]
struct Committed {
    waiting: Vec<(Answer, Stored)>,
    /// The committer has stopped: the flusher ends once `waiting` is empty.
    closed: bool,
}

impl Unflushed {
    fn lock(&self) -> std::sync::MutexGuard<'_, Committed> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks while the flusher has [`UNFLUSHED_MAX`] or more deliveries to write.
    fn wait_for_room(&self) {
        let mut state = self.lock();
        while state.waiting.len() >= UNFLUSHED_MAX {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn push(&self, group: impl IntoIterator<Item = (Answer, Stored)>) {
        self.lock().waiting.extend(group);
        self.changed.notify_all();
    }

    /// Everything committed so far, once there is something; None when closed and empty.
    fn take_all(&self) -> Option<Vec<(Answer, Stored)>> {
        let mut state = self.lock();
        while state.waiting.is_empty() {
            if state.closed {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let taken = std::mem::take(&mut state.waiting);
        drop(state);
        self.changed.notify_all();
        Some(taken)
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

/// Keeps the inbox thread from storing while held: a stalled disk, for tests.
#[derive(Default)]
pub(super) struct Hold {
    holders: Mutex<u32>,
    released: Condvar,
}

impl Hold {
    fn wait_until_released(&self) {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        while *holders > 0 {
            holders = self
                .released
                .wait(holders)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    pub(super) fn hold(self: &Arc<Self>) -> InboxHold {
        *self.holders.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        InboxHold(self.clone())
    }
}

/// While this lives the inbox stores nothing (see [`Core::hold_webhook_inbox`]).
pub struct InboxHold(Arc<Hold>);

impl Drop for InboxHold {
    fn drop(&mut self) {
        let mut holders = self.0.holders.lock().unwrap_or_else(|e| e.into_inner());
        *holders = holders.saturating_sub(1);
        self.0.released.notify_all();
    }
}

/// Events that named no site get the configured one (read once per group, only when needed),
/// or `unknown` when none is configured: a delivery is never refused for want of a site.
fn with_site(core: &Core, mut events: Vec<WebhookEvent>) -> Vec<WebhookEvent> {
    if events.iter().all(|e| !e.account.is_empty()) {
        return events;
    }
    let site = core
        .mindbody_account()
        .map_or_else(|_| UNKNOWN_SITE.to_string(), |a| a.account().to_string());
    for event in events.iter_mut().filter(|e| e.account.is_empty()) {
        event.account = site.clone();
    }
    events
}

/// The account of a delivery that names no site while none is configured.
const UNKNOWN_SITE: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` committed deliveries, and the ends their answers arrive at.
    fn answered(n: usize) -> (Vec<(Answer, Stored)>, Vec<oneshot::Receiver<Answered>>) {
        (0..n)
            .map(|_| {
                let (tx, rx) = oneshot::channel();
                ((tx, Stored::New), rx)
            })
            .unzip()
    }

    #[test]
    fn the_flusher_takes_every_group_committed_before_it_looks_in_order() {
        let unflushed = Unflushed::default();
        let (first, _a) = answered(2);
        let (second, _b) = answered(3);
        unflushed.push(first);
        unflushed.push(second);
        assert_eq!(unflushed.take_all().map(|t| t.len()), Some(5));
        unflushed.close();
        assert!(unflushed.take_all().is_none(), "closed and empty ends it");
    }

    #[test]
    fn the_committer_waits_while_the_flusher_has_its_fill_and_goes_on_once_it_takes_them() {
        let unflushed = Arc::new(Unflushed::default());
        let (full, _rx) = answered(UNFLUSHED_MAX);
        unflushed.push(full);
        let waiting = unflushed.clone();
        let (done, finished) = std::sync::mpsc::channel();
        let committer = std::thread::spawn(move || {
            waiting.wait_for_room();
            done.send(()).unwrap();
        });
        assert!(
            finished
                .recv_timeout(std::time::Duration::from_millis(50))
                .is_err(),
            "no room while the flusher has {UNFLUSHED_MAX} to write"
        );
        assert_eq!(unflushed.take_all().map(|t| t.len()), Some(UNFLUSHED_MAX));
        finished
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("room once the flusher took them");
        committer.join().unwrap();
    }
}
