//! What the books answer: today's sales for the hub's title, and pages of transactions under a
//! filter for the transactions screen. A filter's matching keys are found once and kept until the
//! next write to the books, so scrolling reads only the rows on screen.

use std::sync::{Arc, Mutex};

use chrono::Local;

use super::account_key::visible;
use crate::api::books::{TodaysSales, TransactionPage};
use crate::engine::host::{Core, EngineError};
use crate::engine::states::RoomState;

/// The transaction keys (newest first) for the last filter asked for.
#[derive(Default)]
pub(crate) struct FilterCache(Mutex<Option<(String, Arc<Vec<String>>)>>);

/// The books' share of the engine's state.
impl RoomState for FilterCache {}

impl FilterCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(String, Arc<Vec<String>>)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Core {
    /// The sum of the sales dated today (studio time).
    pub async fn todays_sales(&self) -> Result<TodaysSales, EngineError> {
        let today = Local::now().date_naive();
        let from = today.and_hms_opt(0, 0, 0).unwrap_or_default();
        let to = from + chrono::Duration::days(1);
        // The fee a deposit matched today posted is an expense, not a sale.
        let rows: Vec<_> = self
            .inner
            .store
            .transactions_between(from, to)?
            .into_iter()
            .filter(|t| t.is_sale())
            .collect();
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
        let mut cache = self.state::<FilterCache>().lock();
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
    pub(crate) fn invalidate_transactions(&self) {
        *self.state::<FilterCache>().lock() = None;
    }
}
