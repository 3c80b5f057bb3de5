//! Driving syncs: one run at a time (a second `s` while one runs starts nothing), the schedule
//! (`[mindbody] sync_every`), what the hub shows about it (next sync, on time or delayed, API
//! calls today), today's sales, and pages of transactions for the transactions view.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Local, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Core, EngineError, Event};
use crate::domain::{Provider, Status};
use crate::finance::Transaction;
use crate::finance::account_key::visible;
use crate::store::IntegrationRecord;

use super::sync::SyncRequest;

/// Whether the last good sync is as recent as the schedule promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    OnTime,
    /// More than twice the interval since the last good sync.
    Delayed,
}

/// The sum of today's sales, for the hub's title line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodaysSales {
    pub total: Decimal,
    pub items: u64,
    /// The sales' currency (all of a site's sales are in its currency).
    #[serde(default)]
    pub currency: String,
}

/// A window of transactions, newest first, under a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionPage {
    pub filter: String,
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<Transaction>,
    /// The customers of these rows: key → name.
    pub customers: std::collections::BTreeMap<String, String>,
}

impl Core {
    /// Starts a sync in the background; false when one is already running. Refused at once,
    /// with nothing written, when Mindbody is not set up or signed in.
    pub fn start_mindbody_sync(&self, request: SyncRequest) -> Result<bool, EngineError> {
        self.ready_to_sync()?;
        if self.inner.sync_running.swap(true, Ordering::SeqCst) {
            return Ok(false);
        }
        let engine = self.clone();
        tokio::spawn(async move {
            let outcome = engine.sync_mindbody(&request).await;
            engine.inner.sync_running.store(false, Ordering::SeqCst);
            if let Err(error) = outcome {
                engine.emit(Event::JobFailed {
                    provider: Provider::Mindbody,
                    error: error.to_string(),
                    step: error.step(),
                });
            }
        });
        Ok(true)
    }

    pub fn mindbody_sync_running(&self) -> bool {
        self.inner.sync_running.load(Ordering::SeqCst)
    }

