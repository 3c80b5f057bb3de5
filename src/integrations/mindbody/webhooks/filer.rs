//! The filer: a thread of its own that files the deliveries the inbox appended to the inbox file
//! (and answered) into the webhook trees, where the processor, the counts and the events pane
//! find them. It takes every group appended since its last filing in one sled transaction, so
//! the busier the receiver the larger and cheaper the filings, and none of it is on a
//! delivery's way to its answer. Like the processor it yields to receiving: it files in a lull
//! (see [`super::processor`]), or once what waits is [`FILE_PATIENCE`] old, so a burst is
//! answered first and filed after. Once caught up it flushes the trees (at most once a second, and
//! after a second idle), and the inbox file lets go of what they now hold.
//!
//! It runs only on a core the receiver does not want ([`super::idle_priority`]): filing costs
//! about as much CPU as receiving (issue 18's bench: a third of a core at 11,000 deliveries a
//! second), and on a busy machine the receiver comes first; what waits is on disk already and
//! counted as pending. At most [`super::inbox::MAX_UNFILED`] wait; past that the receiver
//! answers 503. Between filings it makes the inbox file's next segment ahead of need.
//!
//! A thread, not a task on the runtime: a filing and a flush block, and the runtime's two workers
//! answer the deliveries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::processor::{self, InFlight, Wake};
use crate::domain::Provider;
use crate::engine::host::Core;
use crate::store::webhooks::{Stored, WebhookEvent};

/// Groups on disk in the inbox file, waiting to be filed, oldest first.
#[derive(Default)]
pub(super) struct Filer {
    waiting: Mutex<Waiting>,
    woken: Condvar,
    /// How many events wait, read by every delivery without the lock.
    backlog: AtomicUsize,
}

#[derive(Default)]
struct Waiting {
    events: Vec<WebhookEvent>,
    /// The inbox sequence of the last of them.
    through: u64,
}

impl Filer {
    /// Hands over a group appended to the inbox file through sequence `through`.
    pub(super) fn hand_over(&self, mut events: Vec<WebhookEvent>, through: u64) {
        let mut waiting = self.lock();
        self.backlog.fetch_add(events.len(), Ordering::AcqRel);
        waiting.events.append(&mut events);
        waiting.through = through;
        self.woken.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether something was handed over, waiting up to `patience` for it.
    fn wait_for_some(&self, patience: Duration) -> bool {
        let waiting = self.lock();
        let (waiting, _) = self
            .woken
            .wait_timeout_while(waiting, patience, |w| w.events.is_empty())
            .unwrap_or_else(|e| e.into_inner());
        !waiting.events.is_empty()
    }

    /// Everything handed over so far.
    fn take(&self) -> Waiting {
        let taken = std::mem::take(&mut *self.lock());
        self.backlog.fetch_sub(taken.events.len(), Ordering::AcqRel);
        taken
    }

    fn caught_up(&self) -> bool {
        self.backlog() == 0
    }

    /// How many deliveries wait to be filed.
    pub(super) fn backlog(&self) -> usize {
        self.backlog.load(Ordering::Acquire)
    }
}

/// Starts the filer thread.
pub(super) fn start(
    core: Core,
    filer: Arc<Filer>,
    in_flight: Arc<InFlight>,
    work: Arc<Wake>,
    dirty: Arc<Notify>,
) {
    std::thread::Builder::new()
        .name("webhook-file".into())
        .spawn(move || run(&core, &filer, &in_flight, &work, &dirty))
        .expect("the webhook filer thread starts");
}

/// The longest what waits is left unfiled while the receiver has no lull.
const FILE_PATIENCE: Duration = Duration::from_secs(1);
/// How often the trees are flushed (and the inbox file trimmed) while deliveries keep coming.
const SETTLE_EVERY: Duration = Duration::from_secs(1);

fn run(core: &Core, filer: &Filer, in_flight: &InFlight, work: &Wake, dirty: &Notify) {
    super::idle_priority::run_when_idle("filer");
    let store = &core.inner.store;
    ready_next_segment(store);
    // Filed since the last flush, and when that was.
    let (mut unsettled, mut settled_at) = (false, Instant::now());
    loop {
        if !filer.wait_for_some(SETTLE_EVERY) {
            ready_next_segment(store);
            if unsettled {
                settle(store);
                (unsettled, settled_at) = (false, Instant::now());
            }
            continue;
        }
        processor::lull_or_deadline(in_flight, Instant::now() + FILE_PATIENCE, processor::QUIET);
        let Waiting { events, through } = filer.take();
        // Until it is filed: they are safe in the inbox file meanwhile (and filed at the next
        // start should this process end first).
        loop {
            match store.file_webhook_deliveries(Provider::Mindbody, &events, through) {
                Ok(stored) => {
                    if stored.contains(&Stored::New) {
                        work.notify();
                    }
                    break;
                }
                Err(e) => {
                    tracing::error!("filing webhook deliveries: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        dirty.notify_one();
        ready_next_segment(store);
        unsettled = true;
        if filer.caught_up() && settled_at.elapsed() >= SETTLE_EVERY {
            settle(store);
            (unsettled, settled_at) = (false, Instant::now());
        }
    }
}

fn settle(store: &crate::store::Store) {
    if let Err(e) = store.settle_webhook_inbox() {
        tracing::warn!("flushing the webhook trees: {e}");
    }
}

/// The inbox file's next segment, made before the receiver needs it.
fn ready_next_segment(store: &crate::store::Store) {
    if let Err(e) = store.ready_webhook_inbox_segment() {
        tracing::warn!("making the webhook inbox file's next segment: {e}");
    }
}
