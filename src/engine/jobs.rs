//! The engine's background jobs, one per slot: a slot is a kind of job and a key (the chat reply of
//! conversation 7, the Mindbody sync, the Gemini test). A slot runs at most one job; asked again
//! while busy it either refuses (a second `s` starts no second sync) or keeps the newest request
//! to run next, replacing an older one still waiting (gitui's `AsyncSingleJob`). Every job gets a
//! cancel token, and a job that fails is reported as a `JobFailed` event for its provider.
//!
//! A slot is claimed before the work around it starts and released when its job ends or when the
//! claim is dropped unused, so an error between the claim and the spawn never leaves a slot
//! (a conversation, say) busy for good.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::error::EngineError;
use crate::api::event::Event;
use crate::domain::Provider;

/// Which job, and for what: a kind of job of an integration (its failures are reported for
/// it) and a key. Each room names its own kinds (Mindbody's sync, Gemini's test and its replies);
/// the host knows none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    pub provider: Provider,
    pub kind: &'static str,
    /// Which one of the kind (the conversation a reply arrives in); 0 for a kind that runs one
    /// job at a time.
    pub key: u64,
}

impl Slot {
    /// The one slot of a kind.
    pub const fn of(provider: Provider, kind: &'static str) -> Slot {
        Slot {
            provider,
            kind,
            key: 0,
        }
    }

    /// The slot of this kind for `key`.
    pub const fn keyed(self, key: u64) -> Slot {
        Slot { key, ..self }
    }

    /// The integration whose job it is (its failures are reported for it).
    pub fn provider(self) -> Provider {
        self.provider
    }
}

type Job = Pin<Box<dyn Future<Output = Result<(), EngineError>> + Send>>;
type MakeJob = Box<dyn FnOnce(CancellationToken) -> Job + Send>;

pub struct Jobs {
    slots: Mutex<HashMap<Slot, Busy>>,
    /// Where a failed job is reported.
    events: broadcast::Sender<Event>,
}

struct Busy {
    cancel: CancellationToken,
    /// The newest request made while this one ran; it runs when this one ends.
    next: Option<MakeJob>,
}

/// What asking for a job with [`Jobs::run_latest`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    Started,
    /// The slot is busy: this request runs when the current job ends (replacing `replaced`).
    Waiting {
        replaced: bool,
    },
}

/// A slot held for a job about to start; dropping it unused frees the slot.
pub struct Claim {
    jobs: Arc<Jobs>,
    slot: Slot,
    cancel: CancellationToken,
    spawned: bool,
}