    /// Syncs on `[mindbody] sync_every` while the engine lives (the dashboard, or `serve`). A
    /// beat that finds a sync running, or Mindbody not connected, waits for the next.
    pub fn start_schedule(&self) {
        let Some(every) = self.inner.config.mindbody.sync_every() else {
            return;
        };
        let engine = self.clone();
        let every = every
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1800));
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(every);
            beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            beat.tick().await; // the first tick is immediate: wait a whole interval first
            loop {
                beat.tick().await;
                if engine.mindbody_connected() {
                    let _ = engine.start_mindbody_sync(SyncRequest::default());
                }
            }
        });
    }

    /// What an always-on owner does besides the schedule: works off webhook events left by the
    /// last run, then every hour checks the webhook subscription (Mindbody may have turned it
    /// off) and keeps the Mindbody tokens fresh, and once a day, while webhooks are on, runs a
    /// catch-up sync over the lookback window that counts what webhooks missed.
    pub fn start_upkeep(&self) {
        let _ = self.receiving();
        let engine = self.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            hourly.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let catch_up_every = engine.inner.config.mindbody.catch_up_every();
            loop {
                hourly.tick().await;
                engine.check_subscription().await;
                if !engine.mindbody_connected() {
                    continue;
                }
                if let Err(e) = engine.mindbody_access_token().await {
                    tracing::warn!("keeping the Mindbody tokens fresh: {e}");
                }
                let due = engine.webhooks_active_since().ok().flatten().is_some()
                    && engine
                        .last_catch_up()
                        .ok()
                        .flatten()
                        .is_none_or(|c| Utc::now() - c.at >= catch_up_every);
                if due {
                    let since = Local::now().date_naive() - engine.inner.config.mindbody.lookback();
                    let _ = engine.start_mindbody_sync(SyncRequest {
                        only: Some(super::SyncKind::Sales),
                        since: Some(since),
                        full: false,
                    });
                }
            }
        });
    }

    /// Signed in to Mindbody (working, or failing for a reason a sync may get past).
    fn mindbody_connected(&self) -> bool {
        self.inner
            .store
            .integration(Provider::Mindbody)
            .ok()
            .flatten()
            .is_some_and(|r| matches!(r.status, Status::Connected | Status::Error))
    }

    /// The sum of the sales dated today (studio time).
    pub async fn todays_sales(&self) -> Result<TodaysSales, EngineError> {
        let today = Local::now().date_naive();
        let from = today.and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = from + chrono::Duration::days(1);
        let rows = self.inner.store.transactions_between(from, to)?;
        Ok(TodaysSales {
            total: rows.iter().map(|t| t.amount).sum(),
            items: rows.len() as u64,
            currency: rows.first().map(|t| t.currency.clone()).unwrap_or_default(),
        })
    }

    /// Transactions newest first, `limit` from `offset`, matching `filter` (in the
    /// description, customer, class or source; empty matches all). The matching keys are kept
    /// until the next sync, so scrolling reads only the rows on screen.
    pub async fn transactions_page(
        &self,
        filter: &str,
        offset: u64,
        limit: usize,
    ) -> Result<TransactionPage, EngineError> {
        let store = &self.inner.store;
        // Unfiltered, the window is read straight from the date index; a filter's matches are
        // found once and kept until the next sync.
        let (total, window) = if filter.trim().is_empty() {
            (
                store.transaction_count()?,
                store.transaction_keys_window(offset, limit)?,
            )
        } else {
            let keys = self.transaction_keys(filter)?;
            let window = keys
                .iter()
                .skip(offset as usize)
                .take(limit)
                .cloned()
                .collect();
            (keys.len() as u64, window)
        };
        let rows = window
            .iter()
            .filter_map(|key| store.transaction(key).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let customers = rows
            .iter()
            .filter_map(|t| t.customer.clone())
            .filter_map(|key| {
                let customer = store.customer(&key).ok().flatten()?;
                Some((key, customer.full_name()))
            })
            .collect();
        Ok(TransactionPage {
            filter: filter.to_string(),
            total,
            offset,
            rows,
            customers,
        })
    }

    fn transaction_keys(&self, filter: &str) -> Result<Arc<Vec<String>>, EngineError> {
        let filter = filter.trim().to_lowercase();
        let mut cache = self
            .inner
            .transaction_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((cached, keys)) = cache.as_ref()
            && *cached == filter
        {
            return Ok(keys.clone());
        }
        let store = &self.inner.store;
        let all = store.transaction_keys_newest_first()?;
        let keys: Vec<String> = if filter.is_empty() {
            all
        } else {
            all.into_iter()
                .filter(|key| {
                    store.transaction(key).ok().flatten().is_some_and(|t| {
                        [
                            Some(t.description.as_str()),
                            // The customer's key as people see it (without its site).
                            t.customer.as_deref().map(visible).as_deref(),
                            t.class.as_deref(),
                            Some(t.source.as_str()),
                        ]
                        .into_iter()
                        .flatten()
                        .any(|field| field.to_lowercase().contains(&filter))
                    })
                })
                .collect()
        };
        let keys = Arc::new(keys);
        *cache = Some((filter, keys.clone()));
        Ok(keys)
    }

    /// New transactions were stored: the cached key list is stale.
    pub(super) fn invalidate_transactions(&self) {
        *self
            .inner
            .transaction_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The reason a signed-in Mindbody needs a look when its scheduled sync is overdue by more than
/// its interval (no good sync for two intervals: the schedule's runs fail, or none runs).
pub(super) fn overdue(
    record: Option<&IntegrationRecord>,
    config: &crate::providers::mindbody::MindbodyEndpoints,
    now: DateTime<Utc>,
) -> Option<String> {
    let record = record?;
    let every = config.sync_every()?;
    if !matches!(record.status, Status::Connected | Status::Syncing) {
        // Not signed in: no schedule runs. In error: the error already asks for a look.
        return None;
    }
    // With no good sync yet, from the sign-in (the record's last change), not from when the
    // integration was first set up.
    let since = record.last_sync_at.unwrap_or(record.updated_at);
    (now - since > every * 2).then(|| {
        format!(
            "the scheduled sync (every {}) is overdue: {}",
            config.sync_every.as_deref().unwrap_or_default(),
            match record.last_sync_at {
                Some(last) => format!(
                    "the last good one was {}",
                    crate::present::ago(Some(last), now)
                ),
                None => "none has completed yet".into(),
            }
        )
    })
}

/// Today's requests to Mindbody: answered (billed) and never delivered (not billed).
pub(super) struct CallsToday {
    pub billed: u64,
    pub unreached: u64,
}

/// Schedule, freshness and the API budget, for Mindbody's detail pane and the status glance.
pub(super) fn schedule_facts(
    record: Option<&IntegrationRecord>,
    config: &crate::providers::mindbody::MindbodyEndpoints,
    calls_today: CallsToday,
    now: DateTime<Utc>,
) -> (
    Vec<super::view::Fact>,
    Option<Freshness>,
    Option<DateTime<Utc>>,
) {
    use super::view::Fact;
    let unreached = match calls_today.unreached {
        0 => String::new(),
        1 => " · 1 attempt could not connect".into(),
        n => format!(
            " · {} attempts could not connect",
            crate::present::thousands(n)
        ),
    };
    let mut facts = vec![Fact {
        label: "API calls".into(),
        value: format!(
            "{} today of {} included{unreached}",
            crate::present::thousands(calls_today.billed),
            crate::present::thousands(config.daily_call_allowance())
        ),
    }];
    let last = record.and_then(|r| r.last_sync_at);
    let Some(every) = config.sync_every() else {
        facts.push(Fact {
            label: "Schedule".into(),
            value: "off (s syncs now; set [mindbody] sync_every)".into(),
        });
        return (facts, None, None);
    };
    let next = last
        .map(|l| l + every)
        .filter(|n| *n > now)
        .unwrap_or(now + every);
    let freshness = match last {
        Some(last) if now - last > every * 2 => Freshness::Delayed,
        None => Freshness::Delayed,
        Some(_) => Freshness::OnTime,
    };
    facts.push(Fact {
        label: "Schedule".into(),
        value: format!(
            "every {}; {}",
            config.sync_every.as_deref().unwrap_or_default(),
            match freshness {
                Freshness::OnTime => "on time",
                Freshness::Delayed => "delayed",
            }
        ),
    });
    (facts, Some(freshness), Some(next))
}
