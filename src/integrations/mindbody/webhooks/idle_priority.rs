//! The CPU priority of the work after a delivery's answer (filing, processing): it runs only on
//! a core the receiver does not want.
//!
//! Linux's `SCHED_IDLE`, not nice 19: a nice-19 thread still keeps a core for its slice when a
//! receiving thread wakes, and on this machine's two cores a batch being filed or processed
//! then held deliveries up by milliseconds; a `SCHED_IDLE` thread gives the core up as soon as
//! a normal one wants it (issue 18's bench, paced at 5,000 a second: p99 4.2 ms with both at
//! their old priorities, 2.9 ms like this). It is not starved: the scheduler still gives it a
//! small share of a busy machine, and what it has not done waits on disk, counted as pending.
//! No priority inversion against the receiver: the receiving path takes no lock these threads
//! hold for long (sled's locks are theirs alone; the hand-overs are pushes under a mutex).

/// Makes the calling thread run only when a core is free (Linux's policies are per thread);
/// where that is refused, the lowest nice.
pub(super) fn run_when_idle(thread: &str) {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler reads the parameter it is given; setpriority and gettid only
    // read their arguments. Both act on the calling thread alone.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 {
            return;
        }
        let idle_refused = std::io::Error::last_os_error();
        if libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19) != 0 {
            tracing::debug!(
                "the webhook {thread} keeps its priority: {idle_refused}; {}",
                std::io::Error::last_os_error()
            );
        }
    }
}
