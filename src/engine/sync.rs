//! Syncing Mindbody into the books. Each sync type keeps a cursor in `meta`, moved only when a
//! run completes, and a checkpoint moved after every stored page, so a run killed half-way
//! resumes where it stopped; a lookback window re-reads the last days for late edits and
//! refunds; every write is an upsert, so nothing is ever stored twice. Each run is a sync log,
//! updated page by page (the history pane counts up while it runs).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Core, EngineError, NextStep};
use crate::domain::{Provider, SyncStatus};
use crate::finance::{Category, Customer, CustomerIndex, Match, Settlement, Transaction, Upserted};
use crate::providers::mindbody::client::Attempt;
use crate::providers::mindbody::{self, MindbodyClient, sync as mapping};
use crate::store::{RecordCounts, SyncLog};

/// What `sync mindbody` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// One sync type, or all of them.
    pub only: Option<SyncKind>,
    /// Re-read from this day (with `full`, from here on everything is re-imported).
    pub since: Option<NaiveDate>,
    /// Re-import everything from `since`, bringing back what the user deleted.
    pub full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SyncKind {
    Categories,
    Clients,
    Sales,
    Transactions,
}

impl SyncKind {
    /// In this order: classes and customers first, so sales can link to them.
    pub const ALL: [SyncKind; 4] = [
        SyncKind::Categories,
        SyncKind::Clients,
        SyncKind::Sales,
        SyncKind::Transactions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SyncKind::Categories => "categories",
            SyncKind::Clients => "clients",
            SyncKind::Sales => "sales",
            SyncKind::Transactions => "transactions",
        }
    }

    /// Whether it reads a time window (with a lookback) rather than a whole list.
    fn windowed(self) -> bool {
        matches!(self, SyncKind::Sales | SyncKind::Transactions)
    }
}

/// One page fetched and stored: how many items it had, how many there are in all, and what
/// storing them did.
struct PageStored {
    items: u64,
    total: u64,
    outcomes: Vec<Upserted>,
    /// Sales new to the books that no webhook had delivered.
    only_by_sync: u64,
}

/// What the last sales sync found that webhooks had missed (shown in the hub).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CatchUp {
    pub only_by_sync: u64,
    pub at: DateTime<Utc>,
}

impl CatchUp {
    pub fn fact(&self) -> crate::engine::Fact {
        let local = self.at.with_timezone(&Local);
        crate::engine::Fact {
            label: "Catch-up".into(),
            value: match self.only_by_sync {
                0 => format!(
                    "{}: every sale had come by webhook",
                    local.format("%d %b %H:%M")
                ),
                1 => format!(
                    "{}: 1 sale arrived only by sync",
                    local.format("%d %b %H:%M")
                ),
                n => format!(
                    "{}: {n} sales arrived only by sync",
                    local.format("%d %b %H:%M")
                ),
            },
        }
    }
}

pub(super) const CATCH_UP: &str = "mindbody.webhooks.catch_up";

/// What storing a page needs, loaded once per run.
enum PageContext {
    None,
    /// Category id → financial class.
    Classes(HashMap<i64, String>),
    /// The customers already in the books (by key) and their index, kept up to date as pages
    /// are stored: loaded once per run, not once per page.
    Customers(CustomerIndex, HashMap<String, Customer>),
}

/// A Mindbody client as a customer: the one it is linked to, the one with its email (now
/// linked), or a new one, flagged when an existing customer has the same name and no email or
/// phone that tells them apart. A flag kept from before goes once they are told apart.
pub(super) fn customer_of(
    client: &mindbody::types::Client,
    index: &CustomerIndex,
    existing: &HashMap<String, Customer>,
) -> Customer {
    let first = client.first_name.clone().unwrap_or_default();
    let last = client.last_name.clone().unwrap_or_default();
    let fresh = Customer {
        key: mapping::client_key(&client.id),
        mindbody_id: Some(client.id.clone()),
        first_name: crate::present::one_line(&first),
        last_name: crate::present::one_line(&last),
        email: client.email.clone(),
        phone: client.mobile_phone.clone(),
        source: "mindbody".into(),
        modified_at: client.last_modified,
        modified_by: Some("sync".into()),
        possible_duplicate_of: None,
    };
    match index.find(&fresh) {
        Match::Linked(key) | Match::ByEmail(key) => {
            let before = existing.get(&key);
            let customer = Customer {
                key: key.clone(),
                source: before.map_or(fresh.source.clone(), |b| b.source.clone()),
                // A client without a stamp does not wipe the one the books have.
                modified_at: fresh.modified_at.or(before.and_then(|b| b.modified_at)),
                ..fresh
            };
            Customer {
                possible_duplicate_of: before
                    .and_then(|b| b.possible_duplicate_of.clone())
                    .filter(|other| still_possible(&customer, other, existing)),
                ..customer
            }
        }
        Match::Uncertain { candidate } => Customer {
            possible_duplicate_of: Some(candidate),
            ..fresh
        },
        Match::New => fresh,
    }
}

