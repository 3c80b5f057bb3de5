//! Driving syncs: one run at a time (a second `s` while one runs starts nothing), the schedule
//! (`[mindbody] sync_every`), and what the hub shows about it (next sync, on time or delayed, API
//! calls today: `schedule_facts`).

use chrono::{Local, Utc};

use crate::domain::{Provider, Status};
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::{Queued, Slot};

use super::sync::SyncRequest;

impl Core {
    /// Starts a sync in the background; false when one is already running. Refused at once,
    /// with nothing written, when Mindbody is not set up or signed in.
    pub fn start_mindbody_sync(&self, request: SyncRequest) -> Result<bool, EngineError> {
        self.ready_to_sync()?;
        let Some(claim) = self.inner.jobs.claim(Slot::MindbodySync) else {
            return Ok(false);
        };
        let engine = self.clone();
        claim.spawn(async move { engine.sync_mindbody(&request).await.map(|_| ()) });
        Ok(true)
    }

    /// Runs a sync now, or after the one running (in place of any other waiting for it).
    pub(crate) fn queue_mindbody_sync(&self, request: SyncRequest) -> Result<Queued, EngineError> {
        self.ready_to_sync()?;
        let engine = self.clone();
        Ok(self
            .inner
            .jobs
            .run_latest(Slot::MindbodySync, move |_| async move {
                engine.sync_mindbody(&request).await.map(|_| ())
            }))
    }

    pub fn mindbody_sync_running(&self) -> bool {
        self.inner.jobs.running(Slot::MindbodySync)
    }

    /// Syncs on `[mindbody] sync_every` while the engine lives (the dashboard, or `serve`). A
    /// beat that finds a sync running, or Mindbody not connected, waits for the next.
    pub fn start_schedule(&self) {
        let Some(every) = self.inner.config.mindbody.sync_every() else {
            return;
        };
        let engine = self.clone();
        let every = every
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1800));
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(every);
            beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            beat.tick().await; // the first tick is immediate: wait a whole interval first
            loop {
                beat.tick().await;
                if engine.mindbody_connected() {
                    let _ = engine.start_mindbody_sync(SyncRequest::default());
                }
            }
        });
    }

    /// What an always-on owner does besides the schedule: works off webhook events left by the
    /// last run, then every hour checks the webhook subscription (Mindbody may have turned it
    /// off) and keeps the Mindbody tokens fresh, and once a day, while webhooks are on, runs a
    /// catch-up sync over the lookback window that counts what webhooks missed.
    pub fn start_upkeep(&self) {
        let _ = self.receiving();
        let engine = self.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            hourly.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let catch_up_every = engine.inner.config.mindbody.catch_up_every();
            loop {
                hourly.tick().await;
                engine.check_subscription().await;
                if !engine.mindbody_connected() {
                    continue;
                }
                if let Err(e) = engine.mindbody_access_token().await {
                    tracing::warn!("keeping the Mindbody tokens fresh: {e}");
                }
                let due = engine.webhooks_active_since().ok().flatten().is_some()
                    && engine
                        .last_catch_up()
                        .ok()
                        .flatten()
                        .is_none_or(|c| Utc::now() - c.at >= catch_up_every);
                if due {
                    let since = Local::now().date_naive() - engine.inner.config.mindbody.lookback();
                    // A sync running now covers other ground: the catch-up waits for it
                    // rather than an hour.
                    let _ = engine.queue_mindbody_sync(SyncRequest {
                        only: Some(super::sync::SyncKind::Sales),
                        since: Some(since),
                        full: false,
                    });
                }
            }
        });
    }

    /// Signed in to Mindbody (working, or failing for a reason a sync may get past).
    fn mindbody_connected(&self) -> bool {
        self.inner
            .store
            .integration(Provider::Mindbody)
            .ok()
            .flatten()
            .is_some_and(|r| matches!(r.status, Status::Connected | Status::Error))
    }
}
