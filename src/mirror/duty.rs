//! The mirror in the engine: noting changes while a mirror is configured, the owner's task that
//! sends them (the backfill first, then the outbox whenever something is noted, the lease
//! renewed every minute; Postgres away, it waits and tries again, doubling up to a minute), and
//! the engine's calls behind `mirror status | backfill | check`.

use std::time::{Duration, Instant};

use chrono::Utc;

use super::drain::{BackfillProgress, Mirror};
use super::settings::MirrorTarget;
use super::{MirrorError, state};
use crate::api::mirror::{CheckReport, MirrorStatus};
use crate::engine::host::{Core, EngineError};

const RENEW_EVERY: Duration = Duration::from_secs(60);
/// A drain also runs this often with nothing noted (a change noted by another process).
const IDLE_BEAT: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);

impl Core {
    /// At open: notes changes from now on if a mirror is configured (with a backfill of what
    /// came before), stops if not.
    pub(crate) fn follow_mirror_config(&self) -> Result<(), EngineError> {
        let configured = self.inner.config.mirror.postgres_url.is_some();
        Ok(state::follow_config(&self.inner.store, configured)?)
    }

    fn mirror_target(&self) -> Result<MirrorTarget, MirrorError> {
        self.inner
            .config
            .mirror
            .target()?
            .ok_or(MirrorError::NotConfigured)
    }

    /// The owner's mirror task; nothing when no mirror is configured.
    pub fn start_mirror(&self) {
        let Ok(target) = self.mirror_target() else {
            return;
        };
        let core = self.clone();
        tokio::spawn(async move {
            let mut retry = Duration::from_secs(1);
            loop {
                let started = Instant::now();
                let Err(error) = core.mirror_session(&target).await;
                tracing::warn!("mirror: {error}");
                let _ = state::update(&core.inner.store, |s| {
                    s.connected = false;
                    s.last_error = Some(error.to_string());
                    s.last_error_at = Some(Utc::now());
                });
                // A session that ran a while before failing starts the waits over.
                if started.elapsed() > MAX_RETRY {
                    retry = Duration::from_secs(1);
                }
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(MAX_RETRY);
            }
        });
    }

    /// Runs until something fails.
    async fn mirror_session(
        &self,
        target: &MirrorTarget,
    ) -> Result<std::convert::Infallible, MirrorError> {
        let store = &self.inner.store;
        let wake = store.mirror_wakeup();
        let mut mirror = Mirror::open(store, target).await?;
        state::update(store, |s| s.last_error = None)?;
        mirror.backfill(|_| {}).await?;
        let mut renewed = Instant::now();
        loop {
            mirror.drain().await?;
            if renewed.elapsed() >= RENEW_EVERY {
                mirror.renew().await?;
                renewed = Instant::now();
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_BEAT) => {}
            }
        }
    }

    pub async fn mirror_status(&self) -> Result<MirrorStatus, EngineError> {
        let config = &self.inner.config.mirror;
        let store = &self.inner.store;
        let (rows_waiting, oldest) = store.outbox_waiting()?;
        let backfill = state::backfill(store)?.map(|b| BackfillProgress {
            rows_sent: b.tables.values().map(|t| t.rows).sum(),
            rows_total: 0,
        });
        Ok(MirrorStatus {
            configured: config.postgres_url.is_some(),
            target: config.postgres_url.as_ref().map(super::connect::describe),
            studio_id: config.studio_id.clone(),
            tokens: config.tokens,
            state: state::read(store)?,
            rows_waiting,
            oldest_waiting_at: oldest
                .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64)),
            backfill,
        })
    }

    /// Sends every row the hub holds (resuming a backfill under way), then what waits, now.
    pub async fn mirror_backfill(&self) -> Result<BackfillProgress, EngineError> {
        let target = self.mirror_target()?;
        let mut mirror = Mirror::open(&self.inner.store, &target).await?;
        state::start_backfill(&self.inner.store)?;
        let mut progress = mirror.backfill(|_| {}).await?;
        progress.rows_sent += mirror.drain().await?;
        Ok(progress)
    }

    pub async fn mirror_check(&self) -> Result<CheckReport, EngineError> {
        let target = self.mirror_target()?;
        let mut mirror = Mirror::open(&self.inner.store, &target).await?;
        Ok(mirror.check().await?)
    }
}