/// Whether a customer flagged as possibly `other` still may be: nothing tells the two apart
/// (or `other` is not there to compare with). Flags set before different emails and phones
/// counted fail this.
fn still_possible(customer: &Customer, other: &str, existing: &HashMap<String, Customer>) -> bool {
    existing
        .get(other)
        .is_none_or(|o| !customer.told_apart_from(o))
}

/// Where an interrupted run stopped: its window and the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    start: NaiveDateTime,
    end: NaiveDateTime,
    next_offset: u64,
    revive: bool,
}

fn cursor_key(kind: SyncKind) -> String {
    format!("mindbody.cursor.{}", kind.name())
}

/// How far before the cursor every windowed run starts, between lookbacks.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(15);

/// When a run of this kind last re-read the lookback window.
fn lookback_key(kind: SyncKind) -> String {
    format!("mindbody.lookback_at.{}", kind.name())
}

fn checkpoint_key(kind: SyncKind) -> String {
    format!("mindbody.checkpoint.{}", kind.name())
}

/// The meta counter of API calls made on a day (they are billed past the daily allowance).
pub fn calls_key(day: NaiveDate) -> String {
    format!("mindbody.calls.{}", day.format("%Y-%m-%d"))
}

/// The meta counter of requests on a day that never reached Mindbody (not billed).
pub fn unreached_key(day: NaiveDate) -> String {
    format!("mindbody.unreached.{}", day.format("%Y-%m-%d"))
}

/// A run's requests so far: answered by Mindbody (billed), and never delivered.
#[derive(Default)]
struct RunCalls {
    answered: AtomicU64,
    unreached: AtomicU64,
}

impl RunCalls {
    fn copy_to(&self, log: &mut SyncLog) {
        log.api_calls = self.answered.load(Ordering::Relaxed);
        log.unreached = self.unreached.load(Ordering::Relaxed);
    }
}

impl Core {
    /// Runs the sync types asked for, in order, each as its own sync log. Returns the logs.
    /// Refused before anything is written when Mindbody is not set up or signed in; an error no
    /// later type could get past (a refused sign-in or key, a wrong site, no way to reach
    /// Mindbody) ends the run, and the types after it are recorded as skipped, not tried.
    pub async fn sync_mindbody(&self, request: &SyncRequest) -> Result<Vec<SyncLog>, EngineError> {
        self.ready_to_sync()?;
        let kinds: Vec<SyncKind> = match request.only {
            Some(kind) => vec![kind],
            None => SyncKind::ALL.to_vec(),
        };
        let mut logs = Vec::new();
        let mut stopped_by: Option<String> = None;
        for kind in kinds {
            if let Some(reason) = &stopped_by {
                logs.push(self.record_skipped(kind, reason).await?);
                continue;
            }
            let (log, error) = self.sync_one(kind, request).await?;
            if error.as_ref().is_some_and(EngineError::ends_the_sync) {
                stopped_by = Some(format!(
                    "not run: the {} sync before it failed with an error that stops every type",
                    kind.name()
                ));
            }
            logs.push(log);
        }
        // A type that completed after one that failed must not leave the run looking healthy:
        // the failure has the last word in the summary.
        if let Some(failed) = logs.iter().find(|l| l.status == SyncStatus::Failed)
            && logs.last() != Some(failed)
        {
            self.apply_to_summary(failed)?;
        }
        // The transactions view re-reads its key list once the run is over, not per page: a
        // rebuild per page would stall its frames while a big sync runs.
        self.invalidate_transactions();
        Ok(logs)
    }

