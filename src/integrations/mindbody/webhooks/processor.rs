//! The processor: a thread of its own that works off the stored events in batches (one batch
//! of up to [`super::receiving::PROCESS_BATCH`] events read, applied to the books and marked done
//! together), at a lower priority than receiving: the OS's ([`super::idle_priority`]) and its
//! own.
//!
//! Its own is cooperative: before each batch it waits for a lull, [`QUIET`] with no
//! delivery in flight (between its arrival and its answer) and none arriving, for at most
//! [`MAX_DEFERRAL`] since its last batch. So a burst is received first and processed in the
//! lulls, and a load that never lulls is still processed, a short batch at least every
//! [`MAX_DEFERRAL`]: a batch costs the receiver a core (this machine has two), so a forced one
//! is kept to a few milliseconds. It keeps pace with
//! what arrived since the batch before, and a little more ([`forced_batch`]): a fixed 16 every
//! 250 ms fell behind a steady 1,000 sales a second, and the books and the Postgres mirror with
//! it, by seconds that grew as long as the load lasted. A moment
//! with nothing in flight is no lull: at 5,000 deliveries a second there is one every few
//! deliveries, and a full batch taken there held up the next ones for tens of milliseconds
//! (issue 18's bench). The OS's: it runs only on a core the receiver does not want, unless it
//! has gone [`BEHIND`] without a batch (the receiving path appends to the inbox file and takes
//! none of sled's locks, so a processor descheduled while holding one cannot make it wait). Not
//! a task on the runtime: its disk writes and flushes would block one of the two workers that
//! answer deliveries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::idle_priority::IdleUnlessBehind;
use super::receiving::PROCESS_BATCH;
use crate::engine::host::Core;

/// The longest processing waits for a lull before it takes a batch anyway.
pub(super) const MAX_DEFERRAL: Duration = Duration::from_millis(100);
/// How long the receiver must be idle (nothing in flight, nothing arriving) to count as a lull.
pub(super) const QUIET: Duration = Duration::from_millis(3);
/// The fewest events a batch taken without a lull processes (a full one takes
/// [`super::receiving::PROCESS_BATCH`]).
const FORCED_BATCH: usize = 16;
/// How often a deferred processor looks whether the receiver became idle.
const IDLE_POLL: Duration = Duration::from_millis(1);

/// How many deliveries are between their arrival and their answer, and how many arrived.
#[derive(Default)]
pub(super) struct InFlight {
    now: AtomicUsize,
    arrived: AtomicUsize,
}

impl InFlight {
    /// Counts one delivery in flight until the returned guard is dropped.
    pub(super) fn enter(&self) -> InFlightGuard<'_> {
        self.arrived.fetch_add(1, Ordering::AcqRel);
        self.now.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self)
    }

    fn idle(&self) -> bool {
        self.now.load(Ordering::Acquire) == 0
    }

    fn arrived(&self) -> usize {
        self.arrived.load(Ordering::Acquire)
    }
}

pub(super) struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the receiver left the processor: a lull (take a full batch) or only the end of its
/// patience (take a short one).
#[derive(Debug, PartialEq)]
pub(super) enum Turn {
    Lull,
    Forced,
}

/// Tells the processor there may be events to process (from any thread).
#[derive(Default)]
pub(crate) struct Wake {
    pending: Mutex<bool>,
    woken: Condvar,
}

impl Wake {
    pub(crate) fn notify(&self) {
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.woken.notify_one();
    }

