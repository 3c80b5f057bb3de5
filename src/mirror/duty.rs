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
/// How long noted changes gather before a drain sends them (the lag it adds at most).
const GATHER: Duration = Duration::from_millis(100);
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);

impl Core {
    /// At open: notes changes from now on if a mirror is configured (with a backfill of what
    /// came before), stops if not.
    pub(crate) fn follow_mirror_config(&self) -> Result<(), EngineError> {
        let configured = self.inner.config.mirror.postgres_url.is_some();
        Ok(state::follow_config(&self.inner.store, configured)?)
    }

    /// The mirror configured, all of it (a URL without a studio is refused).
    fn mirror_target(&self) -> Result<MirrorTarget, MirrorError> {
        let config = &self.inner.config.mirror;
        let url = config
            .postgres_url
            .clone()
            .ok_or(MirrorError::NotConfigured)?;
        let studio_id = config.studio_id.clone().ok_or(MirrorError::NoStudio)?;
        Ok(MirrorTarget {
            url,
            studio_id,
            tokens: config.tokens,
        })
    }

    /// The owner's mirror task; nothing when no mirror is configured.
    pub fn start_mirror(&self) {
        let Ok(target) = self.mirror_target() else {
            return;
        };
        let core = self.clone();
        tokio::spawn(async move {
            let mut retry = FIRST_RETRY;
            loop {
                let mut drained = false;
                let Err(error) = core.mirror_session(&target, &mut drained).await;
                tracing::warn!("mirror: {error}");
                core.keep_mirror_error(&error);
                core.emit_mirror_status().await;
                // A session that got through to Postgres starts the waits over: this failure is
                // a new outage, not the old one going on (else a few short outages in a day
                // would leave the mirror a minute behind after each).
                if drained {
                    retry = FIRST_RETRY;
                }
                // Until the next try the front ends still hear, every few seconds, what waits
                // (it grows while Postgres is away) and how far behind that is.
                let next_try = Instant::now() + retry;
                while let Some(left) = next_try
                    .checked_duration_since(Instant::now())
                    .filter(|left| !left.is_zero())
                {
                    tokio::time::sleep(left.min(TELL_WHILE_AWAY)).await;
                    core.emit_mirror_status().await;
                }
                retry = (retry * 2).min(MAX_RETRY);
            }
        });
    }

    /// Runs until something fails; `drained` says whether it got as far as a drain.
    async fn mirror_session(
        &self,
        target: &MirrorTarget,
        drained: &mut bool,
    ) -> Result<std::convert::Infallible, MirrorError> {
        let store = &self.inner.store;
        let wake = store.mirror_wakeup();
        let mut mirror = Mirror::open(store, target).await?;
        state::update(store, |s| s.last_error = None)?;
        self.emit_mirror_status().await;
        mirror.backfill(|_| {}).await?;
        let mut renewed = Instant::now();
        let mut told = Told::default();
        loop {
            let sent = mirror.drain().await?;
            *drained = true;
            // Kept for the glance and told to the front ends when it changed, at most twice a
            // second while changes stream through (a write here is a flush of the hub).
            let waiting = store.outbox_waiting()?;
            let kept = state::read(store)?;
            let changed = (kept.rows_waiting, kept.oldest_waiting_at) != waited_as_kept(waiting);
            if told.should_tell(changed || sent > 0) {
                state::update(store, |s| keep_waiting(s, waiting))?;
                self.emit_mirror_status().await;
            }
            if renewed.elapsed() >= RENEW_EVERY {
                mirror.renew().await?;
                renewed = Instant::now();
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(IDLE_BEAT) => {}
            }
            // Changes come one small write after another (a webhook sale, a processing batch):
            // gathered for a moment, one batch carries many, and the mirror takes its turns at
            // the gate, the disk and the cores far less often.
            tokio::time::sleep(GATHER).await;
        }
    }

    /// Tells the front ends how the mirror stands now.
    async fn emit_mirror_status(&self) {
        if let Ok(status) = self.mirror_status().await {
            self.emit(crate::api::Event::MirrorChanged(status));
        }
    }

