//! The engine: the one door into the core. Front ends hold an [`Engine`] and nothing else of it;
//! they ask it for views and history and listen to its [`Event`] stream. The [`Core`] is the
//! engine in the process that owns the data directory; another process reaches it through the
//! control socket with the same calls ([`handle`]), since requests, replies and events are plain
//! serde types.
//!
//! The engine is the host: [`host`] is what the rooms (integrations, books) use and it names no
//! room; this file opens the engine and fills the host with every room's share of state; the
//! handle and its dispatch sit on top. Rooms import `engine::host` (and the leaves `error`,
//! `event`, `view`, `jobs`), never this file or the handle.

pub(crate) mod assemble;
pub(crate) mod error;
pub mod glance;
pub mod handle;
pub(crate) mod host;
pub(crate) mod jobs;
pub mod remote;
mod safekeeping;
pub(crate) mod scheduler;
pub(crate) mod states;
pub(crate) mod sync_summary;
pub(crate) mod view;

use std::sync::{Arc, OnceLock};

use chrono::Utc;
use tokio::sync::broadcast;

use crate::books::categorize::Categorizing;
use crate::books::queries::FilterCache;
use crate::books::reconcile::upkeep::Reconciling;
use crate::config::Settings;
pub use crate::domain::{FrontEnd, NextStep};
use crate::domain::{Provider, Status};
use crate::http::RetryPolicy;
use crate::integrations::catalog;
use crate::integrations::mindbody::state::MindbodyState;
use crate::store::{Store, SyncLog, SyncLogPage};
use host::Inner;
use states::States;

pub use crate::api::books::{TodaysSales, TransactionPage};
pub use crate::api::requests::{GeminiUpdate, MindbodyUpdate, SyncKind, SyncRequest};
pub use crate::integrations::gemini::chat::{Reply, stream_reply, system_instruction};

pub use crate::api::event::Event;
pub use crate::api::key_ids::KeyIds;
pub use crate::api::view::{Fact, Freshness, IntegrationView};
pub use crate::api::webhooks::{RejectionSummary, WebhookEventPage, WebhookRow, WebhookSummary};
pub use crate::integrations::mindbody::webhooks::receiving::Refusal;
/// How far a webhook event got (kept in the store, shown by the front ends).
pub use crate::store::webhooks::{WebhookCounts, WebhookState};
pub use error::EngineError;
pub use handle::{Answer, Engine};
pub use host::Core;

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

impl Core {
    /// Opens the data directory. Only the small `hub` database is read here; history is opened
    /// when first asked for, so a status glance never pays for it.
    pub fn open(settings: &Settings, role: Role) -> Result<Core, EngineError> {
        Core::open_with(settings, role, EngineOptions::default())
    }

    pub fn open_with(
        settings: &Settings,
        role: Role,
        options: EngineOptions,
    ) -> Result<Core, EngineError> {
        let store = Store::open(&settings.paths, role.label())?;
        let (events, _) = broadcast::channel(4096);
        let jobs = Arc::new(jobs::Jobs::new(events.clone()));
        let core = Core {
            site: None,
            inner: Arc::new(Inner {
                store,
                events,
                config: settings.config.clone(),
                http: OnceLock::new(),
                gemini_retry: options.gemini_retry,
                mindbody_retry: options.mindbody_retry,
                jobs,
                browser: options.browser,
                states: States::default()
                    .with(MindbodyState::new(options.webhook_inbox_capacity))
                    .with(FilterCache::default())
                    .with(Reconciling::default())
                    .with(Categorizing::default()),
            }),
        };
        // The glance only reads; [`Core::view`] shows a run it finds "syncing" for what it is.
        if role != Role::Status {
            core.repair()?;
            core.follow_mirror_config()?;
        }
        let reads = glance::snapshot_reads(settings.config.clone());
        core.inner
            .store
            .keep_status_snapshot(reads, role != Role::Status);
        Ok(core)
    }

    /// What the owner of the data runs while it lives (the dashboard, `serve`): each room's
    /// beats on the host's scheduler: Mindbody's sync every `sync_every` and its upkeep (webhook
    /// events left over, the hourly subscription and token checks, the daily catch-up), and the
    /// books' (each bank account's standing for the glance). A room with beats of its own joins here, and no front end names them.
    pub fn start_owner_duties(&self) {
        self.start_schedule();
        self.start_upkeep();
        self.start_books_upkeep();
        self.start_mirror();
    }

    /// Every integration in the catalog, in catalog order, each provider followed by its
    /// further sites.
    pub async fn integrations(&self) -> Result<Vec<IntegrationView>, EngineError> {
        assemble::every_id(&self.inner.store)?
            .iter()
            .map(|id| {
                let record = self.inner.store.integration(id)?;
                self.view(id, record.as_ref())
            })
            .collect()
    }

    /// A window of a provider's sync history (Mindbody's at this handle's site), newest first.
    pub async fn sync_history(
        &self,
        provider: Provider,
        offset: u64,
        limit: usize,
    ) -> Result<SyncLogPage, EngineError> {
        let id = match provider {
            Provider::Mindbody => self.mindbody_id(),
            other => other.into(),
        };
        Ok(self.inner.store.sync_log_page(id, offset, limit)?)
    }

    /// Records many finished runs of one provider (Mindbody's at this handle's site) at once
    /// (imports, demo data, benchmarks).
    pub async fn import_sync_history(
        &self,
        provider: Provider,
        logs: Vec<SyncLog>,
    ) -> Result<(), EngineError> {
        let id = match provider {
            Provider::Mindbody => self.mindbody_id(),
            other => other.into(),
        };
        let stored = self.inner.store.append_sync_logs(id, logs)?;
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
        for id in assemble::every_id(store)?
            .into_iter()
            .filter(|id| catalog::entry(id.provider).available)
        {
            let Some(last) = store.last_sync_log(&id)? else {
                continue;
            };
            let (last, interrupted) = sync_summary::close_interrupted(last, Utc::now());
            if interrupted {
                store.update_sync_log(&last)?;
            }
            // Only a run the summary has not seen yet (the process died between writing the
            // two) is folded in: a test or a sign-in since then has the last word.
            let seen = store
                .integration(&id)?
                .is_some_and(|record| sync_summary::summary_is_newer(&record, &last));
            if !seen {
                self.apply_to_summary(&last)?;
            }
            // A summary left "syncing" with no run under way (a write between the run's and the
            // summary's, then a crash) would keep the schedule from ever running again.
            if let Some(mut record) = store.integration(&id)?
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
}