    fn wait(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        while !*pending {
            pending = self.woken.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
        *pending = false;
    }
}

/// Starts the processor thread; it works off what is queued at once.
pub(super) fn start(core: Core, wake: Arc<Wake>, in_flight: Arc<InFlight>, dirty: Arc<Notify>) {
    wake.notify();
    std::thread::Builder::new()
        .name("webhook-process".into())
        .spawn(move || run(core, &wake, &in_flight, &dirty))
        .expect("the webhook processor thread starts");
}

/// A processor this long without a batch while work waits (ten times its patience) takes a core
/// like any thread until it has caught up.
const BEHIND: Duration = Duration::from_secs(1);

fn run(core: Core, wake: &Wake, in_flight: &InFlight, dirty: &Notify) {
    let mut priority = IdleUnlessBehind::start("processor");
    let mut last_batch = Instant::now();
    let mut arrived_before = in_flight.arrived();
    loop {
        wake.wait();
        loop {
            let turn = yield_to_receiving(in_flight, last_batch, QUIET);
            priority.behind(last_batch.elapsed() > BEHIND);
            let arrived = in_flight.arrived();
            let outcome = core.process_pending(match turn {
                Turn::Lull => PROCESS_BATCH,
                Turn::Forced => forced_batch(arrived.wrapping_sub(arrived_before)),
            });
            arrived_before = arrived;
            last_batch = Instant::now();
            match outcome {
                Ok(0) => {
                    priority.behind(false);
                    break;
                }
                Ok(_) => dirty.notify_one(),
                Err(e) => {
                    tracing::error!("processing webhook events: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }
}

/// A batch taken without a lull: what arrived since the batch before and a quarter more, so a
/// steady load is kept up with and a backlog from a burst shrinks, within a short and a full
/// batch.
fn forced_batch(arrived_since: usize) -> usize {
    (arrived_since + arrived_since / 4).clamp(FORCED_BATCH, PROCESS_BATCH)
}

/// Waits for `quiet` with nothing in flight and nothing arriving, until [`MAX_DEFERRAL`] after
/// the last batch.
fn yield_to_receiving(in_flight: &InFlight, last_batch: Instant, quiet: Duration) -> Turn {
    lull_or_deadline(in_flight, last_batch + MAX_DEFERRAL, quiet)
}

/// Waits for `quiet` with nothing in flight and nothing arriving, or until `deadline`.
pub(super) fn lull_or_deadline(in_flight: &InFlight, deadline: Instant, quiet: Duration) -> Turn {
    let mut arrived = in_flight.arrived();
    let mut quiet_since = Instant::now();
    loop {
        let now = Instant::now();
        let latest = in_flight.arrived();
        if !in_flight.idle() || latest != arrived {
            arrived = latest;
            quiet_since = now;
        } else if now.duration_since(quiet_since) >= quiet {
            return Turn::Lull;
        }
        if now >= deadline {
            return Turn::Forced;
        }
        std::thread::sleep(IDLE_POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_counts_each_delivery_until_it_is_answered() {
        let in_flight = InFlight::default();
        assert!(in_flight.idle());
        let first = in_flight.enter();
        let second = in_flight.enter();
        drop(first);
        assert!(!in_flight.idle());
        drop(second);
        assert!(in_flight.idle());
    }

    #[test]
    fn a_forced_batch_keeps_pace_with_what_arrived() {
        assert_eq!(forced_batch(0), FORCED_BATCH);
        assert_eq!(forced_batch(100), 125);
        assert_eq!(forced_batch(10_000), PROCESS_BATCH);
    }

    #[test]
    fn a_wake_before_the_wait_is_not_lost() {
        let wake = Arc::new(Wake::default());
        wake.notify();
        wake.wait();
        let waker = wake.clone();
        let waiter = std::thread::spawn(move || wake.wait());
        waker.notify();
        waiter.join().unwrap();
    }

    #[test]
    fn a_busy_receiver_defers_processing_only_until_the_last_batch_is_old_enough() {
        let in_flight = InFlight::default();
        let _busy = in_flight.enter();
        // Returns although a delivery is still in flight: the last batch was long ago.
        let turn = yield_to_receiving(&in_flight, Instant::now() - 2 * MAX_DEFERRAL, QUIET);
        assert_eq!(turn, Turn::Forced);
    }

    #[test]
    fn an_idle_receiver_is_a_lull_and_a_moment_between_deliveries_is_not() {
        let in_flight = Arc::new(InFlight::default());
        let turn = yield_to_receiving(&in_flight, Instant::now(), QUIET);
        assert_eq!(turn, Turn::Lull, "nothing in flight, nothing arriving");
        // Deliveries that come and go without pause: never idle long enough, so the processor
        // waits out its patience (the batch it then takes is a short one).
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (busy, stopping) = (in_flight.clone(), stop.clone());
        let deliveries = std::thread::spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                drop(busy.enter());
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        // Asking 50 ms of quiet (not 3: a loaded machine may pause the sender that long) and
        // getting none, though nothing is in flight most of the time.
        let turn = yield_to_receiving(&in_flight, Instant::now(), Duration::from_millis(50));
        stop.store(true, Ordering::Release);
        deliveries.join().unwrap();
        assert_eq!(turn, Turn::Forced);
    }
}
