//! [`Engine`]: what every front end holds. Either the core itself, in this process (it holds the
//! store), or a connection to the process that does (`serve` or a dashboard) over its control
//! socket. Each call is listed once below; the list makes the handle's methods, the serde
//! [`Call`] that crosses the socket, and the owner's dispatch of it, so the three cannot drift.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::remote::RemoteEngine;
use super::{
    Core, EngineError, Event, GeminiUpdate, IntegrationView, MindbodyUpdate, Owner, SyncRequest,
    TodaysSales, TransactionPage,
};
use super::{EngineOptions, Role};
use crate::api::bank_standing::BankStandingView;
pub use crate::api::chat::Answer;
use crate::api::error::ApiError;
use crate::api::key_ids::KeyIds;
use crate::api::reconcile::{CandidateRef, ReconcileView};
use crate::api::webhooks::{WebhookEventPage, WebhookSummary};
use crate::books::{Category, Customer, Transaction};
use crate::config::Settings;
use crate::domain::Provider;
use crate::integrations::gemini::chat::Reply;
use crate::integrations::gemini::error::GeminiError;
use crate::integrations::gemini::models::GeminiSettings;
use crate::integrations::gemini::report::TestReport;
use crate::integrations::gemini::types::Model;
use crate::integrations::mindbody::MindbodySettings;
use crate::integrations::mindbody::client::Location;
use crate::integrations::mindbody::webhooks::Subscription;
use crate::store::StoreError;
use crate::store::backup::BackupReport;
use crate::store::rotate::Rotation;
use crate::store::{ChatMessage, Conversation, SyncLog, SyncLogPage};

/// A handle to the engine, here or in the process that owns the data directory.
#[derive(Clone)]
pub enum Engine {
    Local(Core),
    Remote(RemoteEngine),
}

/// A one-shot question's outcome (nothing saved): streamed in this process, or whole from the
/// owner when attached to it.
#[derive(Debug)]
pub enum Asked {
    Streamed(Reply),
    Whole(Answer),
}

macro_rules! engine_calls {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = |$core:ident| $local:expr;
    )*) => {
        /// One engine call as it crosses the control socket.
        #[derive(Debug, Serialize, Deserialize)]
        #[serde(tag = "call", rename_all = "snake_case")]
        #[allow(non_camel_case_types)]
        pub enum Call {
            $( $name { $($arg: $ty),* }, )*
        }

        impl Engine {
            $(
                $(#[doc = $doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret, ApiError> {
                    match self {
                        Engine::Local($core) => {
                            let answered: Result<$ret, EngineError> = $local;
                            answered.map_err(|e| ApiError::from(e).at_site($core.site.as_deref()))
                        }
                        Engine::Remote(remote) => remote.call(Call::$name { $($arg),* }).await,
                    }
                }
            )*
        }

        impl Core {
            /// Answers a call that came over the control socket.
            pub async fn answer(&self, call: Call) -> Result<serde_json::Value, EngineError> {
                match call {
                    $( Call::$name { $($arg),* } => {
                        let $core = self;
                        let answered: Result<$ret, EngineError> = $local;
                        let value = answered?;
                        serde_json::to_value(value).map_err(|e| EngineError::Control(e.to_string()))
                    } )*
                }
            }
        }
    };
}