    /// The mirror as last kept, without opening the records (the status glance).
    pub async fn kept_mirror_status(&self) -> Result<Option<MirrorStatus>, EngineError> {
        let facts: &dyn crate::store::snapshot::HubFacts = &self.inner.store;
        Ok(kept_status(facts, &self.inner.config.mirror)?)
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
            oldest_waiting_at: waited_as_kept((rows_waiting, oldest)).1,
            backfill,
        })
    }

    /// Sends every row the hub holds (resuming a backfill under way), then what waits, now.
    pub async fn mirror_backfill(&self) -> Result<BackfillProgress, EngineError> {
        let target = self.mirror_target()?;
        let sent = async {
            let mut mirror = Mirror::open(&self.inner.store, &target).await?;
            state::start_backfill(&self.inner.store)?;
            let mut progress = mirror.backfill(|_| {}).await?;
            progress.rows_sent += mirror.drain().await?;
            Ok(progress)
        };
        self.kept_if_failed(sent.await)
    }

    pub async fn mirror_check(&self) -> Result<CheckReport, EngineError> {
        let target = self.mirror_target()?;
        let checked = async {
            let mut mirror = Mirror::open(&self.inner.store, &target).await?;
            mirror.check().await
        };
        self.kept_if_failed(checked.await)
    }

    /// A failure of a command's own connection is kept too: `status` says it.
    fn kept_if_failed<T>(&self, result: Result<T, MirrorError>) -> Result<T, EngineError> {
        if let Err(error) = &result {
            self.keep_mirror_error(error);
        }
        Ok(result?)
    }

    fn keep_mirror_error(&self, error: &MirrorError) {
        let store = &self.inner.store;
        let waiting = store.outbox_waiting().unwrap_or_default();
        let _ = state::update(store, |s| {
            s.connected = false;
            s.last_error = Some(error.to_string());
            s.last_error_at = Some(Utc::now());
            keep_waiting(s, waiting);
        });
    }
}

/// While changes stream through, the front ends hear of them at most every [`TELL_EVERY`];
/// what changed since they last heard is told on the next quiet beat, so they never keep a
/// stale count.
#[derive(Default)]
struct Told {
    last: Option<Instant>,
    untold: bool,
}

const TELL_EVERY: Duration = Duration::from_millis(500);
/// How often the front ends hear how the mirror stands while it waits to try Postgres again.
const TELL_WHILE_AWAY: Duration = Duration::from_secs(5);

impl Told {
    fn should_tell(&mut self, changed: bool) -> bool {
        self.untold |= changed;
        let due = self.last.is_none_or(|at| at.elapsed() >= TELL_EVERY);
        if self.untold && (due || !changed) {
            self.untold = false;
            self.last = Some(Instant::now());
            return true;
        }
        false
    }
}

fn waited_as_kept((count, oldest_ms): (u64, Option<u64>)) -> (u64, Option<chrono::DateTime<Utc>>) {
    (
        count,
        oldest_ms.and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64)),
    )
}

fn keep_waiting(state: &mut state::MirrorState, waiting: (u64, Option<u64>)) {
    (state.rows_waiting, state.oldest_waiting_at) = waited_as_kept(waiting);
}

/// The mirror as last kept in the hub's meta, for the status glance (the snapshot's facts or the
/// hub database alone); None when no mirror is configured.
pub fn kept_status(
    facts: &dyn crate::store::snapshot::HubFacts,
    config: &super::MirrorConfig,
) -> Result<Option<MirrorStatus>, crate::store::StoreError> {
    if config.postgres_url.is_none() {
        return Ok(None);
    }
    let state: state::MirrorState = facts.meta_json(state::STATE)?.unwrap_or_default();
    let backfill = facts
        .meta_json::<state::Backfill>(state::BACKFILL)?
        .map(|b| BackfillProgress {
            rows_sent: b.tables.values().map(|t| t.rows).sum(),
            rows_total: 0,
        });
    Ok(Some(MirrorStatus {
        configured: true,
        target: config.postgres_url.as_ref().map(super::connect::describe),
        studio_id: config.studio_id.clone(),
        tokens: config.tokens,
        rows_waiting: state.rows_waiting,
        oldest_waiting_at: state.oldest_waiting_at,
        state,
        backfill,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_told_at_most_twice_a_second_and_the_last_one_always() {
        let mut told = Told::default();
        assert!(!told.should_tell(false), "nothing changed, nothing to tell");
        assert!(told.should_tell(true), "the first change at once");
        assert!(
            !told.should_tell(true),
            "the next within the half second waits"
        );
        assert!(told.should_tell(false), "told on the quiet beat after it");
        assert!(!told.should_tell(false));
        told.last = Some(Instant::now() - TELL_EVERY);
        assert!(
            told.should_tell(true),
            "a change after the half second at once"
        );
    }
}