impl Jobs {
    /// No job running; failures are reported on `events`.
    pub fn new(events: broadcast::Sender<Event>) -> Jobs {
        Jobs {
            slots: Mutex::default(),
            events,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Slot, Busy>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `slot` for a job, or None when one is running there.
    pub fn claim(self: &Arc<Self>, slot: Slot) -> Option<Claim> {
        let mut slots = self.lock();
        if slots.contains_key(&slot) {
            return None;
        }
        let cancel = CancellationToken::new();
        slots.insert(
            slot,
            Busy {
                cancel: cancel.clone(),
                next: None,
            },
        );
        Some(Claim {
            jobs: self.clone(),
            slot,
            cancel,
            spawned: false,
        })
    }

    /// Runs the job now when the slot is free; otherwise keeps it to run when the current job
    /// ends, in place of any request that was waiting already.
    pub fn run_latest<F, Fut>(self: &Arc<Self>, slot: Slot, job: F) -> Queued
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), EngineError>> + Send + 'static,
    {
        let make: MakeJob = Box::new(move |cancel| Box::pin(job(cancel)));
        match self.claim(slot) {
            Some(claim) => {
                let job = make(claim.token());
                claim.spawn(job);
                Queued::Started
            }
            None => {
                let mut slots = self.lock();
                match slots.get_mut(&slot) {
                    Some(busy) => Queued::Waiting {
                        replaced: busy.next.replace(make).is_some(),
                    },
                    // It ended between the two looks: ask again.
                    None => {
                        drop(slots);
                        self.run_latest_boxed(slot, make)
                    }
                }
            }
        }
    }

    fn run_latest_boxed(self: &Arc<Self>, slot: Slot, make: MakeJob) -> Queued {
        self.run_latest(slot, make)
    }

    /// Asks the job in `slot` to stop; whether one was running. A request waiting to run after
    /// it is dropped too.
    pub fn cancel(&self, slot: Slot) -> bool {
        match self.lock().get_mut(&slot) {
            Some(busy) => {
                busy.next = None;
                busy.cancel.cancel();
                true
            }
            None => false,
        }
    }

    pub fn running(&self, slot: Slot) -> bool {
        self.lock().contains_key(&slot)
    }

    /// Frees `slot`, or hands it to the request that waited for it.
    fn finish(&self, slot: Slot) -> Option<(MakeJob, CancellationToken)> {
        let mut slots = self.lock();
        let next = slots.get_mut(&slot).and_then(|busy| busy.next.take());
        match next {
            Some(make) => {
                let cancel = CancellationToken::new();
                if let Some(busy) = slots.get_mut(&slot) {
                    busy.cancel = cancel.clone();
                }
                Some((make, cancel))
            }
            None => {
                slots.remove(&slot);
                None
            }
        }
    }
}

impl Claim {
    /// The token the job watches to stop early.
    pub fn token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Runs `job` in the background in the claimed slot; a failure becomes a `JobFailed` event.
    pub fn spawn(mut self, job: impl Future<Output = Result<(), EngineError>> + Send + 'static) {
        self.spawned = true;
        let (jobs, slot) = (self.jobs.clone(), self.slot);
        tokio::spawn(async move {
            let mut job: Job = Box::pin(job);
            loop {
                if let Err(error) = job.await {
                    // No subscriber is fine: nobody is watching.
                    let _ = jobs.events.send(Event::JobFailed {
                        provider: slot.provider(),
                        error: error.to_string(),
                        step: error.step(),
                    });
                }
                match jobs.finish(slot) {
                    Some((make, cancel)) => job = make(cancel),
                    None => break,
                }
            }
        });
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.spawned {
            self.jobs.lock().remove(&self.slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::oneshot;

    use super::*;
    use crate::config::{Config, Paths, Settings};
    use crate::engine::{Core, Role};

    const REPLY: Slot = Slot::of(Provider::Gemini, "reply");
    const SYNC: Slot = Slot::of(Provider::Mindbody, "sync");
    const TEST: Slot = Slot::of(Provider::Gemini, "test");

    fn core(dir: &std::path::Path) -> Core {
        let settings = Settings {
            paths: Paths::in_dir(dir),
            config: Config::default(),
        };
        Core::open(&settings, Role::Command).unwrap()
    }

    #[tokio::test]
    async fn a_busy_slot_refuses_and_an_unused_claim_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path());
        let jobs = core.inner.jobs.clone();
        let claim = jobs.claim(REPLY.keyed(7)).unwrap();
        assert!(jobs.claim(REPLY.keyed(7)).is_none());
        assert!(jobs.claim(REPLY.keyed(8)).is_some(), "another key is free");
        // An error between the claim and the spawn: the conversation must not stay busy.
        drop(claim);
        assert!(!jobs.running(REPLY.keyed(7)));
        assert!(jobs.claim(REPLY.keyed(7)).is_some());
    }

    #[tokio::test]
    async fn the_newest_request_replaces_the_waiting_one_and_runs_after() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path());
        let jobs = core.inner.jobs.clone();
        let (release, released) = oneshot::channel::<()>();
        let ran = Arc::new(Mutex::new(Vec::new()));
        let (done, all_done) = oneshot::channel::<()>();
        let log = ran.clone();
        let first = jobs.run_latest(SYNC, move |_| async move {
            let _ = released.await;
            log.lock().unwrap().push("first");
            Ok(())
        });
        assert_eq!(first, Queued::Started);
        let log = ran.clone();
        let second = jobs.run_latest(SYNC, move |_| async move {
            log.lock().unwrap().push("second");
            Ok(())
        });
        assert_eq!(second, Queued::Waiting { replaced: false });
        let log = ran.clone();
        let third = jobs.run_latest(SYNC, move |_| async move {
            log.lock().unwrap().push("third");
            let _ = done.send(());
            Ok(())
        });
        assert_eq!(third, Queued::Waiting { replaced: true });
        release.send(()).unwrap();
        all_done.await.unwrap();
        while jobs.running(SYNC) {
            tokio::task::yield_now().await;
        }
        assert_eq!(*ran.lock().unwrap(), vec!["first", "third"]);
    }

    #[tokio::test]
    async fn cancel_stops_the_job_and_drops_what_waited() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path());
        let jobs = core.inner.jobs.clone();
        let waited = Arc::new(AtomicUsize::new(0));
        let (stopped, was_stopped) = oneshot::channel::<()>();
        jobs.run_latest(TEST, move |cancel| async move {
            cancel.cancelled().await;
            let _ = stopped.send(());
            Ok(())
        });
        let count = waited.clone();
        jobs.run_latest(TEST, move |_| async move {
            count.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        assert!(jobs.cancel(TEST));
        was_stopped.await.unwrap();
        while jobs.running(TEST) {
            tokio::task::yield_now().await;
        }
        assert_eq!(waited.load(Ordering::SeqCst), 0);
        assert!(!jobs.cancel(TEST), "nothing runs any more");
    }

    #[tokio::test]
    async fn a_failed_job_is_reported_for_its_provider() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(dir.path());
        let mut events = core.subscribe();
        let claim = core.inner.jobs.claim(SYNC).unwrap();
        claim.spawn(async { Err(EngineError::Invalid("no".into())) });
        loop {
            if let Event::JobFailed {
                provider, error, ..
            } = events.recv().await.unwrap()
            {
                assert_eq!(provider, Provider::Mindbody);
                assert_eq!(error, "no");
                break;
            }
        }
    }
}
