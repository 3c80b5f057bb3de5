//! Syncing Mindbody into the books. Each sync type keeps a cursor in `meta`, moved only when a
//! run completes, and a checkpoint moved after every stored page, so a run killed half-way
//! resumes where it stopped; a lookback window re-reads the last days for late edits and
//! refunds; every write is an upsert, so nothing is ever stored twice. A sale brings its items
//! (transactions) and its payments; the transactions type brings the card charges behind them.
//! Each run is a sync log, updated page by page (the history pane counts up while it runs).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catch_up::CATCH_UP;
use super::catch_up::CatchUp;
use super::sync_calls::RunCalls;
use crate::api::requests::{SyncKind, SyncRequest};
use crate::books::AccountKey;
use crate::books::ledger::matched;
use crate::books::{Category, Customer, CustomerIndex, Settlement, Transaction, Upserted};
use crate::domain::NextStep;
use crate::domain::{Provider, SyncStatus};
use crate::engine::host::{Core, EngineError};
use crate::integrations::mindbody::{self, MindbodyClient, mapping};
use crate::store::{RecordCounts, SyncLog};

/// Whether a sync type reads a time window (with a lookback) rather than a whole list.
fn windowed(kind: SyncKind) -> bool {
    matches!(kind, SyncKind::Sales | SyncKind::Transactions)
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

impl PageStored {
    /// A page of `items` out of the `total` its pagination says, stored with these outcomes.
    fn of(items: usize, total: u64, outcomes: Vec<Upserted>) -> PageStored {
        PageStored {
            items: items as u64,
            total,
            outcomes,
            only_by_sync: 0,
        }
    }
}

/// What storing a page needs, loaded once per run.
enum PageContext {
    None,
    /// Category id → financial class.
    Classes(HashMap<i64, String>),
    /// The customers already in the books (by key) and their index, kept up to date as pages
    /// are stored: loaded once per run, not once per page.
    Customers(CustomerIndex, HashMap<String, Customer>),
}

/// Where an interrupted run stopped: its window and the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    start: NaiveDateTime,
    end: NaiveDateTime,
    next_offset: u64,
    revive: bool,
}

fn cursor_key(site: &AccountKey, kind: SyncKind) -> String {
    site.meta(&format!("cursor.{}", kind.name()))
}

/// How far before the cursor every windowed run starts, between lookbacks.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(15);

/// When a run of this kind last re-read the lookback window.
fn lookback_key(site: &AccountKey, kind: SyncKind) -> String {
    site.meta(&format!("lookback_at.{}", kind.name()))
}