engine_calls! {
    /// Who holds the data directory, and since when.
    fn owner() -> Owner = |core| Ok(core.owner());
    /// Every integration in the catalog, in catalog order.
    fn integrations() -> Vec<IntegrationView> = |core| core.integrations().await;
    /// A window of a provider's sync history, newest first.
    fn sync_history(provider: Provider, offset: u64, limit: usize) -> SyncLogPage =
        |core| core.sync_history(provider, offset, limit).await;
    fn record_sync(log: SyncLog) -> SyncLog = |core| core.record_sync(log).await;
    fn import_sync_history(provider: Provider, logs: Vec<SyncLog>) -> () =
        |core| core.import_sync_history(provider, logs).await;
    fn conversations() -> Vec<Conversation> = |core| core.conversations().await;
    fn conversation(id: u64) -> (Conversation, Vec<ChatMessage>) =
        |core| core.conversation(id).await;
    /// Saves a question and starts its reply; the reply arrives as events.
    fn send_chat(conversation: Option<u64>, text: String, model: Option<String>) -> u64 =
        |core| core.send_chat(conversation, &text, model.as_deref()).await;
    fn cancel_chat(conversation: u64) -> bool = |core| Ok(core.cancel_chat(conversation));
    /// A question answered whole, nothing saved.
    fn ask_whole(question: String, model: Option<String>) -> Answer =
        |core| core.ask_whole(&question, model.as_deref()).await;
    fn gemini_settings() -> GeminiSettings = |core| core.gemini_settings();
    fn test_gemini() -> TestReport = |core| core.test_gemini().await;
    /// Starts a test in the background; false when one is running.
    fn start_gemini_test() -> bool = |core| Ok(core.start_gemini_test());
    fn last_gemini_test() -> Option<TestReport> = |core| core.last_gemini_test();
    fn accept_gemini_replacements() -> TestReport = |core| core.accept_gemini_replacements().await;
    fn configure_gemini(update: GeminiUpdate) -> TestReport =
        |core| core.configure_gemini(update).await;
    fn gemini_models() -> Vec<Model> = |core| core.gemini_models().await;
    fn mindbody_settings() -> MindbodySettings = |core| core.mindbody_settings();
    fn configure_mindbody(update: MindbodyUpdate) -> () =
        |core| core.configure_mindbody(update).await;
    /// Starts a sign-in; it reports through events.
    fn start_mindbody_connect(open_browser: bool) -> () =
        |core| core.start_mindbody_connect(open_browser);
    /// Signs in and waits for the outcome.
    fn connect_mindbody(open_browser: bool) -> () =
        |core| core.connect_mindbody(open_browser).await;
    fn paste_mindbody_redirect(address: String) -> () =
        |core| core.paste_mindbody_redirect(&address).await;
    fn cancel_mindbody_connect() -> bool = |core| Ok(core.cancel_mindbody_connect());
    fn test_mindbody() -> Vec<Location> = |core| core.test_mindbody().await;
    /// The further sites of the chain this hub serves, beside its first.
    fn mindbody_sites() -> Vec<String> = |core| core.mindbody_sites();
    /// Which of the hub's sites a site id names: None for the first, the id for a further
    /// one; refused (with how to add it) for a site the hub does not serve.
    fn resolve_mindbody_site(site: String) -> Option<String> =
        |core| core.resolve_mindbody_site(&site);
    /// Serves a further site of the chain (it signs in with the first site's settings).
    fn add_mindbody_site(site: String) -> IntegrationView =
        |core| core.add_mindbody_site(&site).await;
    /// Stops serving a further site (its sign-in revoked); false when it was not one.
    fn remove_mindbody_site(site: String) -> bool = |core| core.remove_mindbody_site(&site).await;
    /// Forgets the Mindbody sign-in; whether Mindbody confirmed the revocation.
    fn disconnect_mindbody() -> crate::api::sign_in::Revocation = |core| core.disconnect_mindbody().await;
    /// Runs a sync and waits for it.
    fn sync_mindbody(request: SyncRequest) -> Vec<SyncLog> =
        |core| core.sync_mindbody(&request).await;
    /// Starts a sync in the background; false when one is running. Refused at once when
    /// Mindbody is not set up or signed in.
    fn start_mindbody_sync(request: SyncRequest) -> bool =
        |core| core.start_mindbody_sync(request);
    fn mindbody_sync_running() -> bool = |core| Ok(core.mindbody_sync_running());
    fn transactions_since(from: Option<NaiveDateTime>) -> Vec<Transaction> =
        |core| core.transactions_since(from).await;
    fn transactions_page(filter: String, offset: u64, limit: usize) -> TransactionPage =
        |core| core.transactions_page(&filter, offset, limit).await;
    fn todays_sales() -> TodaysSales = |core| core.todays_sales().await;
    fn categories() -> Vec<Category> = |core| core.categories().await;
    fn map_category(id: i64, class: Option<String>) -> usize =
        |core| core.map_category(id, class.as_deref()).await;
    fn customers() -> Vec<Customer> = |core| core.customers().await;
    fn confirm_duplicate(key: String) -> String = |core| core.confirm_duplicate(&key).await;
    /// Clears the possible-duplicate flags of these customers at once; how many went.
    fn dismiss_duplicates(keys: Vec<String>) -> usize = |core| core.dismiss_duplicates(&keys).await;
    fn delete_transaction(key: String) -> bool = |core| core.delete_transaction(&key).await;
    fn mindbody_calls_today() -> (u64, u64) = |core| core.mindbody_calls_today();
    /// What reading the members' contracts would cost now.
    fn contracts_plan() -> crate::api::cashflow::ContractsPlan = |core| core.contracts_plan();
    /// Reads the contracts due (the first full read only when agreed to) into expected inflows.
    fn refresh_contracts(first_read_agreed: bool) -> crate::api::cashflow::ContractsReport =
        |core| core.refresh_contracts(first_read_agreed).await;
    /// Autopays expected over the next `days` days beside what arrived over as many before.
    fn cash_flow(days: u32) -> crate::api::cashflow::CashFlow = |core| core.cash_flow(days).await;
    /// Sets a class's budget for the month holding `month` (one of the studio's classes).
    fn set_budget(month: chrono::NaiveDate, class: String, amount: rust_decimal::Decimal) -> crate::store::budgets::Budget =
        |core| core.set_budget(month, &class, amount).await;
    /// Clears a class's budget (or all) for the month holding `month`; how many went.
    fn clear_budget(month: chrono::NaiveDate, class: Option<String>) -> usize =
        |core| core.clear_budget(month, class).await;
    /// The budgets of the month holding `month` beside its actual and (this month and the next
    /// three) its projection, by class.
    fn budget(month: chrono::NaiveDate) -> crate::api::budget::BudgetView =
        |core| core.budget(month).await;
    /// This month's revenue projection and the next three's, by class, with the method in words.
    fn projection() -> crate::api::projection::Projection = |core| core.projection().await;
    /// This month's classes projected under budget by more than `[books] budget_warn_percent`.
    fn budget_warnings() -> Vec<crate::api::budget::BudgetWarning> =
        |core| core.budget_warnings().await;
    /// The budget warnings last worked out (this month's), from the hub database alone.
    fn kept_budget_warnings() -> Vec<crate::api::budget::BudgetWarning> =
        |core| core.kept_budget_warnings();
    /// The members' upcoming autopays as last read, by contract then date.
    fn expected_inflows() -> Vec<crate::store::expected_inflows::ExpectedInflow> =
        |core| core.expected_inflows();
    /// Counts of webhook deliveries: received, duplicates, rejected, processed, failed.
    fn webhook_summary() -> WebhookSummary = |core| core.webhook_summary();
    /// A window of webhook events and rejected attempts, newest first.
    fn webhook_events(offset: u64, limit: usize) -> WebhookEventPage =
        |core| core.webhook_events(offset, limit);
    /// Queues failed webhook events to be processed again; how many.
    fn retry_webhook_events() -> usize = |core| core.retry_webhook_events();
    fn webhook_subscriptions() -> Vec<Subscription> = |core| core.webhook_subscriptions().await;
    fn subscribe_webhooks(url: String, events: Vec<String>) -> Subscription =
        |core| core.subscribe_webhooks(&url, events).await;
    fn activate_webhooks(id: Option<String>) -> Subscription =
        |core| core.activate_webhooks(id.as_deref()).await;
    fn delete_webhooks(id: Option<String>) -> () = |core| core.delete_webhooks(id.as_deref()).await;
    /// Stores statements read from a bank file into the account named (else the one the file
    /// names, else the only one), all or nothing.
    fn import_bank(
        account: Option<String>,
        currency: Option<String>,
        file: crate::books::bank::import::ImportedFile,
        statements: Vec<crate::books::bank::ParsedStatement>
    ) -> crate::books::bank::import::ImportSummary =
        |core| core.import_bank(account, currency, file, statements).await;
    /// Which Mindbody site of a chain pays into a bank account (None: every site's); refused
    /// (with how to add it) for a site the hub does not serve.
    fn set_bank_account_site(account: String, site: Option<String>) -> crate::books::bank::account::BankAccount =
        |core| async {
            // Checked here, in the engine: the books do not ask Mindbody's room.
            if let Some(site) = &site {
                core.resolve_mindbody_site(site)?;
            }
            core.set_bank_account_site(&account, site).await
        }.await;
    /// A bank account's lines reconciled as far as they go (the only account when None).
    fn reconcile_view(account: Option<String>) -> ReconcileView =
        |core| core.reconcile_view(account).await;
    /// The month-end report for the month of `day`.
    fn reconcile_month(account: Option<String>, day: chrono::NaiveDate) -> crate::api::reconcile::MonthReport =
        |core| core.reconcile_month(account, day).await;
    /// Accepts a candidate for a bank line; the match's id.
    fn accept_match(account: Option<String>, line: String, candidate: CandidateRef) -> String =
        |core| core.accept_match(account, line, candidate).await;
    /// A group put together by hand (or one offered): its fee is what the bank kept.
    fn accept_group(account: Option<String>, line: String, group: CandidateRef) -> String =
        |core| core.accept_group(account, line, group).await;
    /// Accepts every best suggestion at least this sure (0 to 1); how many.
    fn accept_above(account: Option<String>, at_least: f64) -> u64 =
        |core| core.accept_above(account, at_least).await;
    fn reject_match(line: String, candidate: CandidateRef) -> () =
        |core| core.reject_match(line, candidate).await;
    /// Takes a match back with its fee line; false when there was none.
    fn undo_match(id: String) -> bool = |core| core.undo_match(id).await;
    fn bank_standing() -> Vec<BankStandingView> = |core| core.bank_standing().await;
    /// What an open bank line could pay, for a person to put its group together.
    fn reconcile_groups(account: Option<String>, line: String) -> crate::api::reconcile::GroupChoices =
        |core| core.reconcile_groups(account, line).await;
    /// A group a person put together for a line, worked out and put in words.
    fn evaluate_group(account: Option<String>, line: String, group: CandidateRef) -> crate::api::reconcile::CandidateView =
        |core| core.evaluate_group(account, line, group).await;
    /// Categorization's suggestions, classes, rules and last run.
    fn categorize_view() -> crate::api::categorize::CategorizeView = |core| core.categorize_view().await;
    /// Suggests classes for what has none: rules, the cache, then Gemini (a dry run plans only).
    fn categorize(dry_run: bool) -> crate::api::categorize::RunReport =
        |core| core.categorize(dry_run).await;
    /// Accepts, rejects or takes back one suggestion; the suggestion as it is now.
    fn decide_suggestion(
        subject: crate::api::categorize::Subject,
        decide: crate::api::categorize::Decide
    ) -> crate::api::categorize::SuggestionView =
        |core| core.decide_suggestion(subject, decide).await;
    /// Accepts every open suggestion at least this sure (0 to 1); how many.
    fn accept_suggestions_above(at_least: f64) -> u64 =
        |core| core.accept_suggestions_above(at_least).await;
    /// Forgets a categorization rule; false when there was none.
    fn delete_categorize_rule(id: String) -> bool = |core| core.delete_categorize_rule(id).await;
    /// The month holding `month` at a glance: twelve months by group, against last month and
    /// a year earlier, and day by day (read from the daily totals).
    fn revenue_overview(month: chrono::NaiveDate, by: crate::api::reports::Grouping) -> crate::api::reports::RevenueOverview =
        |core| core.revenue_overview(month, by).await;
    /// Revenue over a range, by group and period (read from the daily totals).
    fn revenue_report(query: crate::api::reports::RevenueQuery) -> crate::api::reports::RevenueReport =
        |core| core.revenue_report(&query).await;
    /// The sales behind one cell of the overview (a group in a month), in one currency.
    fn revenue_cell(month: chrono::NaiveDate, group: crate::api::reports::GroupRef, currency: String) -> crate::api::reports::RevenueCell =
        |core| core.revenue_cell(month, group, currency).await;
    /// The month holding `day` explained by Gemini: the kept answer, or a new one (`again`).
    fn explain_month(day: chrono::NaiveDate, again: bool) -> crate::integrations::gemini::explain::Explained =
        |core| core.explain_month(day, again).await;
    /// Copies the data into `dir` (absolute, new or empty), with the master key when asked.
    fn backup(dir: std::path::PathBuf, with_key: bool) -> BackupReport =
        |core| core.backup(&dir, with_key).await;
    /// Where the Postgres mirror stands.
    fn mirror_status() -> crate::api::mirror::MirrorStatus = |core| core.mirror_status().await;
    /// The mirror as last kept in the hub database (None: no mirror), for the status glance.
    fn kept_mirror_status() -> Option<crate::api::mirror::MirrorStatus> =
        |core| core.kept_mirror_status().await;
    /// Sends everything still to send to the Postgres mirror, now.
    fn mirror_backfill() -> crate::api::mirror::BackfillProgress =
        |core| core.mirror_backfill().await;
    /// Compares the hub with the Postgres mirror, table by table.
    fn mirror_check() -> crate::api::mirror::CheckReport = |core| core.mirror_check().await;
}

