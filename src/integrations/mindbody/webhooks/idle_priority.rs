//! The CPU priority of the work after a delivery's answer (filing, processing): it runs only on
//! a core the receiver does not want, unless it falls behind.
//!
//! Linux's `SCHED_IDLE`, not nice 19: a nice-19 thread still keeps a core for its slice when a
//! receiving thread wakes, and on this machine's two cores a batch being filed or processed
//! then held deliveries up by milliseconds; a `SCHED_IDLE` thread gives the core up as soon as
//! a normal one wants it (issue 18's bench, paced at 5,000 a second: p99 about 4.2 ms with
//! filing at nice 19 and processing at the default, 2.4 to 3.6 ms like this).
//!
//! The receiving path takes none of sled's locks and no lock these threads hold for more than a
//! moment (a push under a mutex; the records' handle cloned). Front ends reading sled can wait
//! behind a transaction of theirs, as behind any writer; should other work keep both cores busy
//! so long that they fall behind (see the callers' thresholds), they run at the default
//! priority until they catch up. An unprivileged process may not be allowed back from
//! `SCHED_IDLE` (its `RLIMIT_NICE`): then they stay idle, and what they have not done waits on
//! disk, counted as pending, the receiver answering 503 past its bound.

/// A thread that runs only when a core is free, unless it is behind.
pub(super) struct IdleUnlessBehind {
    thread: &'static str,
    idle: bool,
}

impl IdleUnlessBehind {
    /// Makes the calling thread idle (Linux's policies are per thread).
    pub(super) fn start(thread: &'static str) -> IdleUnlessBehind {
        let mut priority = IdleUnlessBehind {
            thread,
            idle: false,
        };
        priority.behind(false);
        priority
    }

    /// Default priority while `behind`, idle again once it is not.
    pub(super) fn behind(&mut self, behind: bool) {
        // Already where it should be: idle exactly when not behind.
        if self.idle != behind {
            return;
        }
        let policy = if behind {
            libc::SCHED_OTHER
        } else {
            libc::SCHED_IDLE
        };
        // SAFETY: sched_setscheduler reads the parameter it is given and acts on the calling
        // thread alone.
        let set = unsafe {
            let param = libc::sched_param { sched_priority: 0 };
            libc::sched_setscheduler(0, policy, &param)
        };
        if set == 0 {
            self.idle = !behind;
        } else if !behind {
            tracing::debug!(
                "the webhook {} keeps its priority: {}",
                self.thread,
                std::io::Error::last_os_error()
            );
            // Not asked again at every batch: it stays as it is.
            self.idle = true;
        } else {
            tracing::warn!(
                "the webhook {} is behind and may not leave the idle priority: {}",
                self.thread,
                std::io::Error::last_os_error()
            );
            self.idle = false;
        }
    }
}