fn checkpoint_key(site: &AccountKey, kind: SyncKind) -> String {
    site.meta(&format!("checkpoint.{}", kind.name()))
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
    pub(crate) fn ready_to_sync(&self) -> Result<(), EngineError> {
        let settings = self.mindbody_settings()?;
        let has_key = self.mindbody_secret(mindbody::API_KEY)?.is_some();
        if settings.site_id.is_none() || settings.client_id.is_none() || !has_key {
            return Err(EngineError::NotReady {
                what: "Mindbody is not set up yet: it needs the site id, the client id and the API key before it can sync".into(),
                step: NextStep::ConfigureMindbody,
            });
        }
        if self.inner.store.tokens(self.mindbody_id())?.is_none() {
            let reauth = self
                .inner
                .store
                .integration(self.mindbody_id())?
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
            site: self.mindbody_id().site,
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

    /// API calls made today, and the daily allowance.
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
                site: self.mindbody_id().site,
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
                log.error_details = Some(crate::text::one_line(&error.to_string()));
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
        let site = self.mindbody_account().map_err(|e| fail(&log, e))?;
        let checkpoint: Option<Checkpoint> = store
            .meta_json(&checkpoint_key(&site, kind))
            .map_err(|e| fail(&log, e.into()))?;
        let (mut plan, resumed) = match checkpoint {
            // A run was cut off: finish its window first, from the page it stopped at.
            Some(cp) if !request.full && request.since.is_none() => (cp, true),
            _ => {
                let cursor: Option<NaiveDateTime> = store
                    .meta_json(&cursor_key(&site, kind))
                    .map_err(|e| fail(&log, e.into()))?;
                let last_lookback: Option<DateTime<Utc>> = store
                    .meta_json(&lookback_key(&site, kind))
                    .map_err(|e| fail(&log, e.into()))?;
                let lookback_due =
                    last_lookback.is_none_or(|at| Utc::now() - at >= config.lookback_every());
                let start = match (kind, request.since, cursor) {
                    (SyncKind::Categories, _, _) => NaiveDateTime::MIN,
                    (_, Some(day), _) => day.and_hms_opt(0, 0, 0).unwrap_or_default(),
                    (_, None, Some(cursor)) if windowed(kind) && lookback_due => {
                        cursor - config.lookback()
                    }
                    // A short overlap absorbs clock skew and sales recorded a little late.
                    (_, None, Some(cursor)) if windowed(kind) => cursor - OVERLAP,
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
                    .remove_meta(&checkpoint_key(&site, kind))
                    .map_err(|e| fail(&log, e.into()))?;
            } else {
                store
                    .put_meta_json(&checkpoint_key(&site, kind), &plan)
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
        if kind == SyncKind::Categories {
            // The location names come with the categories, read only when due (one counted
            // call). Reports fall back to "Location N" without them, so a failure here is
            // noted, not the sync's.
            let token = self
                .mindbody_access_token()
                .await
                .map_err(|e| fail(&log, e))?;
            if let Err(e) = self.refresh_location_names(&client, &token).await {
                tracing::warn!("reading Mindbody's location names: {e}");
            }
        }
        if kind != SyncKind::Categories {
            store
                .put_meta_json(&cursor_key(&site, kind), &plan.end)
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
        let covered_lookback = windowed(kind)
            && plan.start <= plan.end - config.lookback() + chrono::Duration::minutes(1);
        if covered_lookback {
            store
                .put_meta_json(&lookback_key(&site, kind), &Utc::now())
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
                    .categories_of(&self.mindbody_account()?)?
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
    fn supersede_webhook_sales(
        &self,
        site: &AccountKey,
        sales: &[mindbody::types::Sale],
    ) -> Result<u64, EngineError> {
        let store = &self.inner.store;
        let active_since = self.webhooks_active_since()?;
        let mut only_by_sync = 0;
        for sale in sales {
            let keys = store.transaction_keys_with_prefix(&mapping::sale_prefix(site, sale.id))?;
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
    pub(crate) fn last_catch_up(&self) -> Result<Option<CatchUp>, EngineError> {
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
        let site = self.mindbody_account()?;
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
                        name: crate::text::one_line(&c.name),
                        service: c.service,
                        source: "mindbody".into(),
                        class: None,
                    })
                    .collect();
                PageStored::of(
                    page.categories.len(),
                    page.pagination.total_results,
                    store.upsert_categories(&site, &categories)?,
                )
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
                    let customer = matched(mapping::customer_of(&site, c), index, existing);
                    index.add(&customer);
                    existing.insert(customer.key.clone(), customer.clone());
                    customers.push(customer);
                }
                let mut outcomes = store.upsert_customers(&customers)?;
                outcomes.extend(std::iter::repeat_n(Upserted::Unchanged, kept));
                PageStored::of(page.clients.len(), page.pagination.total_results, outcomes)
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
                    .flat_map(|sale| mapping::transactions_of(&site, sale, classes, synced_at))
                    .collect();
                let payments: Vec<_> = page
                    .sales
                    .iter()
                    .map(|sale| mapping::payments_of(&site, sale))
                    .collect();
                let only_by_sync = self.supersede_webhook_sales(&site, &page.sales)?;
                let (outcomes, _) = store.upsert_sales(&transactions, &payments, plan.revive)?;
                self.note_contract_sales(&site, &page.sales)?;
                PageStored {
                    only_by_sync,
                    ..PageStored::of(page.sales.len(), page.pagination.total_results, outcomes)
                }
            }
            SyncKind::Transactions => {
                let page = client
                    .transactions_page(token, plan.start, plan.end, plan.next_offset)
                    .await
                    .map_err(api)?;
                // Each charge as the books keep it (for reconciliation), then its sale's items
                // marked with its settlement. A charge is new, updated or unchanged as its
                // record is; its settlement changing on the items makes it updated.
                let cards: Vec<_> = page
                    .transactions
                    .iter()
                    .filter_map(|card| mapping::card_transaction_of(&site, card))
                    .collect();
                let stored: HashMap<i64, Upserted> = cards
                    .iter()
                    .map(|c| c.transaction_id)
                    .zip(store.upsert_card_transactions(&cards)?)
                    .collect();
                let mut settled = Vec::new();
                let mut outcomes = Vec::new();
                for card in &page.transactions {
                    let record = stored
                        .get(&card.transaction_id)
                        .copied()
                        .unwrap_or(Upserted::Unchanged);
                    let Some(sale_id) = card.sale_id else {
                        outcomes.push(record);
                        continue;
                    };
                    let settlement = Settlement {
                        transaction_id: card.transaction_id,
                        status: crate::text::one_line(&card.status),
                        settled: card.settled,
                    };
                    let items =
                        store.transactions_with_prefix(&mapping::sale_prefix(&site, sale_id))?;
                    if items
                        .iter()
                        .all(|t| t.settlement.as_ref() == Some(&settlement))
                    {
                        outcomes.push(record);
                        continue;
                    }
                    settled.extend(items.into_iter().map(|t| Transaction {
                        settlement: Some(settlement.clone()),
                        synced_at,
                        ..t
                    }));
                    outcomes.push(match record {
                        Upserted::New => Upserted::New,
                        _ => Upserted::Updated,
                    });
                }
                store.upsert_transactions(&settled, false)?;
                PageStored::of(
                    page.transactions.len(),
                    page.pagination.total_results,
                    outcomes,
                )
            }
        })
    }
}