impl Engine {
    /// This handle with its Mindbody calls (sign-in, sync, test, history) for the further site
    /// `site` of a chain, as [`Engine::resolve_mindbody_site`] names it; None for the first.
    pub fn at_site(&self, site: Option<&str>) -> Engine {
        match self {
            Engine::Local(core) => Engine::Local(core.at_site(site)),
            Engine::Remote(remote) => Engine::Remote(remote.at_site(site)),
        }
    }

    /// The further Mindbody site this handle's calls are for (None: the first).
    pub fn site(&self) -> Option<&str> {
        match self {
            Engine::Local(core) => core.site.as_deref(),
            Engine::Remote(remote) => remote.site(),
        }
    }

    /// The Mindbody integration this handle's calls are for (its label names the site).
    pub fn mindbody_id(&self) -> crate::domain::IntegrationId {
        crate::domain::IntegrationId {
            provider: Provider::Mindbody,
            site: self.site().map(str::to_string),
        }
    }

    /// The handle for the site a person named (`--site ID`), the first's when none.
    pub async fn for_mindbody_site(&self, site: Option<&str>) -> Result<Engine, ApiError> {
        match site {
            None => Ok(self.at_site(None)),
            Some(site) => {
                let further = self.resolve_mindbody_site(site.to_string()).await?;
                Ok(self.at_site(further.as_deref()))
            }
        }
    }

