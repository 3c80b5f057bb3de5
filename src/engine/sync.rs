//! Syncing Mindbody into the books. Each sync type keeps a cursor in `meta`, moved only when a
//! run completes, and a checkpoint moved after every stored page, so a run killed half-way
//! resumes where it stopped; a lookback window re-reads the last days for late edits and
//! refunds; every write is an upsert, so nothing is ever stored twice. Each run is a sync log,
//! updated page by page (the history pane counts up while it runs).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Local, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Engine, EngineError};
use crate::domain::{Provider, SyncStatus};
use crate::finance::Upserted;
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
    Sales,
}

impl SyncKind {
    pub const ALL: [SyncKind; 1] = [SyncKind::Sales];

    pub fn name(self) -> &'static str {
        match self {
            SyncKind::Sales => "sales",
        }
    }
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

fn checkpoint_key(kind: SyncKind) -> String {
    format!("mindbody.checkpoint.{}", kind.name())
}

/// The meta counter of API calls made on a day (they are billed past the daily allowance).
pub fn calls_key(day: NaiveDate) -> String {
    format!("mindbody.calls.{}", day.format("%Y-%m-%d"))
}

impl Engine {
    /// Runs the sync types asked for, in order, each as its own sync log. Returns the logs.
    pub async fn sync_mindbody(&self, request: &SyncRequest) -> Result<Vec<SyncLog>, EngineError> {
        let kinds: Vec<SyncKind> = match request.only {
            Some(kind) => vec![kind],
            None => SyncKind::ALL.to_vec(),
        };
        let mut logs = Vec::new();
        for kind in kinds {
            logs.push(self.sync_one(kind, request).await?);
        }
        Ok(logs)
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

    /// A client that counts every request it sends, into today's counter and this run's.
    fn counting_client(&self, run_calls: Arc<AtomicU64>) -> Result<MindbodyClient, EngineError> {
        let settings = self.mindbody_settings()?;
        let api_key = self.mindbody_secret(mindbody::API_KEY)?.ok_or_else(|| {
            EngineError::Invalid("Mindbody has no API key yet: press c on Mindbody, or run `legion-hub mindbody configure`".into())
        })?;
        let engine = self.clone();
        let counter: mindbody::client::CallCounter = Arc::new(move || {
            run_calls.fetch_add(1, Ordering::Relaxed);
            let _ = engine
                .inner
                .store
                .increment(&calls_key(Local::now().date_naive()));
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

    async fn sync_one(
        &self,
        kind: SyncKind,
        request: &SyncRequest,
    ) -> Result<SyncLog, EngineError> {
        let store = &self.inner.store;
        let started = self
            .record_sync(SyncLog {
                provider: Provider::Mindbody,
                seq: 0,
                sync_type: kind.name().into(),
                status: SyncStatus::Started,
                records: RecordCounts::default(),
                api_calls: 0,
                error_details: None,
                started_at: Utc::now(),
                completed_at: None,
            })
            .await?;
        let calls = Arc::new(AtomicU64::new(0));
        let outcome = match kind {
            SyncKind::Sales => self.sync_sales(&started, request, calls.clone()).await,
        };
        let mut log = match outcome {
            Ok(log) => log,
            Err((mut log, error)) => {
                log.status = SyncStatus::Failed;
                log.error_details = Some(crate::present::one_line(&error.to_string()));
                log
            }
        };
        log.api_calls = calls.load(Ordering::Relaxed);
        log.completed_at = Some(Utc::now());
        if log.status == SyncStatus::Started {
            log.status = SyncStatus::Completed;
        }
        store.flush()?;
        self.record_sync(log).await
    }

    /// Sales into transactions, page by page.
    async fn sync_sales(
        &self,
        log: &SyncLog,
        request: &SyncRequest,
        calls: Arc<AtomicU64>,
    ) -> Result<SyncLog, (SyncLog, EngineError)> {
        let mut log = log.clone();
        let fail = |log: &SyncLog, error: EngineError| (log.clone(), error);
        let store = &self.inner.store;
        let config = &self.inner.config.mindbody;
        let kind = SyncKind::Sales;
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
                let start = match (request.since, cursor) {
                    (Some(day), _) => day.and_hms_opt(0, 0, 0).unwrap_or_default(),
                    (None, Some(cursor)) => cursor - config.lookback(),
                    (None, None) => now - config.first_sync(),
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
        let classes: HashMap<i64, String> = HashMap::new();
        loop {
            let token = self
                .mindbody_access_token()
                .await
                .map_err(|e| fail(&log, e))?;
            let page = client
                .sales_page(&token, plan.start, plan.end, plan.next_offset)
                .await
                .map_err(|error| fail(&log, EngineError::Mindbody { error }))?;
            let synced_at = Utc::now();
            let transactions: Vec<_> = page
                .sales
                .iter()
                .flat_map(|sale| mapping::transactions_of(sale, &classes, synced_at))
                .collect();
            let outcomes = store
                .upsert_transactions(&transactions, plan.revive)
                .map_err(|e| fail(&log, e.into()))?;
            for outcome in outcomes {
                match outcome {
                    Upserted::New => log.records.new += 1,
                    Upserted::Updated => log.records.updated += 1,
                    Upserted::Unchanged | Upserted::Tombstoned => log.records.unchanged += 1,
                }
            }
            plan.next_offset += page.sales.len() as u64;
            let done = page.sales.is_empty() || plan.next_offset >= page.pagination.total_results;
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
            log.api_calls = calls.load(Ordering::Relaxed);
            log = self
                .record_sync(log.clone())
                .await
                .map_err(|e| fail(&log, e))?;
            if done {
                break;
            }
        }
        store
            .put_meta_json(&cursor_key(kind), &plan.end)
            .map_err(|e| fail(&log, e.into()))?;
        Ok(log)
    }
}
