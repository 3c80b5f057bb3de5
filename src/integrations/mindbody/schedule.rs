//! Driving syncs: one run at a time (a second `s` while one runs starts nothing), the schedule
//! (`[mindbody] sync_every`) and the hourly checks, both beats of the host's scheduler, and what
//! the hub shows about them (next sync, on time or delayed, API
//! calls today: `schedule_facts`).

use chrono::{Local, Utc};

use crate::domain::{Provider, Status};
use crate::engine::host::{Core, EngineError};
use crate::engine::jobs::{Queued, Slot};
use crate::engine::scheduler::{self, FirstBeat};

use crate::api::requests::SyncRequest;

/// The sync's slot: one run at a time.
const SYNC: Slot = Slot::of(Provider::Mindbody, "sync");

/// How often an always-on owner checks the webhook subscription and the tokens.
const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

impl Core {
    /// Starts a sync in the background; false when one is already running. Refused at once,
    /// with nothing written, when Mindbody is not set up or signed in.
    pub fn start_mindbody_sync(&self, request: SyncRequest) -> Result<bool, EngineError> {
        self.ready_to_sync()?;
        let Some(claim) = self.inner.jobs.claim(self.site_slot(SYNC)) else {
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
            .run_latest(self.site_slot(SYNC), move |_| async move {
                engine.sync_mindbody(&request).await.map(|_| ())
            }))
    }

    pub fn mindbody_sync_running(&self) -> bool {
        self.inner.jobs.running(self.site_slot(SYNC))
    }

    /// Syncs on `[mindbody] sync_every` while the engine lives (the dashboard, or `serve`): the
    /// host's scheduler runs it in the first site's sync slot, and each site of a chain in turn.
    /// A beat that finds a sync running waits for the next; a site not connected or not set up
    /// is passed over.
    pub fn start_schedule(&self) {
        let Some(every) = self.inner.config.mindbody.sync_every() else {
            return;
        };
        let every = every
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1800));
        let engine = self.clone();
        self.every_in_slot(SYNC, every, FirstBeat::AfterAPeriod, move || {
            let ready: Vec<Core> = engine
                .every_mindbody_site()
                .into_iter()
                .filter(|site| site.mindbody_connected() && site.ready_to_sync().is_ok())
                .collect();
            // An async block does nothing until it is run.
            (!ready.is_empty()).then_some(async move {
                let mut first_error = None;
                for site in ready {
                    // A further site's sync claims its own slot, so a sync started by hand
                    // there is not run twice at once.
                    let outcome = match &site.site {
                        None => site
                            .sync_mindbody(&SyncRequest::default())
                            .await
                            .map(|_| ()),
                        Some(_) => site.queue_mindbody_sync(SyncRequest::default()).map(|_| ()),
                    };
                    if let Err(e) = outcome {
                        first_error.get_or_insert(e);
                    }
                }
                first_error.map_or(Ok(()), Err)
            })
        });
    }

    /// What an always-on owner does besides the schedule: works off webhook events left by the
    /// last run, then every hour (from now, on the host's scheduler) checks the webhook
    /// subscription (Mindbody may have turned it off) and keeps the Mindbody tokens fresh, and
    /// at most once per `catch_up_every` (a day), while webhooks are on, runs a catch-up sync over
    /// the lookback window that counts what webhooks missed.
    pub fn start_upkeep(&self) {
        let _ = self.receiving();
        let engine = self.clone();
        scheduler::every(HOUR, FirstBeat::Now, move || {
            let engine = engine.clone();
            async move { engine.hourly_checks().await }
        });
    }

    async fn hourly_checks(&self) {
        self.check_subscription().await;
        for site in self.every_mindbody_site().iter().skip(1) {
            if !site.mindbody_connected() {
                continue;
            }
            match site.mindbody_access_token().await {
                Ok(_) => site.refresh_contracts_when_due().await,
                Err(e) => tracing::warn!("keeping {}'s tokens fresh: {e}", site.mindbody_id()),
            }
        }
        if !self.mindbody_connected() {
            return;
        }
        if let Err(e) = self.mindbody_access_token().await {
            tracing::warn!("keeping the Mindbody tokens fresh: {e}");
        }
        self.refresh_contracts_when_due().await;
        let catch_up_every = self.inner.config.mindbody.catch_up_every();
        let due = self.webhooks_active_since().ok().flatten().is_some()
            && scheduler::once_per(
                catch_up_every,
                self.last_catch_up().ok().flatten().map(|c| c.at),
                Utc::now(),
            );
        if due {
            let since = Local::now().date_naive() - self.inner.config.mindbody.lookback();
            // A sync running now covers other ground: the catch-up waits for it rather than
            // an hour.
            let _ = self.queue_mindbody_sync(SyncRequest {
                only: Some(crate::api::requests::SyncKind::Sales),
                since: Some(since),
                full: false,
            });
        }
    }

    /// Signed in to Mindbody (working, or failing for a reason a sync may get past).
    fn mindbody_connected(&self) -> bool {
        self.inner
            .store
            .integration(self.mindbody_id())
            .ok()
            .flatten()
            .is_some_and(|r| matches!(r.status, Status::Connected | Status::Error))
    }
}
