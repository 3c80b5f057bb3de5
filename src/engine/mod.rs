//! The engine: the one door into the core. Front ends hold an [`Engine`] and nothing else of it;
//! they ask it for views and history and listen to its [`Event`] stream. The [`Core`] is the
//! engine in the process that owns the data directory; another process reaches it through the
//! control socket with the same calls ([`handle`]), since requests, replies and events are plain
//! serde types.

pub(crate) mod assemble;
pub(crate) mod error;
pub(crate) mod event;
pub mod glance;
pub mod handle;
pub(crate) mod jobs;
pub mod remote;
mod safekeeping;
pub(crate) mod sync_summary;
pub(crate) mod view;

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use tokio::sync::broadcast;

use crate::config::{Config, Settings};
pub use crate::domain::{FrontEnd, NextStep};
use crate::domain::{Provider, Status};
use crate::integrations::catalog;
use crate::integrations::gemini::client::RetryPolicy;
use crate::store::{IntegrationRecord, Store, SyncLog, SyncLogPage};

pub use crate::books::queries::{TodaysSales, TransactionPage};
pub use crate::integrations::gemini::chat::{Reply, stream_reply, system_instruction};
pub use crate::integrations::gemini::operations::GeminiUpdate;
pub use crate::integrations::mindbody::connect::MindbodyUpdate;

pub use crate::integrations::mindbody::sync::{SyncKind, SyncRequest};
pub use crate::integrations::mindbody::sync_calls::calls_key;
pub use crate::integrations::mindbody::webhooks::receiving::{
    Refusal, WebhookEventPage, WebhookRow, WebhookSummary,
};
pub use crate::integrations::mindbody::webhooks::rejected::RejectionSummary;
/// How far a webhook event got (kept in the store, shown by the front ends).
pub use crate::store::webhooks::{WebhookCounts, WebhookState};
pub use error::EngineError;
pub use event::Event;
pub use handle::{Answer, Engine};
pub use safekeeping::KeyIds;
pub use view::{Fact, Freshness, IntegrationView};

pub use crate::store::lock::Owner;

/// Knobs tests turn; the defaults are what users get.
#[derive(Clone, Default)]
pub struct EngineOptions {
    pub gemini_retry: RetryPolicy,
    pub mindbody_retry: RetryPolicy,
    /// Opens sign-in pages instead of the system browser (tests never launch a real one).
    pub browser: Option<Arc<dyn crate::oauth::browser::BrowserOpener>>,
    /// How many verified webhook deliveries may wait to be stored (tests fill a small inbox).
    pub webhook_inbox_capacity: Option<usize>,
}

/// What a process opens the engine for; shown to a second process that finds the data in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Dashboard,
    Demo,
    /// `legion-hub serve`, the daemon.
    Serve,
    Status,
    /// A one-off command (`gemini test`, `chat`, ...).
    Command,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Dashboard => "dashboard",
            Role::Demo => "demo",
            Role::Serve => "serve",
            Role::Status => "status",
            Role::Command => "command",
        }
    }
}

/// The engine in the process that holds the store: a cheap, cloneable handle.
#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
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
    pub(crate) jobs: Arc<jobs::Jobs>,
    pub(crate) browser: Option<Arc<dyn crate::oauth::browser::BrowserOpener>>,
    /// Mindbody's share: the sign-in, token refresh, webhook receiving.
    pub(crate) mindbody: crate::integrations::mindbody::state::MindbodyState,
    /// The books' share: the transactions screen's filter cache.
    pub(crate) books: crate::books::queries::FilterCache,
}

impl Core {
    /// Opens the data directory. Only the small `hub` database is read here; history is opened
    /// when first asked for, so a status glance never pays for it.
    pub fn open(settings: &Settings, role: Role) -> Result<Core, EngineError> {
        Core::open_with(settings, role, EngineOptions::default())
    }

    /// This process, as the owner of the data directory.
    pub fn owner(&self) -> Owner {
        self.inner.store.owner().clone()
    }

    pub fn open_with(
        settings: &Settings,
        role: Role,
        options: EngineOptions,
    ) -> Result<Core, EngineError> {
        let store = Store::open(&settings.paths, role.label())?;
        let (events, _) = broadcast::channel(4096);
        let core = Core {
            inner: Arc::new(Inner {
                store,
                events,
                config: settings.config.clone(),
                http: OnceLock::new(),
                gemini_retry: options.gemini_retry,
                mindbody_retry: options.mindbody_retry,
                jobs: Arc::default(),
                browser: options.browser,
                mindbody: crate::integrations::mindbody::state::MindbodyState::new(
                    options.webhook_inbox_capacity,
                ),
                books: Default::default(),
            }),
        };
        // The glance only reads; [`Core::view`] shows a run it finds "syncing" for what it is.
        if role != Role::Status {
            core.repair()?;
        }
        let reads = glance::snapshot_reads(settings.config.clone());
        core.inner
            .store
            .keep_status_snapshot(reads, role != Role::Status);
        Ok(core)
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(crate::http::client)
    }

