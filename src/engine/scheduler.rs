//! The host's scheduler: beats that run while the engine lives (the dashboard, or `serve`). A
//! room asks it for what it runs on a clock (Mindbody: its sync every `sync_every`, its hourly
//! checks); the scheduler owns the timing, the room only says what a beat does:
//! - [`every`]: a beat every period; a beat that runs long pushes the next one back rather than
//!   letting missed ones pile up.
//! - [`Core::every_in_slot`]: a job in a slot every period; a beat that finds the slot busy (a
//!   sync the user started) or nothing to do waits for the next.
//! - [`once_per`]: whether an "at most once per period" job (the daily catch-up) is due, asked
//!   on a more frequent beat, from when it last ran.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::EngineError;
use super::host::Core;
use super::jobs::Slot;

/// When the first beat comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstBeat {
    /// At once (checks worth making at start).
    Now,
    /// One whole period after the start (work the start has no reason to do).
    AfterAPeriod,
}

/// Runs `beat` every `period` for the life of the process.
pub fn every<F, Fut>(period: Duration, first: FirstBeat, mut beat: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        if first == FirstBeat::AfterAPeriod {
            ticks.tick().await; // the first tick is immediate
        }
        loop {
            ticks.tick().await;
            beat().await;
        }
    });
}

/// Whether a job meant to run at most once per `period` is due now, given when it last ran.
pub fn once_per(period: chrono::Duration, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_none_or(|last| now - last >= period)
}

impl Core {
    /// Every `period`, runs the job `job` makes in `slot`, when the slot is free: a beat that
    /// finds a job there (one the user started), or for which `job` has nothing to do (None),
    /// waits for the next.
    pub(crate) fn every_in_slot<F, Fut>(
        &self,
        slot: Slot,
        period: Duration,
        first: FirstBeat,
        mut job: F,
    ) where
        F: FnMut() -> Option<Fut> + Send + 'static,
        Fut: Future<Output = Result<(), EngineError>> + Send + 'static,
    {
        let jobs = self.inner.jobs.clone();
        every(period, first, move || {
            if let Some(claim) = jobs.claim(slot) {
                match job() {
                    Some(work) => claim.spawn(work),
                    // Dropping the claim frees the slot.
                    None => drop(claim),
                }
            }
            std::future::ready(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_is_due_when_it_never_ran_or_a_period_has_passed() {
        let now = Utc::now();
        let day = chrono::Duration::days(1);
        assert!(once_per(day, None, now));
        assert!(once_per(day, Some(now - day), now));
        assert!(!once_per(day, Some(now - chrono::Duration::hours(23)), now));
    }

    #[tokio::test]
    async fn the_first_beat_comes_at_once_or_a_whole_period_later() {
        let (tell, mut now) = tokio::sync::mpsc::unbounded_channel();
        every(Duration::from_secs(3600), FirstBeat::Now, move || {
            let _ = tell.send(());
            std::future::ready(())
        });
        now.recv().await.unwrap();
        let (tell, mut later) = tokio::sync::mpsc::unbounded_channel();
        every(
            Duration::from_secs(3600),
            FirstBeat::AfterAPeriod,
            move || {
                let _ = tell.send(());
                std::future::ready(())
            },
        );
        let early = tokio::time::timeout(Duration::from_millis(100), later.recv()).await;
        assert!(early.is_err(), "a beat an hour away came at once");
    }

    #[tokio::test]
    async fn a_beat_that_finds_the_slot_busy_waits_for_the_next() {
        const SYNC: Slot = Slot::of(crate::domain::Provider::Mindbody, "sync");
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let settings = crate::config::Settings {
            paths: crate::config::Paths::in_dir(dir.path()),
            config: crate::config::Config::default(),
        };
        let core = Core::open(&settings, crate::engine::Role::Command).unwrap();
        let busy = core.inner.jobs.claim(SYNC).unwrap();
        let asked = Arc::new(AtomicUsize::new(0));
        let (ran, mut runs) = tokio::sync::mpsc::unbounded_channel();
        let count = asked.clone();
        core.every_in_slot(SYNC, Duration::from_millis(10), FirstBeat::Now, move || {
            count.fetch_add(1, Ordering::SeqCst);
            let ran = ran.clone();
            Some(async move {
                let _ = ran.send(());
                Ok(())
            })
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            asked.load(Ordering::SeqCst),
            0,
            "asked while the slot was busy"
        );
        drop(busy);
        runs.recv().await.unwrap();
    }
}