    /// What must be in place before a sync can do any good: settings, an API key, a sign-in.
    pub(super) fn ready_to_sync(&self) -> Result<(), EngineError> {
        let settings = self.mindbody_settings()?;
        let has_key = self.mindbody_secret(mindbody::API_KEY)?.is_some();
        if settings.site_id.is_none() || settings.client_id.is_none() || !has_key {
            return Err(EngineError::NotReady {
                what: "Mindbody is not set up yet: it needs the site id, the client id and the API key before it can sync".into(),
                step: NextStep::ConfigureMindbody,
            });
        }
        if self.inner.store.tokens(Provider::Mindbody)?.is_none() {
            let reauth = self
                .inner
                .store
                .integration(Provider::Mindbody)?
                .is_some_and(|r| r.status == crate::domain::Status::NeedsReauth);
            let (what, step) = if reauth {
                (
                    "Mindbody no longer accepts the saved sign-in, so there is nothing to sync with",
                    NextStep::ReconnectMindbody,
                )
            } else {
                (
                    "Mindbody is not signed in yet, so there is nothing to sync with",
                    NextStep::ConnectMindbody,
                )
            };
            return Err(EngineError::NotReady {
                what: what.into(),
                step,
            });
        }
        Ok(())
    }

    /// A type not run because an earlier one met an error that stops the whole sync.
    async fn record_skipped(&self, kind: SyncKind, reason: &str) -> Result<SyncLog, EngineError> {
        let now = Utc::now();
        self.record_sync(SyncLog {
            provider: Provider::Mindbody,
            seq: 0,
            sync_type: kind.name().into(),
            status: SyncStatus::Skipped,
            records: RecordCounts::default(),
            api_calls: 0,
            unreached: 0,
            error_details: Some(reason.to_string()),
            started_at: now,
            completed_at: Some(now),
        })
        .await
    }

    /// Transactions dated on or after `from` (all when None), newest first.
    pub async fn transactions_since(
        &self,
        from: Option<NaiveDateTime>,
    ) -> Result<Vec<crate::finance::Transaction>, EngineError> {
        let from = from.unwrap_or(NaiveDateTime::MIN);
        let mut rows = self
            .inner
            .store
            .transactions_between(from, NaiveDateTime::MAX)?;
        rows.reverse();
        Ok(rows)
    }

    /// Mindbody's revenue categories with their financial class (None: unmapped).
    pub async fn categories(&self) -> Result<Vec<Category>, EngineError> {
        Ok(self.inner.store.categories()?)
    }

    /// Maps a category to a financial class (None unmaps it); its transactions follow.
    pub async fn map_category(&self, id: i64, class: Option<&str>) -> Result<usize, EngineError> {
        let class = class.map(str::trim).filter(|c| !c.is_empty());
        Ok(self.inner.store.map_category("mindbody", id, class)?)
    }

    pub async fn customers(&self) -> Result<Vec<Customer>, EngineError> {
        Ok(self.inner.store.customers()?)
    }

    /// The user says a flagged customer is the same person as the one it may duplicate: the
    /// other one takes its Mindbody link and its transactions, and it goes.
    pub async fn confirm_duplicate(&self, key: &str) -> Result<String, EngineError> {
        let store = &self.inner.store;
        let customer = store
            .customer(key)?
            .ok_or_else(|| EngineError::Invalid(format!("there is no customer {key}")))?;
        let Some(target_key) = customer.possible_duplicate_of.clone() else {
            return Err(EngineError::Invalid(format!(
                "{key} is not flagged as a possible duplicate"
            )));
        };
        let mut target = store
            .customer(&target_key)?
            .ok_or_else(|| EngineError::Invalid(format!("there is no customer {target_key}")))?;
        target.mindbody_id = target.mindbody_id.or(customer.mindbody_id);
        target.email = target.email.or(customer.email);
        target.phone = target.phone.or(customer.phone);
        store.upsert_customers(&[target])?;
        store.move_transactions(key, &target_key)?;
        store.delete_customer(key)?;
        self.invalidate_transactions();
        Ok(target_key)
    }

