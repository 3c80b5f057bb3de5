//! Counting Mindbody's API calls: every request a sync tries goes into today's counters in
//! `meta` and the run's own, the ones Mindbody answered (billed past the daily allowance) apart
//! from the ones that never reached it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Local;

use super::call_counters::{calls_key, unreached_key};

use crate::engine::host::{Core, EngineError};
use crate::integrations::mindbody::MindbodyClient;
use crate::integrations::mindbody::client::Attempt;
use crate::store::SyncLog;

/// A run's requests so far: answered by Mindbody (billed), and never delivered.
#[derive(Default)]
pub(crate) struct RunCalls {
    answered: AtomicU64,
    unreached: AtomicU64,
}

impl RunCalls {
    /// Requests Mindbody answered so far.
    pub(crate) fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    pub(crate) fn copy_to(&self, log: &mut SyncLog) {
        log.api_calls = self.answered.load(Ordering::Relaxed);
        log.unreached = self.unreached.load(Ordering::Relaxed);
    }
}

impl Core {
    pub fn mindbody_calls_today(&self) -> Result<(u64, u64), EngineError> {
        let used = self
            .inner
            .store
            .counter(&calls_key(&self.mindbody_id(), Local::now().date_naive()))?;
        Ok((used, self.inner.config.mindbody.daily_call_allowance()))
    }

    /// A client that counts every request it tries, into today's counters and this run's:
    /// the ones Mindbody answered (billed) apart from the ones that never reached it.
    pub(crate) fn counting_client(
        &self,
        run: Arc<RunCalls>,
    ) -> Result<MindbodyClient, EngineError> {
        let settings = self.mindbody_settings()?;
        let api_key = self.mindbody_api_key()?;
        let engine = self.clone();
        let site = self.mindbody_id();
        let counter: crate::integrations::mindbody::client::CallCounter =
            Arc::new(move |attempt| {
                let today = Local::now().date_naive();
                let key = match attempt {
                    Attempt::Answered => {
                        run.answered.fetch_add(1, Ordering::Relaxed);
                        calls_key(&site, today)
                    }
                    Attempt::Unreached => {
                        run.unreached.fetch_add(1, Ordering::Relaxed);
                        unreached_key(&site, today)
                    }
                };
                let _ = engine.inner.store.increment(&key);
            });
        Ok(MindbodyClient::new(
            self.http().clone(),
            &self.inner.config.mindbody.api_url(),
            api_key,
            settings.site_id.as_deref().unwrap_or_default(),
        )
        .with_retry(self.inner.mindbody_retry)
        .counting_calls(counter))
    }
}
