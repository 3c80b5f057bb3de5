//! The processor: a thread of its own that works off the stored events in batches (one batch
//! of up to [`super::receiving::PROCESS_BATCH`] events read, applied to the books and marked done
//! together), at a lower priority than receiving.
//!
//! Lower priority is cooperative: before each batch it waits while any delivery is in flight
//! (between its arrival and its answer), for at most [`MAX_DEFERRAL`] since its last batch, so a
//! burst is received first and processed in the lulls, and a load that never lulls is still
//! processed, a batch at least every [`MAX_DEFERRAL`]. Not an OS priority: a batch takes sled's
//! process-wide write lock, and a processor descheduled while holding it would make the receiver
//! wait behind the lowest-priority thread (priority inversion). Nor a task on the runtime: its
//! disk writes and flushes would block one of the two workers that answer deliveries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::engine::host::Core;

/// The longest processing waits for the receiver to be idle before it takes a batch anyway.
pub(super) const MAX_DEFERRAL: Duration = Duration::from_millis(100);
/// How often a deferred processor looks whether the receiver became idle.
const IDLE_POLL: Duration = Duration::from_millis(1);

/// How many deliveries are between their arrival and their answer.
#[derive(Default)]
pub(super) struct InFlight(AtomicUsize);

impl InFlight {
    /// Counts one delivery in flight until the returned guard is dropped.
    pub(super) fn enter(&self) -> InFlightGuard<'_> {
        self.0.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self)
    }

    fn idle(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

pub(super) struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::AcqRel);
    }
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

fn run(core: Core, wake: &Wake, in_flight: &InFlight, dirty: &Notify) {
    let mut last_batch = Instant::now();
    loop {
        wake.wait();
        loop {
            yield_to_receiving(in_flight, last_batch);
            let outcome = core.process_pending();
            last_batch = Instant::now();
            match outcome {
                Ok(0) => break,
                Ok(_) => dirty.notify_one(),
                Err(e) => {
                    tracing::error!("processing webhook events: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }
}

/// Waits while deliveries are in flight, until [`MAX_DEFERRAL`] after the last batch.
fn yield_to_receiving(in_flight: &InFlight, last_batch: Instant) {
    let deadline = last_batch + MAX_DEFERRAL;
    while !in_flight.idle() && Instant::now() < deadline {
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
        yield_to_receiving(&in_flight, Instant::now() - 2 * MAX_DEFERRAL);
    }
}
