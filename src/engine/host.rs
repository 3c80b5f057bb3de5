//! The host's core: what every room uses and nothing more. The store, the event sender, the
//! config, the HTTP client, the retry policies, the job slots, the browser opener, the rooms'
//! shares of state (by type, see [`States`]) and the generic calls the rooms make (emit, record a
//! sync run, apply it to the summary, the record or a new one, the view, flush). Rooms import this
//! file, never `engine/mod.rs`, the handle or its dispatch; it names no room, so no import
//! circle runs through a room and back into the engine.

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use tokio::sync::broadcast;

use super::assemble::new_record;
pub use super::error::EngineError;
use super::jobs::Jobs;
use super::states::{RoomState, States};
use super::sync_summary;
use crate::api::event::Event;
use crate::api::view::IntegrationView;
use crate::config::Config;
use crate::domain::{IntegrationId, Provider};
use crate::http::RetryPolicy;
use crate::oauth::browser::BrowserOpener;
use crate::store::lock::Owner;
use crate::store::{IntegrationRecord, Store, SyncLog};

/// The engine in the process that holds the store: a cheap, cloneable handle.
#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
    /// The further Mindbody site of a chain this handle's Mindbody calls are for (None: the
    /// hub's first site); see [`Core::at_site`].
    pub(crate) site: Option<Arc<str>>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) config: Config,
    /// Built on first use: the status glance never pays for TLS setup.
    pub(crate) http: OnceLock<reqwest::Client>,
    pub(crate) gemini_retry: RetryPolicy,
    pub(crate) mindbody_retry: RetryPolicy,
    /// The background jobs: one per slot (the sync, the Gemini test, each conversation's reply).
    pub(crate) jobs: Arc<Jobs>,
    pub(crate) browser: Option<Arc<dyn BrowserOpener>>,
    /// The rooms' shares (Mindbody's sign-in and webhook receiving, the books' filter cache),
    /// filled at open; see [`Core::state`].
    pub(crate) states: States,
}

impl Core {
    /// This handle with its Mindbody calls (sign-in, sync, test, contracts, history) for the
    /// further site `site` of a chain; None for the hub's first site. Everything else it does
    /// is the same hub's.
    pub fn at_site(&self, site: Option<&str>) -> Core {
        Core {
            inner: self.inner.clone(),
            site: site.map(Arc::from),
        }
    }

    /// The Mindbody integration this handle's calls are for.
    pub(crate) fn mindbody_id(&self) -> IntegrationId {
        IntegrationId {
            provider: Provider::Mindbody,
            site: self.site.as_deref().map(str::to_string),
        }
    }

    /// This process, as the owner of the data directory.
    pub fn owner(&self) -> Owner {
        self.inner.store.owner().clone()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(crate::http::client)
    }

    /// Live events from now on. A receiver that falls behind by more than the channel holds gets
    /// `Lagged` and should re-read what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// A room's share of the state, by type. Every room's share is added when the engine opens
    /// (`Core::open_with`), so asking for one is never refused.
    pub(crate) fn state<T: RoomState>(&self) -> &T {
        self.inner
            .states
            .get::<T>()
            .expect("every room's share of state is added when the engine opens")
    }

    /// An integration's stored record, or the one it starts from when nothing is stored yet.
    pub(crate) fn record_or_new(
        &self,
        id: impl Into<IntegrationId>,
    ) -> Result<IntegrationRecord, EngineError> {
        let id = id.into();
        Ok(self
            .inner
            .store
            .integration(&id)?
            .unwrap_or_else(|| new_record(&id, Utc::now())))
    }

    /// Records a sync run (new, or an update of one already recorded) and brings the
    /// integration's summary up to date. The run is written first and the summary second, so a
    /// crash between them leaves a summary that [`Core::repair_summaries`] mends.
    pub async fn record_sync(&self, log: SyncLog) -> Result<SyncLog, EngineError> {
        let store = &self.inner.store;
        let log = if log.seq == 0 {
            store.append_sync_log(log)?
        } else {
            store.update_sync_log(&log)?;
            log
        };
        self.emit(Event::SyncLogChanged(log.clone()));
        self.apply_to_summary(&log)?;
        Ok(log)
    }

    pub(crate) fn apply_to_summary(&self, log: &SyncLog) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let id = log.integration();
        let mut record = store
            .integration(&id)?
            .unwrap_or_else(|| new_record(&id, log.started_at));
        if sync_summary::apply(&mut record, log, Utc::now()) {
            store.put_integration(&record)?;
            self.emit(Event::IntegrationChanged(self.view(&id, Some(&record))?));
        }
        Ok(())
    }

    /// An integration as the front ends see it: the stored record with what its provider adds,
    /// and what the rooms know only in this process ([`RoomState::live_notes`]).
    pub(crate) fn view(
        &self,
        id: impl Into<IntegrationId>,
        record: Option<&IntegrationRecord>,
    ) -> Result<IntegrationView, EngineError> {
        let store = &self.inner.store;
        let opened_at = store.owner().started_at;
        let mut view =
            super::assemble::assemble(store, &self.inner.config, &id.into(), record, opened_at);
        for share in self.inner.states.all() {
            share.live_notes(&mut view);
        }
        Ok(view)
    }

    pub(crate) fn emit(&self, event: Event) {
        // No subscriber is fine: nobody is watching.
        let _ = self.inner.events.send(event);
    }

    /// Writes everything to disk now (rejected webhook attempts, saved once a second, too).
    pub fn flush(&self) -> Result<(), EngineError> {
        for share in self.inner.states.all() {
            share.flush(&self.inner.store)?;
        }
        Ok(self.inner.store.flush()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books::queries::FilterCache;
    use crate::config::{Paths, Settings};
    use crate::integrations::mindbody::state::MindbodyState;

    #[test]
    fn an_opened_engine_holds_every_rooms_share() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            paths: Paths::in_dir(dir.path()),
            config: Config::default(),
        };
        let core = Core::open(&settings, crate::engine::Role::Command).unwrap();
        assert!(core.inner.states.get::<MindbodyState>().is_some());
        assert!(core.inner.states.get::<FilterCache>().is_some());
        core.flush().unwrap();
    }
}