    /// The user says these flagged customers are all different people (the list they were
    /// shown): every flag goes at once. An unknown key changes nothing and says which; one
    /// not flagged is passed over. Returns how many flags went.
    pub async fn dismiss_duplicates(&self, keys: &[String]) -> Result<usize, EngineError> {
        let store = &self.inner.store;
        let mut dismissed = Vec::new();
        for key in keys {
            let customer = store
                .customer(key)?
                .ok_or_else(|| EngineError::Invalid(format!("there is no customer {key}")))?;
            if customer.possible_duplicate_of.is_some() {
                dismissed.push(Customer {
                    possible_duplicate_of: None,
                    ..customer
                });
            }
        }
        if !dismissed.is_empty() {
            store.upsert_customers(&dismissed)?;
        }
        Ok(dismissed.len())
    }

    /// Clears the flags of customers their emails or phones tell apart from the one they were
    /// flagged against: flags an older legion-hub set on a shared name alone. Run as a clients
    /// sync loads the customers, so a data directory from before the rule is mended by the
    /// next sync.
    fn clear_ruled_out_duplicates(
        &self,
        existing: &mut HashMap<String, Customer>,
    ) -> Result<(), EngineError> {
        let ruled_out: Vec<Customer> = existing
            .values()
            .filter(|c| {
                c.possible_duplicate_of
                    .as_deref()
                    .is_some_and(|other| !still_possible(c, other, existing))
            })
            .map(|c| Customer {
                possible_duplicate_of: None,
                ..c.clone()
            })
            .collect();
        if ruled_out.is_empty() {
            return Ok(());
        }
        self.inner.store.upsert_customers(&ruled_out)?;
        tracing::info!(
            "{} possible-duplicate flags cleared: their emails or phones tell the two apart",
            ruled_out.len()
        );
        for c in ruled_out {
            existing.insert(c.key.clone(), c);
        }
        Ok(())
    }

    /// Deletes a transaction for good: later syncs leave it deleted (a tombstone) unless a full
    /// re-import is asked for.
    pub async fn delete_transaction(&self, key: &str) -> Result<bool, EngineError> {
        Ok(self.inner.store.delete_transaction(key)?)
    }

    /// API calls made today, and the daily allowance.
    pub fn mindbody_calls_today(&self) -> Result<(u64, u64), EngineError> {
        let used = self
            .inner
            .store
            .counter(&calls_key(Local::now().date_naive()))?;
        Ok((used, self.inner.config.mindbody.daily_call_allowance()))
    }