    /// Opens the data directory in this process.
    pub fn open(settings: &Settings, role: Role) -> Result<Engine, ApiError> {
        Ok(Engine::Local(Core::open(settings, role)?))
    }

    pub fn open_with(
        settings: &Settings,
        role: Role,
        options: EngineOptions,
    ) -> Result<Engine, ApiError> {
        Ok(Engine::Local(Core::open_with(settings, role, options)?))
    }

    /// Attaches to the process that owns the data directory when one is running (its control
    /// socket answers); otherwise opens the data here. A socket left by a process that died is
    /// passed over (the next owner removes it).
    pub async fn attach_or_open(settings: &Settings, role: Role) -> Result<Engine, ApiError> {
        let socket = settings.paths.control_socket();
        if let Some(remote) = RemoteEngine::attach(&socket).await? {
            return Ok(Engine::Remote(remote));
        }
        match Core::open(settings, role) {
            Ok(core) => Ok(Engine::Local(core)),
            // An owner is starting and not answering yet, or just stopped: ask once more.
            Err(EngineError::Store(StoreError::Locked { source })) => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                match RemoteEngine::attach(&socket).await? {
                    Some(remote) => Ok(Engine::Remote(remote)),
                    None => Err(EngineError::Store(StoreError::Locked { source }).into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A question answered and nothing saved. In the process that holds the store the reply
    /// streams through `on_delta` (a wait for Gemini is told to `on_wait`) and `cancel` stops
    /// it; attached to the owner, the owner answers it whole.
    pub async fn ask(
        &self,
        question: String,
        model: Option<String>,
        cancel: &CancellationToken,
        on_delta: impl FnMut(&str),
        on_wait: impl FnMut(&GeminiError, std::time::Duration) + Send,
    ) -> Result<Asked, ApiError> {
        match self {
            Engine::Local(core) => Ok(Asked::Streamed(
                core.ask(&question, model.as_deref(), cancel, on_delta, on_wait)
                    .await?,
            )),
            Engine::Remote(_) => Ok(Asked::Whole(self.ask_whole(question, model).await?)),
        }
    }

    /// Re-seals every secret under a new master key. Only where the store is held: a rotation
    /// must not race the owner's own sealing, so an attached process is refused.
    pub fn rotate_master_key(&self) -> Result<Rotation, ApiError> {
        Ok(self.holding_the_store()?.rotate_master_key()?)
    }

    /// The key the secrets are sealed with and the key at hand, by id (where the store is held).
    pub fn key_ids(&self) -> Result<KeyIds, ApiError> {
        Ok(self.holding_the_store()?.key_ids()?)
    }

    fn holding_the_store(&self) -> Result<&Core, ApiError> {
        self.local().ok_or_else(|| {
            ApiError::new(
                crate::api::error::ErrorKind::Busy,
                "another process holds the data: this can be done only where the data is opened",
                None,
            )
        })
    }

    /// Writes everything to disk now (the owner does its own when attached).
    pub fn flush(&self) -> Result<(), ApiError> {
        match self {
            Engine::Local(core) => Ok(core.flush()?),
            Engine::Remote(_) => Ok(()),
        }
    }

    /// Live events from now on (from the owner's stream when attached).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        match self {
            Engine::Local(core) => core.subscribe(),
            Engine::Remote(remote) => remote.subscribe(),
        }
    }

    /// The core, when this process holds the store.
    pub fn local(&self) -> Option<&Core> {
        match self {
            Engine::Local(core) => Some(core),
            Engine::Remote(_) => None,
        }
    }

    /// The process this one is attached to, when it is.
    pub fn attached_to(&self) -> Option<&Owner> {
        match self {
            Engine::Local(_) => None,
            Engine::Remote(remote) => Some(remote.owner()),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Engine::Remote(_))
    }
}
