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
//! answers 503, and past a fifth of that it takes a core like any thread until it catches up.
//! Beside it, the segment maker makes the inbox file's next segment ahead of need.
//!
//! A thread, not a task on the runtime: a filing and a flush block, and the runtime's two workers
//! answer the deliveries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::idle_priority::IdleUnlessBehind;
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
    let maker = core.clone();
    std::thread::Builder::new()
        .name("webhook-segments".into())
        .spawn(move || make_segments(&maker.inner.store))
        .expect("the webhook inbox segment maker starts");
    std::thread::Builder::new()
        .name("webhook-file".into())
        .spawn(move || run(&core, &filer, &in_flight, &work, &dirty))
        .expect("the webhook filer thread starts");
}

/// The longest what waits is left unfiled while the receiver has no lull.
const FILE_PATIENCE: Duration = Duration::from_secs(1);
/// How often the trees are flushed (and the inbox file trimmed) while deliveries keep coming.
const SETTLE_EVERY: Duration = Duration::from_secs(1);

/// Past this many unfiled deliveries the filer takes a core like any thread until it has caught
/// up: a machine kept busy by other work must not leave it behind until the receiver answers 503.
const BEHIND: usize = super::inbox::MAX_UNFILED / 5;

fn run(core: &Core, filer: &Filer, in_flight: &InFlight, work: &Wake, dirty: &Notify) {
    let store = &core.inner.store;
    // The records opened (and what a kill left in the inbox file filed) before the priority is
    // lowered: the receiver waits for that opening too.
    if let Err(e) = store.webhook_deliveries_unfiled() {
        tracing::warn!("opening the records for the webhook filer: {e}");
    }
    let mut priority = IdleUnlessBehind::start("filer");
    // Filed since the last flush, and when that was.
    let (mut unsettled, mut settled_at) = (false, Instant::now());
    loop {
        priority.behind(filer.backlog() > BEHIND);
        if !filer.wait_for_some(SETTLE_EVERY) {
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

/// The segment maker: a thread that makes the inbox file's next segment whenever the appender
/// takes the one made before, so moving to a new segment never waits for its zeros. At the
/// default priority: it writes and syncs, and holds the appender's lock for a moment.
fn make_segments(store: &crate::store::Store) {
    loop {
        match store.wait_until_webhook_inbox_segment_wanted(Duration::from_secs(60)) {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = store.ready_webhook_inbox_segment() {
                    tracing::warn!("making the webhook inbox file's next segment: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            Err(e) => {
                tracing::warn!("the webhook inbox file's segment maker: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}