    /// Live events from now on. A receiver that falls behind by more than the channel holds gets
    /// `Lagged` and should re-read what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Every integration in the catalog, in catalog order.
    pub async fn integrations(&self) -> Result<Vec<IntegrationView>, EngineError> {
        Provider::ALL
            .into_iter()
            .map(|p| self.integration(p))
            .collect()
    }

    /// A provider's stored record, or the one it starts from when nothing is stored yet.
    pub(crate) fn record_or_new(
        &self,
        provider: Provider,
    ) -> Result<IntegrationRecord, EngineError> {
        Ok(self.inner.store.integration(provider)?.unwrap_or_else(|| {
            IntegrationRecord::new(provider, catalog::initial_status(provider), Utc::now())
        }))
    }

    fn integration(&self, provider: Provider) -> Result<IntegrationView, EngineError> {
        let record = self.inner.store.integration(provider)?;
        self.view(provider, record.as_ref())
    }

    /// A window of a provider's sync history, newest first.
    pub async fn sync_history(
        &self,
        provider: Provider,
        offset: u64,
        limit: usize,
    ) -> Result<SyncLogPage, EngineError> {
        Ok(self.inner.store.sync_log_page(provider, offset, limit)?)
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

    /// Records many finished runs of one provider at once (imports, demo data, benchmarks).
    pub async fn import_sync_history(
        &self,
        provider: Provider,
        logs: Vec<SyncLog>,
    ) -> Result<(), EngineError> {
        let stored = self.inner.store.append_sync_logs(provider, logs)?;
        if let Some(last) = stored.last() {
            self.apply_to_summary(last)?;
        }
        Ok(())
    }

    /// Makes each integration's summary agree with its newest run, and closes runs left
    /// "started" by a process that died mid-sync. Every process that opens the store to write
    /// runs it once, at open (nothing else can be syncing then: it holds the lock).
    pub async fn repair_summaries(&self) -> Result<(), EngineError> {
        self.repair()
    }

    fn repair(&self) -> Result<(), EngineError> {
        let store = &self.inner.store;
        for provider in Provider::ALL
            .into_iter()
            .filter(|p| catalog::entry(*p).available)
        {
            let Some(last) = store.last_sync_log(provider)? else {
                continue;
            };
            let (last, interrupted) = sync_summary::close_interrupted(last, Utc::now());
            if interrupted {
                store.update_sync_log(&last)?;
            }
            // Only a run the summary has not seen yet (the process died between writing the
            // two) is folded in: a test or a sign-in since then has the last word.
            let seen = store
                .integration(provider)?
                .is_some_and(|record| sync_summary::summary_is_newer(&record, &last));
            if !seen {
                self.apply_to_summary(&last)?;
            }
            // A summary left "syncing" with no run under way (a write between the run's and the
            // summary's, then a crash) would keep the schedule from ever running again.
            if let Some(mut record) = store.integration(provider)?
                && record.status == Status::Syncing
            {
                record.status = sync_summary::status_before_the_run(&record);
                record.updated_at = Utc::now();
                store.put_integration(&record)?;
            }
        }
        store.close_interrupted_messages()?;
        Ok(())
    }

    pub(crate) fn apply_to_summary(&self, log: &SyncLog) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let provider = log.provider;
        let mut record = store.integration(provider)?.unwrap_or_else(|| {
            IntegrationRecord::new(provider, catalog::initial_status(provider), log.started_at)
        });
        if sync_summary::apply(&mut record, log, Utc::now()) {
            store.put_integration(&record)?;
            self.emit(Event::IntegrationChanged(
                self.view(provider, Some(&record))?,
            ));
        }
        Ok(())
    }

    /// An integration as the front ends see it: the stored record with what its provider adds.
    pub(crate) fn view(
        &self,
        provider: Provider,
        record: Option<&IntegrationRecord>,
    ) -> Result<IntegrationView, EngineError> {
        let store = &self.inner.store;
        let opened_at = store.owner().started_at;
        Ok(assemble::assemble(
            store,
            &self.inner.config,
            provider,
            record,
            opened_at,
        ))
    }

    pub(crate) fn emit(&self, event: Event) {
        // No subscriber is fine: nobody is watching.
        let _ = self.inner.events.send(event);
    }

    /// Writes everything to disk now (rejected webhook attempts, saved once a second, too).
    pub fn flush(&self) -> Result<(), EngineError> {
        let rejections = self
            .inner
            .mindbody
            .rejections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(rejections) = rejections {
            rejections.save_now(&self.inner.store)?;
        }
        Ok(self.inner.store.flush()?)
    }
}
