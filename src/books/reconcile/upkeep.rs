//! Keeping every bank account's standing (see [`super::standing`]) true for the status glance:
//! worked out again after each decision and import, from the run a look at the Reconcile screen
//! has made anyway, after every finished Mindbody sync (new sales may be paid by deposits
//! already imported), and hourly in the owner. Each time the hub is told
//! (`Event::BankStandingChanged`).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::service::{Loaded, standing_of};
use super::standing::{BankStanding, STANDING_KEY, kept_views, views_of};
use crate::api::bank_standing::BankStandingView;
use crate::api::event::Event;
use crate::domain::Provider;
use crate::engine::host::{Core, EngineError};
use crate::engine::scheduler::{self, FirstBeat};
use crate::engine::states::RoomState;

const HOUR: Duration = Duration::from_secs(3600);

/// The books' share of the engine's state: one reconciliation at a time ([`Core::reconciling`]).
#[derive(Default)]
pub struct Reconciling(Mutex<()>);

impl RoomState for Reconciling {}

impl Core {
    /// Every account's standing as the glance shows it today.
    pub async fn bank_standing(&self) -> Result<Vec<BankStandingView>, EngineError> {
        let store: &crate::store::Store = &self.inner.store;
        Ok(kept_views(
            store,
            self.inner.config.books.deposit_overdue_days,
        )?)
    }

    /// Works out every account's standing again and keeps it (the owner's beats), one
    /// reconciliation at a time.
    pub(crate) fn refresh_bank_standing(&self) {
        let _one_at_a_time = self.reconciling();
        self.keep_every_standing();
    }

    /// Works out every account's standing again and keeps it, for a caller that holds
    /// [`Core::reconciling`]. A decision or an import already saved is not undone when this
    /// fails: it is logged, and the next look mends it.
    pub(crate) fn keep_every_standing(&self) {
        let figured = || -> Result<Vec<BankStanding>, EngineError> {
            self.inner
                .store
                .bank_accounts()?
                .iter()
                .map(|account| Ok(standing_of(&self.load_reconciliation(Some(&account.key))?)))
                .collect()
        };
        let kept = figured().and_then(|standings| {
            // A hub without bank accounts writes nothing at each start, hour and sync.
            let nothing_to_say = standings.is_empty() && self.kept_standings()?.is_empty();
            if nothing_to_say {
                return Ok(());
            }
            self.keep_standings(standings)
        });
        if let Err(e) = kept {
            tracing::warn!("working out the bank accounts' standing: {e}");
        }
    }

    /// Works out one account's standing again after a decision or an import, for a caller that
    /// holds [`Core::reconciling`].
    pub(crate) fn keep_standing_of_account(&self, account: &str) {
        match self.load_reconciliation(Some(account)) {
            Ok(loaded) => self.keep_standing_of(&loaded),
            Err(e) => tracing::warn!("working out the standing of bank account {account}: {e}"),
        }
    }

    /// Keeps the standing of the account a run of the matcher was made for (the caller holds
    /// [`Core::reconciling`]).
    pub(super) fn keep_standing_of(&self, loaded: &Loaded) {
        let fresh = standing_of(loaded);
        let kept = self.kept_standings().map(|mut all| {
            all.retain(|s| s.account != fresh.account);
            all.push(fresh);
            all
        });
        if let Err(e) = kept.and_then(|all| self.keep_standings(all)) {
            tracing::warn!("keeping the bank account's standing: {e}");
        }
    }

    /// Held while the books' reconciliation is read or written: a look, a decision, an import
    /// or a standing worked out. Each of them reads the matches and writes after, so two at once
    /// could lose one's standing or take a fee line written meanwhile for an orphan.
    pub(crate) fn reconciling(&self) -> MutexGuard<'_, ()> {
        let lock = &self.state::<Reconciling>().0;
        // A panic while it was held leaves nothing half written that a transaction did not.
        lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The owner's duty: the standings worked out at start, hourly, and after each sync of
    /// Mindbody's sales.
    pub fn start_books_upkeep(&self) {
        let hourly = self.clone();
        scheduler::every(HOUR, FirstBeat::Now, move || {
            let core = hourly.clone();
            async move { core.refresh_in_background().await }
        });
        let core = self.clone();
        let mut events = self.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(Event::SyncLogChanged(log))
                        if log.provider == Provider::Mindbody && log.completed_at.is_some() =>
                    {
                        core.refresh_in_background().await;
                    }
                    // Fallen behind: a finished sync may be among what was missed.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        core.refresh_in_background().await;
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    async fn refresh_in_background(&self) {
        let core = self.clone();
        // The matcher takes a third of a second on a year: off the runtime's threads.
        let _ = tokio::task::spawn_blocking(move || core.refresh_bank_standing()).await;
    }

    fn kept_standings(&self) -> Result<Vec<BankStanding>, EngineError> {
        Ok(self
            .inner
            .store
            .meta_json::<Vec<BankStanding>>(STANDING_KEY)?
            .unwrap_or_default())
    }

    fn keep_standings(&self, mut standings: Vec<BankStanding>) -> Result<(), EngineError> {
        standings.sort_by(|a, b| a.name.cmp(&b.name).then(a.account.cmp(&b.account)));
        self.inner.store.put_meta_json(STANDING_KEY, &standings)?;
        self.emit(Event::BankStandingChanged(self.standing_views(&standings)));
        Ok(())
    }

    fn standing_views(&self, standings: &[BankStanding]) -> Vec<BankStandingView> {
        views_of(standings, self.inner.config.books.deposit_overdue_days)
    }
}