    /// A client that counts every request it tries, into today's counters and this run's:
    /// the ones Mindbody answered (billed) apart from the ones that never reached it.
    fn counting_client(&self, run: Arc<RunCalls>) -> Result<MindbodyClient, EngineError> {
        let settings = self.mindbody_settings()?;
        let api_key = self.mindbody_api_key()?;
        let engine = self.clone();
        let counter: mindbody::client::CallCounter = Arc::new(move |attempt| {
            let today = Local::now().date_naive();
            let key = match attempt {
                Attempt::Answered => {
                    run.answered.fetch_add(1, Ordering::Relaxed);
                    calls_key(today)
                }
                Attempt::Unreached => {
                    run.unreached.fetch_add(1, Ordering::Relaxed);
                    unreached_key(today)
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

    /// One sync type as one sync log; the error that ended it, if one did, comes back beside it.
    async fn sync_one(
        &self,
        kind: SyncKind,
        request: &SyncRequest,
    ) -> Result<(SyncLog, Option<EngineError>), EngineError> {
        let store = &self.inner.store;
        let started = self
            .record_sync(SyncLog {
                provider: Provider::Mindbody,
                seq: 0,
                sync_type: kind.name().into(),
                status: SyncStatus::Started,
                records: RecordCounts::default(),
                api_calls: 0,
                unreached: 0,
                error_details: None,
                started_at: Utc::now(),
                completed_at: None,
            })
            .await?;
        let calls = Arc::new(RunCalls::default());
        let outcome = self
            .sync_paged(kind, &started, request, calls.clone())
            .await;
        let (mut log, error) = match outcome {
            Ok(log) => (log, None),
            Err((mut log, error)) => {
                log.status = SyncStatus::Failed;
                log.error_details = Some(crate::present::one_line(&error.to_string()));
                (log, Some(error))
            }
        };
        calls.copy_to(&mut log);
        log.completed_at = Some(Utc::now());
        if log.status == SyncStatus::Started {
            log.status = SyncStatus::Completed;
        }
        store.flush()?;
        Ok((self.record_sync(log).await?, error))
    }

    /// One sync type, page by page: fetch, store, move the checkpoint, update the log.
    async fn sync_paged(
        &self,
        kind: SyncKind,
        log: &SyncLog,
        request: &SyncRequest,
        calls: Arc<RunCalls>,
    ) -> Result<SyncLog, (SyncLog, EngineError)> {
        let mut log = log.clone();
        let fail = |log: &SyncLog, error: EngineError| (log.clone(), error);
        let store = &self.inner.store;
        let config = &self.inner.config.mindbody;
        let now = Local::now().naive_local();
        let checkpoint: Option<Checkpoint> = store
            .meta_json(&checkpoint_key(kind))
            .map_err(|e| fail(&log, e.into()))?;
        let (mut plan, resumed) = match checkpoint {
            // A run was cut off: finish its window first, from the page it stopped at.
            Some(cp) if !request.full && request.since.is_none() => (cp, true),
            _ => {
                let cursor: Option<NaiveDateTime> = store
                    .meta_json(&cursor_key(kind))
                    .map_err(|e| fail(&log, e.into()))?;
                let last_lookback: Option<DateTime<Utc>> = store
                    .meta_json(&lookback_key(kind))
                    .map_err(|e| fail(&log, e.into()))?;
                let lookback_due =
                    last_lookback.is_none_or(|at| Utc::now() - at >= config.lookback_every());
                let start = match (kind, request.since, cursor) {
                    (SyncKind::Categories, _, _) => NaiveDateTime::MIN,
                    (_, Some(day), _) => day.and_hms_opt(0, 0, 0).unwrap_or_default(),
                    (_, None, Some(cursor)) if kind.windowed() && lookback_due => {
                        cursor - config.lookback()
                    }
                    // A short overlap absorbs clock skew and sales recorded a little late.
                    (_, None, Some(cursor)) if kind.windowed() => cursor - OVERLAP,
                    (_, None, Some(cursor)) => cursor,
                    (SyncKind::Clients, None, None) => NaiveDateTime::MIN,
                    (_, None, None) => now - config.first_sync(),
                };
                (
                    Checkpoint {
                        start,
                        end: now,
                        next_offset: 0,
                        revive: request.full,
                    },
                    false,
                )
            }
        };
        if resumed {
            log.error_details = Some(format!(
                "resumed an interrupted run at record {}",
                plan.next_offset
            ));
        }
        let client = self
            .counting_client(calls.clone())
            .map_err(|e| fail(&log, e))?;
        let mut context = self.page_context(kind).map_err(|e| fail(&log, e))?;
        loop {
            let token = self
                .mindbody_access_token()
                .await
                .map_err(|e| fail(&log, e))?;
            let page = match self
                .fetch_and_store(kind, &client, &token, &plan, &mut context)
                .await
            {
                // Mindbody's clock may run ahead of ours: a token we hold as fresh can be
                // expired there. Renew it and ask once more; a refusal a fresh token does not
                // cure is the sign-in's (or the API key's) fault.
                Err(e) if e.is_unauthorized() => {
                    let renewed = self
                        .renew_rejected_token(&token)
                        .await
                        .map_err(|e| fail(&log, e))?;
                    match self
                        .fetch_and_store(kind, &client, &renewed, &plan, &mut context)
                        .await
                    {
                        Err(e) if e.is_unauthorized() && !e.names_the_api_key() => {
                            Err(self.sign_in_refused(&e).map_err(|e| fail(&log, e))?)
                        }
                        other => other,
                    }
                }
                other => other,
            }
            .map_err(|e| fail(&log, e))?;
            log.records.only_by_sync += page.only_by_sync;
            for outcome in page.outcomes {
                match outcome {
                    Upserted::New => log.records.new += 1,
                    Upserted::Updated => log.records.updated += 1,
                    Upserted::Unchanged | Upserted::Tombstoned => log.records.unchanged += 1,
                }
            }
            plan.next_offset += page.items;
            let done = page.items == 0 || plan.next_offset >= page.total;
            // The page is stored: only now does the checkpoint move past it.
            if done {
                store
                    .remove_meta(&checkpoint_key(kind))
                    .map_err(|e| fail(&log, e.into()))?;
            } else {
                store
                    .put_meta_json(&checkpoint_key(kind), &plan)
                    .map_err(|e| fail(&log, e.into()))?;
            }
            calls.copy_to(&mut log);
            log = self
                .record_sync(log.clone())
                .await
                .map_err(|e| fail(&log, e))?;
            if done {
                break;
            }
        }
        if kind != SyncKind::Categories {
            store
                .put_meta_json(&cursor_key(kind), &plan.end)
                .map_err(|e| fail(&log, e.into()))?;
        }
        let webhooks_on = self
            .webhooks_active_since()
            .map_err(|e| fail(&log, e))?
            .is_some();
        if kind == SyncKind::Sales && webhooks_on {
            let catch_up = CatchUp {
                only_by_sync: log.records.only_by_sync,
                at: Utc::now(),
            };
            store
                .put_meta_json(CATCH_UP, &catch_up)
                .map_err(|e| fail(&log, e.into()))?;
        }
        // This run read everything since (at least) the lookback's start: the next re-read is
        // due `lookback_every` from now.
        let covered_lookback = kind.windowed()
            && plan.start <= plan.end - config.lookback() + chrono::Duration::minutes(1);
        if covered_lookback {
            store
                .put_meta_json(&lookback_key(kind), &Utc::now())
                .map_err(|e| fail(&log, e.into()))?;
        }
        Ok(log)
    }

    /// What storing a kind's pages needs from the books: the category mapping for sales, the
    /// customers already there for client matching.
    fn page_context(&self, kind: SyncKind) -> Result<PageContext, EngineError> {
        let store = &self.inner.store;
        Ok(match kind {
            SyncKind::Sales => PageContext::Classes(
                store
                    .categories()?
                    .into_iter()
                    .filter_map(|c| Some((c.id, c.class?)))
                    .collect(),
            ),
            SyncKind::Clients => {
                let mut existing: HashMap<String, Customer> = store
                    .customers()?
                    .into_iter()
                    .map(|c| (c.key.clone(), c))
                    .collect();
                self.clear_ruled_out_duplicates(&mut existing)?;
                PageContext::Customers(CustomerIndex::new(existing.values()), existing)
            }
            _ => PageContext::None,
        })
    }

    /// The real transactions of these sales are about to be stored: a webhook's provisional
    /// ones go. Counts the sales new to the books that no webhook had brought, once webhooks
    /// are on.
    fn supersede_webhook_sales(&self, sales: &[mindbody::types::Sale]) -> Result<u64, EngineError> {
        let store = &self.inner.store;
        let active_since = self.webhooks_active_since()?;
        let mut only_by_sync = 0;
        for sale in sales {
            let keys = store.transaction_keys_with_prefix(&mapping::sale_prefix(sale.id))?;
            let provisional: Vec<String> = keys
                .iter()
                .filter(|k| mapping::is_provisional(k))
                .cloned()
                .collect();
            store.remove_transactions(&provisional)?;
            let sold_at = sale.sale_date_time.and_local_timezone(Local).earliest();
            let webhooks_were_on = active_since
                .zip(sold_at)
                // Mindbody's times are whole seconds.
                .is_some_and(|(since, sold)| {
                    sold.with_timezone(&Utc) >= since - chrono::Duration::seconds(1)
                });
            if keys.is_empty() && webhooks_were_on {
                only_by_sync += 1;
            }
        }
        Ok(only_by_sync)
    }

    /// What the last sales sync since webhooks went on found that they had missed.
    pub(super) fn last_catch_up(&self) -> Result<Option<CatchUp>, EngineError> {
        Ok(self.inner.store.meta_json(CATCH_UP)?)
    }

    async fn fetch_and_store(
        &self,
        kind: SyncKind,
        client: &MindbodyClient,
        token: &crate::secret::Secret,
        plan: &Checkpoint,
        context: &mut PageContext,
    ) -> Result<PageStored, EngineError> {
        let store = &self.inner.store;
        let api = |error| EngineError::Mindbody { error };
        let synced_at = Utc::now();
        Ok(match kind {
            SyncKind::Categories => {
                let page = client
                    .categories_page(token, plan.next_offset)
                    .await
                    .map_err(api)?;
                let categories: Vec<Category> = page
                    .categories
                    .iter()
                    .map(|c| Category {
                        id: c.id,
                        name: crate::present::one_line(&c.name),
                        service: c.service,
                        source: "mindbody".into(),
                        class: None,
                    })
                    .collect();
                PageStored {
                    items: page.categories.len() as u64,
                    total: page.pagination.total_results,
                    outcomes: store.upsert_categories(&categories)?,
                    only_by_sync: 0,
                }
            }
            SyncKind::Clients => {
                let since = (plan.start != NaiveDateTime::MIN).then_some(plan.start);
                let page = client
                    .clients_page(token, since, plan.next_offset)
                    .await
                    .map_err(api)?;
                let PageContext::Customers(index, existing) = context else {
                    unreachable!("a clients sync always has its customer index");
                };
                // A client the books already hold a newer copy of (a webhook brought a change
                // made after this page was read) is left as it is.
                let mut kept = 0;
                let mut customers: Vec<Customer> = Vec::with_capacity(page.clients.len());
                for c in &page.clients {
                    let newer = index
                        .linked(&c.id)
                        .and_then(|key| existing.get(key))
                        .is_some_and(|stored| stored.newer_than(c.last_modified));
                    if newer {
                        kept += 1;
                        continue;
                    }
                    let customer = customer_of(c, index, existing);
                    index.add(&customer);
                    existing.insert(customer.key.clone(), customer.clone());
                    customers.push(customer);
                }
                let mut outcomes = store.upsert_customers(&customers)?;
                outcomes.extend(std::iter::repeat_n(Upserted::Unchanged, kept));
                PageStored {
                    items: page.clients.len() as u64,
                    total: page.pagination.total_results,
                    outcomes,
                    only_by_sync: 0,
                }
            }
            SyncKind::Sales => {
                let page = client
                    .sales_page(token, plan.start, plan.end, plan.next_offset)
                    .await
                    .map_err(api)?;
                let no_classes = HashMap::new();
                let classes = match context {
                    PageContext::Classes(classes) => &*classes,
                    _ => &no_classes,
                };
                let transactions: Vec<_> = page
                    .sales
                    .iter()
                    .flat_map(|sale| mapping::transactions_of(sale, classes, synced_at))
                    .collect();
                let only_by_sync = self.supersede_webhook_sales(&page.sales)?;
                PageStored {
                    items: page.sales.len() as u64,
                    total: page.pagination.total_results,
                    outcomes: store.upsert_transactions(&transactions, plan.revive)?,
                    only_by_sync,
                }
            }
            SyncKind::Transactions => {
                let page = client
                    .transactions_page(token, plan.start, plan.end, plan.next_offset)
                    .await
                    .map_err(api)?;
                let mut settled = Vec::new();
                let mut outcomes = Vec::new();
                for card in &page.transactions {
                    let Some(sale_id) = card.sale_id else {
                        outcomes.push(Upserted::Unchanged);
                        continue;
                    };
                    let settlement = Settlement {
                        transaction_id: card.transaction_id,
                        status: crate::present::one_line(&card.status),
                        settled: card.settled,
                    };
                    let items =
                        store.transactions_with_prefix(&format!("mindbody:sale:{sale_id}:"))?;
                    if items
                        .iter()
                        .all(|t| t.settlement.as_ref() == Some(&settlement))
                    {
                        outcomes.push(Upserted::Unchanged);
                        continue;
                    }
                    settled.extend(items.into_iter().map(|t| Transaction {
                        settlement: Some(settlement.clone()),
                        synced_at,
                        ..t
                    }));
                    outcomes.push(Upserted::Updated);
                }
                store.upsert_transactions(&settled, false)?;
                PageStored {
                    items: page.transactions.len() as u64,
                    total: page.pagination.total_results,
                    outcomes,
                    only_by_sync: 0,
                }
            }
        })
    }
}
