//! The `forecast_cache` tree (records database): figures the forecasts worked out from a window
//! of transactions, kept with what they were made from so a later reader can tell whether they
//! still hold (the forecast that writes one decides that; the store keeps bytes by name).

use super::{Store, StoreError};

pub const TREE: &str = "forecast_cache";

impl Store {
    fn forecast_cache_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.records()?.db.open_tree(TREE)?)
    }

    /// What was kept under `name`, if anything.
    pub fn forecast_cache(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .forecast_cache_tree()?
            .get(name.as_bytes())?
            .map(|v| v.to_vec()))
    }

    /// Keeps `bytes` under `name`, replacing what was there. Not flushed: a cache lost in a
    /// crash is worked out again.
    pub fn put_forecast_cache(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.forecast_cache_tree()?.insert(name.as_bytes(), bytes)?;
        Ok(())
    }
}
